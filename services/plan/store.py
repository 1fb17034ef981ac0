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
from services.common.errors import AlreadyExists, FailedPrecondition
from workflows.plan.model import plan_workflow_id

SCHEMA = "plan"
OPEN = (plan_pb2.PLAN_ACTION_STATUS_UNSPECIFIED, plan_pb2.PLAN_ACTION_STATUS_OPEN)
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


@dataclass(frozen=True)
class Listed:
    """What ListPlans filters and orders by, of a version's content."""

    lead_professional: str
    review_due: dt.datetime | None
    open_actions: int
    next_action_due: dt.datetime | None
    owners: frozenset[tuple[str, str]]

    @property
    def next_due(self) -> dt.datetime | None:
        dates = [d for d in (self.review_due, self.next_action_due) if d is not None]
        return min(dates) if dates else None


def listed(content: plan_pb2.PlanContent) -> Listed:
    open_ = [a for a in content.actions if a.status in OPEN]
    dues = [a.due_at.ToDatetime(dt.UTC) for a in open_ if a.HasField("due_at")]
    return Listed(
        lead_professional=content.lead_professional,
        review_due=content.review_due.ToDatetime(dt.UTC) if content.HasField("review_due") else None,
        open_actions=len(open_),
        next_action_due=min(dues) if dues else None,
        owners=frozenset((a.owner_id, a.owner_agency) for a in open_),
    )


async def _list(conn: asyncpg.Connection, plan_id: str, version: int, content: plan_pb2.PlanContent) -> None:
    """Keep what ListPlans reads of a version (in the transaction that stores it)."""
    found = listed(content)
    await conn.execute(
        "UPDATE plan.plan_versions SET listed = true, lead_professional = $3, review_due = $4, open_actions = $5,"
        " next_action_due = $6, next_due = $7 WHERE plan_id = $1 AND version = $2",
        uuid.UUID(plan_id),
        version,
        found.lead_professional,
        found.review_due,
        found.open_actions,
        found.next_action_due,
        found.next_due,
    )
    await conn.executemany(
        "INSERT INTO plan.plan_version_owners (plan_id, version, owner_id, owner_agency)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        [(uuid.UUID(plan_id), version, owner, agency) for owner, agency in sorted(found.owners)],
    )


@dataclass(frozen=True)
class SummaryRow:
    plan_id: str
    case_id: str
    site: str
    region: str
    version: int
    lead_professional: str
    review_due: dt.datetime | None
    open_actions: int
    next_action_due: dt.datetime | None
    next_due: dt.datetime | None
    changed_at: dt.datetime
    kind: str


#: Where a plan with nothing due sorts: last.
NEVER = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


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
                "INSERT INTO plan.plan_versions (plan_id, version, changed_by, reason, content)"
                " VALUES ($1, 1, $2, $3, $4)",
                uuid.UUID(plan_id),
                created_by,
                reason,
                content.SerializeToString(),
            )
            await _list(conn, plan_id, 1, content)
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

    async def versions(self, plan_id: str, *, up_to: int | None = None, audited: bool = False) -> list[VersionRow]:
        """The plan's versions, newest first: those its workflow took (a pending action's
        not), or every one up to `up_to` (the version the workflow answered with); with the
        call's audit record when `audited` (a read, not a change, whose action audits it)."""
        query = (
            "SELECT v.* FROM plan.plan_versions v LEFT JOIN plan.actions a USING (idempotency_key)"
            " WHERE v.plan_id = $1 AND (CASE WHEN $2::integer IS NULL"
            " THEN v.idempotency_key IS NULL OR a.response IS NOT NULL ELSE v.version <= $2 END)"
            " ORDER BY v.version DESC"
        )
        if audited:
            async with audit.transaction(self._pool) as conn:
                rows = await conn.fetch(query, uuid.UUID(plan_id), up_to)
        else:
            rows = await self._pool.fetch(query, uuid.UUID(plan_id), up_to)
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

    async def change_base(self, plan_id: str, key: str) -> tuple[VersionRow, VersionRow | None]:
        """What a change with idempotency key `key` is made from: the newest version stored
        but its own (a pending action's included), and the version it stored itself when
        this is its retry (an earlier attempt left it pending), else None."""
        rows = await self._pool.fetch(
            "SELECT * FROM plan.plan_versions WHERE plan_id = $1 ORDER BY version DESC", uuid.UUID(plan_id)
        )
        own = next((r for r in rows if r["idempotency_key"] == key), None)
        newest = next(r for r in rows if r["idempotency_key"] != key)
        return _version(newest), None if own is None else _version(own)

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
                        " idempotency_key) VALUES ($1, $2, $3, $4, $5, $6)",
                        uuid.UUID(plan_id),
                        version,
                        changed_by,
                        reason,
                        content.SerializeToString(),
                        key,
                    )
                    await _list(conn, plan_id, version, content)
            except asyncpg.UniqueViolationError:
                raise FailedPrecondition(
                    f"the plan changed meanwhile: version {version} exists; read it and change it again"
                ) from None

        return add

    async def list_unlisted(self) -> int:
        """Fill in what ListPlans reads for versions stored before it was kept (once, as the
        service starts); how many."""
        done = 0
        while True:
            async with self._pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    "SELECT plan_id, version, content FROM plan.plan_versions WHERE NOT listed LIMIT 500 FOR UPDATE"
                )
                for r in rows:
                    await _list(conn, str(r["plan_id"]), r["version"], plan_pb2.PlanContent.FromString(r["content"]))
            done += len(rows)
            if len(rows) < 500:
                return done

    async def page(
        self,
        *,
        sites: frozenset[str] | None,
        regions: frozenset[str],
        site: str,
        region: str,
        lead_professional: str,
        owner_id: str,
        owner_agency: str,
        kind: str,
        after: tuple[dt.datetime, str] | None,
        size: int,
    ) -> list[SummaryRow]:
        """Up to `size` + 1 plans as they stand (each one's newest version its workflow took),
        most pressing first, after `after` ((next due, plan id) of the page before); within
        `sites` or `regions` unless `sites` is None."""
        where = ["true"]
        args: list[object] = []

        def arg(value: object) -> str:
            args.append(value)
            return f"${len(args)}"

        if sites is not None:
            where.append(f"(p.site = ANY({arg(list(sites))}::text[]) OR p.region = ANY({arg(list(regions))}::text[]))")
        if site:
            where.append(f"p.site = {arg(site)}")
        if region:
            where.append(f"p.region = {arg(region)}")
        if kind:
            where.append(f"p.kind = {arg(kind)}")
        if lead_professional:
            where.append(f"c.lead_professional = {arg(lead_professional)}")
        for column, value in (("owner_id", owner_id), ("owner_agency", owner_agency)):
            if value:
                where.append(
                    "EXISTS (SELECT 1 FROM plan.plan_version_owners o WHERE o.plan_id = c.plan_id"
                    f" AND o.version = c.version AND o.{column} = {arg(value)})"
                )
        if after is not None:
            due, plan_id = arg(after[0]), arg(uuid.UUID(after[1]))
            where.append(f"(coalesce(c.next_due, {arg(NEVER)}), c.plan_id) > ({due}, {plan_id})")
        query = (  # each plan's newest version its workflow took, by the plan's key
            "SELECT c.*, p.case_id, p.site, p.region, p.kind FROM plan.plans p CROSS JOIN LATERAL ("
            " SELECT v.* FROM plan.plan_versions v LEFT JOIN plan.actions a USING (idempotency_key)"
            " WHERE v.plan_id = p.plan_id AND (v.idempotency_key IS NULL OR a.response IS NOT NULL)"
            " ORDER BY v.version DESC LIMIT 1) c"
            f" WHERE {' AND '.join(where)}"
            f" ORDER BY coalesce(c.next_due, {arg(NEVER)}), c.plan_id LIMIT {arg(size + 1)}"
        )
        async with audit.transaction(self._pool) as conn:
            rows = await conn.fetch(query, *args)
        return [
            SummaryRow(
                plan_id=str(r["plan_id"]),
                case_id=str(r["case_id"]),
                site=r["site"],
                region=r["region"],
                version=r["version"],
                lead_professional=r["lead_professional"],
                review_due=r["review_due"],
                open_actions=r["open_actions"],
                next_action_due=r["next_action_due"],
                next_due=r["next_due"],
                changed_at=r["changed_at"],
                kind=r["kind"],
            )
            for r in rows
        ]
