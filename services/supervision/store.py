"""Supervision's data in the `supervision` schema: escalations and supervisors' actions."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from services.common import audit
from services.common.actions import ActionLog
from services.common.authz import UNRESTRICTED, Restriction
from services.common.notifications.outbox import Outbox
from services.supervision import notices
from services.supervision.attention import AttentionStore
from workflows.case.model import DeadlineKind, Escalation, EscalationLevel

SCHEMA = "supervision"
MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class EscalationRow:
    escalation_id: str
    escalation: Escalation
    raised_at: dt.datetime
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    resolved: bool


@dataclass(frozen=True)
class QueueFilter:
    site: str = ""
    region: str = ""
    min_tier: int = 0
    include_resolved: bool = False
    kind: DeadlineKind | None = None
    #: The caller's scope (services/common/authz.py).
    within: Restriction = UNRESTRICTED
    #: Exactly this tier (None: every tier from min_tier).
    tier: int | None = None
    #: Only those raised at or before this time (None: any age).
    raised_before: dt.datetime | None = None


def _row(r: asyncpg.Record) -> EscalationRow:
    return EscalationRow(
        escalation_id=str(r["escalation_id"]),
        escalation=Escalation(
            case_id=str(r["case_id"]) if r["case_id"] is not None else "",
            workflow_id=r["workflow_id"],
            kind=DeadlineKind(r["kind"]),
            cycle=r["cycle"],
            tier=r["tier"],
            role=r["role"],
            site=r["site"],
            region=r["region"],
            due_at=r["due_at"],
            conference_id=str(r["conference_id"]) if r["conference_id"] is not None else None,
            level=EscalationLevel(r["level"]),
            raise_at=r["raise_at"],
            assignee=r["assignee"],
        ),
        raised_at=r["raised_at"],
        acknowledged_by=r["acknowledged_by"],
        acknowledged_at=r["acknowledged_at"],
        resolved=r["resolved_at"] is not None,
    )


@dataclass(frozen=True)
class Subject:
    """What an escalation is about: a case, or a conference (its `case_id` "" when no case
    started it)."""

    case_id: str
    conference_id: str | None = None


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


class SupervisionStore:
    def __init__(self, pool: asyncpg.Pool, notifications: Outbox | None = None) -> None:
        self._pool = pool
        self.actions = ActionLog(pool, SCHEMA)
        #: What escalations and attention items tell (services/supervision/notices.py).
        self.notifications = notifications
        #: Steps that need a person (services/supervision/attention.py).
        self.attention = AttentionStore(pool, notifications)

    async def raise_escalation(self, e: Escalation) -> tuple[str, bool]:
        """Record the escalation unless it was raised before: (its id, whether created now)."""
        key = (_uuid(e.case_id), _uuid(e.conference_id), e.kind.value, e.cycle, e.tier, e.level.value)
        async with audit.transaction(self._pool) as conn:
            created = await conn.fetchval(
                "INSERT INTO supervision.escalations (escalation_id, case_id, conference_id, kind, cycle, tier,"
                " level, workflow_id, role, site, region, due_at, raise_at, assignee)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                " ON CONFLICT ((COALESCE(conference_id, case_id)), kind, cycle, tier, level) DO NOTHING"
                " RETURNING escalation_id",
                uuid.uuid4(),
                *key,
                e.workflow_id,
                e.role,
                e.site,
                e.region,
                e.due_at,
                e.raise_at,
                e.assignee,
            )
            if created is not None and self.notifications is not None:
                await notices.escalation_raised(self.notifications, conn, str(created), e)
            if created is None:
                existing = await conn.fetchval(
                    "SELECT escalation_id FROM supervision.escalations WHERE COALESCE(conference_id, case_id)"
                    " = COALESCE($2::uuid, $1::uuid) AND kind = $3 AND cycle = $4 AND tier = $5 AND level = $6",
                    *key,
                )
        if created is None:
            return str(existing), False
        if self.notifications is not None:
            self.notifications.wake()  # committed: deliver now
        return str(created), True

    async def resolve(
        self, subject: Subject, kind: DeadlineKind, level: EscalationLevel | None = None, cycle: int = 0
    ) -> int:
        """Mark the case's (or conference's) open escalations of `kind` (and `level`, and
        `cycle`, when given) resolved; return how many were open."""
        column = "conference_id" if subject.conference_id else "case_id"
        async with audit.transaction(self._pool) as conn:
            result = await conn.execute(
                f"UPDATE supervision.escalations SET resolved_at = now() WHERE {column} = $1 AND kind = $2"
                " AND ($3::text IS NULL OR level = $3) AND ($4 = 0 OR cycle = $4) AND resolved_at IS NULL",
                uuid.UUID(subject.conference_id or subject.case_id),
                kind.value,
                level.value if level is not None else None,
                cycle,
            )
        return int(str(result).rsplit(" ", 1)[-1])

    async def get(self, escalation_id: str) -> EscalationRow | None:
        row = await self._pool.fetchrow(
            "SELECT * FROM supervision.escalations WHERE escalation_id = $1", uuid.UUID(escalation_id)
        )
        return None if row is None else _row(row)

    async def acknowledge(self, escalation_id: str, by: str) -> None:
        """Note who acknowledged the escalation (the first acknowledgement stands)."""
        async with audit.transaction(self._pool) as conn:
            await conn.execute(
                "UPDATE supervision.escalations SET acknowledged_by = $2, acknowledged_at = now()"
                " WHERE escalation_id = $1 AND acknowledged_by IS NULL",
                uuid.UUID(escalation_id),
                by,
            )

    @staticmethod
    def _matching(f: QueueFilter, *, tiers: bool = True) -> tuple[list[str], list[Any]]:
        """The WHERE clauses and arguments of the escalations `f` selects (its tier filters
        only when `tiers`)."""
        clauses = ["TRUE"]
        args: list[Any] = []
        # only the filters given, each a plain comparison an index can serve
        for column, value in (("site", f.site), ("region", f.region), ("kind", f.kind.value if f.kind else "")):
            if value:
                args.append(value)
                clauses.append(f"{column} = ${len(args)}")
        if tiers:
            args.append(f.min_tier)
            clauses.append(f"tier >= ${len(args)}")
            if f.tier is not None:
                args.append(f.tier)
                clauses.append(f"tier = ${len(args)}")
        if f.within.sites is not None:
            args.extend([sorted(f.within.sites), sorted(f.within.regions)])
            clauses.append(f"(site = ANY(${len(args) - 1}::text[]) OR region = ANY(${len(args)}::text[]))")
        if f.raised_before is not None:
            args.append(f.raised_before)
            clauses.append(f"raised_at <= ${len(args)}")
        if not f.include_resolved:
            clauses.append("resolved_at IS NULL")
        return clauses, args

    async def tier_counts(self, f: QueueFilter) -> list[tuple[int, int]]:
        """(tier, how many) of the escalations `f` selects but for its tier filters."""
        clauses, args = self._matching(f, tiers=False)
        async with audit.transaction(self._pool) as conn:
            rows = await conn.fetch(
                f"SELECT tier, count(*) AS n FROM supervision.escalations WHERE {' AND '.join(clauses)}"
                " GROUP BY tier ORDER BY tier",
                *args,
            )
        return [(r["tier"], r["n"]) for r in rows]

    async def queue(self, f: QueueFilter, limit: int, after: tuple[dt.datetime, str] | None) -> list[EscalationRow]:
        """Escalations matching `f`, oldest first, after the keyset position `after`."""
        clauses, args = self._matching(f)
        if after is not None:
            args.extend([after[0], uuid.UUID(after[1])])
            clauses.append(f"(raised_at, escalation_id) > (${len(args) - 1}, ${len(args)})")
        args.append(limit)
        async with audit.transaction(self._pool) as conn:
            rows = await conn.fetch(
                f"SELECT * FROM supervision.escalations WHERE {' AND '.join(clauses)}"
                f" ORDER BY raised_at, escalation_id LIMIT ${len(args)}",
                *args,
            )
        return [_row(r) for r in rows]
