"""Timer storm: N triage deadlines falling due within one minute on the dev stack, beside bare
timer workflows firing at the same moments on the same server.

On the dev stack (every part a process of its own, as `make run` starts them):

1. N cases as intake opens them: their rows in `intake.cases` and `intake.reports` (COPY),
   each case's workflow started as intake's outbox starts it (services/common/outbox.py
   `start_once`, the shipped policy, the triage deadline from intake's row), the deadlines
   spread evenly over WINDOW seconds starting a while ahead (LEAD: time to start them all
   and let each open: its stage recorded, its proposal asked for);
2. beside each case, a bare timer workflow (`bench.baseline.BareDeadline`, a worker in this
   process on its own task queue) due at the same moment, which then runs one activity;
3. when each falls due the case's triage clock breaches and raises its tier 1 escalation
   (the shipped policy's tier 1 comes at the deadline): lateness is `raised_at - raise_at`
   of its row in `supervision.escalations` (when it reached the queue, less when it was
   due); the bare timer's is when its activity ran less when it was due.

Reports p50/p95/max lateness of both (target: ours p95 within 2x the bare timers'), how many
escalations each case has (none raised twice: exactly one row per case, and how many
RaiseEscalation calls the key absorbed), and the CPU each part of the stack used.

`BENCH_STORM_DEADLINES` (default 500; the README's figures: 5,000, and 200 over 20 s),
`BENCH_STORM_WINDOW` (seconds, default 60).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import asyncpg
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from bench.baseline import BareDeadline
from bench.reads import report_records
from bench.results import Comparison, Report, summary_ms
from bench.stack import Stack, cpu_delta, running_stack
from services.common.outbox import start_once
from services.common.sites import load_sites
from services.common.temporal import connect_temporal
from workflows.case.model import CaseFacts, CaseInput, DeadlineKind, Stage, workflow_id
from workflows.case.workflows import CaseWorkflow
from workflows.policy.loader import load_policy
from workflows.policy.model import CasePolicy

RATIO_TARGET = 2.0
CONCURRENCY = 16
#: Seconds allowed per deadline to start both workflows and open the case, and at least this.
LEAD_PER_DEADLINE = 0.15
MIN_LEAD = 45.0
#: How long after the last deadline the benchmark waits for the stragglers.
DRAIN = 300.0
FACTS = CaseFacts(
    concerns=["CONCERN_CATEGORY_NEGLECT"],
    immediate_danger=False,
    agency="AGENCY_EDUCATION",
    prior_involvement=False,
    youngest_child_age=7,
    child_safety_hub=False,
)


def schedule(n: int, first: dt.datetime, window: float) -> list[dt.datetime]:
    """`n` moments spread evenly over `window` seconds from `first`."""
    step = window / max(n - 1, 1)
    return [first + dt.timedelta(seconds=i * step) for i in range(n)]


def case_starter(
    kahu: Client, task_queue: str, policy: CasePolicy
) -> Callable[[Mapping[str, Any]], Callable[[], Awaitable[Any]]]:
    """For a seeded case row, the call that starts its workflow as intake's outbox does."""

    def start_case(r: Mapping[str, Any]) -> Callable[[], Awaitable[Any]]:
        case = CaseInput(
            case_id=str(r["case_id"]),
            site=r["site"],
            region=r["region"],
            concerns=FACTS.concerns,
            immediate_danger=False,
            child_count=1,
            facts=FACTS,
            policy=policy,
            received_at=r["received_at"],
            triage_due_at=r["due"],
        )
        return lambda: start_once(
            kahu,
            CaseWorkflow.run,
            case,
            workflow_id=r["workflow_id"],
            task_queue=task_queue,
            stage=Stage.INTAKE.value,
            site=r["site"],
            region=r["region"],
        )

    return start_case


def case_rows(dues: Sequence[dt.datetime], received: dt.datetime) -> list[dict[str, Any]]:
    sites = load_sites()
    codes = sorted(sites)
    rows = []
    for i, due in enumerate(dues):
        case_id = uuid.uuid4()
        site = sites[codes[i % len(codes)]]
        rows.append(
            {
                "case_id": case_id,
                "workflow_id": workflow_id(str(case_id)),
                "site": site.code,
                "region": site.region,
                "received_at": received,
                "due": due,
            }
        )
    return rows


async def seed(conn: asyncpg.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """The cases' rows as intake commits them (the workflow marked started: this benchmark
    starts it, not the outbox), and their reports."""
    await conn.copy_records_to_table(
        "cases",
        schema_name="intake",
        columns=[
            "case_id",
            "workflow_id",
            "site",
            "region",
            "stage",
            "concerns",
            "immediate_danger",
            "child_count",
            "received_at",
            "workflow_started_at",
            "triage_due_at",
            "deadline_kind",
            "due_at",
        ],
        records=[
            (
                r["case_id"],
                r["workflow_id"],
                r["site"],
                r["region"],
                Stage.INTAKE.value,
                FACTS.concerns,
                False,
                1,
                r["received_at"],
                r["received_at"],
                r["due"],
                DeadlineKind.TRIAGE.value,
                r["due"],
            )
            for r in rows
        ],
    )
    await conn.copy_records_to_table(
        "reports",
        schema_name="intake",
        columns=[
            "report_id",
            "case_id",
            "idempotency_key",
            "request_digest",
            "report",
            "received_at",
            "reporter_agency",
        ],
        records=report_records(rows),
    )


class Fired:
    """The bare deadlines' activity: when each ran (wall clock), and how often."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.calls = 0

    @activity.defn(name="fired")
    async def fired(self, key: str) -> None:
        self.calls += 1
        self.at.setdefault(key, time.time())


async def bounded(concurrency: int, calls: Sequence[Any]) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(call: Any) -> None:
        async with gate:
            await call()

    await asyncio.gather(*(one(c) for c in calls))


async def escalations(conn: asyncpg.Connection, case_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT case_id, kind, cycle, tier, level, raise_at, raised_at FROM supervision.escalations"
            " WHERE case_id = ANY($1::uuid[])",
            case_ids,
        )
    )


async def run(stack: Stack, n: int, window: float) -> Report:
    settings = stack.settings
    policy = load_policy().case
    kahu = await connect_temporal(settings, "bench")  # as intake starts cases (the codec's payloads)
    bare_client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    conn = await asyncpg.connect(settings.database_owner_url or settings.database_url)
    fired = Fired()
    bare_queue = f"bench-storm-{uuid.uuid4()}"
    try:
        now = dt.datetime.now(dt.UTC)
        lead = max(MIN_LEAD, n * LEAD_PER_DEADLINE)
        dues = schedule(n, now + dt.timedelta(seconds=lead), window)
        rows = case_rows(dues, now)
        await seed(conn, rows)
        case_ids = [r["case_id"] for r in rows]
        mark = stack.cpu_seconds()
        cpu: dict[str, dict[str, float]] = {}
        async with Worker(bare_client, task_queue=bare_queue, workflows=[BareDeadline], activities=[fired.fired]):
            start_case = case_starter(kahu, settings.task_queue, policy)

            def start_bare(r: Mapping[str, Any]) -> Any:
                key = str(r["case_id"])
                return lambda: bare_client.start_workflow(
                    BareDeadline.run, args=[r["due"].timestamp(), key], id=f"bare-{key}", task_queue=bare_queue
                )

            started = time.perf_counter()
            await bounded(CONCURRENCY, [call for r in rows for call in (start_case(r), start_bare(r))])
            start_seconds = time.perf_counter() - started
            opened_at = await _until_opened(conn, case_ids, dues[-1] + dt.timedelta(seconds=DRAIN))
            cpu["start_and_open"], mark = cpu_delta(mark, stack.cpu_seconds()), stack.cpu_seconds()
            first_due_in = (dues[0] - dt.datetime.now(dt.UTC)).total_seconds()
            deadline = dues[-1] + dt.timedelta(seconds=DRAIN)
            while dt.datetime.now(dt.UTC) < deadline:
                raised = await conn.fetchval(
                    "SELECT count(*) FROM supervision.escalations WHERE case_id = ANY($1::uuid[])", case_ids
                )
                if raised >= n and len(fired.at) >= n:
                    break
                await asyncio.sleep(1.0)
            cpu["storm"] = cpu_delta(mark, stack.cpu_seconds())
        found = await escalations(conn, case_ids)
        calls = await conn.fetchval(
            "SELECT count(*) FROM supervision.audit WHERE action LIKE '%RaiseEscalation' AND case_id = ANY($1::text[])",
            [str(c) for c in case_ids],
        )
    finally:
        await conn.close()
    due_of = {str(r["case_id"]): r["due"] for r in rows}
    ours = [(e["raised_at"] - e["raise_at"]).total_seconds() for e in found if e["tier"] == 1]
    bare = [at - due_of[key].timestamp() for key, at in fired.at.items()]
    keys = {(e["case_id"], e["kind"], e["cycle"], e["tier"], e["level"]) for e in found}
    per_case: dict[str, int] = {}
    for e in found:
        per_case[str(e["case_id"])] = per_case.get(str(e["case_id"]), 0) + 1
    ours_ms, bare_ms = summary_ms(ours or [float("nan")]), summary_ms(bare or [float("nan")])
    ours_ms["max_ms"] = round(max(ours, default=float("nan")) * 1000, 1)
    bare_ms["max_ms"] = round(max(bare, default=float("nan")) * 1000, 1)
    return Report(
        benchmark="storm",
        parameters={"deadlines": n, "window_seconds": window, "start_concurrency": CONCURRENCY},
        comparisons=[
            Comparison("lateness p95", ours_ms["p95_ms"], bare_ms["p95_ms"], "ms", RATIO_TARGET, False),
            Comparison("lateness p50", ours_ms["p50_ms"], bare_ms["p50_ms"], "ms", RATIO_TARGET, False),
            Comparison("lateness max", ours_ms["max_ms"], bare_ms["max_ms"], "ms", RATIO_TARGET, False),
        ],
        figures={
            "escalation_lateness": ours_ms,
            "bare_timer_lateness": bare_ms,
            "escalations_raised": len(ours),
            "bare_timers_fired": len(bare),
            #: still waiting DRAIN seconds after the last deadline (the percentiles are of
            #: those that came; these are later than any of them)
            "escalations_not_raised_in_time": n - len(ours),
            "bare_timers_not_fired_in_time": n - len(bare),
            "escalation_rows": len(found),
            "distinct_escalation_keys": len(keys),
            "cases_with_more_than_one_escalation": sum(1 for c in per_case.values() if c > 1),
            "raised_twice": len(found) - len(keys),
            "raise_escalation_calls": calls,
            "bare_activity_calls": fired.calls,
            "seconds_to_start_both": round(start_seconds, 1),
            "seconds_to_open_all_after_starting": opened_at,
            "first_due_seconds_after_all_opened": round(first_due_in, 1),
            "cpu_seconds": cpu,
        },
    )


async def _until_opened(conn: asyncpg.Connection, case_ids: list[uuid.UUID], give_up: dt.datetime) -> float | None:
    """Wait until every case is in triage on intake's record (its workflow opened it); None
    when that did not happen in time, else the seconds it took."""
    started = time.perf_counter()
    while dt.datetime.now(dt.UTC) < give_up:
        opened = await conn.fetchval(
            "SELECT count(*) FROM intake.cases WHERE case_id = ANY($1::uuid[]) AND stage <> $2",
            case_ids,
            Stage.INTAKE.value,
        )
        if opened >= len(case_ids):
            return round(time.perf_counter() - started, 1)
        await asyncio.sleep(1.0)
    return None


async def main() -> Report:
    n = int(os.environ.get("BENCH_STORM_DEADLINES", "500"))
    window = float(os.environ.get("BENCH_STORM_WINDOW", "60"))
    async with running_stack() as stack:
        return await run(stack, n, window)
