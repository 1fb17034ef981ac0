"""Calendars in the `conference` schema: coordinators and venues, working hours (weekly
minute ranges), busy blocks, and whose calendar each one is (for the caller's scope)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import asyncpg

from services.common import audit
from services.common.actions import WrittenWithAction
from services.common.errors import NotFound
from services.conference import slots
from services.conference.ids import derived_id, participant_calendar, staff_calendar, venue_calendar
from services.conference.validation import Period


def weekly_ranges(hours: Sequence[Period]) -> list[asyncpg.Range]:
    """Working hours as minute ranges of the week (Monday 00:00 is 0)."""
    week = [(p.iso_weekday - 1) * slots.DAY_MINUTES for p in hours]
    return [asyncpg.Range(w + p.start_minute, w + p.end_minute) for w, p in zip(week, hours, strict=True)]


def weekly_periods(ranges: list[asyncpg.Range] | None) -> tuple[slots.Period, ...] | None:
    """Weekly minute ranges back as (ISO weekday, start, end); None: no working hours set."""
    if not ranges:
        return None
    found = []
    for r in ranges:
        day = r.lower // slots.DAY_MINUTES
        found.append((day + 1, r.lower - day * slots.DAY_MINUTES, r.upper - day * slots.DAY_MINUTES))
    return tuple(found)


class CalendarStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

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
            weekly_ranges(hours) or None,
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
    def add_decline_block(key: str, calendar_id: str, start: dt.datetime, end: dt.datetime) -> WrittenWithAction:
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

    # -- whose calendar it is ---------------------------------------------------------------

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
