"""Open caseload: N cases open at once on the dev stack, each waiting on its triage deadline,
beside N bare timer workflows: the worker's resident memory as the cases open (peak and
slope), and PostgreSQL's and Temporal's size per case.

On the dev stack (every part a process of its own, as `make run` starts them), in two phases
on the same server:

1. ours: N cases as intake opens them (rows by COPY, each workflow started as the outbox
   starts it: bench/storm.py), the triage deadlines a month ahead, in STEPS batches; after
   each batch is open (its stage recorded by intake) the Kahu worker's RSS is sampled;
2. the baseline: N `bench.baseline.BareDeadline` workflows (the same timer, no work) on a
   worker in this process, in the same batches; this process's RSS sampled likewise.

Both workers keep temporalio's default workflow cache (`max_cached_workflows` 1,000; the
Kahu worker sets none: workflows/worker.py), so past 1,000 open workflows each evicts the
least recently used, and a timer that fires replays its workflow. The slope is the RSS
growth per 1,000 open workflows over the second half (once the cache is full); the target:
ours no steeper than 2x the bare worker's. The sizes: PostgreSQL's intake, triage and
supervision schemas and Temporal's SQLite file (with its write-ahead log), grown per case,
beside the bare workflows' growth of the same file.

`BENCH_CASELOAD_CASES` (default 2,000; issue 19 asks for 20,000), `BENCH_CASELOAD_STEPS`
(default 8).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import psutil
from temporalio.client import Client
from temporalio.worker import Worker

from bench.baseline import BareDeadline
from bench.results import Comparison, Report
from bench.stack import Stack, running_stack
from bench.storm import CONCURRENCY, Fired, bounded, case_rows, case_starter, seed
from services.common.temporal import connect_temporal
from workflows.case.model import Stage
from workflows.policy.loader import load_policy

SLOPE_RATIO_TARGET = 2.0
SCHEMAS = ("intake", "triage", "supervision")
MB = 1024 * 1024
OPEN_TIMEOUT = 900.0


def worker_process(stack: Stack) -> psutil.Process:
    for part in psutil.Process(stack.pid).children(recursive=True):
        cmdline = part.cmdline()
        if "-m" in cmdline and cmdline[cmdline.index("-m") + 1] == "workflows.worker":
            return part
    raise RuntimeError("the stack has no worker process")


def slope_per_thousand(points: Sequence[tuple[int, float]]) -> float:
    """Least-squares growth (MB) per 1,000 open workflows over the second half of `points`."""
    half = list(points[len(points) // 2 :]) if len(points) >= 4 else list(points)
    if len(half) < 2:
        return 0.0
    xs = [float(x) for x, _ in half]
    ys = [y for _, y in half]
    return statistics.linear_regression(xs, ys).slope * 1000


async def pg_bytes(conn: asyncpg.Connection) -> int:
    return int(
        await conn.fetchval(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1::text[]) AND c.relkind = 'r'",
            list(SCHEMAS),
        )
    )


def temporal_bytes(stack: Stack) -> int:
    folder = Path(stack.settings.state_dir) / "temporal"
    return sum(f.stat().st_size for f in folder.glob("kahu.sqlite*"))


async def _opened(conn: asyncpg.Connection, case_ids: list[uuid.UUID]) -> None:
    give_up = time.monotonic() + OPEN_TIMEOUT
    while time.monotonic() < give_up:
        opened = await conn.fetchval(
            "SELECT count(*) FROM intake.cases WHERE case_id = ANY($1::uuid[]) AND stage <> $2",
            case_ids,
            Stage.INTAKE.value,
        )
        if opened >= len(case_ids):
            return
        await asyncio.sleep(0.5)
    raise RuntimeError("cases did not open in time")


async def phase(
    batches: Sequence[Sequence[Mapping[str, Any]]],
    start: Callable[[Mapping[str, Any]], Callable[[], Awaitable[Any]]],
    settled: Callable[[Sequence[Mapping[str, Any]]], Awaitable[None]],
    rss: Callable[[], float],
) -> list[tuple[int, float]]:
    points = [(0, rss())]
    open_now = 0
    for batch in batches:
        await bounded(CONCURRENCY, [start(r) for r in batch])
        await settled(batch)
        open_now += len(batch)
        points.append((open_now, rss()))
    return points


async def run(stack: Stack, n: int, steps: int) -> Report:
    settings = stack.settings
    policy = load_policy().case
    kahu = await connect_temporal(settings, "bench")
    bare_client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    conn = await asyncpg.connect(settings.database_owner_url or settings.database_url)
    worker = worker_process(stack)
    me = psutil.Process()
    try:
        now = dt.datetime.now(dt.UTC)
        rows = case_rows([now + dt.timedelta(days=30)] * n, now)
        size = -(-n // steps)
        batches = [rows[i : i + size] for i in range(0, n, size)]
        pg_before, temporal_before = await pg_bytes(conn), temporal_bytes(stack)
        await seed(conn, rows)

        start_case = case_starter(kahu, settings.task_queue, policy)

        async def cases_open(batch: Sequence[Mapping[str, Any]]) -> None:
            await _opened(conn, [r["case_id"] for r in batch])

        started = time.perf_counter()
        ours = await phase(batches, start_case, cases_open, lambda: worker.memory_info().rss / MB)
        ours_seconds = time.perf_counter() - started
        await asyncio.sleep(5)  # let the last writes land
        pg_after, temporal_mid = await pg_bytes(conn), temporal_bytes(stack)

        queue = f"bench-caseload-{uuid.uuid4()}"
        fired = Fired()
        async with Worker(bare_client, task_queue=queue, workflows=[BareDeadline], activities=[fired.fired]):

            def start_bare(r: Mapping[str, Any]) -> Callable[[], Awaitable[Any]]:
                key = str(r["case_id"])
                return lambda: bare_client.start_workflow(
                    BareDeadline.run, args=[r["due"].timestamp(), key], id=f"bare-{key}", task_queue=queue
                )

            async def bare_open(batch: Sequence[Mapping[str, Any]]) -> None:
                await asyncio.sleep(1.0)  # its first task: the timer started

            started = time.perf_counter()
            bare = await phase(batches, start_bare, bare_open, lambda: me.memory_info().rss / MB)
            bare_seconds = time.perf_counter() - started
            await asyncio.sleep(5)
            temporal_after = temporal_bytes(stack)
    finally:
        await conn.close()
    ours_slope, bare_slope = slope_per_thousand(ours), slope_per_thousand(bare)
    temporal_per_case = (temporal_mid - temporal_before) / n
    temporal_per_bare = (temporal_after - temporal_mid) / n
    pg_per_case = (pg_after - pg_before) / n
    return Report(
        benchmark="caseload",
        parameters={"open_cases": n, "steps": steps, "workflow_cache": "temporalio default (1,000)"},
        comparisons=[
            Comparison(
                "worker RSS slope", round(ours_slope, 2), round(bare_slope, 2), "MB/1k", SLOPE_RATIO_TARGET, False
            ),
        ],
        figures={
            "worker_rss_peak_mb": round(max(y for _, y in ours), 1),
            "bare_worker_rss_peak_mb": round(max(y for _, y in bare), 1),
            "worker_rss_mb_by_open_cases": [(x, round(y, 1)) for x, y in ours],
            "bare_worker_rss_mb_by_open_workflows": [(x, round(y, 1)) for x, y in bare],
            "postgres_bytes_per_case": round(pg_per_case),
            "temporal_sqlite_bytes_per_case": round(temporal_per_case),
            "temporal_sqlite_bytes_per_bare_workflow": round(temporal_per_bare),
            "seconds_to_open_cases": round(ours_seconds, 1),
            "seconds_to_start_bare": round(bare_seconds, 1),
        },
    )


async def main() -> Report:
    n = int(os.environ.get("BENCH_CASELOAD_CASES", "2000"))
    steps = int(os.environ.get("BENCH_CASELOAD_STEPS", "8"))
    async with running_stack() as stack:
        return await run(stack, n, steps)
