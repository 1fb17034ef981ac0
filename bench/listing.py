"""ListCases from PostgreSQL on 100,000 cases, beside a primary-key lookup of a case.

On the dev stack (every part a process of its own, as `make run` starts them):

1. generate 100,000 cases in intake's schema (services/intake/generator.py, in SQL), as their
   workflows would have recorded them;
2. ListCases with a random filter (site, region, stage, timeframe, tier, overdue, assignee,
   opened between, or none) in either order, a first page and the page after it, one call at
   a time, each beside GetCase of a random case (its row by primary key, its events and
   reports) through the same service, stack and authorisation: p50/p95 of both; target:
   ListCases p95 <= 25 ms and <= 5 x the lookup's.
"""

from __future__ import annotations

import datetime as dt
import random
import time

import asyncpg

from bench.results import Comparison, Report, summary_ms
from bench.stack import Stack, cpu_delta, running_stack
from kahu.v1 import common_pb2, intake_pb2, intake_pb2_grpc
from services.common.channels import aio_channel
from services.common.convert import timestamp
from services.common.identity import Principal, Signer, StaticToken
from services.common.sites import load_sites, regions
from services.intake.generator import generate_cases

CASES = 100_000
CALLS = 400
WARM_UP = 100
P95_TARGET_MS = 25.0
RATIO_TARGET = 5.0
SEED = 11


def staff_token(stack: Stack) -> str:
    """A regional manager's and supervisor's token at every site (so every case is in scope)."""
    settings = stack.settings
    principal = Principal(
        subject="sup-bench",
        roles=frozenset({"supervisor", "regional_manager"}),
        sites=frozenset(load_sites()),
        regions=regions(),
        dev=True,
    )
    signer = Signer.from_dir(settings.signing_keys_dir)
    return signer.mint(principal, issuer=settings.token_issuer, audience=settings.token_audience, ttl=6 * 3600)


def listing(rng: random.Random, now: dt.datetime) -> intake_pb2.ListCasesRequest:
    sites = load_sites()
    site = rng.choice(sorted(sites))
    request = intake_pb2.ListCasesRequest(page_size=50)
    match rng.randrange(9):
        case 0:
            request.site = site
        case 1:
            request.region = sites[site].region
        case 2:
            request.stage = rng.choice([common_pb2.CASE_STAGE_TRIAGE, common_pb2.CASE_STAGE_ASSESSMENT])
        case 3:
            request.timeframe = rng.choice([common_pb2.TIMEFRAME_CRITICAL, common_pb2.TIMEFRAME_URGENT])
        case 4:
            request.min_tier = rng.randint(1, 3)
        case 5:
            request.overdue_only = True
            request.site = site
        case 6:
            request.assignee = f"sw.{rng.randrange(1000)}"
        case 7:
            start = now - dt.timedelta(days=rng.randrange(30, 1000))
            request.received_from.CopyFrom(timestamp(start))
            request.received_before.CopyFrom(timestamp(start + dt.timedelta(days=30)))
        case _:
            pass
    if rng.random() < 0.5:
        request.order = intake_pb2.CASE_ORDER_MOST_URGENT
    return request


async def calls(stub: intake_pb2_grpc.IntakeServiceStub, case_ids: list[str], now: dt.datetime) -> dict[str, object]:
    rng = random.Random(SEED)
    list_s: list[float] = []
    lookup_s: list[float] = []
    listed = 0
    for i in range(WARM_UP + CALLS):
        request = listing(rng, now)
        started = time.perf_counter()
        page = await stub.ListCases(request)
        first = time.perf_counter() - started
        second = None
        if page.next_page_token:
            request.page_token = page.next_page_token
            started = time.perf_counter()
            await stub.ListCases(request)
            second = time.perf_counter() - started
        started = time.perf_counter()
        await stub.GetCase(intake_pb2.GetCaseRequest(case_id=rng.choice(case_ids)))
        lookup = time.perf_counter() - started
        if i >= WARM_UP:
            list_s.append(first)
            if second is not None:
                list_s.append(second)
            lookup_s.append(lookup)
            listed += len(page.cases)
    return {"list_s": list_s, "lookup_s": lookup_s, "cases_per_first_page": round(listed / CALLS, 1)}


async def run(stack: Stack) -> Report:
    settings = stack.settings
    now = dt.datetime.now(dt.UTC)
    owner = settings.database_owner_url or settings.database_url
    started = time.perf_counter()
    conn = await asyncpg.connect(owner)
    try:
        await generate_cases(conn, CASES, now)
        case_ids = [str(r["case_id"]) for r in await conn.fetch("SELECT case_id FROM intake.cases LIMIT 5000")]
    finally:
        await conn.close()
    generated = time.perf_counter() - started
    async with aio_channel(
        settings.address("intake"), settings, StaticToken(staff_token(stack)), traced=False
    ) as channel:
        stub = intake_pb2_grpc.IntakeServiceStub(channel)
        mark = stack.cpu_seconds()
        found = await calls(stub, case_ids, now)
        cpu = cpu_delta(mark, stack.cpu_seconds())
    list_ms = summary_ms(found.pop("list_s"))  # type: ignore[arg-type]
    lookup_ms = summary_ms(found.pop("lookup_s"))  # type: ignore[arg-type]
    return Report(
        benchmark="listing",
        parameters={"cases": CASES, "calls": CALLS, "page_size": 50},
        comparisons=[
            Comparison(
                "ListCases p95 / GetCase p95", list_ms["p95_ms"], lookup_ms["p95_ms"], "ms", RATIO_TARGET, False
            ),
            Comparison(
                "ListCases p50 / GetCase p50", list_ms["p50_ms"], lookup_ms["p50_ms"], "ms", RATIO_TARGET, False
            ),
            Comparison("ListCases p95 / 25 ms target", list_ms["p95_ms"], P95_TARGET_MS, "ms", 1.0, False),
        ],
        figures={
            "generated_seconds": round(generated, 1),
            "list_cases": list_ms,
            "get_case_by_id": lookup_ms,
            **found,
            "cpu_seconds": cpu,
        },
    )


async def main() -> Report:
    async with running_stack() as stack:
        return await run(stack)
