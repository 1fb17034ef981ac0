"""The plan service's data in the `plan` schema: one plan per case, every version of it
(who, why, when, what it says), and staff actions."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from kahu.v1 import plan_pb2
from services.common import audit
from services.common.actions import ActionLog, WrittenWithAction
from services.common.authz import Restriction
from services.common.convert import from_timestamp
from services.common.errors import AlreadyExists, FailedPrecondition
from workflows.plan.model import plan_workflow_id

SCHEMA = "plan"
MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class PlanRow:
    plan_id: str
    case_id: str
    site: str
    region: str
    workflow_id: str
    request_digest: bytes
    created_at: dt.datetime
    #: "CASE" or "CHILDRENS_TEAM" (kahu.v1.PlanKind without its prefix)
    kind: str = "CASE"


@dataclass(frozen=True)
class VersionRow:
    version: int
    changed_by: str
    reason: str
    changed_at: dt.datetime
    content: plan_pb2.PlanContent


@dataclass(frozen=True)
class Listed:
    """What a listing shows of a plan's current version (ListPlans)."""

    version: int
    changed_at: dt.datetime
    lead_professional: str
    owner_agencies: list[str]
    review_due: dt.datetime | None
    open_actions: int


@dataclass(frozen=True)
class PlanFilter:
    """A listing's filters ("" for none) and the caller's reach."""

    lead_professional: str
    owner_agency: str
    kind: str
    site: str
    region: str
    within: Restriction


_OPEN = (plan_pb2.PLAN_ACTION_STATUS_UNSPECIFIED, plan_pb2.PLAN_ACTION_STATUS_OPEN)


def listing_columns(content: plan_pb2.PlanContent) -> tuple[str, list[str], dt.datetime | None, int]:
    """What a version's listing columns hold: its lead professional, its actions' owning
    agencies, its review date and how many actions are open."""
    return (
        content.lead_professional,
        sorted({a.owner_agency for a in content.actions}),
        from_timestamp(content.review_due) if content.HasField("review_due") else None,
        sum(1 for a in content.actions if a.status in _OPEN),
    )


def _plan(r: asyncpg.Record) -> PlanRow:
    return PlanRow(
        plan_id=str(r["plan_id"]),
        case_id=str(r["case_id"]),
        site=r["site"],
        region=r["region"],
        workflow_id=r["workflow_id"],
        request_digest=bytes(r["request_digest"]),
        created_at=r["created_at"],
        kind=r["kind"],
    )


def _version(r: asyncpg.Record) -> VersionRow:
    return VersionRow(
        version=r["version"],
        changed_by=r["changed_by"],
        reason=r["reason"],
        changed_at=r["changed_at"],
        content=plan_pb2.PlanContent.FromString(bytes(r["content"])),
    )


class PlanStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.actions = ActionLog(pool, SCHEMA)

    async def create(
        self,
        *,
        key: str,
        digest: bytes,
        plan_id: str,
        case_id: str,
        site: str,
        region: str,
        created_by: str,
        reason: str,
        content: plan_pb2.PlanContent,
        kind: str = "CASE",
    ) -> tuple[PlanRow, bool]:
        """Store the case's plan at version 1, or find the one `key` stored before: (the
        plan, whether it was stored before). A case with a plan made by another key:
        AlreadyExists."""
        async with audit.transaction(self._pool) as conn:
            before = await conn.fetchrow("SELECT * FROM plan.plans WHERE idempotency_key = $1", key)
            if before is not None:
                return _plan(before), True
            inserted = await conn.fetchval(
                "INSERT INTO plan.plans (plan_id, case_id, site, region, workflow_id, idempotency_key, request_digest,"
                " kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING plan_id",
                uuid.UUID(plan_id),
                uuid.UUID(case_id),
                site,
                region,
                plan_workflow_id(plan_id),
                key,
                digest,
                kind,
            )
            if inserted is None:
                again = await conn.fetchrow("SELECT * FROM plan.plans WHERE idempotency_key = $1", key)
                if again is not None:  # the same call, concurrently
                    return _plan(again), True
                raise AlreadyExists("the case has a plan already: revise it (RevisePlan)")
            await conn.execute(
                "INSERT INTO plan.plan_versions (plan_id, version, changed_by, reason, content, lead_professional,"
                " owner_agencies, review_due, open_actions) VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8)",
                uuid.UUID(plan_id),
                created_by,
                reason,
                content.SerializeToString(),
                *listing_columns(content),
            )
            row = await conn.fetchrow("SELECT * FROM plan.plans WHERE plan_id = $1", uuid.UUID(plan_id))
        return _plan(row), False

    async def mark_started(self, plan_id: str) -> None:
        """Note the plan's workflow started (the outbox's bookkeeping, outside any call)."""
        await self._pool.execute(
            "UPDATE plan.plans SET workflow_started_at = now() WHERE plan_id = $1 AND workflow_started_at IS NULL",
            uuid.UUID(plan_id),
        )

    async def unstarted(self, before: dt.datetime, limit: int) -> list[tuple[PlanRow, VersionRow]]:
        """Plans made before `before` whose workflow no call saw started, with version 1 (the
        outbox's, outside any call)."""
        rows = await self._pool.fetch(
            "SELECT p.*, v.version, v.changed_by, v.reason, v.changed_at, v.content FROM plan.plans p"
            " JOIN plan.plan_versions v ON v.plan_id = p.plan_id AND v.version = 1"
            " WHERE p.workflow_started_at IS NULL AND p.created_at < $1 ORDER BY p.created_at LIMIT $2",
            before,
            limit,
        )
        return [(_plan(r), _version(r)) for r in rows]

    async def of_case(self, case_id: str) -> PlanRow | None:
        row = await self._pool.fetchrow("SELECT * FROM plan.plans WHERE case_id = $1", uuid.UUID(case_id))
        return None if row is None else _plan(row)

    async def latest_version(self, plan_id: str) -> int:
        """The newest version stored (one whose action is still pending included)."""
        found = await self._pool.fetchval(
            "SELECT max(version) FROM plan.plan_versions WHERE plan_id = $1", uuid.UUID(plan_id)
        )
        return int(found or 0)

    async def versions(self, plan_id: str, *, up_to: int | None = None) -> list[VersionRow]:
        """The plan's versions, newest first: those its workflow took (a pending action's
        not), or every one up to `up_to` (the version the workflow answered with)."""
        async with audit.transaction(self._pool) as conn:
            rows = await conn.fetch(
                "SELECT v.* FROM plan.plan_versions v LEFT JOIN plan.actions a USING (idempotency_key)"
                " WHERE v.plan_id = $1 AND (CASE WHEN $2::integer IS NULL"
                " THEN v.idempotency_key IS NULL OR a.response IS NOT NULL ELSE v.version <= $2 END)"
                " ORDER BY v.version DESC",
                uuid.UUID(plan_id),
                up_to,
            )
        return [_version(r) for r in rows]

    async def taken_and_newest(self, plan_id: str, *, but: str = "") -> tuple[VersionRow, VersionRow]:
        """The plan's current version (the newest its workflow took) and the newest stored
        (a pending action's included, but the one stored under the key `but`: a retried
        action starts from where its first attempt did), read without the call's audit
        record (a refusal that follows is audited as such)."""
        rows = await self._pool.fetch(
            "SELECT v.*, v.idempotency_key IS NULL OR a.response IS NOT NULL AS taken FROM plan.plan_versions v"
            " LEFT JOIN plan.actions a USING (idempotency_key)"
            " WHERE v.plan_id = $1 AND v.idempotency_key IS DISTINCT FROM $2::text ORDER BY v.version DESC",
            uuid.UUID(plan_id),
            but,
        )
        taken = next(r for r in rows if r["taken"])
        return _version(taken), _version(rows[0])

    async def listed(
        self, f: PlanFilter, after: tuple[dt.datetime, str] | None, limit: int
    ) -> list[tuple[PlanRow, Listed]]:
        """ListPlans' page (`_listed`)."""
        return await _listed(self._pool, f, after, limit)

    async def newest(self, plan_id: str, *, but: str = "") -> VersionRow:
        """The newest version stored, as `taken_and_newest` finds it, for a change's checks."""
        return (await self.taken_and_newest(plan_id, but=but))[1]

    @staticmethod
    def add_version(
        key: str, plan_id: str, version: int, changed_by: str, reason: str, content: plan_pb2.PlanContent
    ) -> WrittenWithAction:
        """Store a version within its action's own transaction; one made from an older
        version than the newest meanwhile is refused (FailedPrecondition)."""

        async def add(conn: asyncpg.Connection) -> None:
            try:
                async with conn.transaction():
                    await conn.execute(
                        "INSERT INTO plan.plan_versions (plan_id, version, changed_by, reason, content,"
                        " idempotency_key, lead_professional, owner_agencies, review_due, open_actions)"
                        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                        uuid.UUID(plan_id),
                        version,
                        changed_by,
                        reason,
                        content.SerializeToString(),
                        key,
                        *listing_columns(content),
                    )
            except asyncpg.UniqueViolationError:
                raise FailedPrecondition(
                    f"the plan changed meanwhile: version {version} exists; read it and change it again"
                ) from None

        return add


_LISTED = """
SELECT p.*, v.version, v.changed_at, v.lead_professional, v.owner_agencies, v.review_due, v.open_actions
FROM plan.plans p
CROSS JOIN LATERAL (
    SELECT v.* FROM plan.plan_versions v LEFT JOIN plan.actions a USING (idempotency_key)
    WHERE v.plan_id = p.plan_id AND (v.idempotency_key IS NULL OR a.response IS NOT NULL)
    ORDER BY v.version DESC LIMIT 1
) v
WHERE ($1 = '' OR p.site = $1) AND ($2 = '' OR p.region = $2) AND ($3 = '' OR p.kind = $3)
  AND ($4::text[] IS NULL OR p.site = ANY($4) OR p.region = ANY($5::text[]))
  AND ($6 = '' OR v.lead_professional = $6) AND ($7 = '' OR $7 = ANY(v.owner_agencies))
  AND ($8::timestamptz IS NULL OR (p.created_at, p.plan_id) > ($8, $9::uuid))
ORDER BY p.created_at, p.plan_id
LIMIT $10
"""


async def _listed(
    pool: asyncpg.Pool, f: PlanFilter, after: tuple[dt.datetime, str] | None, limit: int
) -> list[tuple[PlanRow, Listed]]:
    """The plans `f` lists, oldest first, after the keyset position `after`, as their current
    versions (those their workflows took) stand; within the call's audited transaction."""
    sites = None if f.within.sites is None else sorted(f.within.sites)
    async with audit.transaction(pool) as conn:
        rows = await conn.fetch(
            _LISTED,
            f.site,
            f.region,
            f.kind,
            sites,
            sorted(f.within.regions),
            f.lead_professional,
            f.owner_agency,
            None if after is None else after[0],
            None if after is None else uuid.UUID(after[1]),
            limit,
        )
    return [
        (
            _plan(r),
            Listed(
                version=r["version"],
                changed_at=r["changed_at"],
                lead_professional=r["lead_professional"] or "",
                owner_agencies=list(r["owner_agencies"] or ()),
                review_due=r["review_due"],
                open_actions=r["open_actions"] or 0,
            ),
        )
        for r in rows
    ]


async def fill_listing(pool: asyncpg.Pool, batch: int = 500) -> int:
    """Fill the listing columns of versions stored before they existed (once, at start-up);
    how many it filled."""
    filled = 0
    while True:
        rows = await pool.fetch(
            "SELECT plan_id, version, content FROM plan.plan_versions WHERE lead_professional IS NULL LIMIT $1",
            batch,
        )
        for r in rows:
            content = plan_pb2.PlanContent.FromString(bytes(r["content"]))
            await pool.execute(
                "UPDATE plan.plan_versions SET lead_professional = $3, owner_agencies = $4, review_due = $5,"
                " open_actions = $6 WHERE plan_id = $1 AND version = $2",
                r["plan_id"],
                r["version"],
                *listing_columns(content),
            )
        filled += len(rows)
        if len(rows) < batch:
            return filled
