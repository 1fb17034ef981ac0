"""Nobody and no venue is ever booked twice at once, however many bookings race: the
database refuses it (an exclusion constraint over time ranges), proven with concurrent
bookings through the service and with a booking written straight into the table."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import asyncpg
import pytest

from kahu.v1 import conference_pb2
from services.common.convert import from_timestamp, timestamp
from tests.conference.conferences import Staff, at, reaches, register, start_request, stub, working_day
from tests.conftest import Platform
from workflows.policy.working_days import NZ

PREPARING = conference_pb2.CONFERENCE_STAGE_PREPARING


async def _waiting(platform: Platform, staff: Staff, count: int, police: str | None = None) -> list[str]:
    """Conferences of `staff` waiting for their youth advocate (so nothing books them) with
    one Police officer (`police`, default the staff's own) among them all."""
    ids = []
    for _ in range(count):
        request = start_request(staff)
        request.trigger.offence_max_years = 14
        for p in request.participants:
            if p.role == conference_pb2.PARTICIPANT_ROLE_POLICE_YOUTH_AID:
                p.staff_id = police or staff.police
        ids.append((await stub(platform).StartConference(request)).conference_id)
    for conference_id in ids:
        await reaches(platform, conference_id, PREPARING)
    return ids


def _hold(
    conference_id: str, start: dt.datetime | None, venue: str, until: dt.datetime
) -> conference_pb2.HoldSlotRequest:
    request = conference_pb2.HoldSlotRequest(
        conference_id=conference_id,
        round=1,
        not_before=timestamp(start or until - dt.timedelta(days=30)),
        until=timestamp(until),
        booked_by="kahu",
    )
    if start is not None:
        request.slot.CopyFrom(conference_pb2.ConferenceSlot(start=timestamp(start), venue_id=venue))
    return request


async def _overlapping_live_bookings(platform: Platform) -> int:
    conn = await asyncpg.connect(platform.database_url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM conference.booked_slots a JOIN conference.booked_slots b"
                " ON a.calendar_id = b.calendar_id AND a.booking_id < b.booking_id AND a.during && b.during"
                " WHERE NOT a.released AND NOT b.released"
            )
        )
    finally:
        await conn.close()


async def test_many_conferences_racing_for_one_slot_book_it_once(platform: Platform) -> None:
    staff, (venue,) = await register(platform, "whanganui")
    conferences = await _waiting(platform, staff, 12)
    day = working_day(dt.datetime.now(NZ).date() + dt.timedelta(days=4), "whanganui")
    slot = at(day, 10, 0)

    answers = await asyncio.gather(
        *(stub(platform).HoldSlot(_hold(c, slot, venue, slot + dt.timedelta(hours=2))) for c in conferences)
    )

    booked = [a.booking for a in answers if a.HasField("booking")]
    assert len(booked) == 1
    assert from_timestamp(booked[0].slot.start) == slot
    assert await _overlapping_live_bookings(platform) == 0


async def test_one_police_officer_is_never_in_two_conferences_at_once(platform: Platform) -> None:
    west, (west_venue,) = await register(platform, "wairarapa")
    east, (east_venue,) = await register(platform, "tairawhiti")
    officer = f"police.shared.{west.tag}"
    (in_west,) = await _waiting(platform, west, 1, officer)
    (in_east,) = await _waiting(platform, east, 1, officer)
    day = working_day(dt.datetime.now(NZ).date() + dt.timedelta(days=4), "wairarapa")
    while day != working_day(day - dt.timedelta(days=1), "tairawhiti"):
        day = working_day(day, "wairarapa")
    slot = at(day, 13, 0)

    answers = await asyncio.gather(
        stub(platform).HoldSlot(_hold(in_west, slot, west_venue, slot + dt.timedelta(hours=2))),
        stub(platform).HoldSlot(_hold(in_east, slot + dt.timedelta(hours=1), east_venue, slot + dt.timedelta(hours=3))),
    )

    assert sorted(a.HasField("booking") for a in answers) == [False, True], "different venues, different coordinators"
    assert await _overlapping_live_bookings(platform) == 0


async def test_racing_searches_each_book_the_next_free_slot_and_never_overlap(platform: Platform) -> None:
    staff, _ = await register(platform, "wellington")
    conferences = await _waiting(platform, staff, 13)
    first = working_day(dt.datetime.now(NZ).date() + dt.timedelta(days=4), "wellington")
    days = [first, working_day(first, "wellington")]
    days.append(working_day(days[-1], "wellington"))
    window = (at(first, 0, 0), at(days[-1], 17, 0))

    answers = await asyncio.gather(
        *(
            stub(platform).HoldSlot(
                conference_pb2.HoldSlotRequest(
                    conference_id=c,
                    round=1,
                    not_before=timestamp(window[0]),
                    until=timestamp(window[1]),
                    booked_by="kahu",
                )
            )
            for c in conferences
        )
    )

    slots = sorted(
        (from_timestamp(a.booking.slot.start), from_timestamp(a.booking.slot.end))
        for a in answers
        if a.HasField("booking")
    )
    # one coordinator, one Police officer, one venue: four two-hour conferences a day fit
    # between 9 and 5, and each search takes the earliest one still free
    assert [s.astimezone(NZ) for s, _ in slots] == [at(d, h) for d in days for h in (9, 11, 13, 15)]
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(slots))
    assert sum(not a.HasField("booking") for a in answers) == 1, "the thirteenth finds no slot left"
    assert await _overlapping_live_bookings(platform) == 0


async def test_the_database_itself_refuses_an_overlapping_booking(platform: Platform) -> None:
    staff, (venue,) = await register(platform, "central-lakes")
    first, second = await _waiting(platform, staff, 2)
    day = working_day(dt.datetime.now(NZ).date() + dt.timedelta(days=4), "central-lakes")
    held = await stub(platform).HoldSlot(_hold(first, at(day, 9), venue, at(day, 11)))
    assert held.HasField("booking")
    conn = await asyncpg.connect(platform.database_url)
    try:
        with pytest.raises(asyncpg.ExclusionViolationError):
            async with conn.transaction():
                booking = await conn.fetchval(
                    "INSERT INTO conference.bookings (booking_id, conference_id, round, during, venue_id, booked_by)"
                    " VALUES (gen_random_uuid(), $1::uuid, 1, tstzrange($2, $3), $4::uuid, 'test')"
                    " RETURNING booking_id",
                    second,
                    at(day, 10),
                    at(day, 12),
                    venue,
                )
                await conn.execute(
                    "INSERT INTO conference.booked_slots (booking_id, calendar_id, during)"
                    " VALUES ($1, $2, tstzrange($3, $4))",
                    booking,
                    f"staff:{staff.police}",
                    at(day, 10, 45),
                    at(day, 11, 15),
                )
    finally:
        await conn.close()
