"""Bookings in the `conference` schema: who is free when (availability), the round's booking
made in the earliest free slot and never doubled (`booked_slots` has an exclusion constraint
over calendar and time), its release, invitations to it and the answers to them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.common import audit
from services.conference import slots
from services.conference.calendars import weekly_periods
from services.conference.ids import derived_id, staff_calendar, venue_calendar
from services.conference.records import BookingRow, ConferenceRow
from services.conference.validation import Hold
from workflows.conference.model import Booking, InvitationResponse

#: Attempts to book the earliest free slot while others book theirs first (each attempt
#: looks again, so every attempt that fails lost to a booking that succeeded).
HOLD_ATTEMPTS = 50


@dataclass(frozen=True)
class Availability:
    people: list[slots.Calendar]
    venues: list[slots.Venue]


def _epoch(value: dt.datetime) -> int:
    return int(value.timestamp())


def _uuids(values: Sequence[str]) -> list[uuid.UUID]:
    return [uuid.UUID(v) for v in values]


async def _lock_calendars(conn: asyncpg.Connection, calendars: set[str]) -> None:
    """Take the calendars' booking locks, in one order, until the transaction ends: bookings
    of the same calendar queue instead of deadlocking on each other's uncommitted rows (the
    exclusion constraint, not these locks, is what refuses a double booking)."""
    for calendar_id in sorted(calendars):
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('kahu.conference.calendar'), hashtext($1))", calendar_id
        )


def _booking(r: asyncpg.Record) -> BookingRow:
    during = r["during"]
    return BookingRow(
        booking_id=str(r["booking_id"]),
        booking=Booking(
            round=r["round"],
            start=during.lower,
            end=during.upper,
            venue_id=str(r["venue_id"]),
            booked_by=r["booked_by"],
            late_reason=r["late_reason"],
        ),
        venue_name=r["venue_name"],
        released=r["released_at"] is not None,
    )


#: Participants who are part of the conference: those who came with the trigger, those whose
#: staff action the workflow accepted, and those the workflow says it accepted ($2) while
#: their action is still being recorded.
_LIVE = (
    "SELECT p.participant_id, p.required, p.calendar_id FROM conference.participants p"
    " LEFT JOIN conference.actions a ON a.idempotency_key = p.idempotency_key"
    " WHERE p.conference_id = $1"
    " AND (p.idempotency_key IS NULL OR a.response IS NOT NULL OR p.participant_id = ANY($2::uuid[]))"
)
_BOOKING = "SELECT b.*, v.name AS venue_name FROM conference.bookings b JOIN conference.venues v USING (venue_id)"


class BookingStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # -- availability -----------------------------------------------------------------------

    async def _availability(
        self,
        conn: asyncpg.Connection,
        conference: ConferenceRow,
        start: dt.datetime,
        end: dt.datetime,
        venue_id: str | None = None,
        accepted: Sequence[str] = (),
        required: Sequence[str] = (),
    ) -> Availability:
        """Everyone the conference needs (the coordinator, the required participants, and
        `required`: those the whānau asked for) and the site's venues, with their hours and
        busy time in [start, end); the conference's own bookings do not count against it."""
        people = await self._required_calendars(conn, conference, accepted, required)
        person_ids = sorted(people)
        venues = await conn.fetch(
            "SELECT venue_id, name FROM conference.venues WHERE site = $1 AND ($2::uuid IS NULL OR venue_id = $2)"
            " ORDER BY name, venue_id",
            conference.site,
            uuid.UUID(venue_id) if venue_id else None,
        )
        venue_ids = [venue_calendar(str(v["venue_id"])) for v in venues]
        ids = person_ids + venue_ids
        hours = {
            r["calendar_id"]: weekly_periods(r["working_hours"])
            for r in await conn.fetch(
                "SELECT calendar_id, working_hours FROM conference.calendars WHERE calendar_id = ANY($1)", ids
            )
        }
        busy: dict[str, list[slots.Interval]] = {i: [] for i in ids}
        for r in await conn.fetch(
            "SELECT calendar_id, floor(extract(epoch FROM lower(during)))::bigint AS s,"
            " ceil(extract(epoch FROM upper(during)))::bigint AS e FROM conference.busy_blocks"
            " WHERE calendar_id = ANY($1) AND during && tstzrange($2, $3)"
            " UNION ALL SELECT s.calendar_id, floor(extract(epoch FROM lower(s.during)))::bigint,"
            " ceil(extract(epoch FROM upper(s.during)))::bigint FROM conference.booked_slots s"
            " JOIN conference.bookings b USING (booking_id)"
            " WHERE s.calendar_id = ANY($1) AND NOT s.released AND s.during && tstzrange($2, $3)"
            " AND b.conference_id <> $4",
            ids,
            start,
            end,
            uuid.UUID(conference.conference_id),
        ):
            busy[r["calendar_id"]].append((r["s"], r["e"]))
        return Availability(
            people=[slots.Calendar(hours.get(i), busy[i]) for i in person_ids],
            venues=[
                slots.Venue(str(v["venue_id"]), v["name"], slots.Calendar(hours.get(c), busy[c]))
                for v, c in zip(venues, venue_ids, strict=True)
            ],
        )

    async def _required_calendars(
        self, conn: asyncpg.Connection, conference: ConferenceRow, accepted: Sequence[str], required: Sequence[str] = ()
    ) -> set[str]:
        rows = await conn.fetch(
            _LIVE + " AND (p.required OR p.participant_id = ANY($3::uuid[]))",
            uuid.UUID(conference.conference_id),
            _uuids(accepted),
            _uuids(required),
        )
        return {staff_calendar(conference.coordinator_id), *(r["calendar_id"] for r in rows)}

    async def find(
        self,
        conference: ConferenceRow,
        start: dt.datetime,
        end: dt.datetime,
        limit: int,
        *,
        venue_id: str | None = None,
        accepted: Sequence[str] = (),
        required: Sequence[str] = (),
        conn: asyncpg.Connection | None = None,
    ) -> list[slots.Slot]:
        """The earliest `limit` free slots in [start, end) by the conference's rules (at
        `venue_id` only, when given; `required` free besides the required participants)."""
        if end <= start:
            return []
        if conn is None:
            async with self._pool.acquire() as acquired:
                found = await self._availability(acquired, conference, start, end, venue_id, accepted, required)
        else:
            found = await self._availability(conn, conference, start, end, venue_id, accepted, required)
        return slots.find_slots(_epoch(start), _epoch(end), found.people, found.venues, conference.rules, limit)

    # -- bookings -------------------------------------------------------------------------

    async def round_booking(self, conference_id: str, round_: int) -> BookingRow | None:
        row = await self._pool.fetchrow(
            _BOOKING + " WHERE b.conference_id = $1 AND b.round = $2", uuid.UUID(conference_id), round_
        )
        return None if row is None else _booking(row)

    async def current_booking(self, conference_id: str) -> BookingRow | None:
        row = await self._pool.fetchrow(
            _BOOKING + " WHERE b.conference_id = $1 AND b.released_at IS NULL ORDER BY b.round DESC LIMIT 1",
            uuid.UUID(conference_id),
        )
        return None if row is None else _booking(row)

    async def hold(self, conference: ConferenceRow, hold: Hold) -> BookingRow | None:
        """The round's booking: made now in the earliest free slot in the hold's window (or
        its chosen slot), or the one made before; None when no slot is free. Each attempt
        checks the slot in the transaction that books it, and the exclusion constraint refuses
        it if anyone booked any of its calendars meanwhile; then the search runs again."""
        before = await self.round_booking(conference.conference_id, hold.round)
        if before is not None:
            return None if before.released else before
        length = dt.timedelta(seconds=conference.rules.length)
        for _ in range(1 if hold.slot is not None else HOLD_ATTEMPTS):
            if hold.slot is not None:
                start, venue = hold.slot
            else:
                found = await self.find(
                    conference,
                    hold.not_before,
                    hold.until,
                    1,
                    venue_id=hold.venue_id,
                    accepted=hold.participant_ids,
                    required=hold.required_ids,
                )
                if not found:
                    return None
                start, venue = dt.datetime.fromtimestamp(found[0].start, dt.UTC), found[0].venue_id
            booked = await self._try_book(conference, hold, (start, start + length), venue)
            if booked is not None:
                return booked
        return None

    async def _try_book(
        self, conference: ConferenceRow, hold: Hold, during: tuple[dt.datetime, dt.datetime], venue_id: str
    ) -> BookingRow | None:
        round_, accepted, required = hold.round, hold.participant_ids, hold.required_ids
        start, end = during
        booking_id = derived_id("booking", conference.conference_id, str(round_))
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    "SELECT 1 FROM conference.conferences WHERE conference_id = $1 FOR UPDATE",
                    uuid.UUID(conference.conference_id),
                )
                existing = await conn.fetchrow(
                    _BOOKING + " WHERE b.conference_id = $1 AND b.round = $2",
                    uuid.UUID(conference.conference_id),
                    round_,
                )
                if existing is not None:  # a concurrent retry of this round booked first
                    row = _booking(existing)
                    return None if row.released else row
                taken = await self._required_calendars(conn, conference, accepted, required)
                taken.add(venue_calendar(venue_id))
                await _lock_calendars(conn, taken)
                free = await self.find(
                    conference, start, end, 1, venue_id=venue_id, accepted=accepted, required=required, conn=conn
                )
                if not free or free[0].start != _epoch(start):
                    return None
                await conn.execute(
                    "INSERT INTO conference.bookings (booking_id, conference_id, round, during, venue_id, booked_by,"
                    " late_reason) VALUES ($1, $2, $3, tstzrange($4, $5), $6, $7, $8)",
                    uuid.UUID(booking_id),
                    uuid.UUID(conference.conference_id),
                    round_,
                    start,
                    end,
                    uuid.UUID(venue_id),
                    hold.booked_by,
                    hold.late_reason,
                )
                await conn.executemany(
                    "INSERT INTO conference.booked_slots (booking_id, calendar_id, during)"
                    " VALUES ($1, $2, tstzrange($3, $4))",
                    [(uuid.UUID(booking_id), c, start, end) for c in sorted(taken)],
                )
                row = await conn.fetchrow(_BOOKING + " WHERE b.booking_id = $1", uuid.UUID(booking_id))
        except (asyncpg.ExclusionViolationError, asyncpg.DeadlockDetectedError):
            return None  # someone in it, or the venue, was booked elsewhere meanwhile
        return _booking(row)

    async def release(self, conference_id: str, round_: int) -> bool:
        async with audit.transaction(self._pool) as conn:
            booking_id = await conn.fetchval(
                "UPDATE conference.bookings SET released_at = now() WHERE conference_id = $1 AND round = $2"
                " AND released_at IS NULL RETURNING booking_id",
                uuid.UUID(conference_id),
                round_,
            )
            if booking_id is None:
                return False
            await conn.execute("UPDATE conference.booked_slots SET released = true WHERE booking_id = $1", booking_id)
        return True

    # -- invitations and answers ------------------------------------------------------------

    async def invite(self, conference: ConferenceRow, round_: int, accepted: Sequence[str]) -> tuple[int, list[str]]:
        """Invite every participant not yet invited to the round's booking; a required
        participant added since it was made is booked into it first, or is a conflict."""
        booking = await self.round_booking(conference.conference_id, round_)
        if booking is None or booking.released:
            return 0, []
        start, end = booking.booking.start, booking.booking.end
        invited = 0
        conflicts: list[str] = []
        async with audit.transaction(self._pool) as conn:
            waiting = await conn.fetch(
                _LIVE + " AND NOT EXISTS (SELECT 1 FROM conference.invitations i"
                " WHERE i.booking_id = $3 AND i.participant_id = p.participant_id)"
                " ORDER BY p.added_at, p.participant_id",
                uuid.UUID(conference.conference_id),
                _uuids(accepted),
                uuid.UUID(booking.booking_id),
            )
            taken = {
                r["calendar_id"]
                for r in await conn.fetch(
                    "SELECT calendar_id FROM conference.booked_slots WHERE booking_id = $1",
                    uuid.UUID(booking.booking_id),
                )
            }
            late = {p["calendar_id"] for p in waiting if p["required"] and p["calendar_id"] not in taken}
            await _lock_calendars(conn, late)
            for p in waiting:
                booked = not p["required"] or p["calendar_id"] in taken
                if not booked and not await self._book_late(conn, booking.booking_id, p["calendar_id"], start, end):
                    conflicts.append(str(p["participant_id"]))
                    continue
                await conn.execute(
                    "INSERT INTO conference.invitations (booking_id, participant_id) VALUES ($1, $2)",
                    uuid.UUID(booking.booking_id),
                    p["participant_id"],
                )
                invited += 1
        return invited, conflicts

    async def _book_late(
        self,
        conn: asyncpg.Connection,
        booking_id: str,
        calendar_id: str,
        start: dt.datetime,
        end: dt.datetime,
    ) -> bool:
        row = await conn.fetchrow("SELECT working_hours FROM conference.calendars WHERE calendar_id = $1", calendar_id)
        busy = await conn.fetch(
            "SELECT 1 FROM conference.busy_blocks WHERE calendar_id = $1 AND during && tstzrange($2, $3) LIMIT 1",
            calendar_id,
            start,
            end,
        )
        hours = weekly_periods(row["working_hours"]) if row else None
        if busy or (hours is not None and not slots.within_hours(hours, _epoch(start), _epoch(end))):
            return False
        try:
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO conference.booked_slots (booking_id, calendar_id, during)"
                    " VALUES ($1, $2, tstzrange($3, $4))",
                    uuid.UUID(booking_id),
                    calendar_id,
                    start,
                    end,
                )
        except (asyncpg.ExclusionViolationError, asyncpg.DeadlockDetectedError):
            return False
        return True

    async def invitation(self, booking_id: str, participant_id: str) -> bool:
        return bool(
            await self._pool.fetchval(
                "SELECT 1 FROM conference.invitations WHERE booking_id = $1 AND participant_id = $2",
                uuid.UUID(booking_id),
                uuid.UUID(participant_id),
            )
        )

    async def record_response(
        self, booking_id: str, participant_id: str, response: InvitationResponse, views: str, by: str
    ) -> None:
        async with audit.transaction(self._pool) as conn:
            await conn.execute(
                "UPDATE conference.invitations SET response = $3, views = $4, responded_by = $5, responded_at = now()"
                " WHERE booking_id = $1 AND participant_id = $2",
                uuid.UUID(booking_id),
                uuid.UUID(participant_id),
                response.value,
                views or None,
                by,
            )
