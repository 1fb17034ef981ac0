"""History size: the largest history a case reaches in a busy year, beside the continue-as-new
threshold, and how long replaying it takes beside a bare history of the same length.

On the time-skipping test server (as tests/workflows/scenarios.py drives its scenarios, with
its recording activities), one case lives a busy year: further reports come in at every
stage, and every clock it runs (triage, the assessment's response and completion, the
placement's selection) passes, escalates through every tier, each tier acknowledged, and is
extended, again and again; the assessment seeks custody, the placement search declines a
caregiver before one agrees. A youth justice case's conference does the same on its own
clocks (rescheduled, escalated, extended). Each workflow's history is its own (each
continues as new on its own `history_limit`, workflows/common.py `HISTORY_LIMIT`, as intake
starts every case; a worker replays only a workflow's current run):

- events and bytes of each workflow's runs in the year, and its largest run beside the limit
  (target: the limit, which a run passes only by what comes in before it can continue: a
  case does not while its child runs, and continues first when a child is about to start with
  less than half the limit left);
- replaying each run with temporalio's Replayer (the sandbox and interceptors the worker
  runs), median of REPLAYS, the slowest beside a bare workflow's history of the same length
  as the largest run (one-second timers, `bench.baseline.BareTimers`) replayed the same way:
  target under a second, and the ratio.

`BENCH_HISTORY_CYCLES` (default 12) is how many times each clock passes, escalates and is
extended; `BENCH_HISTORY_REPORTS` (default 12) how many further reports come in per stage: a
monthly extension of every clock, 36 further reports in all (the README's figures).
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowHistory
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from bench.baseline import BareTimers
from bench.results import Comparison, Report
from devstack.temporal import test_server_path
from tests.placement.workflow_fakes import AUNTIE, KORO
from tests.polling import answered
from tests.workflows.scenarios import (
    POLICY,
    RecordedActivities,
    case_input,
    current_time,
    hold_and_agree,
    running_assessment,
    running_placement,
    skip,
    start_case,
    until_conference,
    until_stage,
    worker,
)
from workflows import search_attributes
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import (
    Acknowledgement,
    AdditionalInformation,
    Allocation,
    ApprovalDecision,
    CaseFacts,
    ChildSeen,
    Completion,
    DeadlineKind,
    Extension,
    Outcome,
    Stage,
    TriageDecision,
    assessment_workflow_id,
    placement_workflow_id,
)
from workflows.case.workflows import CaseWorkflow
from workflows.common import HISTORY_LIMIT
from workflows.conference.model import (
    ConferenceStage,
    InvitationResponse,
    ParticipantAdded,
    ParticipantRole,
    ResponseRecord,
    case_conference_id,
    conference_workflow_id,
)
from workflows.conference.workflows import YouthJusticeConferenceWorkflow
from workflows.placement.model import CaregiverAnswer, Selection
from workflows.placement.workflows import PlacementSearchWorkflow
from workflows.policy.model import Pathway, Timeframe
from workflows.worker import WORKFLOWS, interceptors, sandbox_runner

REPLAY_TARGET_S = 1.0
#: A run passes the limit only by what comes in before the workflow can continue as new.
RUN_TARGET = 1.5
REPLAYS = 5
MAX_SKIPS = 60
EVENTS_PER_TIMER = 5  # TimerStarted, TimerFired, WorkflowTask Scheduled, Started, Completed
CONCERNS = [
    "CONCERN_CATEGORY_NEGLECT",
    "CONCERN_CATEGORY_EMOTIONAL_HARM",
    "CONCERN_CATEGORY_FAMILY_VIOLENCE",
    "CONCERN_CATEGORY_GENERAL_WELLBEING",
]


@dataclass(frozen=True)
class Year:
    cycles: int
    reports: int


async def _tier_reached(tier: Callable[[], Awaitable[int]], at_least: int) -> None:
    await answered(tier, not_yet=(), until=lambda found: found >= at_least, interval=0.05)


async def escalate_and_extend(
    client: Client,
    tier: Callable[[], Awaitable[int]],
    acknowledge: Callable[[Acknowledgement], Awaitable[object]],
    extend: Callable[[Extension], Awaitable[object]],
    kind: DeadlineKind,
    cycles: int,
) -> None:
    """`cycles` times: the running clock passes and escalates through every tier (the server's
    clock moved a day on), each tier acknowledged; then it is extended a day."""
    tiers = len(POLICY.escalation)
    for cycle in range(cycles):
        for _ in range(MAX_SKIPS):  # a day at a time (an urgent timeframe is days; tiers hours)
            await skip(client, timedelta(days=1))
            if await tier() >= tiers:
                break
        await _tier_reached(tier, tiers)
        for n in range(1, tiers + 1):
            await acknowledge(Acknowledgement("sup-1", n, f"cycle {cycle}: seen", kind=kind))
        now = await current_time(client)
        await extend(Extension("sup-1", now + timedelta(hours=12), f"cycle {cycle}: more time", kind=kind))


async def further_reports(handle: WorkflowHandle[Any, Any], year: Year, stage: str) -> None:
    for n in range(year.reports):
        facts = CaseFacts(CONCERNS[: 1 + n % len(CONCERNS)], False, "AGENCY_EDUCATION", n > 0, 6, False)
        await handle.execute_update(
            CaseWorkflow.add_information,
            AdditionalInformation(f"{stage}-report-{n}", facts.concerns, False, facts=facts),
        )


async def case_placed_after_a_busy_year(client: Client, task_queue: str, year: Year) -> WorkflowHandle[Any, Any]:
    handle = await start_case(client, task_queue, case_input(history_limit=HISTORY_LIMIT))

    async def case_tier() -> int:
        view = await handle.query(CaseWorkflow.state)
        return view.deadline.tier if view.deadline is not None else 0

    await further_reports(handle, year, "triage")
    await escalate_and_extend(
        client,
        case_tier,
        lambda ack: handle.execute_update(CaseWorkflow.acknowledge_escalation, ack),
        lambda ext: handle.execute_update(CaseWorkflow.extend_deadline, ext),
        DeadlineKind.TRIAGE,
        year.cycles,
    )
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "a busy year"),
    )
    child = await running_assessment(client, handle)
    await child.execute_update(AssessmentWorkflow.allocate, Allocation("sw-2", "hutt", "sup-1"))

    async def assessment_tier() -> int:
        return (await child.query(AssessmentWorkflow.state)).tier

    await further_reports(handle, year, "assessment")
    for kind in (DeadlineKind.ASSESSMENT, DeadlineKind.ASSESSMENT_COMPLETION):
        await escalate_and_extend(
            client,
            assessment_tier,
            lambda ack: child.execute_update(AssessmentWorkflow.acknowledge_escalation, ack),
            lambda ext: child.execute_update(AssessmentWorkflow.extend_deadline, ext),
            kind,
            year.cycles,
        )
        if kind == DeadlineKind.ASSESSMENT:
            now = await current_time(client)
            await child.execute_update(AssessmentWorkflow.record_child_seen, ChildSeen("sw-2", now, "at home"))
            await answered(
                lambda: child.query(AssessmentWorkflow.state),
                until=lambda v: v.deadline_kind == DeadlineKind.ASSESSMENT_COMPLETION,
                interval=0.05,
            )
    await child.execute_update(AssessmentWorkflow.complete, Completion("sw-2", Outcome.SEEK_CUSTODY, "not safe"))
    await child.execute_update(AssessmentWorkflow.decide_approval, ApprovalDecision("sup-1", True, "agreed"))
    await until_stage(handle, Stage.PLACEMENT)
    placement = await running_placement(client, handle)

    async def placement_tier() -> int:
        view = await placement.query(PlacementSearchWorkflow.state)
        return view.deadline.tier if view.deadline is not None else 0

    await further_reports(handle, year, "placement")
    await escalate_and_extend(
        client,
        placement_tier,
        lambda ack: placement.execute_update(PlacementSearchWorkflow.acknowledge_escalation, ack),
        lambda ext: placement.execute_update(PlacementSearchWorkflow.extend_deadline, ext),
        DeadlineKind.PLACEMENT,
        year.cycles,
    )
    await placement.execute_update(PlacementSearchWorkflow.select, Selection("sw-2", KORO, "near the kura"))
    await placement.execute_update(PlacementSearchWorkflow.answer, CaregiverAnswer("sw-2", False, "koro unwell"))
    await answered(
        lambda: placement.query(PlacementSearchWorkflow.state), not_yet=(), until=lambda v: not v.hold, interval=0.05
    )
    await placement.execute_update(PlacementSearchWorkflow.select, Selection("sw-2", AUNTIE, "whānau first"))
    await placement.execute_update(PlacementSearchWorkflow.answer, CaregiverAnswer("sw-2", True, "aunt agrees"))
    await handle.result()
    return handle


async def case_conference_after_a_busy_year(client: Client, task_queue: str, year: Year) -> WorkflowHandle[Any, Any]:
    """Youth justice: further reports in triage; the conference is rescheduled `cycles` times
    (a participant declines each booking), then held and a plan agreed."""
    handle = await start_case(client, task_queue, case_input(history_limit=HISTORY_LIMIT))
    await further_reports(handle, year, "triage")
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.YOUTH_JUSTICE_FGC, None, "youth offending: a family group conference"),
    )
    await until_stage(handle, Stage.YOUTH_JUSTICE_CONFERENCE)
    conference = client.get_workflow_handle(conference_workflow_id(case_conference_id(handle.id.removeprefix("case-"))))
    await until_conference(conference, ConferenceStage.PREPARING)
    await conference.execute_update(
        YouthJusticeConferenceWorkflow.add_participant,
        ParticipantAdded("young-1", ParticipantRole.YOUNG_PERSON, True, "yjc-1"),
    )
    await further_reports(handle, year, "conference")
    for round_ in range(1, year.cycles + 1):
        await until_conference(conference, ConferenceStage.BOOKED, round_)
        await conference.execute_update(
            YouthJusticeConferenceWorkflow.respond,
            ResponseRecord("young-1", round_, InvitationResponse.DECLINED, True, "yjc-1"),
        )
    await hold_and_agree(
        client, conference, await until_conference(conference, ConferenceStage.BOOKED, year.cycles + 1)
    )
    await handle.result()
    return handle


@dataclass(frozen=True)
class Measured:
    """A workflow's year: its largest run (events, bytes, where they are) and its slowest
    run's replay, with all its runs' events."""

    workflow: str
    events: int
    bytes: int
    runs: int
    total_events: int
    replay_s: float
    cold_replay_s: float
    composition: dict[str, object]


def composition(history: WorkflowHistory) -> dict[str, object]:
    """Where a history's events and bytes are: the event types with most bytes, and how many
    events came while a child workflow ran (the case cannot continue as new then: it checks
    `history_full` only in a clock's loop)."""
    by_type: dict[str, list[int]] = {}
    inside = 0
    running = False
    for event in history.events:
        name = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
        if event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            running = True
        elif event.event_type == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
            running = False
        inside += running
        counted = by_type.setdefault(name, [0, 0])
        counted[0] += 1
        counted[1] += event.ByteSize()
    heaviest = sorted(by_type.items(), key=lambda item: -item[1][1])[:4]
    return {
        "events_while_a_child_ran": inside,
        "heaviest_event_types": {name: {"events": n, "bytes": b} for name, (n, b) in heaviest},
    }


def size(history: WorkflowHistory) -> tuple[int, int]:
    return len(history.events), sum(e.ByteSize() for e in history.events)


async def replay_seconds(replayer: Replayer, history: WorkflowHistory) -> tuple[float, float]:
    """(median of REPLAYS warm replays, the first replay) in seconds."""
    times = []
    for _ in range(REPLAYS + 1):
        started = time.perf_counter()
        await replayer.replay_workflow(history)
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:]), times[0]


async def runs(client: Client, workflow_id: str) -> list[WorkflowHistory]:
    """Every run of a workflow, first to last (the first named by the latest's start event,
    each next by its predecessor's continue-as-new)."""
    latest = await client.get_workflow_handle(workflow_id).fetch_history()
    run_id = latest.events[0].workflow_execution_started_event_attributes.first_execution_run_id
    found = []
    while run_id:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        found.append(history)
        last = history.events[-1]
        continued = last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id if continued else ""
    return found


async def histories(client: Client, handle: WorkflowHandle[Any, Any]) -> dict[str, list[WorkflowHistory]]:
    """The runs of the case and of each child it ran."""
    case_id = handle.id.removeprefix("case-")
    found = {"case": await runs(client, handle.id)}
    children = {
        "assessment": assessment_workflow_id(case_id),
        "placement": placement_workflow_id(case_id),
        "conference": conference_workflow_id(case_conference_id(case_id)),
    }
    for name, child_id in children.items():
        try:
            found[name] = await runs(client, child_id)
        except RPCError:  # that child never ran in this case
            continue
    return found


async def run(year: Year) -> Report:
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(test_server_path()))
    measured: list[Measured] = []
    replayer = Replayer(workflows=WORKFLOWS, workflow_runner=sandbox_runner(), interceptors=interceptors())
    async with env:
        await search_attributes.register(env.client)
        started = time.perf_counter()
        found: dict[str, list[WorkflowHistory]] = {}
        for name, scenario in (
            ("placed", case_placed_after_a_busy_year),
            ("conference", case_conference_after_a_busy_year),
        ):
            task_queue = f"bench-history-{uuid.uuid4()}"
            async with worker(env.client, task_queue, RecordedActivities()):
                handle = await scenario(env.client, task_queue, year)
                for part, history in (await histories(env.client, handle)).items():
                    if name == "conference" and part == "case":
                        part = "case (youth justice)"
                    found.setdefault(part, history)
        driven = time.perf_counter() - started
        for part, histories_ in found.items():
            largest_run = max(histories_, key=lambda h: len(h.events))
            events, nbytes = size(largest_run)
            replays = [await replay_seconds(replayer, h) for h in histories_]
            warm, cold = max(replays)
            total = sum(len(h.events) for h in histories_)
            measured.append(
                Measured(part, events, nbytes, len(histories_), total, warm, cold, composition(largest_run))
            )
        largest = max(measured, key=lambda m: m.events)
        timers = -(-largest.events // EVENTS_PER_TIMER)
        bare_queue = f"bench-bare-{uuid.uuid4()}"
        async with Worker(env.client, task_queue=bare_queue, workflows=[BareTimers]):
            bare = await env.client.start_workflow(
                BareTimers.run, timers, id=f"bare-{uuid.uuid4()}", task_queue=bare_queue
            )
            await bare.result()
        bare_history = await bare.fetch_history()
    bare_events, bare_bytes = size(bare_history)
    bare_replayer = Replayer(workflows=[BareTimers], workflow_runner=sandbox_runner(), interceptors=interceptors())
    bare_warm, bare_cold = await replay_seconds(bare_replayer, bare_history)
    slowest = max(measured, key=lambda m: m.replay_s)
    return Report(
        benchmark="history",
        parameters={"cycles": year.cycles, "reports_per_stage": year.reports, "history_limit": HISTORY_LIMIT},
        comparisons=[
            Comparison(
                f"largest run ({largest.workflow}) / limit", largest.events, HISTORY_LIMIT, "events", RUN_TARGET, False
            ),
            Comparison(
                f"slowest replay ({slowest.workflow}) / 1 s target", slowest.replay_s, REPLAY_TARGET_S, "s", 1.0, False
            ),
            Comparison(
                "slowest replay / bare as long as the largest run", slowest.replay_s, bare_warm, "s", 10.0, False
            ),
        ],
        figures={
            "workflows": {
                m.workflow: {
                    "largest_run_events": m.events,
                    "largest_run_bytes": m.bytes,
                    "runs": m.runs,
                    "events_in_the_year": m.total_events,
                    "replay_ms": round(m.replay_s * 1000, 1),
                    "cold_replay_ms": round(m.cold_replay_s * 1000, 1),
                    **m.composition,
                }
                for m in measured
            },
            "slowest_replay": slowest.workflow,
            "bare_timers": {
                "events": bare_events,
                "bytes": bare_bytes,
                "replay_ms": round(bare_warm * 1000, 1),
                "cold_replay_ms": round(bare_cold * 1000, 1),
            },
            "scenarios_driven_seconds": round(driven, 1),
        },
    )


async def main() -> Report:
    year = Year(
        cycles=int(os.environ.get("BENCH_HISTORY_CYCLES", "12")),
        reports=int(os.environ.get("BENCH_HISTORY_REPORTS", "12")),
    )
    return await run(year)
