"""Placement's data in the `placement` schema: the family network, caregivers, holds,
recorded searches and staff actions.

Every rule that must hold whatever runs at once is kept by the database: one relationship
per pair of people, no one their own relative, and never more places promised than a
caregiver has (`caregivers_never_over_allocated`, with every change of the places in use
made under the caregiver row's lock).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import asyncpg

from services.common import audit
from services.common.actions import ActionLog
from services.common.errors import AlreadyExists, FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from services.placement import search
from services.placement.kinship import DEGREE, ELDER, MAX_BIRTH_PARENTS, SYMMETRIC

SCHEMA = "placement"
MIGRATIONS = Path(__file__).parent / "migrations"
#: Serialises kin relationship changes, so two at once cannot make a contradiction
#: (e.g. each the other's parent) that neither alone would.
_RELATIONSHIPS_LOCK = "kahu.placement.relationships"
#: How far up the generations the contradiction check walks.
_ANCESTRY_DEPTH = 12


@dataclass(frozen=True)
class PersonRecord:
    person_id: uuid.UUID
    name: str
    date_of_birth: dt.date | None
    region: str
    address_area: str
    school: str
    languages: list[str]
    needs_wheelchair_access: bool
    support_needs: list[str]


@dataclass(frozen=True)
class FamilyRecord:
    family_id: uuid.UUID
    name: str
    member_ids: list[uuid.UUID]
    network_ids: list[uuid.UUID]


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


def _person(r: asyncpg.Record) -> PersonRecord:
    return PersonRecord(
        person_id=r["person_id"],
        name=r["name"],
        date_of_birth=r["date_of_birth"],
        region=r["region"],
        address_area=r["address_area"],
        school=r["school"],
        languages=list(r["languages"]),
        needs_wheelchair_access=r["needs_wheelchair_access"],
        support_needs=list(r["support_needs"]),
    )


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


class PlacementStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.actions = ActionLog(pool, SCHEMA)

    # -- people -------------------------------------------------------------------------

    async def put_person(self, p: PersonRecord) -> bool:
        """Record the person (replacing what was recorded); True when new."""
        async with audit.transaction(self._pool) as conn:
            created: bool = await conn.fetchval(
                "INSERT INTO placement.people (person_id, name, date_of_birth, region, address_area, school, languages,"
                " needs_wheelchair_access, support_needs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                " ON CONFLICT (person_id) DO UPDATE SET name = $2, date_of_birth = $3, region = $4, address_area = $5,"
                " school = $6, languages = $7, needs_wheelchair_access = $8, support_needs = $9, updated_at = now()"
                " RETURNING xmax = 0",
                p.person_id,
                p.name,
                p.date_of_birth,
                p.region,
                p.address_area,
                p.school,
                p.languages,
                p.needs_wheelchair_access,
                p.support_needs,
            )
        return created

    async def get_person(self, person_id: uuid.UUID) -> tuple[PersonRecord, list[tuple[str, str]]] | None:
        async with audit.transaction(self._pool) as conn:
            row = await conn.fetchrow("SELECT * FROM placement.people WHERE person_id = $1", person_id)
            if row is None:
                return None
            affiliations = await conn.fetch(
                "SELECT iwi, hapu FROM placement.affiliations WHERE person_id = $1 ORDER BY iwi, hapu", person_id
            )
        return _person(row), [(a["iwi"], a["hapu"]) for a in affiliations]

    @staticmethod
    async def _missing(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> set[uuid.UUID]:
        found = await conn.fetch("SELECT person_id FROM placement.people WHERE person_id = ANY($1::uuid[])", ids)
        return set(ids) - {r["person_id"] for r in found}

    @staticmethod
    def _dangling(ids: list[uuid.UUID], missing: set[uuid.UUID], field: str) -> list[FieldViolation]:
        return [FieldViolation(f"{field}[{i}]", "no such person") for i, pid in enumerate(ids) if pid in missing]

    # -- kin relationships ----------------------------------------------------------------

    async def add_relationship(self, from_id: uuid.UUID, to_id: uuid.UUID, kind: str) -> bool:
        """Record "from is <kind> of to"; False when exactly it was recorded before.
        Raises InvalidArgument naming the field for a missing person or a contradiction."""
        async with audit.transaction(self._pool) as conn:
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _RELATIONSHIPS_LOCK)
            missing = await self._missing(conn, [from_id, to_id])
            violations = [
                FieldViolation(f"relationship.{name}", "no such person")
                for name, pid in (("from_person_id", from_id), ("to_person_id", to_id))
                if pid in missing
            ]
            if violations:
                raise InvalidArgument(violations)
            if kind in SYMMETRIC and to_id < from_id:  # kept once, from the lower id
                from_id, to_id = to_id, from_id
            existing = await conn.fetchrow(
                "SELECT from_id, to_id, kind FROM placement.relationships"
                " WHERE (from_id = $1 AND to_id = $2) OR (from_id = $2 AND to_id = $1)",
                from_id,
                to_id,
            )
            if existing is not None:
                if (existing["from_id"], existing["to_id"], existing["kind"]) == (from_id, to_id, kind):
                    return False
                raise InvalidArgument(
                    [
                        FieldViolation(
                            "relationship.kind",
                            f"contradicts the recorded relationship: {existing['from_id']} is"
                            f" {existing['kind']} of {existing['to_id']}",
                        )
                    ]
                )
            if kind in ELDER and await self._is_elder(conn, to_id, from_id):
                raise InvalidArgument(
                    [FieldViolation("relationship.kind", f"{to_id} is already recorded as an elder of {from_id}")]
                )
            if kind == "PARENT":
                parents = await conn.fetchval(
                    "SELECT count(*) FROM placement.relationships WHERE to_id = $1 AND kind = 'PARENT'", to_id
                )
                if parents >= MAX_BIRTH_PARENTS:
                    raise InvalidArgument(
                        [FieldViolation("relationship.kind", f"{to_id} already has {MAX_BIRTH_PARENTS} birth parents")]
                    )
            await conn.execute(
                "INSERT INTO placement.relationships (from_id, to_id, kind, degree) VALUES ($1, $2, $3, $4)",
                from_id,
                to_id,
                kind,
                DEGREE[kind],
            )
        return True

    @staticmethod
    async def _is_elder(conn: asyncpg.Connection, elder: uuid.UUID, of: uuid.UUID) -> bool:
        """Whether `elder` is recorded (through any chain of elder relationships) above `of`."""
        found = await conn.fetchval(
            "WITH RECURSIVE up (person_id, depth) AS ("
            "  SELECT $2::uuid, 0"
            "  UNION"
            "  SELECT r.from_id, u.depth + 1 FROM up u JOIN placement.relationships r ON r.to_id = u.person_id"
            "  WHERE r.kind = ANY($3::text[]) AND u.depth < $4"
            ") SELECT EXISTS (SELECT 1 FROM up WHERE person_id = $1 AND depth > 0)",
            elder,
            of,
            sorted(ELDER),
            _ANCESTRY_DEPTH,
        )
        return bool(found)

    async def remove_relationship(self, a: uuid.UUID, b: uuid.UUID) -> bool:
        async with audit.transaction(self._pool) as conn:
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _RELATIONSHIPS_LOCK)
            result = await conn.execute(
                "DELETE FROM placement.relationships"
                " WHERE (from_id = $1 AND to_id = $2) OR (from_id = $2 AND to_id = $1)",
                a,
                b,
            )
        return str(result) != "DELETE 0"

    # -- affiliations, families, case children -------------------------------------------

    async def set_affiliations(self, person_id: uuid.UUID, affiliations: list[tuple[str, str]]) -> bool:
        """Replace the person's affiliations (and their caregiver's copy); False: no such person."""
        async with audit.transaction(self._pool) as conn:
            exists = await conn.fetchval("SELECT true FROM placement.people WHERE person_id = $1 FOR UPDATE", person_id)
            if not exists:
                return False
            await conn.execute("DELETE FROM placement.affiliations WHERE person_id = $1", person_id)
            await conn.executemany(
                "INSERT INTO placement.affiliations (person_id, iwi, hapu) VALUES ($1, $2, $3)",
                [(person_id, iwi, hapu) for iwi, hapu in affiliations],
            )
            await self._copy_affiliations(conn, person_id)
        return True

    @staticmethod
    async def _copy_affiliations(conn: asyncpg.Connection, person_id: uuid.UUID) -> None:
        await conn.execute(
            "UPDATE placement.caregivers SET"
            " iwi = coalesce(array(SELECT DISTINCT iwi FROM placement.affiliations WHERE person_id = $1), '{}'),"
            " hapu = coalesce(array(SELECT DISTINCT hapu FROM placement.affiliations"
            "   WHERE person_id = $1 AND hapu <> ''), '{}')"
            " WHERE person_id = $1",
            person_id,
        )

    async def put_family(self, family: FamilyRecord) -> bool:
        """Record the family group and its network (replacing them); True when new."""
        async with audit.transaction(self._pool) as conn:
            missing = await self._missing(conn, [*family.member_ids, *family.network_ids])
            violations = [
                *self._dangling(family.member_ids, missing, "family.member_ids"),
                *self._dangling(family.network_ids, missing, "family.network_ids"),
            ]
            if violations:
                raise InvalidArgument(violations)
            created: bool = await conn.fetchval(
                "INSERT INTO placement.families (family_id, name) VALUES ($1, $2)"
                " ON CONFLICT (family_id) DO UPDATE SET name = $2, updated_at = now() RETURNING xmax = 0",
                family.family_id,
                family.name,
            )
            await conn.execute("DELETE FROM placement.family_members WHERE family_id = $1", family.family_id)
            await conn.executemany(
                "INSERT INTO placement.family_members (family_id, person_id, role) VALUES ($1, $2, $3)",
                [(family.family_id, pid, "MEMBER") for pid in family.member_ids]
                + [(family.family_id, pid, "NETWORK") for pid in family.network_ids],
            )
        return created

    async def link_case_children(self, case_id: uuid.UUID, child_ids: list[uuid.UUID]) -> None:
        async with audit.transaction(self._pool) as conn:
            missing = await self._missing(conn, child_ids)
            if missing:
                raise InvalidArgument(self._dangling(child_ids, missing, "child_ids"))
            await conn.execute("DELETE FROM placement.case_children WHERE case_id = $1", case_id)
            await conn.executemany(
                "INSERT INTO placement.case_children (case_id, person_id, position) VALUES ($1, $2, $3)",
                [(case_id, pid, i) for i, pid in enumerate(child_ids)],
            )

    async def case_children(self, case_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self._pool.fetch(
            "SELECT person_id FROM placement.case_children WHERE case_id = $1 ORDER BY position", case_id
        )
        return [r["person_id"] for r in rows]

    # -- caregivers -----------------------------------------------------------------------

    async def put_caregiver(self, c: CaregiverRecord) -> tuple[CaregiverRow, bool]:
        """Record the caregiver (replacing its details): (it, whether new). Its capacity may
        not fall below the places placed and held."""
        async with audit.transaction(self._pool) as conn:
            if c.person_id is not None and await self._missing(conn, [c.person_id]):
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
                await self._copy_affiliations(conn, c.person_id)
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
