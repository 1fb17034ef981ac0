"""CaseWorkflow on the time-skipping test server: triage, its deadline, pathways, consent."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from tests.polling import eventually, finished
from tests.workflows.scenarios import POLICY, Harness, RecordedActivities, case_input, start_case, until_stage, worker
from workflows import search_attributes as sa
from workflows.case.model import (
    AdditionalInformation,
    ConsentResponse,
    DeadlineKind,
    Extension,
    Stage,
    TriageDecision,
    TriageProposal,
)
from workflows.case.workflows import CaseWorkflow
from workflows.policy.model import Pathway, Timeframe

HOUR = timedelta(hours=1)


def decision(pathway: Pathway, timeframe: Timeframe | None, reason: str = "", **kw: object) -> TriageDecision:
    return TriageDecision("sw-1", pathway, timeframe, reason, **kw)  # type: ignore[arg-type]


async def rejected(handle: WorkflowHandle, update: object, arg: object) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(update, arg)  # type: ignore[call-overload]
    return str(raised.value.cause)


async def test_triage_deadline_escalates_once_per_tier_then_stops_on_decision(harness: Harness) -> None:
    handle = await harness.start()
    await harness.skip_to_due(handle, timedelta(seconds=1))
    view = await handle.query(CaseWorkflow.state)
    assert view.deadline is not None and view.deadline.breached and view.deadline.tier == 1
    assert harness.activities.tiers(DeadlineKind.TRIAGE) == [(1, 1)]

    await harness.skip(HOUR)  # tier 2 is due one hour after tier 1
    assert harness.activities.tiers(DeadlineKind.TRIAGE) == [(1, 1), (1, 2)]
    await harness.skip(2 * HOUR)
    assert harness.activities.tiers(DeadlineKind.TRIAGE) == [(1, 1), (1, 2), (1, 3)]
    described = await handle.describe()
    assert described.typed_search_attributes.get(sa.ESCALATION_TIER) == 3
    assert described.typed_search_attributes.get(sa.BREACHED) is True

    await handle.execute_update(CaseWorkflow.decide_triage, decision(Pathway.NO_FURTHER_ACTION, None, "unfounded"))
    result = await finished(handle)
    assert result.stage == Stage.CLOSED
    assert len(harness.activities.escalations) == 3 == harness.activities.escalation_calls
    actions = [e.action for e in result.timeline]
    assert actions.count("escalation.raised") == 3
    assert actions.index("timer.expired") < actions.index("escalation.raised") < actions.index("triage.decided")


async def test_decision_before_the_triage_deadline_never_escalates(harness: Harness) -> None:
    handle = await harness.start()
    await harness.skip_to_due(handle, -timedelta(seconds=1))
    await handle.execute_update(CaseWorkflow.decide_triage, decision(Pathway.NO_FURTHER_ACTION, None, "no concern"))
    await finished(handle)
    await harness.skip(5 * HOUR)
    assert harness.activities.escalations == {}


async def test_supervisor_extends_the_triage_deadline(harness: Harness) -> None:
    handle = await harness.start()
    await harness.skip_to_due(handle, timedelta(seconds=1))
    assert harness.activities.tiers(DeadlineKind.TRIAGE) == [(1, 1)]
    now = await harness.env.get_current_time()

    assert "reason" in await rejected(handle, CaseWorkflow.extend_deadline, Extension("sup-1", now + HOUR, " "))
    assert "future" in await rejected(handle, CaseWorkflow.extend_deadline, Extension("sup-1", now - HOUR, "x"))
    view = await handle.execute_update(
        CaseWorkflow.extend_deadline, Extension("sup-1", now + 4 * HOUR, "waiting on school records")
    )
    assert view.deadline is not None and not view.deadline.breached and view.deadline.tier == 0

    await harness.skip(4 * HOUR - timedelta(seconds=2))
    assert harness.activities.tiers(DeadlineKind.TRIAGE) == [(1, 1)]
    await harness.skip(timedelta(seconds=3))
    assert harness.activities.tiers(DeadlineKind.TRIAGE) == [(1, 1), (2, 1)]
    assert any(e.action == "deadline.extended" for e in (await handle.query(CaseWorkflow.state)).timeline)


async def test_out_of_order_and_invalid_decisions_are_rejected_and_change_nothing(harness: Harness) -> None:
    handle = await harness.start()
    before = await handle.query(CaseWorkflow.state)

    reasons = [
        await rejected(handle, CaseWorkflow.decide_triage, decision(Pathway.CHILD_AND_FAMILY_ASSESSMENT, None)),
        await rejected(handle, CaseWorkflow.decide_triage, decision(Pathway.NO_FURTHER_ACTION, Timeframe.URGENT)),
        await rejected(handle, CaseWorkflow.decide_triage, decision(Pathway.NO_FURTHER_ACTION, None, "")),
        await rejected(handle, CaseWorkflow.record_consent, ConsentResponse("sw-1", True)),
    ]
    assert "timeframe" in reasons[0] and "timeframe" in reasons[1]
    assert "reason" in reasons[2]
    assert "consent" in reasons[3]
    assert await handle.query(CaseWorkflow.state) == before


async def test_protocol_case_needs_police_consultation_for_no_further_action(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    activities = RecordedActivities(
        TriageProposal(Timeframe.VERY_URGENT, Pathway.JOINT_INVESTIGATION, ["sexual-abuse"])
    )
    task_queue = f"case-{uuid.uuid4()}"
    async with worker(time_skipping_env.client, task_queue, activities):
        handle = await start_case(time_skipping_env.client, task_queue, case_input())
        reason = await rejected(
            handle, CaseWorkflow.decide_triage, decision(Pathway.NO_FURTHER_ACTION, None, "child safe with nana")
        )
        assert "Police consultation" in reason
        await handle.execute_update(
            CaseWorkflow.decide_triage,
            decision(Pathway.NO_FURTHER_ACTION, None, "Police agree: no offence", police_consulted=True),
        )
        assert (await finished(handle)).stage == Stage.CLOSED


async def test_immediate_danger_is_critical_and_notifies_police_once(harness: Harness) -> None:
    handle = await harness.start(immediate_danger=True)
    assert harness.activities.police == [handle.id.removeprefix("case-")]
    reason = await rejected(
        handle, CaseWorkflow.decide_triage, decision(Pathway.JOINT_INVESTIGATION, Timeframe.URGENT, "x")
    )
    assert "critical" in reason
    await handle.execute_update(
        CaseWorkflow.add_information, AdditionalInformation("report-2", ["CONCERN_CATEGORY_NEGLECT"], True)
    )
    assert len(harness.activities.police) == 1


async def test_child_safety_hub_report_always_gets_an_assessment(harness: Harness) -> None:
    handle = await harness.start(child_safety_hub=True, concerns=["CONCERN_CATEGORY_CARER_ENTERING_CUSTODY"])
    reason = await rejected(
        handle, CaseWorkflow.decide_triage, decision(Pathway.REFER_COMMUNITY_PARTNER, None, "grandmother caring")
    )
    assert "initial assessment" in reason
    await handle.execute_update(
        CaseWorkflow.decide_triage, decision(Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "hub report")
    )
    await until_stage(handle, Stage.ASSESSMENT)
    shown = await eventually(lambda: harness.shown_clock(handle, DeadlineKind.ASSESSMENT))
    view = await handle.query(CaseWorkflow.state)
    decided_at = next(e.at for e in view.timeline if e.action == "triage.decided")
    assert shown.due_at == decided_at + timedelta(hours=48)


async def test_consent_given_closes_the_referral(harness: Harness) -> None:
    handle = await harness.start()
    await handle.execute_update(
        CaseWorkflow.decide_triage, decision(Pathway.REFER_STRENGTHENING_FAMILIES, None, "family asked for help")
    )
    await until_stage(handle, Stage.AWAITING_CONSENT)
    await handle.execute_update(CaseWorkflow.record_consent, ConsentResponse("sw-1", True, "whānau agreed"))
    result = await finished(handle)
    assert result.stage == Stage.CLOSED
    assert [e.action for e in result.timeline][-3:] == ["consent.given", "case.closed", "stage.entered"]


@pytest.mark.parametrize("answer", ["declined", "no answer"])
async def test_declined_or_unanswered_consent_goes_back_to_the_social_worker(harness: Harness, answer: str) -> None:
    handle = await harness.start()
    await handle.execute_update(
        CaseWorkflow.decide_triage, decision(Pathway.REFER_COMMUNITY_PARTNER, None, "support needed")
    )
    await until_stage(handle, Stage.AWAITING_CONSENT)
    if answer == "declined":
        await handle.execute_update(CaseWorkflow.record_consent, ConsentResponse("sw-1", False, "family declined"))
    else:
        await harness.skip(timedelta(seconds=POLICY.consent_deadline.seconds + 1))
    await until_stage(handle, Stage.TRIAGE)
    view = await handle.query(CaseWorkflow.state)
    assert view.decision is None
    actions = [e.action for e in view.timeline]
    reopened = actions.index("triage.reopened")
    assert actions[reopened + 1] == "stage.entered" and view.timeline[reopened + 1].detail == "TRIAGE"
    if answer == "no answer":
        assert any(e.action == "timer.expired" and "CONSENT" in e.detail for e in view.timeline)


async def test_additional_information_joins_the_open_case_and_not_a_closed_one(harness: Harness) -> None:
    handle = await harness.start()
    await handle.execute_update(
        CaseWorkflow.add_information, AdditionalInformation("report-2", ["CONCERN_CATEGORY_FAMILY_VIOLENCE"], False)
    )
    assert (await handle.query(CaseWorkflow.state)).timeline[-1].action == "report.added"
    assert "already" in await rejected(
        handle, CaseWorkflow.add_information, AdditionalInformation("report-2", [], False)
    )
    await handle.execute_update(CaseWorkflow.decide_triage, decision(Pathway.NO_FURTHER_ACTION, None, "resolved"))
    await finished(handle)
    with pytest.raises(RPCError):  # a closed workflow takes no updates at all
        await handle.execute_update(CaseWorkflow.add_information, AdditionalInformation("report-3", [], False))
