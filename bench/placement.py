"""The placement search on a national network, beside a single indexed lookup.

On the dev stack (every part a process of its own, as `make run` starts them):

1. seed the synthetic national network (services/placement/generator.py, COPY):
   1,000,000 people, ~3 million kin relationships, 50,000 approved caregivers
   (`KAHU_BENCH_PEOPLE` makes it smaller for a quick look);
2. SearchPlacements for random children and sibling groups, one call at a time, each
   beside GetPerson for a random person (a single primary-key lookup) through the same
   service, stack and authorisation: p50/p95 of both; target: search p95 <= 25 ms and
   <= 20 x the lookup's;
3. 50 concurrent clients holding places with a few popular caregivers, then confirming or
   releasing each hold: latencies, throughput, and the places in use checked against each
   caregiver's capacity (target: no over-allocation at all).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import time
import uuid
from collections import Counter

import asyncpg
import grpc

from bench.results import Comparison, Report, summary_ms
from bench.stack import Stack, cpu_delta, running_stack
from kahu.v1 import placement_pb2, placement_pb2_grpc
from services.common.channels import aio_channel
from services.common.convert import timestamp
from services.common.identity import Principal, Signer, StaticToken
from services.common.sites import load_sites, regions
from services.common.temporal import workload_tokens
from services.placement.generator import Network, Shape, generate
from services.placement.service import _today

P = placement_pb2
PEOPLE = int(os.environ.get("KAHU_BENCH_PEOPLE", "1000000"))
SEARCHES = 400
WARM_UP = 200
CLIENTS = 50
HOLDS_PER_CLIENT = 20
POPULAR = 50
#: One hold in eight is confirmed (a placement); the rest are released (declined, expired).
CONFIRMED_SHARE = 1 / 8
SEARCH_P95_TARGET_MS = 25.0
RATIO_TARGET = 20.0
SEED = 7


def staff_token(stack: Stack) -> str:
    """A supervisor's token (every site), signed with the benchmark stack's development key."""
    settings = stack.settings
    principal = Principal(
        subject="sup-bench",
        roles=frozenset({"supervisor"}),
        sites=frozenset(load_sites()),
        regions=regions(),
        dev=True,
    )
    signer = Signer.from_dir(settings.signing_keys_dir)
    return signer.mint(principal, issuer=settings.token_issuer, audience=settings.token_audience, ttl=6 * 3600)


async def searches(stub: placement_pb2_grpc.PlacementServiceStub, net: Network) -> dict[str, object]:
    """Searches and lookups, interleaved one call at a time."""
    rng = random.Random(SEED)
    groups = [g[: rng.choice((1, 1, 2, 3))] for g in rng.sample(net.sibling_groups, WARM_UP + SEARCHES)]
    lookups = [p[0] for p in rng.sample(net.people, WARM_UP + SEARCHES)]
    search_s: list[float] = []
    lookup_s: list[float] = []
    best: Counter[str] = Counter()
    considered: list[int] = []
    widened = 0
    for i, (group, person_id) in enumerate(zip(groups, lookups, strict=True)):
        started = time.perf_counter()
        await stub.GetPerson(P.GetPersonRequest(person_id=str(person_id)))
        lookup = time.perf_counter() - started
        started = time.perf_counter()
        found = await stub.SearchPlacements(P.SearchPlacementsRequest(child_ids=[str(c) for c in group]))
        search = time.perf_counter() - started
        if i < WARM_UP:
            continue
        lookup_s.append(lookup)
        search_s.append(search)
        result = found.result
        best[P.PlacementTier.Name(result.candidates[0].tier) if result.candidates else "none"] += 1
        considered.append(result.considered)
        widened += result.widened
    return {
        "search_s": search_s,
        "lookup_s": lookup_s,
        "best_tier": dict(best.most_common()),
        "considered_mean": round(sum(considered) / len(considered), 1),
        "considered_max": max(considered),
        "widened_to_region": widened,
        "sibling_group_sizes": dict(Counter(len(g) for g in groups[WARM_UP:])),
    }


async def popular_caregivers(database_url: str) -> dict[str, tuple[int, int]]:
    """Approved caregivers with places free: (capacity, placed before the run), by id."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT caregiver_id, capacity, placed FROM placement.caregivers"
            " WHERE approval_status = 'APPROVED' AND approval_expires_on > $1 AND kind = 'HOUSEHOLD'"
            " AND held = 0 AND capacity - placed BETWEEN 2 AND 5 ORDER BY caregiver_id LIMIT $2",
            _today(),
            POPULAR,
        )
    finally:
        await conn.close()
    return {str(r["caregiver_id"]): (r["capacity"], r["placed"]) for r in rows}


async def holds(
    clients: list[placement_pb2_grpc.PlacementServiceStub], popular: dict[str, tuple[int, int]]
) -> dict[str, object]:
    """Each client holds a place with a random popular caregiver, then confirms (one in
    eight) or releases it; a refused hold (no place left) is counted, not retried."""
    ids = sorted(popular)
    outcome: Counter[str] = Counter()
    confirmed: Counter[str] = Counter()
    hold_s: list[float] = []
    answer_s: list[float] = []

    async def client(n: int, stub: placement_pb2_grpc.PlacementServiceStub) -> None:
        rng = random.Random(n)
        for _ in range(HOLDS_PER_CLIENT):
            caregiver_id = rng.choice(ids)
            request = P.HoldPlacesRequest(
                hold_id=str(uuid.uuid4()),
                caregiver_id=caregiver_id,
                case_id=str(uuid.uuid4()),
                places=1,
                expires_at=timestamp(dt.datetime.now(dt.UTC) + dt.timedelta(hours=48)),
            )
            started = time.perf_counter()
            try:
                await stub.HoldPlaces(request)
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.FAILED_PRECONDITION:
                    raise
                hold_s.append(time.perf_counter() - started)
                outcome["refused: no place"] += 1
                continue
            hold_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            if rng.random() < CONFIRMED_SHARE:
                await stub.ConfirmHold(P.ConfirmHoldRequest(hold_id=request.hold_id))
                confirmed[caregiver_id] += 1
                outcome["held, then confirmed"] += 1
            else:
                await stub.ReleaseHold(P.ReleaseHoldRequest(hold_id=request.hold_id, reason=P.RELEASE_REASON_DECLINED))
                outcome["held, then released"] += 1
            answer_s.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client(n, stub) for n, stub in enumerate(clients)))
    wall = time.perf_counter() - started
    return {"hold_s": hold_s, "answer_s": answer_s, "wall": wall, "outcome": dict(outcome), "confirmed": confirmed}


async def over_allocations(database_url: str, popular: dict[str, tuple[int, int]], confirmed: Counter[str]) -> int:
    """Caregivers whose places in use exceed their capacity, or whose counts disagree with
    the holds recorded (counted from the holds table, independently of the counters)."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT c.caregiver_id, c.capacity, c.placed, c.held,"
            " (SELECT count(*) FROM placement.holds h WHERE h.caregiver_id = c.caregiver_id AND h.status = 'HELD')"
            " AS holding,"
            " (SELECT count(*) FROM placement.holds h WHERE h.caregiver_id = c.caregiver_id"
            "  AND h.status = 'CONFIRMED') AS confirmed"
            " FROM placement.caregivers c WHERE c.caregiver_id = ANY($1::uuid[])",
            [uuid.UUID(i) for i in popular],
        )
    finally:
        await conn.close()
    bad = 0
    for r in rows:
        capacity, placed_before = popular[str(r["caregiver_id"])]
        confirmed_here = confirmed[str(r["caregiver_id"])]
        if (
            placed_before + r["confirmed"] + r["holding"] > capacity
            or r["placed"] + r["held"] > capacity
            or r["placed"] != placed_before + confirmed_here
            or r["confirmed"] != confirmed_here
            or r["held"] != r["holding"]
        ):
            bad += 1
    return bad


async def run(stack: Stack) -> Report:
    settings = stack.settings
    started = time.perf_counter()
    owner = settings.database_owner_url or settings.database_url  # a bulk load rebuilds indexes
    net = await generate(owner, Shape(PEOPLE, seed=SEED, today=_today()), replace=True)
    seeded = time.perf_counter() - started
    counts = net.counts()
    approved = sum(1 for c in net.caregivers if c[13] == "APPROVED" and c[15] > _today())
    address = settings.address("placement")
    staff = StaticToken(staff_token(stack))
    worker = workload_tokens(settings, "bench")
    async with aio_channel(address, settings, staff, traced=False) as channel:
        stub = placement_pb2_grpc.PlacementServiceStub(channel)
        mark = stack.cpu_seconds()
        found = await searches(stub, net)
        search_cpu = cpu_delta(mark, stack.cpu_seconds())
    popular = await popular_caregivers(settings.database_url)
    channels = [aio_channel(address, settings, worker, traced=False) for _ in range(CLIENTS)]
    try:
        mark = stack.cpu_seconds()
        held = await holds([placement_pb2_grpc.PlacementServiceStub(c) for c in channels], popular)
        hold_cpu = cpu_delta(mark, stack.cpu_seconds())
    finally:
        for channel in channels:
            await channel.close()
    confirmed = held.pop("confirmed")
    assert isinstance(confirmed, Counter)
    over = await over_allocations(settings.database_url, popular, confirmed)

    search_ms = summary_ms(found.pop("search_s"))  # type: ignore[arg-type]
    lookup_ms = summary_ms(found.pop("lookup_s"))  # type: ignore[arg-type]
    hold_s: list[float] = held.pop("hold_s")  # type: ignore[assignment]
    answer_s: list[float] = held.pop("answer_s")  # type: ignore[assignment]
    wall: float = held.pop("wall")  # type: ignore[assignment]
    return Report(
        benchmark="placement",
        parameters={
            "people": counts["people"],
            "searches": SEARCHES,
            "hold_clients": CLIENTS,
            "holds_per_client": HOLDS_PER_CLIENT,
            "popular_caregivers": len(popular),
        },
        comparisons=[
            Comparison("search p95 / lookup p95", search_ms["p95_ms"], lookup_ms["p95_ms"], "ms", RATIO_TARGET, False),
            Comparison("search p50 / lookup p50", search_ms["p50_ms"], lookup_ms["p50_ms"], "ms", RATIO_TARGET, False),
            Comparison("search p95 / 25 ms target", search_ms["p95_ms"], SEARCH_P95_TARGET_MS, "ms", 1.0, False),
        ],
        figures={
            "network": {**counts, "approved_current_caregivers": approved, "seed_seconds": round(seeded, 1)},
            "search": search_ms,
            "lookup_by_person_id": lookup_ms,
            "search_details": found,
            "holds": {
                "hold": summary_ms(hold_s),
                "confirm_or_release": summary_ms(answer_s),
                "operations_per_second": round((len(hold_s) + len(answer_s)) / wall, 1),
                "outcomes": held["outcome"],
                "over_allocated_caregivers": over,
                "no_over_allocation": over == 0,
            },
            "targets": {
                "search_p95_ms<=25": search_ms["p95_ms"] <= SEARCH_P95_TARGET_MS,
                "search_p95<=20x_lookup_p95": search_ms["p95_ms"] <= RATIO_TARGET * lookup_ms["p95_ms"],
                "zero_over_allocation": over == 0,
            },
            "cpu_seconds": {"searches": search_cpu, "holds": hold_cpu},
        },
    )


async def main() -> Report:
    async with running_stack() as stack:
        return await run(stack)
