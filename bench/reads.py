"""Reads at scale: GetCase, ListCases (each filter, either order, a first page and a deep
page) and ListQueue (10,000 open escalations), each beside a primary-key lookup through the
same service in the same run.

On the dev stack (every part a process of its own, as `make run` starts them):

1. the record: N cases in intake's schema (services/intake/generator.py, in SQL), then with
   COPY (as `make seed-network` loads placement) EVENTS recorded events per case in
   `intake.case_events` and its report in `intake.reports`; 10,000 open escalations (and
   RESOLVED closed ones before them, a year's queue) in `supervision.escalations`;
2. interleaved, one call at a time, SAMPLES times per figure: the baseline, GetCaseScope of a
   random case (its `cases` row by primary key through intake's same gRPC, authorisation and
   audited transaction), then ours: GetCase of a random case (row, events, reports);
   ListCases with each filter in either order, a first page and page DEPTH (reached by
   its page tokens; only that page timed); ListQueue unfiltered, by site, region, tier and
   kind, with the due-soon cases, a first and a deep page. A raw `SELECT ... WHERE case_id`
   from the benchmark is reported too (the floor under both).

Targets: each p95 <= 5x the baseline's p95 (the `listing` benchmark's), and <= 25 ms.

`BENCH_READS_CASES` (default 100,000, the README's figures), `BENCH_READS_EVENTS`
(default 20), `BENCH_READS_SAMPLES` (default 40), `BENCH_READS_DEPTH` (default 10).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from google.protobuf.message import Message

from bench.listing import staff_token
from bench.results import Comparison, Report, percentile, summary_ms
from bench.stack import Stack, cpu_delta, running_stack
from kahu.v1 import common_pb2, intake_pb2, intake_pb2_grpc, supervision_pb2, supervision_pb2_grpc
from services.common.channels import aio_channel
from services.common.convert import timestamp
from services.common.identity import StaticToken
from services.common.sites import load_sites
from services.common.temporal import workload_tokens
from services.intake.generator import generate_cases

OPEN_ESCALATIONS = 10_000
RESOLVED_ESCALATIONS = 40_000
PAGE_SIZE = 50
RATIO_TARGET = 5.0
P95_TARGET_MS = 25.0
SEED = 19
ACTIONS = ["stage.entered", "timer.started", "escalation.raised", "report.added", "deadline.extended", "timer.met"]
ESCALATION_KINDS = ["TRIAGE", "ASSESSMENT", "ASSESSMENT_COMPLETION", "PLACEMENT"]
TIER_ROLES = {1: "site_supervisor", 2: "site_manager", 3: "regional_manager"}


@dataclass(frozen=True)
class Size:
    cases: int
    events: int
    samples: int
    depth: int


def _report_bytes() -> bytes:
    return common_pb2.Report(
        reporter=common_pb2.Reporter(kind=common_pb2.REPORTER_KIND_AGENCY, agency=common_pb2.AGENCY_EDUCATION),
        site="hutt",
        children=[common_pb2.Child(name="Tamaiti Bench", age_years=7)],
        concerns=[common_pb2.CONCERN_CATEGORY_NEGLECT],
        incidents=[
            common_pb2.Incident(occurred_on=common_pb2.Date(year=2026, month=1, day=5), description="synthetic")
        ],
        risk_reason="synthetic benchmark report",
    ).SerializeToString()


def event_records(cases: list[asyncpg.Record], per_case: int) -> Iterator[tuple[Any, ...]]:
    """`per_case` recorded events of each case's workflow, an hour apart from its receipt."""
    hour = dt.timedelta(hours=1)
    for case in cases:
        case_id, wf, at = case["case_id"], case["workflow_id"], case["received_at"]
        for seq in range(per_case):
            action = ACTIONS[seq % len(ACTIONS)]
            yield (f"{wf}:{seq}", case_id, wf, seq, at + seq * hour, "kahu", action, f"synthetic {action} {seq}")


def report_records(cases: Sequence[Mapping[str, Any]]) -> Iterator[tuple[Any, ...]]:
    report = _report_bytes()
    for case in cases:
        key = f"bench-{case['case_id']}"
        digest = hashlib.sha256(key.encode()).digest()
        yield (uuid.uuid4(), case["case_id"], key, digest, report, case["received_at"], "AGENCY_EDUCATION")


def escalation_records(cases: list[asyncpg.Record], now: dt.datetime) -> Iterator[tuple[Any, ...]]:
    """RESOLVED_ESCALATIONS resolved over the year before, then OPEN_ESCALATIONS open over
    the last month, on the cases (each (case, kind, cycle, tier, level) once)."""
    rng = random.Random(SEED)
    total = RESOLVED_ESCALATIONS + OPEN_ESCALATIONS
    for i in range(total):
        case = cases[i % len(cases)]
        cycle = 1 + i // len(cases)
        tier = 1 + rng.randrange(3)
        kind = ESCALATION_KINDS[i % len(ESCALATION_KINDS)]
        resolved = i < RESOLVED_ESCALATIONS
        span = dt.timedelta(days=365) if resolved else dt.timedelta(days=30)
        oldest = now - (dt.timedelta(days=395) if resolved else span)
        raised = oldest + rng.random() * span
        due = raised - dt.timedelta(hours=8 * (tier - 1))
        yield (
            uuid.uuid4(),
            case["case_id"],
            case["workflow_id"],
            kind,
            cycle,
            tier,
            TIER_ROLES[tier],
            case["site"],
            case["region"],
            due,
            raised,
            "BREACH",
            due,
            raised + dt.timedelta(days=2) if resolved else None,
        )


async def seed(conn: asyncpg.Connection, size: Size, now: dt.datetime) -> dict[str, float]:
    """The record and the queue; seconds each part took."""
    took: dict[str, float] = {}
    started = time.perf_counter()
    await generate_cases(conn, size.cases, now)
    took["cases"] = time.perf_counter() - started
    cases = await conn.fetch("SELECT case_id, workflow_id, received_at, site, region, stage FROM intake.cases")
    started = time.perf_counter()
    await conn.copy_records_to_table(
        "case_events",
        schema_name="intake",
        columns=["event_id", "case_id", "workflow_id", "seq", "at", "actor", "action", "detail"],
        records=event_records(cases, size.events),
    )
    took["case_events"] = time.perf_counter() - started
    started = time.perf_counter()
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
        records=report_records(cases),
    )
    took["reports"] = time.perf_counter() - started
    started = time.perf_counter()
    open_cases = [c for c in cases if c["stage"] != "CLOSED"] or cases
    await conn.copy_records_to_table(
        "escalations",
        schema_name="supervision",
        columns=[
            "escalation_id",
            "case_id",
            "workflow_id",
            "kind",
            "cycle",
            "tier",
            "role",
            "site",
            "region",
            "due_at",
            "raised_at",
            "level",
            "raise_at",
            "resolved_at",
        ],
        records=escalation_records(open_cases, now),
    )
    took["escalations"] = time.perf_counter() - started
    started = time.perf_counter()
    for table in ("intake.cases", "intake.case_events", "intake.reports", "supervision.escalations"):
        await conn.execute(f"VACUUM (ANALYZE) {table}")
    took["vacuum_analyze"] = time.perf_counter() - started
    return {name: round(seconds, 1) for name, seconds in took.items()}


Call = Callable[[Message], Awaitable[Any]]


def case_filters(rng: random.Random, now: dt.datetime) -> dict[str, Callable[[], intake_pb2.ListCasesRequest]]:
    sites = load_sites()
    codes = sorted(sites)

    def make(**fields: Any) -> Callable[[], intake_pb2.ListCasesRequest]:
        def build() -> intake_pb2.ListCasesRequest:
            request = intake_pb2.ListCasesRequest(page_size=PAGE_SIZE)
            for name, value in fields.items():
                chosen = value() if callable(value) else value
                if isinstance(chosen, Message):
                    getattr(request, name).CopyFrom(chosen)
                else:
                    setattr(request, name, chosen)
            return request

        return build

    def received_from() -> Any:
        return timestamp(now - dt.timedelta(days=rng.randrange(60, 1000)))

    site = lambda: rng.choice(codes)  # noqa: E731
    return {
        "none": make(),
        "site": make(site=site),
        "region": make(region=lambda: sites[rng.choice(codes)].region),
        "stage": make(stage=lambda: rng.choice([common_pb2.CASE_STAGE_TRIAGE, common_pb2.CASE_STAGE_CLOSED])),
        "timeframe": make(timeframe=lambda: rng.choice([common_pb2.TIMEFRAME_CRITICAL, common_pb2.TIMEFRAME_URGENT])),
        "min_tier": make(min_tier=lambda: rng.randint(1, 3)),
        "overdue at a site": make(overdue_only=True, site=site),
        "assignee": make(assignee=lambda: f"sw.{rng.randrange(1000)}"),
        "received from": make(received_from=received_from),
    }


def queue_filters(rng: random.Random) -> dict[str, Callable[[], supervision_pb2.ListQueueRequest]]:
    sites = load_sites()
    codes = sorted(sites)
    kinds = [common_pb2.DEADLINE_KIND_TRIAGE, common_pb2.DEADLINE_KIND_ASSESSMENT]

    def q(**fields: Any) -> Callable[[], supervision_pb2.ListQueueRequest]:
        return lambda: supervision_pb2.ListQueueRequest(
            page_size=PAGE_SIZE, **{k: v() if callable(v) else v for k, v in fields.items()}
        )

    return {
        "none": q(breached_only=True),
        "site": q(site=lambda: rng.choice(codes), breached_only=True),
        "region": q(region=lambda: sites[rng.choice(codes)].region, breached_only=True),
        "min_tier 3": q(min_tier=3, breached_only=True),
        "kind": q(kind=lambda: rng.choice(kinds), breached_only=True),
        "site, due soon": q(site=lambda: rng.choice(codes), due_within_seconds=86_400),
    }


async def timed(call: Call, request: Message) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = await call(request)
    return time.perf_counter() - started, answer


async def deep(call: Call, request: Any, depth: int) -> float | None:
    """The time of page `depth` of a listing, reached by its page tokens (None: fewer pages)."""
    for _ in range(depth - 1):
        answer = await call(request)
        if not answer.next_page_token:
            return None
        request.page_token = answer.next_page_token
    took, _ = await timed(call, request)
    return took


@dataclass
class Samples:
    ours: dict[str, list[float]]
    baseline: list[float]
    raw_pk: list[float]


async def measure(stack: Stack, size: Size, case_ids: list[uuid.UUID], owner: asyncpg.Connection) -> Samples:
    settings = stack.settings
    rng = random.Random(SEED)
    now = dt.datetime.now(dt.UTC)
    samples = Samples({}, [], [])
    staff = StaticToken(staff_token(stack))
    async with (
        aio_channel(settings.address("intake"), settings, staff, traced=False) as intake_channel,
        aio_channel(settings.address("supervision"), settings, staff, traced=False) as supervision_channel,
        aio_channel(
            settings.address("intake"), settings, workload_tokens(settings, "bench"), traced=False
        ) as workload_channel,
    ):
        intake = intake_pb2_grpc.IntakeServiceStub(intake_channel)
        supervision = supervision_pb2_grpc.SupervisionServiceStub(supervision_channel)
        scope = intake_pb2_grpc.IntakeServiceStub(workload_channel)

        async def baseline(keep: bool) -> None:
            case_id = str(rng.choice(case_ids))
            took, _ = await timed(scope.GetCaseScope, intake_pb2.GetCaseScopeRequest(case_id=case_id))
            started = time.perf_counter()
            await owner.fetchrow("SELECT * FROM intake.cases WHERE case_id = $1", rng.choice(case_ids))
            if keep:
                samples.baseline.append(took)
                samples.raw_pk.append(time.perf_counter() - started)

        def add(name: str, took: float | None) -> None:
            if took is not None:
                samples.ours.setdefault(name, []).append(took)

        for i in range(size.samples + 2):  # the first two warm every path up
            keep = i >= 2
            await baseline(keep)
            took, _ = await timed(intake.GetCase, intake_pb2.GetCaseRequest(case_id=str(rng.choice(case_ids))))
            if keep:
                add("GetCase", took)
            for name, build in case_filters(rng, now).items():
                for order in (intake_pb2.CASE_ORDER_NEWEST, intake_pb2.CASE_ORDER_MOST_URGENT):
                    label = f"ListCases {name}, {'urgent' if order == intake_pb2.CASE_ORDER_MOST_URGENT else 'newest'}"
                    request = build()
                    request.order = order
                    first, _ = await timed(intake.ListCases, request)
                    request = build()
                    request.order = order
                    deeper = await deep(intake.ListCases, request, size.depth)
                    if keep:
                        add(f"{label}, first page", first)
                        add(f"{label}, page {size.depth}", deeper)
                await baseline(keep)
            for name, make in queue_filters(rng).items():
                first, _ = await timed(supervision.ListQueue, make())
                deeper = await deep(supervision.ListQueue, make(), size.depth)
                if keep:
                    add(f"ListQueue {name}, first page", first)
                    add(f"ListQueue {name}, page {size.depth}", deeper)
            await baseline(keep)
    return samples


def p95_ms(values: list[float]) -> float:
    return round(percentile(values, 95) * 1000, 2)


async def run(stack: Stack, size: Size) -> Report:
    settings = stack.settings
    owner_url = settings.database_owner_url or settings.database_url
    now = dt.datetime.now(dt.UTC)
    conn = await asyncpg.connect(owner_url)
    try:
        seeded = await seed(conn, size, now)
        case_ids = [
            r["case_id"] for r in await conn.fetch("SELECT case_id FROM intake.cases ORDER BY random() LIMIT 5000")
        ]
        mark = stack.cpu_seconds()
        samples = await measure(stack, size, case_ids, conn)
        cpu = cpu_delta(mark, stack.cpu_seconds())
    finally:
        await conn.close()
    base = p95_ms(samples.baseline)
    table = {
        name: {"p95_ms": p95_ms(v), "p50_ms": round(percentile(v, 50) * 1000, 2), "n": len(v)}
        for name, v in samples.ours.items()
    }

    def worst(prefix: str, suffix: str) -> tuple[str, float]:
        found = [
            (name, row["p95_ms"]) for name, row in table.items() if name.startswith(prefix) and name.endswith(suffix)
        ]
        return max(found, key=lambda item: item[1])

    comparisons = [Comparison("GetCase p95", table["GetCase"]["p95_ms"], base, "ms", RATIO_TARGET, False)]
    for prefix, suffix, label in (
        ("ListCases", "first page", "ListCases worst first page"),
        ("ListCases", f"page {size.depth}", f"ListCases worst page {size.depth}"),
        ("ListQueue", "first page", "ListQueue worst first page"),
        ("ListQueue", f"page {size.depth}", f"ListQueue worst page {size.depth}"),
    ):
        name, value = worst(prefix, suffix)
        comparisons.append(Comparison(f"{label} p95", value, base, "ms", RATIO_TARGET, False))
        table[name]["worst_of_its_kind"] = True
    slowest = max(row["p95_ms"] for row in table.values())
    comparisons.append(Comparison("slowest p95 / 25 ms target", slowest, P95_TARGET_MS, "ms", 1.0, False))
    return Report(
        benchmark="reads",
        parameters={
            "cases": size.cases,
            "events_per_case": size.events,
            "open_escalations": OPEN_ESCALATIONS,
            "resolved_escalations": RESOLVED_ESCALATIONS,
            "samples": size.samples,
            "deep_page": size.depth,
            "page_size": PAGE_SIZE,
        },
        comparisons=comparisons,
        figures={
            "seeded_seconds": seeded,
            "baseline_get_case_scope": summary_ms(samples.baseline),
            "raw_primary_key_select": summary_ms(samples.raw_pk),
            "calls": table,
            "cpu_seconds": cpu,
        },
    )


async def main() -> Report:
    size = Size(
        cases=int(os.environ.get("BENCH_READS_CASES", "100000")),
        events=int(os.environ.get("BENCH_READS_EVENTS", "20")),
        samples=int(os.environ.get("BENCH_READS_SAMPLES", "40")),
        depth=int(os.environ.get("BENCH_READS_DEPTH", "10")),
    )
    async with running_stack() as stack:
        return await run(stack, size)
