"""Steps that need a person (workflows/attention.py) in `supervision.attention`: raised
exactly once per item key, listed on the supervisors' queue while open, closed by a
supervisor's decision (the first one stands)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import asyncpg

from services.common import audit
from services.common.authz import Place
from services.common.notifications.outbox import Outbox
from services.supervision import notices
from workflows.case.model import AttentionDecision, AttentionItem, AttentionReason, Subject

if TYPE_CHECKING:
    from services.supervision.store import QueueFilter


@dataclass(frozen=True)
class AttentionRow:
    """An item as stored: what the workflow raised, and the decision on it (None while open)."""

    item_id: str
    item: AttentionItem
    raised_at: dt.datetime
    resolved_by: str | None
    decision: AttentionDecision | None
    resolved_at: dt.datetime | None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def subject_id(self) -> str:
        """What the item is about, for admission and the action log: its workflow's
        subject (the conference for a conference's item, else the case)."""
        subject = self.item.subject
        return subject.conference_id or subject.case_id or ""

    @property
    def place(self) -> Place:
        return Place(self.item.subject.site, self.item.subject.region)


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _row(r: asyncpg.Record) -> AttentionRow:
    return AttentionRow(
        item_id=str(r["item_id"]),
        item=AttentionItem(
            item_key=r["item_key"],
            subject=Subject(
                case_id=str(r["case_id"]) if r["case_id"] is not None else None,
                conference_id=str(r["conference_id"]) if r["conference_id"] is not None else None,
                site=r["site"],
                region=r["region"],
            ),
            workflow_id=r["workflow_id"],
            step=r["step"],
            reason=AttentionReason(r["reason"]),
            error=r["error"],
            trace_id=r["trace_id"],
            waiting=r["waiting"],
            failing_since=r["failing_since"],
        ),
        raised_at=r["raised_at"],
        resolved_by=r["resolved_by"],
        decision=AttentionDecision(r["decision"]) if r["decision"] is not None else None,
        resolved_at=r["resolved_at"],
    )


class AttentionStore:
    def __init__(self, pool: asyncpg.Pool, notifications: Outbox | None = None) -> None:
        self._pool = pool
        #: An item newly raised is told to ops (services/supervision/notices.py).
        self._notifications = notifications

    async def raise_item(self, item: AttentionItem) -> tuple[str, bool]:
        """Record the item unless it was raised before: (its id, whether created now)."""
        subject = item.subject
        async with audit.transaction(self._pool) as conn:
            created = await conn.fetchval(
                "INSERT INTO supervision.attention (item_id, item_key, case_id, conference_id, workflow_id, step,"
                " reason, error, trace_id, site, region, waiting, failing_since)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                " ON CONFLICT (item_key) DO NOTHING RETURNING item_id",
                uuid.uuid4(),
                item.item_key,
                _uuid(subject.case_id),
                _uuid(subject.conference_id),
                item.workflow_id,
                item.step,
                item.reason.value,
                item.error,
                item.trace_id,
                subject.site,
                subject.region,
                item.waiting,
                item.failing_since,
            )
            if created is not None and self._notifications is not None:
                await notices.attention_raised(self._notifications, conn, str(created), item)
            if created is None:
                existing = await conn.fetchval(
                    "SELECT item_id FROM supervision.attention WHERE item_key = $1", item.item_key
                )
        if created is None:
            return str(existing), False
        if self._notifications is not None:
            self._notifications.wake()  # committed: deliver now
        return str(created), True

    async def get(self, item_id: str) -> AttentionRow | None:
        row = await self._pool.fetchrow("SELECT * FROM supervision.attention WHERE item_id = $1", uuid.UUID(item_id))
        return None if row is None else _row(row)

    async def resolve(self, item_id: str, by: str, decision: AttentionDecision) -> None:
        """Close the item with `decision` (the first decision stands)."""
        async with audit.transaction(self._pool) as conn:
            await conn.execute(
                "UPDATE supervision.attention SET resolved_by = $2, decision = $3, resolved_at = now()"
                " WHERE item_id = $1 AND resolved_at IS NULL",
                uuid.UUID(item_id),
                by,
                decision.value,
            )

    async def open_items(self, f: QueueFilter, limit: int) -> list[AttentionRow]:
        """Open items at `f`'s site and region, within its scope, oldest first (its tier,
        kind and resolved filters are the escalations')."""
        clauses = ["resolved_at IS NULL", "($1 = '' OR site = $1)", "($2 = '' OR region = $2)"]
        args: list[Any] = [f.site, f.region]
        if f.within.sites is not None:
            args.extend([sorted(f.within.sites), sorted(f.within.regions)])
            clauses.append(f"(site = ANY(${len(args) - 1}::text[]) OR region = ANY(${len(args)}::text[]))")
        args.append(limit)
        async with audit.transaction(self._pool) as conn:
            rows = await conn.fetch(
                f"SELECT * FROM supervision.attention WHERE {' AND '.join(clauses)}"
                f" ORDER BY raised_at, item_id LIMIT ${len(args)}",
                *args,
            )
        return [_row(r) for r in rows]
