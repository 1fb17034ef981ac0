"""Caregivers in the `placement` schema, their approvals, and the places held with them.

The database never lets a caregiver's places be promised to more children than it has
(`caregivers_never_over_allocated`): every change of the places in use is made under the
caregiver row's lock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace

import asyncpg

from services.common import audit
from services.common.errors import AlreadyExists, FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from services.placement.network import copy_affiliations, missing_people


@dataclass(frozen=True)
class CaregiverRecord:
    caregiver_id: uuid.UUID
    kind: str
    person_id: uuid.UUID | None
    name: str
    region: str
    address_area: str
    capacity: int
    wheelchair_accessible: bool
    languages: list[str]
    takes_sibling_groups: bool
    supports: list[str]


@dataclass(frozen=True)
class CaregiverRow:
    record: CaregiverRecord
    approval_status: str
    approved_on: dt.date | None
    approval_expires_on: dt.date | None
    placed: int
    held: int


@dataclass(frozen=True)
class HoldRow:
    hold_id: uuid.UUID
    caregiver_id: uuid.UUID
    case_id: uuid.UUID
    places: int
    status: str
    expires_at: dt.datetime
    created_at: dt.datetime
    release_reason: str | None


def _caregiver(r: asyncpg.Record) -> CaregiverRow:
    return CaregiverRow(
        record=CaregiverRecord(
            caregiver_id=r["caregiver_id"],
            kind=r["kind"],
            person_id=r["person_id"],
            name=r["name"],
            region=r["region"],
            address_area=r["address_area"],
            capacity=r["capacity"],
            wheelchair_accessible=r["wheelchair_accessible"],
            languages=list(r["languages"]),
            takes_sibling_groups=r["takes_sibling_groups"],
            supports=list(r["supports"]),
        ),
        approval_status=r["approval_status"],
        approved_on=r["approved_on"],
        approval_expires_on=r["approval_expires_on"],
        placed=r["placed"],
        held=r["held"],
    )


def _hold(r: asyncpg.Record) -> HoldRow:
    return HoldRow(
        hold_id=r["hold_id"],
        caregiver_id=r["caregiver_id"],
        case_id=r["case_id"],
        places=r["places"],
        status=r["status"],
        expires_at=r["expires_at"],
        created_at=r["created_at"],
        release_reason=r["release_reason"],
    )


async def _give_back(conn: asyncpg.Connection, hold: asyncpg.Record, reason: str) -> asyncpg.Record:
    """Release a held hold (locked by the caller) and its caregiver's places; the hold's row."""
    await conn.execute(
        "UPDATE placement.caregivers SET held = held - $2 WHERE caregiver_id = $1", hold["caregiver_id"], hold["places"]
    )
    row: asyncpg.Record = await conn.fetchrow(
        "UPDATE placement.holds SET status = 'RELEASED', released_at = now(), release_reason = $2"
        " WHERE hold_id = $1 RETURNING *",
        hold["hold_id"],
        reason,
    )
    return row


def unavailable(row: CaregiverRow, places: int, today: dt.date) -> str | None:
    """Why the caregiver cannot take `places` more children today (None: it can)."""
    if row.approval_status != "APPROVED":
        return "the caregiver is not approved"
    if row.approval_expires_on is not None and row.approval_expires_on <= today:
        return "the caregiver's approval has expired"
    free = row.record.capacity - row.placed - row.held
    if free < places:
        return f"the caregiver has {free} place(s) free, {places} wanted"
    return None


class CaregiverStore:
    """Caregivers, their approvals, and holds of their places."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # -- caregivers -----------------------------------------------------------------------

    async def put_caregiver(self, c: CaregiverRecord) -> tuple[CaregiverRow, bool]:
        """Record the caregiver (replacing its details): (it, whether new). Its capacity may
        not fall below the places placed and held."""
        async with audit.transaction(self._pool) as conn:
            if c.person_id is not None and await missing_people(conn, [c.person_id]):
                raise InvalidArgument([FieldViolation("caregiver.person_id", "no such person")])
            other = await conn.fetchval(
                "SELECT caregiver_id FROM placement.caregivers WHERE person_id = $1 AND caregiver_id <> $2",
                c.person_id,
                c.caregiver_id,
            )
            if other is not None:
                raise InvalidArgument([FieldViolation("caregiver.person_id", f"is already caregiver {other}")])
            current = await conn.fetchrow(
                "SELECT kind, placed, held FROM placement.caregivers WHERE caregiver_id = $1 FOR UPDATE",
                c.caregiver_id,
            )
            if current is not None:
                in_use = current["placed"] + current["held"]
                if c.capacity < in_use:
                    raise InvalidArgument(
                        [FieldViolation("caregiver.capacity", f"must be at least the {in_use} place(s) in use")]
                    )
                if current["kind"] != c.kind:
                    raise InvalidArgument([FieldViolation("caregiver.kind", "cannot change")])
            await conn.execute(
                "INSERT INTO placement.caregivers (caregiver_id, kind, person_id, name, region, address_area,"
                " capacity, wheelchair_accessible, languages, takes_sibling_groups, supports)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                " ON CONFLICT (caregiver_id) DO UPDATE SET person_id = $3, name = $4, region = $5,"
                " address_area = $6, capacity = $7, wheelchair_accessible = $8, languages = $9,"
                " takes_sibling_groups = $10, supports = $11, updated_at = now()",
                c.caregiver_id,
                c.kind,
                c.person_id,
                c.name,
                c.region,
                c.address_area,
                c.capacity,
                c.wheelchair_accessible,
                c.languages,
                c.takes_sibling_groups,
                c.supports,
            )
            if c.person_id is not None:
                await copy_affiliations(conn, c.person_id)
            row = await conn.fetchrow("SELECT * FROM placement.caregivers WHERE caregiver_id = $1", c.caregiver_id)
        return _caregiver(row), current is None

    async def set_approval(
        self, caregiver_id: uuid.UUID, status: str, approved_on: dt.date | None, expires_on: dt.date | None
    ) -> CaregiverRow:
        async with audit.transaction(self._pool) as conn:
            row = await conn.fetchrow(
                "UPDATE placement.caregivers SET approval_status = $2, approved_on = $3, approval_expires_on = $4,"
                " updated_at = now() WHERE caregiver_id = $1 RETURNING *",
                caregiver_id,
                status,
                approved_on,
                expires_on,
            )
            if row is None:
                raise InvalidArgument([FieldViolation("caregiver_id", "no such caregiver")])
        return _caregiver(row)

    async def get_caregiver(self, caregiver_id: uuid.UUID) -> CaregiverRow | None:
        async with audit.transaction(self._pool) as conn:
            row = await conn.fetchrow("SELECT * FROM placement.caregivers WHERE caregiver_id = $1", caregiver_id)
        return None if row is None else _caregiver(row)

    # -- holds ------------------------------------------------------------------------------

    async def hold(
        self,
        hold_id: uuid.UUID,
        caregiver_id: uuid.UUID,
        case_id: uuid.UUID,
        places: int,
        expires_at: dt.datetime,
        today: dt.date,
    ) -> tuple[HoldRow, bool]:
        """Hold `places` with the caregiver: (the hold, whether made now). Under the
        caregiver row's lock, so concurrent holds are decided one at a time."""
        async with audit.transaction(self._pool) as conn:
            row = await conn.fetchrow(
                "SELECT * FROM placement.caregivers WHERE caregiver_id = $1 FOR UPDATE", caregiver_id
            )
            if row is None:
                raise InvalidArgument([FieldViolation("caregiver_id", "no such caregiver")])
            existing = await conn.fetchrow("SELECT * FROM placement.holds WHERE hold_id = $1", hold_id)
            if existing is not None:
                return self._same_hold(_hold(existing), caregiver_id, case_id, places), False
            why = unavailable(_caregiver(row), places, today)
            if why is not None:
                raise FailedPrecondition(why)
            inserted = await conn.fetchrow(
                "INSERT INTO placement.holds (hold_id, caregiver_id, case_id, places, status, expires_at)"
                " VALUES ($1, $2, $3, $4, 'HELD', $5) ON CONFLICT (hold_id) DO NOTHING RETURNING *",
                hold_id,
                caregiver_id,
                case_id,
                places,
                expires_at,
            )
            if inserted is None:  # the same hold id, made at once for another caregiver
                raise AlreadyExists("hold_id was already used for another hold")
            await conn.execute(
                "UPDATE placement.caregivers SET held = held + $2 WHERE caregiver_id = $1", caregiver_id, places
            )
        return _hold(inserted), True

    @staticmethod
    def _same_hold(hold: HoldRow, caregiver_id: uuid.UUID, case_id: uuid.UUID, places: int) -> HoldRow:
        if (hold.caregiver_id, hold.case_id, hold.places) != (caregiver_id, case_id, places):
            raise AlreadyExists("hold_id was already used for another hold")
        return hold

    async def confirm(self, hold_id: uuid.UUID) -> HoldRow:
        """Turn a hold into a placement (a confirmed hold stays confirmed)."""
        async with audit.transaction(self._pool) as conn:
            hold = await conn.fetchrow("SELECT * FROM placement.holds WHERE hold_id = $1 FOR UPDATE", hold_id)
            if hold is None:
                raise NotFound("no such hold")
            if hold["status"] == "CONFIRMED":
                return _hold(hold)
            if hold["status"] == "RELEASED":
                raise FailedPrecondition("the hold was released")
            await conn.execute(
                "UPDATE placement.caregivers SET held = held - $2, placed = placed + $2 WHERE caregiver_id = $1",
                hold["caregiver_id"],
                hold["places"],
            )
            confirmed = await conn.fetchrow(
                "UPDATE placement.holds SET status = 'CONFIRMED', confirmed_at = now() WHERE hold_id = $1 RETURNING *",
                hold_id,
            )
        return _hold(confirmed)

    async def release_abandoned(
        self, expired_before: dt.datetime, auditor: audit.Auditor, entry: audit.Entry, *, limit: int
    ) -> list[HoldRow]:
        """Release (reason EXPIRED) up to `limit` holds still held that expired before
        `expired_before`, each in its own transaction with its audit record (`entry` for
        its case). Holds another transaction has locked are left for the next sweep."""
        released: list[HoldRow] = []
        ids = await self._pool.fetch(
            "SELECT hold_id FROM placement.holds WHERE status = 'HELD' AND expires_at < $1"
            " ORDER BY expires_at LIMIT $2",
            expired_before,
            limit,
        )
        for (hold_id,) in ids:
            async with self._pool.acquire() as conn, conn.transaction():
                hold = await conn.fetchrow(
                    "SELECT * FROM placement.holds WHERE hold_id = $1 AND status = 'HELD' AND expires_at < $2"
                    " FOR UPDATE SKIP LOCKED",
                    hold_id,
                    expired_before,
                )
                if hold is None:
                    continue  # answered, released or being changed meanwhile
                row = await _give_back(conn, hold, "EXPIRED")
                await auditor.append(conn, replace(entry, case_id=str(hold["case_id"])))
            released.append(_hold(row))
        return released

    async def release(self, hold_id: uuid.UUID, reason: str) -> tuple[HoldRow, bool]:
        """Give a hold's places back: (the hold, whether this call released it)."""
        async with audit.transaction(self._pool) as conn:
            hold = await conn.fetchrow("SELECT * FROM placement.holds WHERE hold_id = $1 FOR UPDATE", hold_id)
            if hold is None:
                raise NotFound("no such hold")
            if hold["status"] == "RELEASED":
                return _hold(hold), False
            if hold["status"] == "CONFIRMED":
                raise FailedPrecondition("the hold was confirmed: the children are placed")
            released = await _give_back(conn, hold, reason)
        return _hold(released), True
