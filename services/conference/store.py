"""The conference service's data in the `conference` schema: coordinators, venues,
calendars, conferences and their participants, bookings (never doubled: an exclusion
constraint), invitations, plans, referrals, escalations and staff actions."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from services.common import audit
from services.common.actions import ActionLog, Also
from services.common.authz import Restriction
from services.common.errors import AlreadyExists, FailedPrecondition, NotFound
from services.common.sites import Site
from services.conference import slots
from services.conference.convert import Scheduling
from services.conference.validation import NewParticipant, Period, Trigger
from workflows.conference.model import (
    Booking,
    ConferenceDeadline,
    ConferenceEscalation,
    ConferenceEscalationLevel,
    InvitationResponse,
    ParticipantRole,
)
from workflows.policy.model import ConferenceHours, TriggerKind

SCHEMA = "conference"
MIGRATIONS = Path(__file__).parent / "migrations"
KAHU = "kahu"
_IDS = uuid.UUID("5d0c2a8e-7b14-4f3a-8e61-2c9a0b7d3f15")
#: Attempts to book one of the earliest slots when others take them first.
#: Attempts to book the earliest free slot while others book theirs first (each attempt
#: looks again, so every attempt that fails lost to a booking that succeeded).
HOLD_ATTEMPTS = 50


def staff_calendar(staff_id: str) -> str:
    return f"staff:{staff_id}"


def venue_calendar(venue_id: str) -> str:
    return f"venue:{venue_id}"


def participant_calendar(participant_id: str) -> str:
    return f"participant:{participant_id}"


def derived_id(*parts: str) -> str:
    """An id that is the same for the same parts: retries find what they made before."""
    return str(uuid.uuid5(_IDS, "/".join(parts)))


def _ranges(hours: Sequence[Period]) -> list[asyncpg.Range]:
    week = [(p.iso_weekday - 1) * slots.DAY_MINUTES for p in hours]
    return [asyncpg.Range(w + p.start_minute, w + p.end_minute) for w, p in zip(week, hours, strict=True)]


def _periods(ranges: list[asyncpg.Range] | None) -> tuple[slots.Period, ...] | None:
    """Weekly minute ranges back as (ISO weekday, start, end); None: no working hours set."""
    if not ranges:
        return None
    found = []
    for r in ranges:
        day = r.lower // slots.DAY_MINUTES
        found.append((day + 1, r.lower - day * slots.DAY_MINUTES, r.upper - day * slots.DAY_MINUTES))
    return tuple(found)


def _epoch(value: dt.datetime) -> int:
    return int(value.timestamp())


def _scheduling_values(s: Scheduling) -> tuple[Any, ...]:
    return (
        s.minimum_notice,
        s.length,
        s.granularity,
        s.hours.weekdays,
        s.hours.start_minute,
        s.hours.end_minute,
        s.hours.public_holidays,
    )


async def _lock_calendars(conn: asyncpg.Connection, calendars: set[str]) -> None:
    """Take the calendars' booking locks, in one order, until the transaction ends: bookings
    of the same calendar queue instead of deadlocking on each other's uncommitted rows (the
    exclusion constraint, not these locks, is what refuses a double booking)."""
    for calendar_id in sorted(calendars):
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('kahu.conference.calendar'), hashtext($1))", calendar_id
        )


def _uuids(values: Sequence[str]) -> list[uuid.UUID]:
    return [uuid.UUID(v) for v in values]


@dataclass(frozen=True)
class ConferenceRow:
    conference_id: str
    workflow_id: str
    case_id: str | None
    site: str
    region: str
    trigger: Trigger
    coordinator_id: str
    manager_id: str
    convening_due: dt.datetime | None
    request_digest: bytes | None
    scheduling: Scheduling
    started_by_agency: str = ""

    @property
    def rules(self) -> slots.Rules:
        s = self.scheduling
        return slots.Rules(length=s.length, granularity=s.granularity, hours=s.hours, site=self.site)


@dataclass(frozen=True)
class ParticipantRow:
    participant_id: str
    role: ParticipantRole
    required: bool
    name: str
    contact: str
    staff_id: str | None
    calendar_id: str
    invited: bool = False
    response: InvitationResponse | None = None
    views: str = ""


@dataclass(frozen=True)
class BookingRow:
    booking_id: str
    booking: Booking
    venue_name: str
    released: bool


@dataclass(frozen=True)
class EscalationRow:
    escalation_id: str
    escalation: ConferenceEscalation
    raised_at: dt.datetime
    resolved: bool


@dataclass(frozen=True)
class PlanRow:
    plan_id: str
    agreed: bool
    actions: list[str]
    reason: str
    recorded_by: str
    recorded_at: dt.datetime
    referred_back: bool


@dataclass(frozen=True)
class Availability:
    people: list[slots.Calendar]
    venues: list[slots.Venue]


def _conference(r: asyncpg.Record) -> ConferenceRow:
    return ConferenceRow(
        conference_id=str(r["conference_id"]),
        workflow_id=r["workflow_id"],
        case_id=str(r["case_id"]) if r["case_id"] else None,
        site=r["site"],
        region=r["region"],
        trigger=Trigger(
            kind=TriggerKind(r["trigger_kind"]),
            triggered_at=r["triggered_at"],
            detained=r["detained"],
            offence_max_years=r["offence_max_years"],
            reference=r["reference"],
        ),
        coordinator_id=r["coordinator_id"],
        manager_id=r["manager_id"],
        convening_due=r["convening_due"],
        request_digest=bytes(r["request_digest"]) if r["request_digest"] is not None else None,
        scheduling=Scheduling(
            minimum_notice=r["minimum_notice"],
            length=r["slot_length"],
            granularity=r["slot_granularity"],
            hours=ConferenceHours(
                weekdays=list(r["hours_weekdays"]),
                start_minute=r["hours_start"],
                end_minute=r["hours_end"],
                public_holidays=r["public_holidays"],
            ),
        ),
        started_by_agency=r["started_by_agency"],
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


def _escalation(r: asyncpg.Record) -> EscalationRow:
    return EscalationRow(
        escalation_id=str(r["escalation_id"]),
        escalation=ConferenceEscalation(
            conference_id=str(r["conference_id"]),
            workflow_id=r["workflow_id"],
            deadline=ConferenceDeadline(r["deadline"]),
            level=ConferenceEscalationLevel(r["level"]),
            round=r["round"],
            due_at=r["due_at"],
            site=r["site"],
            region=r["region"],
            coordinator_id=r["coordinator_id"],
            manager_id=r["manager_id"],
        ),
        raised_at=r["raised_at"],
        resolved=r["resolved_at"] is not None,
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
_CONFERENCE = (
    "SELECT f.*, c.manager_id FROM conference.conferences f JOIN conference.coordinators c"
    " ON c.staff_id = f.coordinator_id"
)
_BOOKING = "SELECT b.*, v.name AS venue_name FROM conference.bookings b JOIN conference.venues v USING (venue_id)"


class ConferenceStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.actions = ActionLog(pool, SCHEMA)

    # -- reference data and calendars ---------------------------------------------------

    async def register_coordinator(self, staff_id: str, site: str, manager_id: str, hours: list[Period]) -> None:
        async with audit.transaction(self._pool) as conn:
            await conn.execute(
                "INSERT INTO conference.coordinators (staff_id, site, manager_id) VALUES ($1, $2, $3)"
                " ON CONFLICT (staff_id) DO UPDATE SET site = $2, manager_id = $3",
                staff_id,
                site,
                manager_id,
            )
            await self._set_hours(conn, staff_calendar(staff_id), hours)

    async def register_venue(self, site: str, name: str, hours: list[Period]) -> str:
        venue_id = derived_id("venue", site, name)
        async with audit.transaction(self._pool) as conn:
            await conn.execute(
                "INSERT INTO conference.venues (venue_id, site, name) VALUES ($1, $2, $3)"
                " ON CONFLICT (venue_id) DO NOTHING",
                uuid.UUID(venue_id),
                site,
                name,
            )
            await self._set_hours(conn, venue_calendar(venue_id), hours)
        return venue_id

    async def _set_hours(self, conn: asyncpg.Connection, calendar_id: str, hours: list[Period]) -> None:
        await conn.execute(
            "INSERT INTO conference.calendars (calendar_id, working_hours) VALUES ($1, $2)"
            " ON CONFLICT (calendar_id) DO UPDATE SET working_hours = $2",
            calendar_id,
            _ranges(hours) or None,
        )

    async def calendar(self, kind: str, value: str) -> str:
        """The calendar a reference names (a staff member's is made on first use)."""
        if kind == "staff":
            calendar_id = staff_calendar(value)
            await self._pool.execute(
                "INSERT INTO conference.calendars (calendar_id) VALUES ($1) ON CONFLICT DO NOTHING", calendar_id
            )
            return calendar_id
        calendar_id = venue_calendar(value) if kind == "venue" else participant_calendar(value)
        if not await self._pool.fetchval("SELECT 1 FROM conference.calendars WHERE calendar_id = $1", calendar_id):
            raise NotFound(f"no such {kind}")
        return calendar_id

    async def set_hours(self, calendar_id: str, hours: list[Period]) -> None:
        async with audit.transaction(self._pool) as conn:
            await self._set_hours(conn, calendar_id, hours)

    async def add_busy(self, calendar_id: str, blocks: list[tuple[dt.datetime, dt.datetime]]) -> list[str]:
        ids = [derived_id("busy", calendar_id, start.isoformat(), end.isoformat()) for start, end in blocks]
        async with audit.transaction(self._pool) as conn:
            await conn.executemany(
                "INSERT INTO conference.busy_blocks (block_id, calendar_id, during) VALUES ($1, $2, tstzrange($3, $4))"
                " ON CONFLICT (block_id) DO NOTHING",
                [(uuid.UUID(i), calendar_id, s, e) for i, (s, e) in zip(ids, blocks, strict=True)],
            )
        return ids

    async def remove_busy(self, calendar_id: str, block_ids: list[str]) -> int:
        async with audit.transaction(self._pool) as conn:
            result = await conn.execute(
                "DELETE FROM conference.busy_blocks WHERE calendar_id = $1 AND block_id = ANY($2::uuid[])",
                calendar_id,
                [uuid.UUID(b) for b in block_ids],
            )
        return int(str(result).rsplit(" ", 1)[-1])

    @staticmethod
    def add_decline_block(key: str, calendar_id: str, start: dt.datetime, end: dt.datetime) -> Also:
        """A required participant who declines is busy then: the next round avoids it."""

        async def add(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "INSERT INTO conference.busy_blocks (block_id, calendar_id, during, idempotency_key)"
                " VALUES ($1, $2, tstzrange($3, $4), $5) ON CONFLICT (block_id) DO NOTHING",
                uuid.UUID(derived_id("decline", key)),
                calendar_id,
                start,
                end,
                key,
            )

        return add

    async def answered(self, key: str, digest: bytes) -> bytes | None:
        """The stored answer to the action `key` names; AlreadyExists if the key was used for
        another request; None when there is no answer yet."""
        row = await self._pool.fetchrow(
            "SELECT request_digest, response FROM conference.actions WHERE idempotency_key = $1", key
        )
        if row is None:
            return None
        if bytes(row["request_digest"]) != digest:
            raise AlreadyExists("idempotency_key was already used for a different request")
        return None if row["response"] is None else bytes(row["response"])

    async def conference_of(self, participant_id: str) -> str | None:
        found = await self._pool.fetchval(
            "SELECT conference_id FROM conference.participants WHERE participant_id = $1", uuid.UUID(participant_id)
        )
        return None if found is None else str(found)

    async def staff_sites(self, staff_id: str) -> list[str]:
        """The sites a staff member works at, as far as conferences know: where they are a
        coordinator or a coordinators' manager, and those of the open conferences they take
        part in."""
        rows = await self._pool.fetch(
            "SELECT site FROM conference.coordinators WHERE staff_id = $1 OR manager_id = $1"
            " UNION SELECT f.site FROM conference.participants p"
            " JOIN conference.conferences f ON f.conference_id = p.conference_id"
            " WHERE p.staff_id = $1 AND f.closed_at IS NULL ORDER BY 1",
            staff_id,
        )
        return [r["site"] for r in rows]

    async def venue_site(self, venue_id: str) -> str | None:
        site: str | None = await self._pool.fetchval(
            "SELECT site FROM conference.venues WHERE venue_id = $1", uuid.UUID(venue_id)
        )
        return site

    # -- conferences ----------------------------------------------------------------------

    async def _coordinator(self, conn: asyncpg.Connection, site: str, chosen: str | None) -> str:
        if chosen is not None:
            found = await conn.fetchval(
                "SELECT staff_id FROM conference.coordinators WHERE staff_id = $1 AND site = $2", chosen, site
            )
            if found is None:
                raise FailedPrecondition(f"{chosen} is not a youth justice coordinator registered at {site}")
            return str(found)
        least_busy = await conn.fetchval(
            "SELECT c.staff_id FROM conference.coordinators c"
            " LEFT JOIN conference.conferences f ON f.coordinator_id = c.staff_id AND f.closed_at IS NULL"
            " WHERE c.site = $1 GROUP BY c.staff_id ORDER BY count(f.conference_id), c.staff_id LIMIT 1",
            site,
        )
        if least_busy is None:
            raise FailedPrecondition(f"no youth justice coordinator is registered at {site}")
        return str(least_busy)

    async def start(
        self,
        *,
        key: str,
        digest: bytes,
        conference_id: str,
        workflow_id: str,
        site: Site,
        trigger: Trigger,
        coordinator: str | None,
        participants: list[NewParticipant],
        agency: str,
        scheduling: Scheduling,
    ) -> tuple[ConferenceRow, bool]:
        """Store a triggered conference with its participants, or find the one `key` stored
        before: (the conference, whether it was stored before)."""
        async with audit.transaction(self._pool) as conn:
            before = await conn.fetchrow(_CONFERENCE + " WHERE f.idempotency_key = $1", key)
            if before is not None:
                return _conference(before), True
            inserted = await conn.fetchval(
                "INSERT INTO conference.conferences (conference_id, workflow_id, idempotency_key, request_digest,"
                " site, region, trigger_kind, triggered_at, detained, offence_max_years, reference, coordinator_id,"
                " started_by_agency, minimum_notice, slot_length, slot_granularity, hours_weekdays, hours_start,"
                " hours_end, public_holidays)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
                " ON CONFLICT (idempotency_key) DO NOTHING RETURNING conference_id",
                uuid.UUID(conference_id),
                workflow_id,
                key,
                digest,
                site.code,
                site.region,
                trigger.kind.value,
                trigger.triggered_at,
                trigger.detained,
                trigger.offence_max_years,
                trigger.reference,
                await self._coordinator(conn, site.code, coordinator),
                agency,
                *_scheduling_values(scheduling),
            )
            if inserted is None:
                row = await conn.fetchrow(_CONFERENCE + " WHERE f.idempotency_key = $1", key)
                return _conference(row), True
            for i, p in enumerate(participants):
                await self._add_participant(
                    conn, conference_id, derived_id("participant", conference_id, str(i)), p, None
                )
            row = await conn.fetchrow(_CONFERENCE + " WHERE f.conference_id = $1", uuid.UUID(conference_id))
        return _conference(row), False

    async def _add_participant(
        self, conn: asyncpg.Connection, conference_id: str, participant_id: str, p: NewParticipant, key: str | None
    ) -> None:
        calendar_id = staff_calendar(p.staff_id) if p.staff_id else participant_calendar(participant_id)
        await conn.execute(
            "INSERT INTO conference.calendars (calendar_id) VALUES ($1) ON CONFLICT DO NOTHING", calendar_id
        )
        await conn.execute(
            "INSERT INTO conference.participants (participant_id, conference_id, role, required, name, contact,"
            " staff_id, calendar_id, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            uuid.UUID(participant_id),
            uuid.UUID(conference_id),
            p.role.value,
            p.required,
            p.name,
            p.contact,
            p.staff_id,
            calendar_id,
            key,
        )

    def add_participant(self, key: str, conference_id: str, participant_id: str, p: NewParticipant) -> Also:
        """Adds the participant within the action's own transaction."""

        async def add(conn: asyncpg.Connection) -> None:
            if p.staff_id is not None and await conn.fetchval(
                "SELECT 1 FROM conference.participants WHERE conference_id = $1 AND staff_id = $2",
                uuid.UUID(conference_id),
                p.staff_id,
            ):
                raise FailedPrecondition(f"{p.staff_id} is already a participant")
            await self._add_participant(conn, conference_id, participant_id, p, key)

        return add

    async def open(
        self,
        conference_id: str,
        case_id: str | None,
        site: Site,
        trigger: Trigger,
        convening_due: dt.datetime,
        scheduling: Scheduling,
    ) -> ConferenceRow:
        """The conference, recorded now if a case's triage decision started it; its
        convening deadline is the workflow's."""
        async with audit.transaction(self._pool) as conn:
            exists = await conn.fetchval(
                "SELECT 1 FROM conference.conferences WHERE conference_id = $1 FOR UPDATE", uuid.UUID(conference_id)
            )
            if exists is None:
                await conn.execute(
                    "INSERT INTO conference.conferences (conference_id, workflow_id, case_id, site, region,"
                    " trigger_kind, triggered_at, detained, offence_max_years, reference, coordinator_id,"
                    " minimum_notice, slot_length, slot_granularity, hours_weekdays, hours_start, hours_end,"
                    " public_holidays) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
                    " $17, $18)",
                    uuid.UUID(conference_id),
                    f"conference-{conference_id}",
                    uuid.UUID(case_id) if case_id else None,
                    site.code,
                    site.region,
                    trigger.kind.value,
                    trigger.triggered_at,
                    trigger.detained,
                    trigger.offence_max_years,
                    trigger.reference,
                    await self._coordinator(conn, site.code, None),
                    *_scheduling_values(scheduling),
                )
            await conn.execute(
                "UPDATE conference.conferences SET convening_due = $2 WHERE conference_id = $1"
                " AND convening_due IS NULL",
                uuid.UUID(conference_id),
                convening_due,
            )
            row = await conn.fetchrow(_CONFERENCE + " WHERE f.conference_id = $1", uuid.UUID(conference_id))
        return _conference(row)

    async def get(self, conference_id: str) -> ConferenceRow | None:
        row = await self._pool.fetchrow(_CONFERENCE + " WHERE f.conference_id = $1", uuid.UUID(conference_id))
        return None if row is None else _conference(row)

    async def require(self, conference_id: str) -> ConferenceRow:
        found = await self.get(conference_id)
        if found is None:
            raise NotFound("no such conference")
        return found

    async def by_case(self, case_id: str) -> ConferenceRow | None:
        row = await self._pool.fetchrow(_CONFERENCE + " WHERE f.case_id = $1", uuid.UUID(case_id))
        return None if row is None else _conference(row)

    async def close(self, conference_id: str) -> None:
        async with audit.transaction(self._pool) as conn:
            await conn.execute(
                "UPDATE conference.conferences SET closed_at = now() WHERE conference_id = $1 AND closed_at IS NULL",
                uuid.UUID(conference_id),
            )

    async def record(self, conference_id: str) -> tuple[list[ParticipantRow], PlanRow | None]:
        """The conference's personal data (its participants, its plan), read on the record."""
        async with audit.transaction(self._pool) as conn:
            return await self._participants(conn, conference_id), await self._plan(conn, conference_id)

    async def participants(self, conference_id: str) -> list[ParticipantRow]:
        async with self._pool.acquire() as conn:
            return await self._participants(conn, conference_id)

    async def _participants(self, conn: asyncpg.Connection, conference_id: str) -> list[ParticipantRow]:
        """The conference's participants, with their answers to the current booking."""
        rows = await conn.fetch(
            "SELECT p.*, i.booking_id IS NOT NULL AS invited, i.response, i.views FROM conference.participants p"
            " LEFT JOIN LATERAL (SELECT b.booking_id FROM conference.bookings b WHERE b.conference_id = p.conference_id"
            "   AND b.released_at IS NULL ORDER BY b.round DESC LIMIT 1) b ON true"
            " LEFT JOIN conference.invitations i ON i.booking_id = b.booking_id AND i.participant_id = p.participant_id"
            " LEFT JOIN conference.actions a ON a.idempotency_key = p.idempotency_key"
            " WHERE p.conference_id = $1 AND (p.idempotency_key IS NULL OR a.response IS NOT NULL)"
            " ORDER BY p.added_at, p.participant_id",
            uuid.UUID(conference_id),
        )
        return [
            ParticipantRow(
                participant_id=str(r["participant_id"]),
                role=ParticipantRole(r["role"]),
                required=r["required"],
                name=r["name"],
                contact=r["contact"],
                staff_id=r["staff_id"],
                calendar_id=r["calendar_id"],
                invited=r["invited"],
                response=InvitationResponse(r["response"]) if r["response"] else None,
                views=r["views"] or "",
            )
            for r in rows
        ]

    async def participant(self, conference_id: str, participant_id: str) -> ParticipantRow:
        found = [p for p in await self.participants(conference_id) if p.participant_id == participant_id]
        if not found:
            raise NotFound("no such participant in this conference")
        return found[0]

    # -- availability and bookings ----------------------------------------------------------

    async def _availability(
        self,
        conn: asyncpg.Connection,
        conference: ConferenceRow,
        start: dt.datetime,
        end: dt.datetime,
        venue_id: str | None = None,
        accepted: Sequence[str] = (),
    ) -> Availability:
        """Everyone the conference needs (the coordinator, the required participants) and the
        site's venues, with their hours and busy time in [start, end); the conference's own
        bookings do not count against it."""
        people = await self._required_calendars(conn, conference, accepted)
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
            r["calendar_id"]: _periods(r["working_hours"])
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
        self, conn: asyncpg.Connection, conference: ConferenceRow, accepted: Sequence[str]
    ) -> set[str]:
        rows = await conn.fetch(_LIVE + " AND p.required", uuid.UUID(conference.conference_id), _uuids(accepted))
        return {staff_calendar(conference.coordinator_id), *(r["calendar_id"] for r in rows)}

    async def find(
        self,
        conference: ConferenceRow,
        start: dt.datetime,
        end: dt.datetime,
        rules: slots.Rules,
        limit: int,
        *,
        venue_id: str | None = None,
        accepted: Sequence[str] = (),
        conn: asyncpg.Connection | None = None,
    ) -> list[slots.Slot]:
        """The earliest `limit` free slots in [start, end)."""
        if end <= start:
            return []
        if conn is None:
            async with self._pool.acquire() as acquired:
                found = await self._availability(acquired, conference, start, end, venue_id, accepted)
        else:
            found = await self._availability(conn, conference, start, end, venue_id, accepted)
        return slots.find_slots(_epoch(start), _epoch(end), found.people, found.venues, rules, limit)

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

    async def hold(
        self,
        conference: ConferenceRow,
        round_: int,
        window: tuple[dt.datetime, dt.datetime],
        choice: tuple[dt.datetime, str] | None,
        booked_by: str,
        late_reason: str,
        rules: slots.Rules,
        accepted: Sequence[str] = (),
    ) -> BookingRow | None:
        """The round's booking: made now in the earliest free slot in `window` (or `choice`),
        or the one made before; None when no slot is free. Each attempt checks the slot in
        the transaction that books it, and the exclusion constraint refuses it if anyone
        booked any of its calendars meanwhile; then the search runs again."""
        before = await self.round_booking(conference.conference_id, round_)
        if before is not None:
            return None if before.released else before
        length = dt.timedelta(seconds=rules.length)
        for _ in range(1 if choice is not None else HOLD_ATTEMPTS):
            if choice is not None:
                start, venue = choice
            else:
                found = await self.find(conference, window[0], window[1], rules, 1, accepted=accepted)
                if not found:
                    return None
                start, venue = dt.datetime.fromtimestamp(found[0].start, dt.UTC), found[0].venue_id
            booked = await self._try_book(
                conference, round_, (start, start + length), venue, booked_by, late_reason, rules, accepted
            )
            if booked is not None:
                return booked
        return None

    async def _try_book(
        self,
        conference: ConferenceRow,
        round_: int,
        during: tuple[dt.datetime, dt.datetime],
        venue_id: str,
        booked_by: str,
        late_reason: str,
        rules: slots.Rules,
        accepted: Sequence[str],
    ) -> BookingRow | None:
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
                taken = await self._required_calendars(conn, conference, accepted) | {venue_calendar(venue_id)}
                await _lock_calendars(conn, taken)
                free = await self.find(
                    conference, start, end, rules, 1, venue_id=venue_id, accepted=accepted, conn=conn
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
                    booked_by,
                    late_reason,
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
        hours = _periods(row["working_hours"]) if row else None
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

    # -- outcome ------------------------------------------------------------------------

    @staticmethod
    def add_plan(
        key: str, conference_id: str, plan_id: str, agreed: bool, actions: list[str], reason: str, by: str
    ) -> Also:
        """Stores the plan's text within the action's own transaction."""

        async def add(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "INSERT INTO conference.plans (plan_id, conference_id, idempotency_key, agreed, actions, reason,"
                " recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                uuid.UUID(plan_id),
                uuid.UUID(conference_id),
                key,
                agreed,
                actions,
                reason,
                by,
            )

        return add

    async def _plan(self, conn: asyncpg.Connection, conference_id: str) -> PlanRow | None:
        row = await conn.fetchrow(
            "SELECT p.*, r.referral_id IS NOT NULL AS referred_back FROM conference.plans p"
            " JOIN conference.actions a USING (idempotency_key)"
            " LEFT JOIN conference.referrals r ON r.conference_id = p.conference_id"
            " WHERE p.conference_id = $1 AND a.response IS NOT NULL ORDER BY p.recorded_at LIMIT 1",
            uuid.UUID(conference_id),
        )
        if row is None:
            return None
        return PlanRow(
            plan_id=str(row["plan_id"]),
            agreed=row["agreed"],
            actions=list(row["actions"]),
            reason=row["reason"],
            recorded_by=row["recorded_by"],
            recorded_at=row["recorded_at"],
            referred_back=row["referred_back"],
        )

    async def refer_back(self, conference_id: str) -> tuple[str, bool]:
        """Record the conference's referral back once; later calls find the first."""
        async with audit.transaction(self._pool) as conn:
            created = await conn.fetchval(
                "INSERT INTO conference.referrals (referral_id, conference_id) VALUES ($1, $2)"
                " ON CONFLICT (conference_id) DO NOTHING RETURNING referral_id",
                uuid.uuid4(),
                uuid.UUID(conference_id),
            )
            if created is not None:
                return str(created), False
            existing = await conn.fetchval(
                "SELECT referral_id FROM conference.referrals WHERE conference_id = $1", uuid.UUID(conference_id)
            )
        return str(existing), True

    # -- escalations ----------------------------------------------------------------------

    async def raise_escalation(self, e: ConferenceEscalation) -> tuple[str, bool]:
        async with audit.transaction(self._pool) as conn:
            created = await conn.fetchval(
                "INSERT INTO conference.escalations (escalation_id, conference_id, workflow_id, deadline, level,"
                " round, manager_id, coordinator_id, site, region, due_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                " ON CONFLICT (conference_id, deadline, level, round) DO NOTHING RETURNING escalation_id",
                uuid.uuid4(),
                uuid.UUID(e.conference_id),
                e.workflow_id,
                e.deadline.value,
                e.level.value,
                e.round,
                e.manager_id,
                e.coordinator_id,
                e.site,
                e.region,
                e.due_at,
            )
            if created is not None:
                return str(created), True
            existing = await conn.fetchval(
                "SELECT escalation_id FROM conference.escalations"
                " WHERE conference_id = $1 AND deadline = $2 AND level = $3 AND round = $4",
                uuid.UUID(e.conference_id),
                e.deadline.value,
                e.level.value,
                e.round,
            )
        return str(existing), False

    async def resolve(
        self, conference_id: str, deadline: ConferenceDeadline, level: ConferenceEscalationLevel | None = None
    ) -> int:
        """Resolve the conference's open escalations of `deadline` (of `level` only, if given)."""
        async with audit.transaction(self._pool) as conn:
            result = await conn.execute(
                "UPDATE conference.escalations SET resolved_at = now()"
                " WHERE conference_id = $1 AND deadline = $2 AND ($3::text IS NULL OR level = $3)"
                " AND resolved_at IS NULL",
                uuid.UUID(conference_id),
                deadline.value,
                level.value if level else None,
            )
        return int(str(result).rsplit(" ", 1)[-1])

    async def escalations(
        self,
        *,
        conference_id: str | None = None,
        manager_id: str = "",
        site: str = "",
        include_resolved: bool = True,
        limit: int = 500,
        after: tuple[dt.datetime, str] | None = None,
        restriction: Restriction | None = None,
    ) -> list[EscalationRow]:
        clauses = ["($1::uuid IS NULL OR conference_id = $1)", "($2 = '' OR manager_id = $2)", "($3 = '' OR site = $3)"]
        args: list[Any] = [uuid.UUID(conference_id) if conference_id else None, manager_id, site]
        if restriction is not None and restriction.sites is not None:
            args.extend([sorted(restriction.sites), sorted(restriction.regions)])
            clauses.append(f"(site = ANY(${len(args) - 1}) OR region = ANY(${len(args)}))")
        if not include_resolved:
            clauses.append("resolved_at IS NULL")
        if after is not None:
            args.extend([after[0], uuid.UUID(after[1])])
            clauses.append(f"(raised_at, escalation_id) > (${len(args) - 1}, ${len(args)})")
        args.append(limit)
        rows = await self._pool.fetch(
            f"SELECT * FROM conference.escalations WHERE {' AND '.join(clauses)}"
            f" ORDER BY raised_at, escalation_id LIMIT ${len(args)}",
            *args,
        )
        return [_escalation(r) for r in rows]
