"""AssessmentWorkflow on the time-skipping test server: the SLA timer, escalations,
supervision and approval, and working-day deadlines across holidays."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime, time, timedelta

import holidays
import pytest
from dateutil.easter import easter
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from tests.placement.workflow_fakes import AUNTIE
from tests.polling import QUERY_NOT_READY, answered, eventually, finished
from tests.workflows.scenarios import POLICY, Harness, current_time, running_placement, until_stage
from workflows import search_attributes
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import (
    Acknowledgement,
    AdditionalInformation,
    Allocation,
    ApprovalDecision,
    AssessmentInput,
    AssessmentSnapshot,
    AssessmentView,
    ClockState,
    Completion,
    DeadlineKind,
    Extension,
    Findings,
    Outcome,
    Stage,
    TriageDecision,
    assessment_workflow_id,
)
from workflows.case.workflows import CaseWorkflow
from workflows.placement.model import CaregiverAnswer, Selection
from workflows.placement.workflows import PlacementSearchWorkflow
from workflows.policy.model import CasePolicy, Pathway, Span, Timeframe
from workflows.policy.working_days import NZ, add_span

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


async def assess(
    harness: Harness,
    policy: CasePolicy = POLICY,
    timeframe: Timeframe = Timeframe.CRITICAL,
    history_limit: int = 10_000,
    pathway: Pathway = Pathway.CHILD_AND_FAMILY_ASSESSMENT,
) -> tuple[WorkflowHandle, WorkflowHandle]:
    """Start a case, decide it for assessment (or `pathway`) and wait for the child with its SLA running."""
    handle = await harness.start(policy, history_limit=history_limit)
    await handle.execute_update(
        CaseWorkflow.decide_triage, TriageDecision("sw-1", pathway, timeframe, "needs assessing")
    )
    await until_stage(handle, Stage.INVESTIGATION if pathway == Pathway.JOINT_INVESTIGATION else Stage.ASSESSMENT)
    child = harness.assessment(handle)

    await answered(lambda: child.query(AssessmentWorkflow.state), not_yet=QUERY_NOT_READY)
    return handle, child


async def view(child: WorkflowHandle) -> AssessmentView:
    return await child.query(AssessmentWorkflow.state)


async def rejected(handle: WorkflowHandle, update: object, arg: object) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(update, arg)  # type: ignore[call-overload]
    return str(raised.value.cause)


async def allocate(child: WorkflowHandle) -> None:
    await child.execute_update(AssessmentWorkflow.allocate, Allocation("sw-2", "hutt", "sup-1"))


@pytest.mark.parametrize(("offset", "escalated"), [(-SECOND, False), (SECOND, True)])
async def test_completion_racing_the_deadline(harness: Harness, offset: timedelta, escalated: bool) -> None:
    handle, child = await assess(harness)
    await allocate(child)
    await harness.skip_to((await view(child)).due_at + offset)
    await child.execute_update(AssessmentWorkflow.complete, Completion("sw-2", Outcome.FAMILY_SUPPORT_PLAN, "done"))
    result = await finished(handle)
    await harness.skip(5 * HOUR)

    assert result.outcome == Outcome.FAMILY_SUPPORT_PLAN and result.stage == Stage.CLOSED
    expected = [(1, 1)] if escalated else []
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT) == expected
    assert harness.activities.escalation_calls == len(expected)


async def test_breach_escalates_tier_by_tier_and_shows_on_the_case(harness: Harness) -> None:
    handle, child = await assess(harness)
    due = (await view(child)).due_at
    await harness.skip_to(due + SECOND)
    await harness.skip_to(due + HOUR + SECOND)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT) == [(1, 1), (1, 2)]

    async def at_tier_2() -> bool:  # on the assessment's search attributes and the case's record
        attributes = (await child.describe()).typed_search_attributes
        shown = await harness.shown_clock(handle, DeadlineKind.ASSESSMENT)
        return (
            attributes.get(search_attributes.ESCALATION_TIER) == 2
            and attributes.get(search_attributes.BREACHED) is True
            and attributes.get(search_attributes.DUE_AT) == due
            and shown is not None
            and (shown.tier, shown.breached, shown.due_at) == (2, True, due)
        )

    await eventually(at_tier_2)
    await harness.skip_to(due + 3 * HOUR + SECOND)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT) == [(1, 1), (1, 2), (1, 3)]
    await harness.skip_to(due + 30 * HOUR)
    assert harness.activities.escalation_calls == 3

    assert "no tier 4" in await rejected(child, AssessmentWorkflow.acknowledge_escalation, Acknowledgement("sup", 4))
    state = await child.execute_update(AssessmentWorkflow.acknowledge_escalation, Acknowledgement("sup-1", 3, "on it"))
    assert state.timeline[-1].action == "escalation.acknowledged"


async def test_extension_moves_the_timer_and_starts_a_new_cycle(harness: Harness) -> None:
    _, child = await assess(harness)
    due = (await view(child)).due_at
    await harness.skip_to(due + SECOND)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT) == [(1, 1)]
    new_due = due + 10 * HOUR

    state = await child.execute_update(
        AssessmentWorkflow.extend_deadline, Extension("sup-1", new_due, "whānau hui on Thursday")
    )
    assert (state.due_at, state.breached, state.tier) == (new_due, False, 0)
    assert harness.activities.resolved[-1][1] == DeadlineKind.ASSESSMENT
    await harness.skip_to(new_due - SECOND)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT) == [(1, 1)]
    await harness.skip_to(new_due + SECOND)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT) == [(1, 1), (2, 1)]


async def test_allocation_findings_and_reassignment_follow_the_rules(harness: Harness) -> None:
    _, child = await assess(harness)
    assert "allocated" in await rejected(child, AssessmentWorkflow.record_findings, Findings("sw-2", "findings-1"))
    assert "site" in await rejected(child, AssessmentWorkflow.allocate, Allocation("sw-9", "canterbury", "sup-1"))
    await allocate(child)
    assert "reassign" in await rejected(child, AssessmentWorkflow.allocate, Allocation("sw-3", "hutt", "sup-1"))
    assert "reason" in await rejected(child, AssessmentWorkflow.reassign, Allocation("sw-3", "hutt", "sup-1"))
    state = await child.execute_update(
        AssessmentWorkflow.reassign, Allocation("sw-3", "hutt", "sup-1", "sw-2 on leave")
    )
    assert state.social_worker == "sw-3"
    await child.execute_update(AssessmentWorkflow.record_findings, Findings("sw-3", "findings-1"))
    actions = [e.action for e in (await view(child)).timeline]
    assert actions[-3:] == ["assessment.allocated", "assessment.reassigned", "assessment.findings"]


async def test_seeking_custody_waits_for_a_supervisors_approval(harness: Harness) -> None:
    handle, child = await assess(harness)
    await allocate(child)
    await child.execute_update(AssessmentWorkflow.complete, Completion("sw-2", Outcome.SEEK_CUSTODY, "serious harm"))
    assert (await view(child)).awaiting_approval is not None
    assert (await handle.query(CaseWorkflow.stage)) == Stage.ASSESSMENT
    assert "awaiting" in await rejected(
        child, AssessmentWorkflow.complete, Completion("sw-2", Outcome.NO_FURTHER_ACTION, "changed my mind")
    )
    assert "never approved" in await rejected(
        child, AssessmentWorkflow.decide_approval, ApprovalDecision("sw-2", True, "self-approval")
    )
    await child.execute_update(AssessmentWorkflow.decide_approval, ApprovalDecision("sup-1", False, "try FGC first"))
    assert (await view(child)).result is None
    await child.execute_update(AssessmentWorkflow.complete, Completion("sw-2", Outcome.SEEK_CUSTODY, "FGC failed"))
    await child.execute_update(AssessmentWorkflow.decide_approval, ApprovalDecision("sup-1", True, "agreed"))

    await until_stage(handle, Stage.PLACEMENT)  # then a placement is found (test_placement_workflow.py)
    placement = await running_placement(harness.env.client, handle)
    await placement.execute_update(PlacementSearchWorkflow.select, Selection("sw-2", AUNTIE, "whānau first"))
    await placement.execute_update(PlacementSearchWorkflow.answer, CaregiverAnswer("sw-2", True, "aunt agrees"))
    result = await finished(handle)
    assert result.outcome == Outcome.SEEK_CUSTODY and result.stage == Stage.CLOSED
    actions = [e.action for e in result.timeline]
    assert actions.index("approval.declined") < actions.index("approval.granted") < actions.index("case.closed")
    assert actions.index("approval.granted") < actions.index("placement.recorded") < actions.index("case.closed")


async def test_a_protocol_investigation_closes_as_no_further_action_only_with_police_consulted(
    harness: Harness,
) -> None:
    handle, child = await assess(harness, pathway=Pathway.JOINT_INVESTIGATION)
    await allocate(child)
    refused = await rejected(
        child, AssessmentWorkflow.complete, Completion("sw-2", Outcome.NO_FURTHER_ACTION, "no concerns found")
    )
    assert "Police consultation" in refused
    await child.execute_update(
        AssessmentWorkflow.complete, Completion("sw-2", Outcome.FAMILY_SUPPORT_PLAN, "support agreed")
    )  # any other outcome needs none
    result = await finished(handle)
    assert result.outcome == Outcome.FAMILY_SUPPORT_PLAN

    handle, child = await assess(harness, pathway=Pathway.JOINT_INVESTIGATION)
    await allocate(child)
    await child.execute_update(
        AssessmentWorkflow.complete,
        Completion("sw-2", Outcome.NO_FURTHER_ACTION, "unfounded, agreed with Police", police_consulted=True),
    )
    closed = await finished(handle)
    completed = [e for e in closed.timeline if e.action == "assessment.completed"]
    assert closed.outcome == Outcome.NO_FURTHER_ACTION and "(Police consulted)" in completed[0].detail


async def test_long_assessment_continues_as_new_and_keeps_its_record(harness: Harness) -> None:
    handle, child = await assess(harness, history_limit=60)
    first_run = (await child.describe()).run_id
    await allocate(child)
    for i in range(20):
        await child.execute_update(AssessmentWorkflow.record_findings, Findings("sw-2", f"findings-{i}"))

    async def continued() -> bool:
        return (await child.describe()).run_id != first_run

    await eventually(continued)
    state = await view(child)
    assert state.social_worker == "sw-2"
    assert sum(e.action == "assessment.findings" for e in state.timeline) == 20
    await harness.skip_to(state.due_at + SECOND)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT) == [(1, 1)]
    await child.execute_update(AssessmentWorkflow.complete, Completion("sw-2", Outcome.NO_FURTHER_ACTION, "safe"))
    result = await finished(handle)
    assert result.outcome == Outcome.NO_FURTHER_ACTION
    assert sum(e.action == "assessment.findings" for e in result.timeline) == 20


async def test_long_triage_continues_as_new_and_escalates_once_per_tier(harness: Harness) -> None:
    handle = await harness.start(POLICY, history_limit=40)
    first_run = (await handle.describe()).run_id
    for i in range(12):
        await handle.execute_update(
            CaseWorkflow.add_information, AdditionalInformation(f"report-{i}", ["CONCERN_CATEGORY_NEGLECT"], False)
        )

    async def continued() -> bool:
        return (await handle.describe()).run_id != first_run

    await eventually(continued)
    await harness.skip_to_due(handle, 4 * HOUR)
    assert harness.activities.tiers(DeadlineKind.TRIAGE) == [(1, 1), (1, 2), (1, 3)]
    assert harness.activities.escalation_calls == 3
    await handle.execute_update(
        CaseWorkflow.decide_triage, TriageDecision("sw-1", Pathway.NO_FURTHER_ACTION, None, "resolved")
    )
    result = await finished(handle)
    assert sum(e.action == "report.added" for e in result.timeline) == 12


def _next_working_morning_before(holiday: date) -> datetime:
    day = holiday - timedelta(days=1)
    nz = holidays.country_holidays("NZ", subdiv="WGN", years=[day.year])
    while day.weekday() >= 5 or day in nz:
        day -= timedelta(days=1)
    return datetime.combine(day, time(10, 0), NZ)


async def test_working_day_deadlines_skip_weekends_and_public_holidays(harness: Harness) -> None:
    one_working_day = dataclasses.replace(
        POLICY, timeframes={**POLICY.timeframes, Timeframe.URGENT: Span(working_days=1)}
    )
    now = await harness.env.get_current_time()
    year = now.year if now.date() < date(now.year, 12, 20) else now.year + 1
    calendar = holidays.country_holidays("NZ", subdiv="WGN", years=[year, year + 1])
    good_friday = easter(year + 1) - timedelta(days=2)  # by the date, whatever language names it
    assert good_friday in calendar
    for holiday in (date(year, 12, 25), date(year + 1, 2, 6), good_friday):
        start = _next_working_morning_before(holiday)
        await harness.skip_to(start)
        handle, child = await assess(harness, one_working_day, Timeframe.URGENT)
        due = (await view(child)).due_at
        decided = next(e.at for e in (await handle.query(CaseWorkflow.state)).timeline if e.action == "triage.decided")
        assert due == add_span(decided, Span(working_days=1), "hutt")
        after_start = (start.date() + timedelta(days=n) for n in range(1, 10))
        first_working_day = next(d for d in after_start if d.weekday() < 5 and d not in calendar)
        assert due.astimezone(NZ).replace(microsecond=0) == datetime.combine(first_working_day, start.timetz())
        assert first_working_day > holiday
        await harness.skip_to(due - SECOND)
        assert not (await view(child)).breached
        await harness.skip_to(due + SECOND)
        assert (await view(child)).breached


async def test_an_update_in_a_continued_runs_first_activation_finds_the_assessment(harness: Harness) -> None:
    """An update sent as the run before continued as new can reach the new run's first
    activation, before its `run` has begun: it finds the assessment as it stood
    (update-with-start delivers one there, as the server may)."""
    now = await current_time(harness.env.client)
    due = now + timedelta(days=3)
    resumed = AssessmentSnapshot(clock=ClockState(due_at=due, cycle=1), social_worker="sw-2", findings=["first"])
    request = AssessmentInput(
        case_id=str(uuid.uuid4()),
        site="hutt",
        region="greater-wellington",
        pathway=Pathway.CHILD_AND_FAMILY_ASSESSMENT,
        due_at=due,
        policy=POLICY,
        resumed=resumed,
    )
    found = await harness.update_with_start(
        AssessmentWorkflow.run,
        request,
        assessment_workflow_id(request.case_id),
        AssessmentWorkflow.record_findings,
        Findings("sw-2", "seen at school"),
    )
    assert found.social_worker == "sw-2" and [e.action for e in found.timeline] == ["assessment.findings"]
