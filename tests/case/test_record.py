"""The case's record in PostgreSQL as the workflows write it (workflows/record.py), on the
time-skipping test server with intake's side recorded in memory as intake keeps it (each
event once by id, the newest standing by version): every event of the case and its children
recorded once, across continue-as-new too, and a closed case only once its last events
are; a placement search and a conference (with a case
or without one) also send where they stand to their own services, and a search from before
that sends its timeline so far again; intake down delays the record, never a deadline; a
refused record waits for a supervisor."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta

from temporalio.client import WorkflowExecutionStatus

from tests.placement.workflow_fakes import AUNTIE, KORO, PLACEMENT_POLICY, candidates
from tests.polling import eventually, finished
from tests.workflows.scenarios import (
    POLICY,
    Harness,
    case_placed,
    conference_rescheduled_held_and_agreed,
    raw_description,
    running_assessment,
    until_stage,
)
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import (
    Allocation,
    AssessmentStanding,
    AttentionAnswer,
    AttentionDecision,
    AttentionItem,
    AttentionReason,
    CaseStanding,
    CaseView,
    Completion,
    DeadlineKind,
    Findings,
    Outcome,
    RecordState,
    Stage,
    TimelineEntry,
    TriageDecision,
    placement_workflow_id,
)
from workflows.case.workflows import CaseWorkflow
from workflows.conference.model import ConferenceResult, ConferenceStage, ConferenceStanding
from workflows.placement.model import (
    HoldStatus,
    PlacementInput,
    PlacementResult,
    PlacementSnapshot,
    PlacementStanding,
    SearchOutcome,
    SearchStage,
)
from workflows.placement.workflows import PlacementSearchWorkflow
from workflows.policy.model import Pathway, Timeframe

SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)


def _sorted(entries: list[TimelineEntry]) -> list[tuple[object, ...]]:
    return sorted((e.at, e.actor, e.action, e.detail) for e in entries)


def recorded_once_each(harness: Harness, case_id: str) -> list[TimelineEntry]:
    """The case's recorded events; each workflow's numbered 0, 1, 2, ... with no gap."""
    events = harness.activities.recorded(case_id)
    numbers: dict[str, list[int]] = defaultdict(list)
    for event_id, _ in events:
        workflow, _, n = event_id.rpartition(":")
        numbers[workflow].append(int(n))
    for workflow, seqs in numbers.items():
        assert sorted(seqs) == list(range(len(seqs))), workflow
    return [entry for _, entry in events]


async def test_every_event_of_a_case_and_its_children_is_recorded_once(harness: Harness) -> None:
    handle = await case_placed(harness.env.client, harness.task_queue, harness.activities)
    harness.started.append(handle)
    case_id = handle.id.removeprefix("case-")
    result: CaseView = await finished(handle)  # returned once its record was complete

    recorded = recorded_once_each(harness, case_id)
    assert _sorted(recorded) == _sorted(result.timeline)
    met = sorted(e.detail.split(" ")[0] for e in recorded if e.action == "timer.met")
    assert met == ["ASSESSMENT", "PLACEMENT", "PLACEMENT", "TRIAGE"]  # each clock met (two selections)
    workflows = {event_id.rpartition(":")[0] for event_id, _ in harness.activities.recorded(case_id)}
    assert workflows == {handle.id, f"{handle.id}-assessment", f"{handle.id}-placement"}
    standing = harness.activities.standing(case_id)
    assert isinstance(standing, CaseStanding)
    assert (standing.stage, standing.outcome, standing.deadline) == (Stage.CLOSED, Outcome.SEEK_CUSTODY, None)
    assert standing.decision is not None and standing.decision.decided_by == "sw-1"
    assert standing.proposal == harness.activities.proposal
    assert standing.placement is not None and standing.placement.caregiver_id == AUNTIE
    assessment = harness.activities.standing(case_id, "assessment")
    assert isinstance(assessment, AssessmentStanding)
    assert (assessment.social_worker, assessment.approved_by) == ("sw-2", "sup-1")
    assert assessment.result is not None and assessment.result.outcome == Outcome.SEEK_CUSTODY


async def test_a_case_is_recorded_closed_only_once_its_last_events_are(harness: Harness) -> None:
    handle = await case_placed(harness.env.client, harness.task_queue, harness.activities)
    harness.started.append(handle)
    case_id = handle.id.removeprefix("case-")
    result: CaseView = await finished(handle)

    when_closed = harness.activities.recorded_at_stage[(case_id, str(Stage.CLOSED))]
    assert when_closed[-2:] == ["case.closed", "stage.entered"]  # how it closed, then the stage
    assert len(when_closed) == len(result.timeline)  # nothing of the case was still to come


async def test_a_placement_search_and_a_conference_send_where_they_stand_to_their_own_services(
    harness: Harness,
) -> None:
    handle = await case_placed(harness.env.client, harness.task_queue, harness.activities)
    harness.started.append(handle)
    case_id = handle.id.removeprefix("case-")
    await finished(handle)
    placement = harness.env.client.get_workflow_handle(harness.placement(handle).id, result_type=PlacementResult)
    placed: PlacementResult = await finished(placement)
    assert placement.id in harness.activities.own  # the placement service keeps its record
    assert harness.activities.workflow_events(placement.id) == placed.timeline
    standing = harness.activities.standing(case_id, "placement")
    assert isinstance(standing, PlacementStanding)
    assert (standing.stage, standing.deadline, standing.unavailable) == (SearchStage.PLACED, None, [KORO])
    assert standing.placement is not None and standing.placement.caregiver_id == AUNTIE
    assert standing.hold is not None and standing.hold.status == HoldStatus.CONFIRMED
    assert [c.caregiver_id for c in standing.candidates] == [c.caregiver_id for c in candidates()]
    assert {f"{handle.id}-assessment", handle.id}.isdisjoint(harness.activities.own)  # intake's and assessment's

    conference = await conference_rescheduled_held_and_agreed(
        harness.env.client, harness.task_queue, harness.activities
    )
    harness.started.append(conference)
    held: ConferenceResult = await finished(conference)  # a conference of no case ...
    assert conference.id in harness.activities.own  # ... keeps its record with the conference service
    assert harness.activities.workflow_events(conference.id) == held.timeline
    assert {
        case for event_id, (case, _) in harness.activities.events.items() if event_id.startswith(conference.id)
    } == {""}
    state = harness.activities.standing(conference.id, "conference")
    assert isinstance(state, ConferenceStanding)
    assert (state.stage, state.round, state.young_person_added, state.breached) == (ConferenceStage.CLOSED, 2, True, [])
    assert state.booking is not None and state.booking.round == 2


async def test_a_search_from_before_its_own_record_sends_its_timeline_so_far_again(harness: Harness) -> None:
    """A search whose run before recorded its events with intake only (before patch
    standing-recorded) continues as new: the new run sends its every event, from the first,
    with where it stands, to the placement service."""
    case_id = str(uuid.uuid4())
    now = await harness.env.get_current_time()
    earlier = [
        TimelineEntry(now - timedelta(minutes=2), "kahu", "placement.started", "seeking custody approved"),
        TimelineEntry(now - timedelta(minutes=1), "kahu", "placement.searched", "search 1"),
    ]
    resumed = PlacementSnapshot(
        policy=PLACEMENT_POLICY,
        search=SearchOutcome("search-1", candidates(), {}, 1),
        searches=1,
        timeline=list(earlier),
        record=RecordState(started=True, noted=len(earlier), pending=[], version=3),
    )
    request = PlacementInput(
        case_id=case_id,
        site="hutt",
        region="greater-wellington",
        policy=PLACEMENT_POLICY,
        escalation=POLICY.escalation,
        resumed=resumed,
    )
    workflow = placement_workflow_id(case_id)
    handle = await harness.env.client.start_workflow(
        PlacementSearchWorkflow.run, request, id=workflow, task_queue=harness.task_queue
    )
    harness.started.append(handle)

    async def resent() -> list[TimelineEntry] | None:
        found = harness.activities.workflow_events(workflow)
        standing = harness.activities.standing(case_id, "placement")
        waiting = isinstance(standing, PlacementStanding) and standing.deadline is not None
        return found if waiting and len(found) >= 3 else None

    recorded = await eventually(resent)
    assert recorded[:2] == earlier  # numbered 0 and 1, as intake has them already
    assert [e.action for e in recorded[2:]] == ["timer.started"]
    assert workflow in harness.activities.own
    standing = harness.activities.standing(case_id, "placement")
    assert isinstance(standing, PlacementStanding) and standing.stage == SearchStage.AWAITING_SELECTION
    assert harness.activities.standings[(case_id, "placement")][0] > 3  # above the run before's


async def test_the_record_carries_on_across_continue_as_new(harness: Harness) -> None:
    handle = await harness.start(history_limit=60)
    case_id = handle.id.removeprefix("case-")
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "as proposed"),
    )
    child = await running_assessment(harness.env.client, handle)
    first_run = (await child.describe()).run_id
    await child.execute_update(AssessmentWorkflow.allocate, Allocation("sw-2", "hutt", "sup-1"))
    for i in range(20):
        await child.execute_update(AssessmentWorkflow.record_findings, Findings("sw-2", f"findings-{i}"))

    async def continued() -> bool:
        return (await child.describe()).run_id != first_run

    await eventually(continued)
    await child.execute_update(AssessmentWorkflow.complete, Completion("sw-2", Outcome.NO_FURTHER_ACTION, "safe"))
    result: CaseView = await finished(handle)

    recorded = recorded_once_each(harness, case_id)
    assert _sorted(recorded) == _sorted(result.timeline)
    assert sum(e.action == "assessment.findings" for e in recorded) == 20


async def test_intake_down_delays_the_record_never_the_deadline(harness: Harness) -> None:
    harness.activities.record_down = True
    handle = await harness.start()
    case_id = handle.id.removeprefix("case-")
    view: CaseView = await handle.query(CaseWorkflow.state)
    assert view.deadline is not None and view.deadline.due_at is not None
    due = view.deadline.due_at
    await harness.skip_to(due + HOUR + SECOND)

    async def escalated() -> list[tuple[int, int]] | None:
        tiers = harness.activities.tiers(DeadlineKind.TRIAGE)
        return tiers if len(tiers) == 2 else None

    assert await eventually(escalated) == [(1, 1), (1, 2)]  # on time, with nothing recorded
    raised = [e.raise_at for e in harness.activities.escalations.values()]
    assert raised == [due, due + HOUR]  # tier 1 at the deadline, tier 2 an hour on (POLICY)
    assert harness.activities.recorded(case_id) == []
    (told,) = harness.activities.attention.values()  # once, however long it stays down
    assert (told.step, told.reason, told.waiting) == ("record_case_events", AttentionReason.STILL_FAILING, False)

    harness.activities.record_down = False

    async def caught_up() -> bool:
        now: CaseView = await handle.query(CaseWorkflow.state)
        return _sorted([e for _, e in harness.activities.recorded(case_id)]) == _sorted(now.timeline)

    await eventually(caught_up)
    recorded = recorded_once_each(harness, case_id)
    assert [e.action for e in recorded].count("escalation.raised") == 2
    standing = harness.activities.standing(case_id)
    assert isinstance(standing, CaseStanding) and standing.deadline is not None
    assert (standing.deadline.breached, standing.deadline.tier) == (True, 2)


async def test_a_refused_record_waits_for_a_supervisor_and_the_case_goes_on(harness: Harness) -> None:
    harness.activities.refusals["record_case_events"] = 2  # as a local activity, then as an activity
    handle = await harness.start()
    case_id = handle.id.removeprefix("case-")

    async def waiting() -> list[AttentionItem] | None:
        found = [i for i in harness.activities.attention.values() if i.step == "record_case_events"]
        return found or None

    (item,) = await eventually(waiting)
    assert (item.reason, item.waiting) == (AttentionReason.REFUSED, True)
    await handle.execute_update(
        CaseWorkflow.decide_triage, TriageDecision("sw-1", Pathway.NO_FURTHER_ACTION, None, "known family, unfounded")
    )
    await until_stage(handle, Stage.CLOSED)  # the case went on ...
    described = await raw_description(harness.env.client, harness.env.client.get_workflow_handle(handle.id))
    running = described.workflow_execution_info.status == WorkflowExecutionStatus.RUNNING.value
    assert running  # ... but ends only with its record
    assert harness.activities.recorded(case_id) == []

    await handle.execute_update(
        CaseWorkflow.decide_attention,
        AttentionAnswer(item.item_key, AttentionDecision.RETRY, "sup-1", "intake fixed"),
    )
    result: CaseView = await finished(handle)
    recorded = recorded_once_each(harness, case_id)
    assert _sorted(recorded) == _sorted(result.timeline)
    assert {"step.refused", "attention.decided", "case.closed"} <= {e.action for e in recorded}
