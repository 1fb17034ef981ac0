"""History size: the largest history a case reaches in a busy year, beside the continue-as-new
threshold, and how long replaying it takes beside a bare history of the same length.

On the time-skipping test server (as tests/workflows/scenarios.py drives its scenarios, with
its recording activities), one case lives a busy year: further reports come in at every
stage, and every clock it runs (triage, the assessment's response and completion, the
placement's selection) passes, escalates through every tier, each tier acknowledged, and is
extended, again and again; the assessment seeks custody, the placement search declines a
caregiver before one agrees. A youth justice case's conference does the same on its own
clocks (rescheduled, escalated, extended). Each workflow's history is its own (each
continues as new on its own `history_limit`, workflows/deadline.py `history_full`):

- events and bytes of each workflow's largest run, beside `history_limit` (target: under it,
  no continue-as-new needed in a year);
- replaying each with temporalio's Replayer (the sandbox and interceptors the worker runs),
  median of REPLAYS, beside a bare workflow's history of the same length (one-second timers,
  `bench.baseline.BareTimers`) replayed the same way: target under a second, and the ratio.

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

HISTORY_LIMIT = 10_000  # CaseInput.history_limit's default, as intake starts every case
REPLAY_TARGET_S = 1.0
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
    handle = await start_case(client, task_queue)

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
    handle = await start_case(client, task_queue)
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
    workflow: str
    events: int
    bytes: int
    continued_as_new: bool
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


def size(history: WorkflowHistory) -> tuple[int, int, bool]:
    events = history.events
    continued = bool(events) and events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    return len(events), sum(e.ByteSize() for e in events), continued


async def replay_seconds(replayer: Replayer, history: WorkflowHistory) -> tuple[float, float]:
    """(median of REPLAYS warm replays, the first replay) in seconds."""
    times = []
    for _ in range(REPLAYS + 1):
        started = time.perf_counter()
        await replayer.replay_workflow(history)
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:]), times[0]


async def histories(client: Client, handle: WorkflowHandle[Any, Any]) -> dict[str, WorkflowHistory]:
    """The case's and each child's history (the first run of each: a continued run shows)."""
    case_id = handle.id.removeprefix("case-")
    found = {"case": await client.get_workflow_handle(handle.id, run_id=handle.run_id).fetch_history()}
    children = {
        "assessment": assessment_workflow_id(case_id),
        "placement": placement_workflow_id(case_id),
        "conference": conference_workflow_id(case_conference_id(case_id)),
    }
    for name, child_id in children.items():
        try:
            found[name] = await client.get_workflow_handle(child_id).fetch_history()
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
        found: dict[str, WorkflowHistory] = {}
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
        for part, history in found.items():
            events, nbytes, continued = size(history)
            warm, cold = await replay_seconds(replayer, history)
            measured.append(Measured(part, events, nbytes, continued, warm, cold, composition(history)))
        largest = max(measured, key=lambda m: m.events)
        timers = -(-largest.events // EVENTS_PER_TIMER)
        bare_queue = f"bench-bare-{uuid.uuid4()}"
        async with Worker(env.client, task_queue=bare_queue, workflows=[BareTimers]):
            bare = await env.client.start_workflow(
                BareTimers.run, timers, id=f"bare-{uuid.uuid4()}", task_queue=bare_queue
            )
            await bare.result()
        bare_history = await bare.fetch_history()
    bare_events, bare_bytes, _ = size(bare_history)
    bare_replayer = Replayer(workflows=[BareTimers], workflow_runner=sandbox_runner(), interceptors=interceptors())
    bare_warm, bare_cold = await replay_seconds(bare_replayer, bare_history)
    slowest = max(measured, key=lambda m: m.replay_s)
    return Report(
        benchmark="history",
        parameters={"cycles": year.cycles, "reports_per_stage": year.reports, "history_limit": HISTORY_LIMIT},
        comparisons=[
            Comparison(
                f"largest history ({largest.workflow}) / limit", largest.events, HISTORY_LIMIT, "events", 1.0, False
            ),
            Comparison("replay largest / 1 s target", largest.replay_s, REPLAY_TARGET_S, "s", 1.0, False),
            Comparison("replay largest / bare same length", largest.replay_s, bare_warm, "s", 10.0, False),
        ],
        figures={
            "workflows": {
                m.workflow: {
                    "events": m.events,
                    "bytes": m.bytes,
                    "continued_as_new": m.continued_as_new,
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
