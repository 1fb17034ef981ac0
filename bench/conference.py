"""FindSlots on the dev stack, beside a brute-force scan of the same window.

A conference's coordinator and seven required participants (the young person, both
parents, a kaumātua and an aunt, Police youth aid, the social worker): eight calendars of
100 busy blocks each over a 21-day window, staff working weekdays 8:30 to 5, three venues
with bookings of their own; slots of the policy's length (2 hours) on its grid (15
minutes), in its conference hours (weekdays 9 to 5). The offence carries 14 years and no
youth advocate is appointed, so the conference's workflow waits and books nothing while
the benchmark searches.

Three searches, each over gRPC to the conference service (which reads the calendars from
PostgreSQL and searches by interval arithmetic), and, on the same calendars in this
process, by the same interval search and by the brute-force scan (every grid point of
the window against every block, services/conference/slots.py); all three must agree:

- `earliest`: the 10 earliest slots, most blocks outside conference hours (staff: early
  mornings, evenings, court and on-call weekends; whānau: school, work and evenings);
- `options`: every option in the window (up to 100), the same calendars;
- `none free`: the 10 earliest where nobody's week leaves two free hours (no slot: the
  whole window is searched).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from bench.results import Comparison, Report, summary_ms
from bench.stack import running_stack
from kahu.v1 import conference_pb2, conference_pb2_grpc
from services.common.channels import aio_channel
from services.common.config import Settings
from services.common.convert import from_timestamp, timestamp
from services.common.identity import Principal, Signer, StaticToken
from services.common.sites import load_sites
from services.conference import slots
from workflows.policy.loader import load_policy
from workflows.policy.working_days import NZ

SITE = "hutt"
WINDOW_DAYS = 21
BUSY_BLOCKS = 100
VENUE_BLOCKS = 30
P95_TARGET_MS = 50.0
STAFF_HOURS = [(d, 8 * 60 + 30, 17 * 60) for d in range(1, 6)]
VENUES = ("Kōwhai room", "Rātā room", "Te Whare Hui")


@dataclass(frozen=True)
class Scenario:
    name: str
    limit: int
    #: The share of each calendar's blocks inside conference hours (staff, whānau).
    in_hours: tuple[float, float]


SCENARIOS = (
    Scenario("earliest", 10, (0.25, 0.1)),
    Scenario("options", 100, (0.25, 0.1)),
    Scenario("none free", 10, (0.6, 0.4)),
)


def _blocks(rng: random.Random, start: dt.datetime, in_hours: float, count: int) -> list[tuple[int, int]]:
    """`count` blocks of 15 to 60 minutes on the 15-minute grid: `in_hours` of them on
    weekdays between 9 and 5, the rest before 9 or after 5 on weekdays, or at weekends."""
    found: list[tuple[int, int]] = []
    while len(found) < count:
        day = start + dt.timedelta(days=rng.randrange(WINDOW_DAYS))
        weekday = day.weekday() < 5
        if rng.random() < in_hours:
            if not weekday:
                continue
            first, last = 9 * 60, 17 * 60
        else:
            first, last = rng.choice([(7 * 60, 9 * 60), (17 * 60, 21 * 60)]) if weekday else (8 * 60, 20 * 60)
        length = rng.choice((15, 30, 30, 45, 60))
        at = rng.randrange(first, last - length + 1, 15)
        begin = day.replace(hour=at // 60, minute=at % 60)
        found.append((int(begin.timestamp()), int((begin + dt.timedelta(minutes=length)).timestamp())))
    return found


def _block(b: tuple[int, int]) -> conference_pb2.BusyBlock:
    start, end = (dt.datetime.fromtimestamp(t, dt.UTC) for t in b)
    return conference_pb2.BusyBlock(start=timestamp(start), end=timestamp(end))


def _periods(hours: list[tuple[int, int, int]]) -> list[conference_pb2.WorkingPeriod]:
    return [conference_pb2.WorkingPeriod(iso_weekday=d, start_minute=a, end_minute=b) for d, a, b in hours]


def _timed(call: Callable[[], Any], n: int) -> tuple[Any, list[float]]:
    latencies, result = [], None
    for _ in range(n):
        started = time.perf_counter()
        result = call()
        latencies.append(time.perf_counter() - started)
    return result, latencies


@dataclass(frozen=True)
class Conference:
    """A conference on the stack, and its calendars as this process holds them."""

    conference_id: str
    people: list[slots.Calendar]
    venues: list[slots.Venue]


async def _conference(
    service: conference_pb2_grpc.ConferenceServiceStub,
    rng: random.Random,
    start: dt.datetime,
    shares: tuple[float, float],
) -> Conference:
    tag = uuid.uuid4().hex[:8]
    site_venues = sorted(VENUES)
    coordinator = f"yjc.{tag}"
    await service.RegisterCoordinator(
        conference_pb2.RegisterCoordinatorRequest(
            staff_id=coordinator, site=SITE, manager_id=f"mgr.{tag}", working_hours=_periods(STAFF_HOURS)
        )
    )
    staff = {role: f"{role.lower()}.{tag}" for role in ("POLICE", "SOCIAL_WORKER")}
    started = await service.StartConference(
        conference_pb2.StartConferenceRequest(
            idempotency_key=f"bench-{tag}",
            trigger=conference_pb2.ConferenceTrigger(
                kind=conference_pb2.TRIGGER_KIND_INTENTION_TO_CHARGE,
                triggered_at=timestamp(dt.datetime.now(dt.UTC)),
                offence_max_years=14,
            ),
            site=SITE,
            coordinator_id=coordinator,
            participants=[
                conference_pb2.NewParticipant(role=role, name=name, staff_id=staff_id, required=True)
                for role, name, staff_id in (
                    (conference_pb2.PARTICIPANT_ROLE_YOUNG_PERSON, "Young person", ""),
                    (conference_pb2.PARTICIPANT_ROLE_PARENT_OR_CARER, "Mother", ""),
                    (conference_pb2.PARTICIPANT_ROLE_PARENT_OR_CARER, "Father", ""),
                    (conference_pb2.PARTICIPANT_ROLE_WHANAU, "Kaumātua", ""),
                    (conference_pb2.PARTICIPANT_ROLE_WHANAU, "Aunt", ""),
                    (conference_pb2.PARTICIPANT_ROLE_POLICE_YOUTH_AID, "Police youth aid", staff["POLICE"]),
                    (conference_pb2.PARTICIPANT_ROLE_SOCIAL_WORKER, "Social worker", staff["SOCIAL_WORKER"]),
                )
            ],
        )
    )
    found = await service.GetConference(conference_pb2.GetConferenceRequest(conference_id=started.conference_id))
    refs = [conference_pb2.CalendarRef(staff_id=coordinator)] + [
        conference_pb2.CalendarRef(staff_id=p.staff_id)
        if p.staff_id
        else conference_pb2.CalendarRef(participant_id=p.participant_id)
        for p in found.conference.participants
    ]
    people = []
    for ref in refs:
        is_staff = ref.WhichOneof("calendar") == "staff_id"
        busy = _blocks(rng, start, shares[0] if is_staff else shares[1], BUSY_BLOCKS)
        if is_staff:
            await service.SetWorkingHours(
                conference_pb2.SetWorkingHoursRequest(calendar=ref, working_hours=_periods(STAFF_HOURS))
            )
        await service.AddBusyBlocks(conference_pb2.AddBusyBlocksRequest(calendar=ref, blocks=[_block(b) for b in busy]))
        people.append(slots.Calendar(tuple(STAFF_HOURS) if is_staff else None, busy))
    venues = []
    for name in site_venues:
        venue_id = (await service.RegisterVenue(conference_pb2.RegisterVenueRequest(site=SITE, name=name))).venue_id
        busy = _blocks(rng, start, 0.8, VENUE_BLOCKS)
        await service.AddBusyBlocks(
            conference_pb2.AddBusyBlocksRequest(
                calendar=conference_pb2.CalendarRef(venue_id=venue_id), blocks=[_block(b) for b in busy]
            )
        )
        venues.append(slots.Venue(venue_id, name, slots.Calendar(None, busy)))
    return Conference(started.conference_id, people, venues)


async def run(settings: Settings, calls: int, scan_calls: int) -> Report:
    rng = random.Random(20261122)
    caller = Principal(
        subject=f"bench.{uuid.uuid4().hex[:8]}",
        roles=frozenset({"site_manager", "intake_social_worker"}),
        sites=frozenset({SITE}),
        regions=frozenset({load_sites()[SITE].region}),
    )
    token = Signer.from_dir(settings.signing_keys_dir).mint(
        caller, issuer=settings.token_issuer, audience=settings.token_audience, ttl=3600
    )
    policy = load_policy().case.youth_justice
    assert policy is not None
    rules = slots.Rules(
        policy.conference_length.seconds, policy.slot_granularity.seconds, policy.conference_hours, SITE
    )
    today = dt.datetime.now(NZ).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today + dt.timedelta(days=3)
    start += dt.timedelta(days=(7 - start.weekday()) % 7)  # a Monday, after the minimum notice
    end = start + dt.timedelta(days=WINDOW_DAYS)
    bounds = (int(start.timestamp()), int(end.timestamp()))
    comparisons: list[Comparison] = []
    figures: dict[str, object] = {}
    served_p95: list[float] = []

    async with aio_channel(settings.address("conference"), settings, StaticToken(token)) as channel:
        service = conference_pb2_grpc.ConferenceServiceStub(channel)
        sparse = await _conference(service, rng, start, SCENARIOS[0].in_hours)
        dense = await _conference(service, rng, start, SCENARIOS[2].in_hours)
        # venues are the site's: every conference searches all of them, with all their blocks
        venues = [
            slots.Venue(v.venue_id, v.name, slots.Calendar(None, [*v.calendar.busy, *w.calendar.busy]))
            for v, w in zip(sparse.venues, dense.venues, strict=True)
        ]
        for scenario in SCENARIOS:
            conference = dense if scenario.name == "none free" else sparse
            request = conference_pb2.FindSlotsRequest(
                conference_id=conference.conference_id,
                limit=scenario.limit,
                not_before=timestamp(start),
                beyond_deadline=True,
                until=timestamp(end),
            )
            for _ in range(10):  # warm up: connections, caches, query plans
                answer = await service.FindSlots(request)
            latencies = []
            for _ in range(calls):
                began = time.perf_counter()
                answer = await service.FindSlots(request)
                latencies.append(time.perf_counter() - began)
            same = (*bounds, conference.people, venues, rules, scenario.limit)
            search, search_latencies = _timed(partial(slots.find_slots, *same), calls)
            scan, scan_latencies = _timed(partial(slots.brute_force_slots, *same), scan_calls)
            served = [(int(from_timestamp(s.start).timestamp()), s.venue_id) for s in answer.slots]
            if served != [(s.start, s.venue_id) for s in scan] or search != scan:
                raise RuntimeError(f"{scenario.name}: FindSlots and the brute-force scan disagree")
            rpc, ours, baseline = summary_ms(latencies), summary_ms(search_latencies), summary_ms(scan_latencies)
            served_p95.append(rpc["p95_ms"])
            comparisons.append(
                Comparison(f"{scenario.name}: search vs scan p95", ours["p95_ms"], baseline["p95_ms"], "ms", 1.0, False)
            )
            figures[scenario.name] = {
                "limit": scenario.limit,
                "slots_found": len(scan),
                "first_slot": dt.datetime.fromtimestamp(scan[0].start, NZ).isoformat() if scan else None,
                "find_slots_served": rpc,
                "interval_search": ours,
                "brute_force_scan": baseline,
            }
    figures["p95_target_ms"] = P95_TARGET_MS
    figures["p95_target_met"] = max(served_p95) <= P95_TARGET_MS
    return Report(
        benchmark="conference",
        parameters={
            "participants": 8,
            "busy_blocks_each": BUSY_BLOCKS,
            "venues": len(VENUES),
            "venue_blocks_each": 2 * VENUE_BLOCKS,
            "window_days": WINDOW_DAYS,
            "granularity_minutes": policy.slot_granularity.seconds // 60,
            "slot_minutes": policy.conference_length.seconds // 60,
            "grid_points": WINDOW_DAYS * 24 * 3600 // policy.slot_granularity.seconds,
            "calls": calls,
            "scan_calls": scan_calls,
        },
        comparisons=comparisons,
        figures=figures,
    )


async def main() -> Report:
    calls = int(os.environ.get("BENCH_FINDSLOTS_CALLS", "200"))
    scan_calls = int(os.environ.get("BENCH_SCAN_CALLS", "50"))
    async with running_stack() as stack:
        return await run(stack.settings, calls, scan_calls)
