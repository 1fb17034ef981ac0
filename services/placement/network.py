"""The family network in the `placement` schema: people, their kin relationships and
iwi and hapū affiliations, family groups, and the children of each case.

The database keeps the network's rules whatever runs at once: one relationship per pair
of people, no one their own relative, and no contradiction that two changes at once
would make (kin relationship changes are serialised).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import asyncpg

from services.common import audit
from services.common.errors import FieldViolation, InvalidArgument
from services.placement.kinship import DEGREE, ELDER, MAX_BIRTH_PARENTS, SYMMETRIC

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


async def missing_people(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `ids` name no person in the network."""
    found = await conn.fetch("SELECT person_id FROM placement.people WHERE person_id = ANY($1::uuid[])", ids)
    return set(ids) - {r["person_id"] for r in found}


def _dangling(ids: list[uuid.UUID], missing: set[uuid.UUID], field: str) -> list[FieldViolation]:
    return [FieldViolation(f"{field}[{i}]", "no such person") for i, pid in enumerate(ids) if pid in missing]


async def copy_affiliations(conn: asyncpg.Connection, person_id: uuid.UUID) -> None:
    """Copy the person's iwi and hapū onto their caregiver's row (which the search reads)."""
    await conn.execute(
        "UPDATE placement.caregivers SET"
        " iwi = coalesce(array(SELECT DISTINCT iwi FROM placement.affiliations WHERE person_id = $1), '{}'),"
        " hapu = coalesce(array(SELECT DISTINCT hapu FROM placement.affiliations"
        "   WHERE person_id = $1 AND hapu <> ''), '{}')"
        " WHERE person_id = $1",
        person_id,
    )


class NetworkStore:
    """People, kin relationships, affiliations, family groups and case children."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

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

    # -- kin relationships ----------------------------------------------------------------

    async def add_relationship(self, from_id: uuid.UUID, to_id: uuid.UUID, kind: str) -> bool:
        """Record "from is <kind> of to"; False when exactly it was recorded before.
        Raises InvalidArgument naming the field for a missing person or a contradiction."""
        async with audit.transaction(self._pool) as conn:
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _RELATIONSHIPS_LOCK)
            missing = await missing_people(conn, [from_id, to_id])
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
            await copy_affiliations(conn, person_id)
        return True

    async def put_family(self, family: FamilyRecord) -> bool:
        """Record the family group and its network (replacing them); True when new."""
        async with audit.transaction(self._pool) as conn:
            missing = await missing_people(conn, [*family.member_ids, *family.network_ids])
            violations = [
                *_dangling(family.member_ids, missing, "family.member_ids"),
                *_dangling(family.network_ids, missing, "family.network_ids"),
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
            missing = await missing_people(conn, child_ids)
            if missing:
                raise InvalidArgument(_dangling(child_ids, missing, "child_ids"))
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
