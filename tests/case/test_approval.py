"""Supervisors check intake's decisions (policy `triage_approval`): a decision that departs
from the proposal, every no further action and every decision of a pathway the policy names
waits for a supervisor's approval, on the queue at once with its own deadline and tiers;
the supervisor approves it or returns it with a reason; a further-action decision never
becomes no further action or a referral. All on the timeline."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle

from services.common.errors import FailedPrecondition
from services.common.updates import send_update
from tests import policies
from tests.case.test_workflow import decision, rejected
from tests.policies import SHIPPED
from tests.polling import QUERY_NOT_READY, answered, eventually, finished
from tests.workflows.scenarios import POLICY, Harness, until_stage
from workflows.case.model import (
    AdditionalInformation,
    ApprovalDecision,
    CaseFacts,
    CaseView,
    DeadlineKind,
    EscalationLevel,
    Stage,
)
from workflows.case.workflows import CaseWorkflow
from workflows.policy.loader import load_policy, shortened
from workflows.policy.model import CasePolicy, Pathway, Span, Timeframe

HOUR = timedelta(hours=1)
_SHIPPED = load_policy(SHIPPED).case.triage_approval
assert _SHIPPED is not None
#: The test policy with the shipped approval rules, the supervisor's deadline an hour.
APPROVAL: CasePolicy = dataclasses.replace(
    POLICY, triage_approval=dataclasses.replace(_SHIPPED, deadline=Span(seconds=3600))
)
#: The same rules with the supervisor's deadline and every tier's interval a second, for
#: the wall clock of `live_harness`.
LIVE_APPROVAL: CasePolicy = dataclasses.replace(
    shortened(policies.testing_policy(), tier2=1, tier3=1).case,
    triage_approval=dataclasses.replace(_SHIPPED, deadline=Span(seconds=1)),
)
#: The proposal every case here gets (scenarios.RecordedActivities).
PROPOSED = (Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT)


def approve(by: str = "sup-1", reason: str = "checked with the notifier") -> ApprovalDecision:
    return ApprovalDecision(by, True, reason)


def give_back(by: str = "sup-1", reason: str = "the school's second call says more") -> ApprovalDecision:
    return ApprovalDecision(by, False, reason)


async def _decided(handle: WorkflowHandle, pathway: Pathway, timeframe: Timeframe | None) -> CaseView:
    await eventually(lambda: _has_proposal(handle))
    return await handle.execute_update(CaseWorkflow.decide_triage, decision(pathway, timeframe, "seen the notes"))


async def _has_proposal(handle: WorkflowHandle) -> bool:
    return (await handle.query(CaseWorkflow.state)).proposal is not None


def _actions(view: CaseView) -> list[str]:
    return [e.action for e in view.timeline]


async def test_no_further_action_waits_for_a_supervisor_then_closes(harness: Harness) -> None:
    handle = await harness.start(policy=APPROVAL)
    view = await _decided(handle, Pathway.NO_FURTHER_ACTION, None)
    assert view.stage == Stage.TRIAGE and view.decision is None
    assert view.awaiting_approval is not None and view.awaiting_approval.pathway == Pathway.NO_FURTHER_ACTION

    async def asked() -> CaseView | None:
        v = await handle.query(CaseWorkflow.state)
        return v if "approval.requested" in _actions(v) else None

    waiting = await eventually(asked)
    assert waiting.deadline is not None and waiting.deadline.kind == DeadlineKind.TRIAGE_APPROVAL
    item = next(e for e in harness.activities.escalations.values() if e.kind == DeadlineKind.TRIAGE_APPROVAL)
    assert (item.tier, item.level, item.role) == (0, EscalationLevel.APPROVAL, "site_supervisor")
    requested = next(e for e in waiting.timeline if e.action == "approval.requested")
    assert "no further action" in requested.detail
    # triage met in time: its clock raised nothing, so there is nothing of it to resolve
    assert (handle.id.removeprefix("case-"), DeadlineKind.TRIAGE) not in harness.activities.resolved

    approved = await handle.execute_update(CaseWorkflow.decide_triage_approval, approve())
    assert approved.awaiting_approval is None
    result = await finished(handle)
    assert result.stage == Stage.CLOSED and result.decision is not None
    assert result.decision.pathway == Pathway.NO_FURTHER_ACTION
    actions = _actions(result)
    assert (
        actions.index("triage.decided")
        < actions.index("approval.requested")
        < actions.index("approval.granted")
        < actions.index("case.closed")
    )
    granted = next(e for e in result.timeline if e.action == "approval.granted")
    assert granted.actor == "sup-1" and "checked with the notifier" in granted.detail
    assert (handle.id.removeprefix("case-"), DeadlineKind.TRIAGE_APPROVAL) in harness.activities.resolved


async def test_a_decision_as_proposed_takes_effect_at_once(harness: Harness) -> None:
    handle = await harness.start(policy=APPROVAL)
    view = await _decided(handle, *PROPOSED)
    assert view.awaiting_approval is None and view.decision is not None
    await until_stage(handle, Stage.ASSESSMENT)
    assert harness.activities.tiers(DeadlineKind.TRIAGE_APPROVAL) == []


async def test_a_returned_departure_goes_back_and_cannot_become_no_further_action(harness: Harness) -> None:
    handle = await harness.start(policy=APPROVAL)
    view = await _decided(handle, Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.VERY_URGENT)  # departs
    assert view.awaiting_approval is not None and view.stage == Stage.TRIAGE
    assert "awaiting a supervisor's approval" in await rejected(
        handle, CaseWorkflow.decide_triage, decision(*PROPOSED, "changed my mind")
    )
    assert "social worker who made it" in await rejected(
        handle, CaseWorkflow.decide_triage_approval, approve(by="sw-1")
    )
    assert "needs a reason" in await rejected(handle, CaseWorkflow.decide_triage_approval, approve(reason=" "))

    await handle.execute_update(CaseWorkflow.decide_triage_approval, give_back())

    async def reopened() -> CaseView | None:
        v = await handle.query(CaseWorkflow.state)
        return v if "triage.reopened" in _actions(v) and v.deadline is not None else None

    again = await eventually(reopened)
    assert again.stage == Stage.TRIAGE and again.awaiting_approval is None and again.decision is None
    assert again.deadline is not None and again.deadline.kind == DeadlineKind.TRIAGE  # a new triage deadline
    returned = next(e for e in again.timeline if e.action == "approval.returned")
    assert returned.actor == "sup-1" and "second call" in returned.detail

    for downgrade in (Pathway.NO_FURTHER_ACTION, Pathway.REFER_COMMUNITY_PARTNER):
        refusal = await rejected(handle, CaseWorkflow.decide_triage, decision(downgrade, None, "on reflection"))
        assert "cannot be turned into no further action or a referral" in refusal
    await handle.execute_update(CaseWorkflow.decide_triage, decision(*PROPOSED))
    await until_stage(handle, Stage.ASSESSMENT)


async def test_an_unanswered_approval_escalates_by_the_tiers(harness: Harness) -> None:
    handle = await harness.start(policy=APPROVAL)
    await _decided(handle, Pathway.NO_FURTHER_ACTION, None)
    await eventually(lambda: _approval_due(handle))
    await harness.skip_to_due(handle, timedelta(seconds=1))
    await eventually(lambda: _tiers(harness, [0, 1]))
    await harness.skip(HOUR)  # tier 2 an hour after tier 1 (scenarios.POLICY)
    await eventually(lambda: _tiers(harness, [0, 1, 2]))
    view = await handle.query(CaseWorkflow.state)
    assert view.deadline is not None and view.deadline.breached and view.deadline.tier == 2

    await handle.execute_update(CaseWorkflow.decide_triage_approval, approve(reason="late, but right"))
    result = await finished(handle)
    assert result.stage == Stage.CLOSED
    met = next(e for e in result.timeline if e.action == "timer.met" and "TRIAGE_APPROVAL" in e.detail)
    assert "late: passed, escalated to tier 2" in met.detail
    assert harness.activities.tiers(DeadlineKind.TRIAGE) == []  # the social worker decided in time


async def _approval_due(handle: WorkflowHandle) -> bool:
    view = await handle.query(CaseWorkflow.state)
    return view.deadline is not None and view.deadline.kind == DeadlineKind.TRIAGE_APPROVAL


async def _tiers(harness: Harness, tiers: list[int]) -> bool:
    return [tier for _, tier in harness.activities.tiers(DeadlineKind.TRIAGE_APPROVAL)] == tiers


async def test_a_pathway_the_policy_names_waits_even_when_departures_do_not(harness: Harness) -> None:
    assert APPROVAL.triage_approval is not None
    named = dataclasses.replace(
        APPROVAL.triage_approval, departures=False, no_further_action=False, pathways=[Pathway.REFER_CHILDRENS_TEAM]
    )
    handle = await harness.start(policy=dataclasses.replace(APPROVAL, triage_approval=named))
    view = await _decided(handle, Pathway.REFER_CHILDRENS_TEAM, None)
    assert view.awaiting_approval is not None and view.awaiting_approval.pathway == Pathway.REFER_CHILDRENS_TEAM
    await handle.execute_update(CaseWorkflow.decide_triage_approval, approve())
    await until_stage(handle, Stage.AWAITING_CONSENT)

    other = await harness.start(policy=dataclasses.replace(APPROVAL, triage_approval=named))
    departs = await _decided(other, Pathway.JOINT_INVESTIGATION, Timeframe.CRITICAL)
    assert departs.awaiting_approval is None  # departures are not checked under this policy
    await until_stage(other, Stage.INVESTIGATION)


async def test_a_further_report_of_immediate_danger_returns_a_waiting_no_further_action(harness: Harness) -> None:
    handle = await harness.start(policy=APPROVAL)
    await _decided(handle, Pathway.NO_FURTHER_ACTION, None)
    await eventually(lambda: _approval_due(handle))
    danger = CaseFacts(
        concerns=["CONCERN_CATEGORY_NEGLECT"],
        immediate_danger=True,
        agency="AGENCY_POLICE",
        prior_involvement=False,
        youngest_child_age=3,
        child_safety_hub=False,
    )
    now = await harness.env.get_current_time()
    await handle.execute_update(
        CaseWorkflow.add_information, AdditionalInformation("report-2", danger.concerns, True, facts=danger)
    )

    async def reopened() -> CaseView | None:
        v = await handle.query(CaseWorkflow.state)
        return v if v.deadline is not None and v.deadline.kind == DeadlineKind.TRIAGE else None

    again = await eventually(reopened)
    returned = next(e for e in again.timeline if e.action == "approval.returned")
    assert returned.actor == "kahu" and "immediate danger" in returned.detail
    assert again.awaiting_approval is None
    # the triage deadline that applies to immediate danger: an hour, not the ordinary two
    assert again.deadline is not None and again.deadline.due_at is not None
    assert again.deadline.due_at <= now + HOUR + timedelta(minutes=1)
    assert len(harness.activities.police) == 1


async def test_a_waiting_decision_survives_continue_as_new(live_harness: Harness) -> None:
    harness = live_harness  # a second for every clock, on the wall clock
    handle = await harness.start(policy=LIVE_APPROVAL, history_limit=40)
    first_run = (await handle.describe()).run_id
    await _decided(handle, Pathway.NO_FURTHER_ACTION, None)

    async def every_tier() -> bool:  # the history grows past its limit on the way
        return [tier for _, tier in harness.activities.tiers(DeadlineKind.TRIAGE_APPROVAL)] == [0, 1, 2, 3]

    async def continued() -> bool:
        return (await handle.describe()).run_id != first_run

    await eventually(every_tier)
    await eventually(continued)
    view = await answered(lambda: handle.query(CaseWorkflow.state), not_yet=QUERY_NOT_READY)
    assert view.awaiting_approval is not None and view.stage == Stage.TRIAGE
    # as the services send them: a run may continue as new again as an update reaches it
    client = harness.env.client
    with pytest.raises(FailedPrecondition) as again:
        await send_update(client, handle.id, CaseWorkflow.decide_triage, decision(*PROPOSED, "again"), key="again-1")
    assert "awaiting a supervisor's approval" in str(again.value)
    await send_update(client, handle.id, CaseWorkflow.decide_triage_approval, approve(), key="approve-1")
    result = await finished(handle)
    assert result.stage == Stage.CLOSED
    assert [tier for _, tier in harness.activities.tiers(DeadlineKind.TRIAGE_APPROVAL)] == [0, 1, 2, 3]
