"""Plans at load: N open plans of five actions each on the one Kahu worker, their operations
through PlanService and their reminders and escalations, each beside a baseline measured in
the same run.

On the dev stack (every part a process of its own, as `make run` starts them), its plan
policy's reminder REMINDER seconds ahead of a due date (the shipped policy: 3 days, so that
a reminder falls within the run), the rest as shipped (tier 1, the lead professional, at the
due date; tier 2 five working days on):

1. N cases as intake holds them (rows by COPY, bench/storm.py; their own workflows not
   started: a plan is admitted by its case's row);
2. the load: N - SAMPLE plans, each made by CreatePlan (five actions, their due dates one to
   five months ahead, the review six months: six clocks, each a timer), interleaved with
   its twin's start, `client.start_workflow` of a `bench.baseline.BarePlan` (the same six
   clocks, no work) on a worker in this process, 16 calls in flight; then every plan is
   waited for until its workflow recorded its clocks started on the case's record;
3. the operations, one call at a time in ROUNDS rounds, each call of ours beside its
   baseline: GetPlan beside GetCaseScope (the case's row by primary key through intake's
   gRPC, authorisation and audited transaction; GetPlan admits by it), RecordActionStatus
   (an action DONE: its clock ends) beside an update of the twin (`done`: its clock ends);
4. the storm: SAMPLE more plans (and twins) made the same way, with one action each whose
   reminder falls within WINDOW seconds after every plan had opened and its due date
   REMINDER seconds after that. Lateness is `raised_at - raise_at` of its escalation row
   (tier 0 the reminder, tier 1 the escalation): when it reached the supervisors' queue,
   less when it was due; the twin's is when its activity ran less the same moment. The
   escalation's is also split by its `timer.expired` event on the case's record (stamped
   with the time of the workflow task that found the due date passed): due -> that task,
   and that task -> on the queue.

Targets: the reminders' and escalations' lateness p95 within 2x the bare timers' (as
`storm`); each operation's p95 within 5x its baseline's (as `reads`). Also: no escalation
raised twice (rows, distinct keys, RaiseEscalation calls), none on a plan whose actions were
all far ahead, the Kahu worker's RSS with the N plans open, and the CPU each part used.

`BENCH_PLANS_PLANS` (default 500; the README's figures: 10,000), `BENCH_PLANS_SAMPLE`
(default 100; 300), `BENCH_PLANS_CALLS` (operations of each kind, default 100),
`BENCH_PLANS_WINDOW` (seconds, default 60).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from temporalio.client import Client
from temporalio.worker import Worker

from bench.baseline import BarePlan
from bench.caseload import MB, worker_process
from bench.listing import staff_token
from bench.results import Comparison, Report, summary_ms
from bench.stack import Stack, cpu_delta, running_stack
from bench.storm import CONCURRENCY, Fired, case_rows, schedule, seed
from kahu.v1 import intake_pb2, intake_pb2_grpc, plan_pb2, plan_pb2_grpc
from services.common.channels import aio_channel
from services.common.convert import timestamp
from services.common.identity import StaticToken
from services.common.temporal import workload_tokens
from workflows.policy.loader import POLICY_ENV, load_policy, shortened, write_policy

ACTIONS = 5
#: A plan's clocks: its actions' and its review's.
CLOCKS = ACTIONS + 1
LATENESS_RATIO_TARGET = 2.0
CALL_RATIO_TARGET = 5.0
#: The plan policy's reminder ahead of a due date in this benchmark (seconds).
REMINDER = 60
ROUNDS = 5
#: Seconds allowed per sampled plan to make it and its twin (at least; or twice the load's
#: pace), and at least MIN_LEAD in all.
LEAD_PER_SAMPLE = 0.15
MIN_LEAD = 45.0
#: How long after the last due date the benchmark waits for the stragglers.
DRAIN = 300.0
OPEN_TIMEOUT = 3600.0
#: The member of staff the benchmark acts as (staff_token's subject).
STAFF = "sup-bench"
SEED = 23


@dataclass(frozen=True)
class Size:
    plans: int
    sample: int
    calls: int
    window: float


@dataclass(frozen=True)
class PlanSpec:
    """One plan of the benchmark: its case, its actions' due dates and its review date."""

    case_id: uuid.UUID
    site: str
    dues: tuple[dt.datetime, ...]
    review_due: dt.datetime

    def clocks(self, reminder: float) -> list[list[float]]:
        """Its twin's clocks: per action, then the review, [reminder moment, due moment]."""
        return [[due.timestamp() - reminder, due.timestamp()] for due in (*self.dues, self.review_due)]


def far_dues(now: dt.datetime, i: int) -> tuple[dt.datetime, ...]:
    """Plan `i`'s five due dates, one to five months ahead (spread over the days so that
    no two plans' clocks all fall at one moment)."""
    day = dt.timedelta(days=1)
    return tuple(now + (30 * (k + 1) + i % 29) * day + dt.timedelta(minutes=i % 1440) for k in range(ACTIONS))


def specs(
    cases: Sequence[Mapping[str, Any]], dues: Sequence[tuple[dt.datetime, ...]], now: dt.datetime
) -> list[PlanSpec]:
    review = now + dt.timedelta(days=180)
    return [PlanSpec(c["case_id"], c["site"], d, review) for c, d in zip(cases, dues, strict=True)]


def sample_dues(
    first_reminder: dt.datetime, n: int, window: float, reminder: float, now: dt.datetime
) -> list[tuple[dt.datetime, ...]]:
    """For each of `n` sampled plans: its first action due `reminder` seconds after a moment
    of `window` seconds from `first_reminder` (spread evenly), the others far ahead."""
    ahead = dt.timedelta(seconds=reminder)
    return [(at + ahead, *far_dues(now, i)[1:]) for i, at in enumerate(schedule(n, first_reminder, window))]


def content(spec: PlanSpec) -> plan_pb2.PlanContent:
    return plan_pb2.PlanContent(
        lead_professional="lp-bench",
        lead_manager_id="lpm-bench",
        review_due=timestamp(spec.review_due),
        goals=[plan_pb2.PlanGoal(goal_id="g1", description="synthetic goal")],
        actions=[
            plan_pb2.PlanAction(
                action_id=f"a{k + 1}",
                goal_id="g1",
                description="synthetic action",
                owner_agency="oranga-tamariki",
                owner_id=f"own-{k + 1}",
                owner_manager_id="mgr-bench",
                due_at=timestamp(due),
            )
            for k, due in enumerate(spec.dues)
        ],
    )


def create_request(spec: PlanSpec) -> plan_pb2.CreatePlanRequest:
    return plan_pb2.CreatePlanRequest(
        idempotency_key=f"bench-plan-{spec.case_id}",
        case_id=str(spec.case_id),
        created_by=STAFF,
        reason="benchmark",
        content=content(spec),
    )


def bare_id(spec: PlanSpec) -> str:
    return f"bare-plan-{spec.case_id}"


@dataclass
class Timings:
    """Seconds each call took, by its name, by round."""

    calls: dict[str, list[list[float]]] = field(default_factory=dict)

    async def time(self, name: str, round_: int, call: Awaitable[Any]) -> None:
        started = time.perf_counter()
        await call
        took = time.perf_counter() - started
        rounds = self.calls.setdefault(name, [])
        while len(rounds) <= round_:
            rounds.append([])
        rounds[round_].append(took)

    def all(self, name: str) -> list[float]:
        return [t for r in self.calls.get(name, []) for t in r]


def ratio_spread(timings: Timings, ours: str, baseline: str) -> list[float]:
    """The ratio of ours' median to the baseline's in each round (rounds with both)."""
    spread = []
    for a, b in zip(timings.calls.get(ours, []), timings.calls.get(baseline, []), strict=False):
        if a and b:
            spread.append(round(statistics.median(a) / statistics.median(b), 2))
    return spread


def lateness(samples: Sequence[float]) -> dict[str, float]:
    found = summary_ms(list(samples) or [float("nan")])
    found["max_ms"] = round(max(samples, default=float("nan")) * 1000, 1)
    return found


def twice(rows: Sequence[Mapping[str, Any]]) -> int:
    """How many escalation rows repeat another's key (case, kind, cycle, tier, level)."""
    keys = {(r["case_id"], r["kind"], r["cycle"], r["tier"], r["level"]) for r in rows}
    return len(rows) - len(keys)


async def interleaved(concurrency: int, pairs: Sequence[tuple[Callable[[], Awaitable[Any]], ...]]) -> None:
    """Each pair's calls in turn (ours, the baseline's, ours, ...), `concurrency` in flight."""
    gate = asyncio.Semaphore(concurrency)

    async def one(call: Callable[[], Awaitable[Any]]) -> None:
        async with gate:
            await call()

    await asyncio.gather(*(one(c) for pair in pairs for c in pair))


async def until_opened(conn: asyncpg.Connection, plans: Sequence[PlanSpec], give_up: float) -> float:
    """Wait until every plan's workflow recorded its creation and its clocks started on its
    case's record; the seconds it took."""
    started = time.perf_counter()
    case_ids = [p.case_id for p in plans]
    while time.monotonic() < give_up:
        opened = await conn.fetchval(
            "SELECT count(*) FROM (SELECT workflow_id FROM intake.case_events WHERE case_id = ANY($1::uuid[])"
            " GROUP BY workflow_id HAVING count(*) >= $2) AS opened",
            case_ids,
            1 + CLOCKS,
        )
        if opened >= len(plans):
            return round(time.perf_counter() - started, 1)
        await asyncio.sleep(1.0)
    raise RuntimeError(f"plans did not open within {OPEN_TIMEOUT} s")


class Bench:
    def __init__(self, stack: Stack, size: Size, conn: asyncpg.Connection, bare: Client, bare_queue: str) -> None:
        self.stack = stack
        self.size = size
        self.conn = conn
        self.bare = bare
        self.bare_queue = bare_queue
        self.timings = Timings()
        self.figures: dict[str, Any] = {}
        self.cpu: dict[str, dict[str, float]] = {}
        self._mark = stack.cpu_seconds()

    def phase(self, name: str) -> None:
        now = self.stack.cpu_seconds()
        self.cpu[name] = cpu_delta(self._mark, now)
        self._mark = now

    async def open(self, plans: plan_pb2_grpc.PlanServiceStub, specs_: Sequence[PlanSpec]) -> float:
        """Make each plan and start its twin, interleaved; the seconds it took."""

        def pair(spec: PlanSpec) -> tuple[Callable[[], Awaitable[Any]], ...]:
            return (
                lambda: self.timings.time("CreatePlan", 0, plans.CreatePlan(create_request(spec))),
                lambda: self.timings.time(
                    "start_workflow",
                    0,
                    self.bare.start_workflow(
                        BarePlan.run,
                        args=[str(spec.case_id), spec.clocks(REMINDER)],
                        id=bare_id(spec),
                        task_queue=self.bare_queue,
                    ),
                ),
            )

        started = time.perf_counter()
        await interleaved(CONCURRENCY, [pair(s) for s in specs_])
        return round(time.perf_counter() - started, 1)

    async def operations(
        self,
        plans: plan_pb2_grpc.PlanServiceStub,
        scope: intake_pb2_grpc.IntakeServiceStub,
        specs_: Sequence[PlanSpec],
    ) -> None:
        """GetPlan beside GetCaseScope and RecordActionStatus beside the twin's update, one at
        a time, alternating which goes first; the first two of each kind warm up."""
        rng = random.Random(SEED)
        chosen = rng.sample(list(specs_), min(len(specs_), self.size.calls + 2))
        for i, spec in enumerate(chosen):
            round_ = -1 if i < 2 else (i - 2) * ROUNDS // max(1, len(chosen) - 2)
            calls = self._calls(plans, scope, spec)
            if i % 2:
                calls = [calls[1], calls[0], calls[3], calls[2]]
            for name, call in calls:
                if round_ < 0:
                    await call()
                else:
                    await self.timings.time(name, round_, call())

    def _calls(
        self, plans: plan_pb2_grpc.PlanServiceStub, scope: intake_pb2_grpc.IntakeServiceStub, spec: PlanSpec
    ) -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
        """One plan's operations, each beside its baseline: (name, the call) four times."""
        case_id = str(spec.case_id)
        done = plan_pb2.RecordActionStatusRequest(
            idempotency_key=f"bench-done-{case_id}",
            case_id=case_id,
            action_id=f"a{ACTIONS}",
            status=plan_pb2.PLAN_ACTION_STATUS_DONE,
            recorded_by=STAFF,
        )
        twin = self.bare.get_workflow_handle(bare_id(spec))
        return [
            ("GetPlan", lambda: plans.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))),
            ("GetCaseScope", lambda: scope.GetCaseScope(intake_pb2.GetCaseScopeRequest(case_id=case_id))),
            ("RecordActionStatus", lambda: plans.RecordActionStatus(done)),
            ("update", lambda: twin.execute_update(BarePlan.done, ACTIONS - 1)),
        ]

    async def storm(self, sampled: Sequence[PlanSpec], fired: Fired) -> dict[str, Any]:
        """Wait for the sampled plans' reminders and escalations and their twins' activities;
        their lateness."""
        case_ids = [s.case_id for s in sampled]
        last_due = max(s.dues[0] for s in sampled)
        deadline = last_due + dt.timedelta(seconds=DRAIN)
        wanted = 2 * len(sampled)
        while dt.datetime.now(dt.UTC) < deadline:
            raised = await self.conn.fetchval(
                "SELECT count(*) FROM supervision.escalations WHERE case_id = ANY($1::uuid[])", case_ids
            )
            if raised >= wanted and sum(1 for k in fired.at if k.endswith((":0:0", ":0:1"))) >= wanted:
                break
            await asyncio.sleep(1.0)
        rows = [
            dict(r)
            for r in await self.conn.fetch(
                "SELECT case_id, kind, cycle, tier, level, raise_at, raised_at FROM supervision.escalations"
                " WHERE case_id = ANY($1::uuid[])",
                case_ids,
            )
        ]
        ours = {
            tier: [
                (r["raised_at"] - r["raise_at"]).total_seconds() for r in rows if r["tier"] == tier and r["cycle"] == 1
            ]
            for tier in (0, 1)
        }
        bare = {
            step: [
                fired.at[f"{s.case_id}:0:{step}"] - s.clocks(REMINDER)[0][step]
                for s in sampled
                if f"{s.case_id}:0:{step}" in fired.at
            ]
            for step in (0, 1)
        }
        calls = await self.conn.fetchval(
            "SELECT count(*) FROM supervision.audit WHERE action LIKE '%RaiseEscalation' AND case_id = ANY($1::text[])",
            [str(c) for c in case_ids],
        )
        # the escalation's lateness in two: due -> the workflow's task that found it passed
        # (its `timer.expired` event, stamped with the task's time), and that -> on the queue
        expired = {
            r["case_id"]: r["at"]
            for r in await self.conn.fetch(
                "SELECT case_id, min(at) AS at FROM intake.case_events WHERE case_id = ANY($1::uuid[])"
                " AND action = 'timer.expired' GROUP BY case_id",
                case_ids,
            )
        }
        due = {s.case_id: s.dues[0] for s in sampled}
        tier1 = {r["case_id"]: r["raised_at"] for r in rows if r["tier"] == 1 and r["cycle"] == 1}
        split = {
            "due_to_task": [(at - due[c]).total_seconds() for c, at in expired.items()],
            "task_to_queue": [(tier1[c] - at).total_seconds() for c, at in expired.items() if c in tier1],
        }
        return {"ours": ours, "bare": bare, "rows": rows, "calls": calls, "split": split}


def policy_file(folder: Path) -> Path:
    """The shipped policy with its plans' reminder REMINDER seconds ahead."""
    return write_policy(shortened(load_policy(), plan_reminder_before=REMINDER), folder / "plans-bench.yaml")


async def run(stack: Stack, size: Size) -> Report:
    settings = stack.settings
    bare_client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    conn = await asyncpg.connect(settings.database_owner_url or settings.database_url)
    fired = Fired()
    bare_queue = f"bench-plans-{uuid.uuid4()}"
    bench = Bench(stack, size, conn, bare_client, bare_queue)
    figures = bench.figures
    staff = StaticToken(staff_token(stack))
    try:
        now = dt.datetime.now(dt.UTC)
        cases = case_rows([now + dt.timedelta(days=30)] * size.plans, now)
        await seed(conn, cases)
        load_cases, sample_cases = cases[: size.plans - size.sample], cases[size.plans - size.sample :]
        load = specs(load_cases, [far_dues(now, i) for i in range(len(load_cases))], now)
        worker = worker_process(stack)
        figures["worker_rss_mb_empty"] = round(worker.memory_info().rss / MB, 1)
        async with (
            Worker(bare_client, task_queue=bare_queue, workflows=[BarePlan], activities=[fired.fired]),
            aio_channel(settings.address("plan"), settings, staff, traced=False) as plan_channel,
            aio_channel(
                settings.address("intake"), settings, workload_tokens(settings, "bench"), traced=False
            ) as scope_channel,
        ):
            plans = plan_pb2_grpc.PlanServiceStub(plan_channel)
            scope = intake_pb2_grpc.IntakeServiceStub(scope_channel)
            bench.phase("seed")
            figures["seconds_to_make_load"] = await bench.open(plans, load)
            figures["seconds_to_open_load_after_making"] = await until_opened(
                conn, load, time.monotonic() + OPEN_TIMEOUT
            )
            bench.phase("open_load")
            figures["worker_rss_mb_load_open"] = round(worker.memory_info().rss / MB, 1)
            await bench.operations(plans, scope, load)
            bench.phase("operations")

            # time enough to make and open the sample at twice the load's pace
            per_plan = (figures["seconds_to_make_load"] + figures["seconds_to_open_load_after_making"]) / len(load)
            lead = max(MIN_LEAD, size.sample * max(LEAD_PER_SAMPLE, 2 * per_plan))
            now = dt.datetime.now(dt.UTC)
            first = now + dt.timedelta(seconds=lead)
            sampled = specs(sample_cases, sample_dues(first, len(sample_cases), size.window, REMINDER, now), now)
            figures["seconds_to_make_sample"] = await bench.open(plans, sampled)
            figures["seconds_to_open_sample_after_making"] = await until_opened(
                conn, sampled, time.monotonic() + OPEN_TIMEOUT
            )
            figures["first_reminder_seconds_after_all_opened"] = round(
                (first - dt.datetime.now(dt.UTC)).total_seconds(), 1
            )
            bench.phase("open_sample")
            found = await bench.storm(sampled, fired)
            bench.phase("storm")
            figures["worker_rss_mb_all_open"] = round(worker.memory_info().rss / MB, 1)
        stray = await conn.fetchval(
            "SELECT count(*) FROM supervision.escalations WHERE case_id = ANY($1::uuid[])", [s.case_id for s in load]
        )
    finally:
        await conn.close()
    return report(size, bench, found, stray, fired)


def report(size: Size, bench: Bench, found: Mapping[str, Any], stray: int, fired: Fired) -> Report:
    t = bench.timings
    ms = {name: summary_ms(t.all(name)) for name in t.calls}
    reminder, escalation = lateness(found["ours"][0]), lateness(found["ours"][1])
    bare_reminder, bare_due = lateness(found["bare"][0]), lateness(found["bare"][1])
    rows = found["rows"]
    calls = [("CreatePlan", "start_workflow"), ("GetPlan", "GetCaseScope"), ("RecordActionStatus", "update")]
    comparisons = [
        Comparison(
            "reminder lateness p95", reminder["p95_ms"], bare_reminder["p95_ms"], "ms", LATENESS_RATIO_TARGET, False
        ),
        Comparison(
            "escalation lateness p95", escalation["p95_ms"], bare_due["p95_ms"], "ms", LATENESS_RATIO_TARGET, False
        ),
        *(
            Comparison(f"{ours} p95", ms[ours]["p95_ms"], ms[base]["p95_ms"], "ms", CALL_RATIO_TARGET, False)
            for ours, base in calls
        ),
    ]
    n = size.sample
    bench.figures.update(
        {
            "open_plans": size.plans,
            "open_timers": size.plans * CLOCKS,
            "reminder_lateness": reminder,
            "escalation_lateness": escalation,
            "bare_reminder_lateness": bare_reminder,
            "bare_due_lateness": bare_due,
            #: still waiting DRAIN seconds after the last due date
            "escalation_lateness_due_to_workflow_task": lateness(found["split"]["due_to_task"]),
            "escalation_lateness_workflow_task_to_queue": lateness(found["split"]["task_to_queue"]),
            "reminders_not_raised_in_time": n - len(found["ours"][0]),
            "escalations_not_raised_in_time": n - len(found["ours"][1]),
            "bare_not_fired_in_time": 2 * n - len(found["bare"][0]) - len(found["bare"][1]),
            "escalation_rows": len(rows),
            "raised_twice": twice(rows),
            "raise_escalation_calls": found["calls"],
            "escalations_on_plans_all_far_ahead": stray,
            "bare_activity_calls": fired.calls,
            "calls": ms,
            "call_ratio_spread_over_rounds": {ours: ratio_spread(t, ours, base) for ours, base in calls[1:]},
            "cpu_seconds": bench.cpu,
        }
    )
    return Report(
        benchmark="plans",
        parameters={
            "plans": size.plans,
            "actions_per_plan": ACTIONS,
            "sampled_actions": n,
            "window_seconds": size.window,
            "reminder_before_seconds": REMINDER,
            "calls_of_each_kind": size.calls,
            "rounds": ROUNDS,
            "make_concurrency": CONCURRENCY,
        },
        comparisons=comparisons,
        figures=bench.figures,
    )


def size_from_env() -> Size:
    plans = int(os.environ.get("BENCH_PLANS_PLANS", "500"))
    sample = min(plans // 2, int(os.environ.get("BENCH_PLANS_SAMPLE", "100")))
    calls = min(plans - sample - 2, int(os.environ.get("BENCH_PLANS_CALLS", "100")))
    if sample < 1 or calls < 1:
        raise SystemExit("BENCH_PLANS_PLANS must be at least 6 (a sample to storm, plans to call)")
    return Size(plans, sample, calls, float(os.environ.get("BENCH_PLANS_WINDOW", "60")))


async def main() -> Report:
    size = size_from_env()
    with tempfile.TemporaryDirectory(prefix="kahu-bench-policy-") as folder:
        async with running_stack({POLICY_ENV: str(policy_file(Path(folder)))}) as stack:
            return await run(stack, size)
