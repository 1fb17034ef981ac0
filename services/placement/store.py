"""Placement's `placement` schema: the family network (services/placement/network.py),
caregivers and holds (services/placement/caregivers.py), the searches, each case's placement
search's part of its record (where it stands and its workflow's events), and staff actions."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from services.common import audit, events
from services.common.actions import ActionLog
from services.common.authz import Place
from services.common.errors import FieldViolation, InvalidArgument
from services.common.events import Event
from services.placement import search
from services.placement.caregivers import CaregiverStore
from services.placement.network import NetworkStore
from workflows.case.model import TimelineEntry

SCHEMA = "placement"
MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class SearchRecording:
    """What one RecordPlacementSearch call records."""

    case_id: str
    place: Place
    events: list[Event]
    version: int = 0
    #: A serialized kahu.v1.PlacementSearchStanding (None: unchanged).
    standing: bytes | None = None


@dataclass(frozen=True)
class SearchRecord:
    """A case's placement search as PostgreSQL holds it: where it stands (a serialized
    kahu.v1.PlacementSearchStanding; None before its workflow said) and its events, oldest
    first."""

    place: Place
    standing: bytes | None
    events: list[TimelineEntry]


class PlacementStore:
    """The `placement` schema: `network`, `caregivers`, recorded searches and `actions`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.network = NetworkStore(pool)
        self.caregivers = CaregiverStore(pool)
        self.actions = ActionLog(pool, SCHEMA)

    # -- search -----------------------------------------------------------------------------

    async def search(
        self, child_ids: list[uuid.UUID], stated: search.Needs, *, max_degree: int, limit: int, today: dt.date
    ) -> tuple[search.Effective, search.Result]:
        """Search for the children with the stated needs and theirs: (the needs applied,
        the result). A child not in the network is INVALID_ARGUMENT naming it."""
        async with audit.transaction(self._pool) as conn:
            found = await search.children(conn, child_ids)
            missing = [i for i, c in enumerate(child_ids) if c not in found]
            if missing:
                raise InvalidArgument([FieldViolation(f"child_ids[{i}]", "no such person") for i in missing])
            needs = search.effective_needs([found[c] for c in child_ids], stated)
            result = await search.search(conn, child_ids, needs, max_degree=max_degree, limit=limit, today=today)
        return needs, result

    async def recorded_search(self, search_id: uuid.UUID) -> tuple[uuid.UUID, bytes] | None:
        row = await self._pool.fetchrow(
            "SELECT case_id, response FROM placement.searches WHERE search_id = $1", search_id
        )
        return None if row is None else (row["case_id"], bytes(row["response"]))

    async def record_search(self, search_id: uuid.UUID, case_id: uuid.UUID, response: bytes) -> bytes:
        """Keep the search's answer; a concurrent repeat keeps the first. Returns the kept one.
        (The search itself was audited.)"""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO placement.searches (search_id, case_id, response) VALUES ($1, $2, $3)"
                " ON CONFLICT (search_id) DO NOTHING",
                search_id,
                case_id,
                response,
            )
            kept = await conn.fetchval("SELECT response FROM placement.searches WHERE search_id = $1", search_id)
        return bytes(kept)

    # -- the placement search's record ------------------------------------------------------

    async def record(self, r: SearchRecording) -> int:
        """Record the events not recorded before and a newer standing; the number of events new."""
        case_id = uuid.UUID(r.case_id)
        async with audit.transaction(self._pool) as conn:
            await conn.execute(
                "INSERT INTO placement.placement_searches (case_id, site, region) VALUES ($1, $2, $3)"
                " ON CONFLICT (case_id) DO NOTHING",
                case_id,
                r.place.site,
                r.place.region,
            )
            new = await events.insert(conn, "placement.placement_search_events", "case_id", case_id, r.events)
            if r.standing is not None:
                await conn.execute(
                    "UPDATE placement.placement_searches SET version = $2, standing = $3, recorded_at = now()"
                    " WHERE case_id = $1 AND version < $2",
                    case_id,
                    r.version,
                    r.standing,
                )
        return new

    async def search_record(self, case_id: str) -> SearchRecord | None:
        """The case's placement search as recorded; None when its workflow has recorded nothing."""
        key = uuid.UUID(case_id)
        async with audit.transaction(self._pool) as conn:
            row = await conn.fetchrow("SELECT * FROM placement.placement_searches WHERE case_id = $1", key)
            if row is None:
                return None
            found = await events.read(conn, "placement.placement_search_events", "case_id", key)
        standing = row["standing"]
        return SearchRecord(Place(row["site"], row["region"]), None if standing is None else bytes(standing), found)
