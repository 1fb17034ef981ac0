"""How long a case's runs grow (patch `child-clock-recorded`): its children's clocks add
nothing to its history, and it continues as new before a child it has no room for, since it
cannot while the child runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from tests.polling import QUERY_NOT_READY, answered, eventually, finished
from tests.workflows.scenarios import Harness, raw_description, running_assessment
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import (
    AdditionalInformation,
    Allocation,
    CaseFacts,
    CaseView,
    Completion,
    DeadlineKind,
    DeadlineStatus,
    Outcome,
    Stage,
    TriageDecision,
)
from workflows.case.workflows import CaseWorkflow
from workflows.policy.model import Pathway, Timeframe

LIMIT = 200
SAME = CaseFacts(["CONCERN_CATEGORY_NEGLECT"], False, "AGENCY_HEALTH_NZ", False, 7, False)


def _has(events: Sequence[HistoryEvent], kind: int) -> bool:
    return any(e.event_type == kind for e in events)


async def test_a_case_continues_as_new_before_a_child_it_has_no_room_for(harness: Harness) -> None:
    handle = await harness.start(history_limit=LIMIT)
    first_run = handle.result_run_id
    report = 1
    while len((await handle.fetch_history()).events) < LIMIT // 2 + 10:  # past half, short of the limit
        report += 1
        await handle.execute_update(
            CaseWorkflow.add_information, AdditionalInformation(f"report-{report}", SAME.concerns, False, facts=SAME)
        )
    first = await harness.env.client.get_workflow_handle(handle.id, run_id=first_run).fetch_history()
    assert len(first.events) < LIMIT
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "as proposed"),
    )
    child = await running_assessment(harness.env.client, handle)
    # the run that started the child is the one the first continued as (read from that run
    # and the child: the time-skipping server can be slow to show a continued run's last events)
    parent_run = (await raw_description(harness.env.client, child)).workflow_execution_info.parent_execution.run_id
    started = (await harness.env.client.get_workflow_handle(handle.id, run_id=parent_run).fetch_history()).events[0]
    assert parent_run != first_run
    assert started.workflow_execution_started_event_attributes.continued_execution_run_id == first_run

    await child.execute_update(AssessmentWorkflow.allocate, Allocation("sw-2", "hutt", "sup-1"))
    await child.execute_update(AssessmentWorkflow.complete, Completion("sw-2", Outcome.NO_FURTHER_ACTION, "safe"))
    result = await finished(harness.env.client.get_workflow_handle(handle.id, result_type=CaseView))
    assert result.stage == Stage.CLOSED and result.outcome == Outcome.NO_FURTHER_ACTION
    second = (await harness.env.client.get_workflow_handle(handle.id).fetch_history()).events
    assert _has(second, EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)
    assert sum(e.action == "report.added" for e in result.timeline) == report - 1  # carried across


async def test_the_childs_clock_adds_nothing_to_the_case_history(harness: Harness) -> None:
    handle = await harness.start()
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "as proposed"),
    )
    child = await running_assessment(harness.env.client, handle)
    await answered(lambda: child.query(AssessmentWorkflow.state), not_yet=QUERY_NOT_READY)
    due = (await child.query(AssessmentWorkflow.state)).due_at
    await harness.skip_to(due + timedelta(hours=1, seconds=1))
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT) == [(1, 1), (1, 2)]

    async def shown_at_tier_2() -> DeadlineStatus | None:  # the case's record has the child's clock
        shown = await harness.shown_clock(handle, DeadlineKind.ASSESSMENT)
        return shown if shown is not None and (shown.tier, shown.breached, shown.due_at) == (2, True, due) else None

    await eventually(shown_at_tier_2)
    events = (await handle.fetch_history()).events
    assert not _has(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)  # nor any task of the case's
