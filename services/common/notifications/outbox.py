"""A service's notifications outbox, `<schema>.notifications`, and the loop that delivers it.

A producer writes its notifications with `enqueue` in the transaction that records what
they tell of (so one is never lost, nor sent for something not kept), then calls `wake`:
the loop (`run`, the outbox loop of services/common/outbox.py) delivers what is due at
once. Each row is claimed for a lease before its try (so replicas do not try it together,
and a try cut short by a crash is tried again when the lease ends), and the try's outcome
is written as an audited call of the service's workload identity: DELIVERED, or PENDING
again after a backoff, or FAILED after the routing file's `delivery.attempts` tries. A
failed row is put before a person (`on_failed`: a "needs attention" item) until that
succeeds, except a notification of an attention item itself, which would only fail again
on the same channel: that is logged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import asyncpg

from services.common import audit
from services.common.audit import Auditor
from services.common.authz import background_call, note_case
from services.common.notifications import messages
from services.common.notifications.messages import Notification
from services.common.notifications.routing import Routing
from services.common.notifications.senders import NotDelivered, send
from services.common.outbox import BATCH, run_outbox
from workflows.case.model import AttentionItem, AttentionReason, Subject

log = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED = "PENDING", "DELIVERED", "FAILED"
#: How long a claimed row is left to its try before another round may take it.
LEASE = dt.timedelta(seconds=120)
#: Tries in flight at once.
CONCURRENCY = 8
#: The step a "needs attention" item for a failed delivery names.
DELIVERY_STEP = "deliver_notification"


@dataclass(frozen=True)
class Row:
    """A notification as stored, with where its delivery stands."""

    notification: Notification
    workflow_id: str
    status: str
    attempts: int
    last_error: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    failed_at: dt.datetime | None
    next_attempt_at: dt.datetime

    @property
    def subject_id(self) -> str:
        n = self.notification
        return n.case_id or n.conference_id or ""


OnFailed = Callable[[Row], Awaitable[None]]


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _row(r: asyncpg.Record) -> Row:
    payload = r["payload"]
    return Row(
        notification=Notification(
            key=r["notification_key"],
            kind=r["kind"],
            channel=r["channel"],
            case_id=str(r["case_id"]) if r["case_id"] is not None else None,
            conference_id=str(r["conference_id"]) if r["conference_id"] is not None else None,
            payload=json.loads(payload) if isinstance(payload, str) else dict(payload),
        ),
        workflow_id=r["workflow_id"],
        status=r["status"],
        attempts=r["attempts"],
        last_error=r["last_error"],
        created_at=r["created_at"],
        delivered_at=r["delivered_at"],
        failed_at=r["failed_at"],
        next_attempt_at=r["next_attempt_at"],
    )


def failure_item(row: Row) -> AttentionItem:
    """The "needs attention" item of a delivery that failed for good: one per notification
    (its key), about its case or conference, waited on by no workflow."""
    n, p = row.notification, row.notification.payload
    return AttentionItem(
        item_key=f"notification:{n.key}",
        subject=Subject(n.case_id, n.conference_id, p["site"], p["region"]),
        workflow_id=row.workflow_id,
        step=DELIVERY_STEP,
        reason=AttentionReason.STILL_FAILING,
        error=f"the {n.kind} notification on channel {n.channel} failed after {row.attempts} tries: {row.last_error}",
        trace_id="",
        waiting=False,
        failing_since=row.created_at,
    )


class Outbox:
    """The notifications of one service's schema: written by its producers, delivered by `run`."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        routing: Routing,
        *,
        service: str,
        auditor: Auditor,
        on_failed: OnFailed | None = None,
    ) -> None:
        self._pool = pool
        self._table = f"{schema}.notifications"
        self.routing = routing
        self._service = service
        self._auditor = auditor
        self._action = f"kahu.{service}/Notify"
        self.on_failed = on_failed
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(CONCURRENCY)

    # -- producers ---------------------------------------------------------------------

    def of(
        self,
        kind: str,
        fact_id: str,
        channels: Sequence[str],
        *,
        case_id: str | None,
        conference_id: str | None,
        payload: dict[str, object],
    ) -> list[Notification]:
        """One notification of `fact_id` per channel, each keyed `<kind>:<fact id>:<channel>`."""
        return [
            Notification(f"{kind}:{fact_id}:{channel}", kind, channel, case_id, conference_id, payload)
            for channel in channels
        ]

    async def enqueue(self, conn: asyncpg.Connection, notifications: Sequence[Notification], workflow_id: str) -> None:
        """Store `notifications` within `conn`'s transaction (a key stored before is kept as it is)."""
        for n in notifications:
            await conn.execute(
                f"INSERT INTO {self._table} (notification_key, kind, channel, case_id, conference_id, workflow_id,"
                " payload) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT (notification_key) DO NOTHING",
                n.key,
                n.kind,
                n.channel,
                _uuid(n.case_id),
                _uuid(n.conference_id),
                workflow_id,
                json.dumps(n.payload, sort_keys=True),
            )

    def wake(self) -> None:
        """Deliver what is due now rather than at the next round."""
        self._wake.set()

    # -- the record --------------------------------------------------------------------

    async def of_subject(self, *, case_id: str | None = None, conference_id: str | None = None) -> list[Row]:
        """A case's (or conference's) notifications and where each stands, oldest first
        (read within the caller's audited transaction)."""
        column, value = ("case_id", case_id) if case_id else ("conference_id", conference_id)
        async with audit.transaction(self._pool) as conn:
            rows = await conn.fetch(
                f"SELECT * FROM {self._table} WHERE {column} = $1 ORDER BY created_at, notification_key",
                _uuid(value),
            )
        return [_row(r) for r in rows]

    # -- delivery ----------------------------------------------------------------------

    async def run(self) -> None:
        interval = max(0.1, min(2.0, self.routing.delivery.first_retry))
        await run_outbox(
            f"{self._service} notifications",
            self.drain,
            interval=interval,
            grace=dt.timedelta(0),
            wake=self._wake,
            finished_what="delivered",
        )

    async def drain(self, now: dt.datetime) -> int:
        """One round: try every row due by `now`, then put the failed ones before a person."""
        rows = await self._claim(now)
        outcomes = await asyncio.gather(*(self._try(row) for row in rows), return_exceptions=True)
        for outcome in outcomes:  # an outcome not written: the row is tried again when its lease ends
            if isinstance(outcome, BaseException):
                log.warning("notifications: a try's outcome was not recorded (%s)", type(outcome).__name__)
        delivered = sum(1 for outcome in outcomes if outcome is True)
        if self.on_failed is not None:
            await self._tell_failed()
        return delivered

    async def _claim(self, now: dt.datetime) -> list[Row]:
        rows = await self._pool.fetch(
            f"UPDATE {self._table} SET next_attempt_at = $2 + $3::interval WHERE notification_key IN ("
            f" SELECT notification_key FROM {self._table} WHERE status = 'PENDING' AND next_attempt_at <= $2"
            "  ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING *",
            BATCH,
            now,
            LEASE,
        )
        return [_row(r) for r in rows]

    async def _try(self, row: Row) -> bool:
        n = row.notification
        channel = self.routing.channels.get(n.channel)
        error = ""
        async with self._slots:
            if channel is None:
                error = f"the routing file ({self.routing.source}) has no channel {n.channel}"
            else:
                try:
                    await send(channel, n, timeout=self.routing.delivery.timeout)
                except NotDelivered as failure:
                    error = str(failure)
        delivery = self.routing.delivery
        tries = row.attempts + 1
        status = DELIVERED if not error else FAILED if tries >= delivery.attempts else PENDING
        with background_call(self._service, self._action, self._auditor):
            note_case(row.subject_id)
            async with audit.transaction(self._pool, result=status) as conn:
                await conn.execute(
                    f"UPDATE {self._table} SET status = $2, attempts = $3, last_error = $4,"
                    " next_attempt_at = now() + $5::interval,"
                    " delivered_at = CASE WHEN $2 = 'DELIVERED' THEN now() END,"
                    " failed_at = CASE WHEN $2 = 'FAILED' THEN now() END"
                    " WHERE notification_key = $1 AND status = 'PENDING'",
                    n.key,
                    status,
                    tries,
                    error,
                    dt.timedelta(seconds=delivery.retry_after(tries)),
                )
        if status == DELIVERED:
            return True
        if status == FAILED:
            log.error("notification %s on %s failed after %d tries: %s", n.key, n.channel, tries, error)
            if n.kind == messages.ATTENTION:
                log.error("notification %s was about a step that needs attention: it stays on the queue", n.key)
        else:
            log.warning("notification %s on %s: try %d failed: %s", n.key, n.channel, tries, error)
        return False

    async def _tell_failed(self) -> None:
        assert self.on_failed is not None
        rows = await self._pool.fetch(
            f"SELECT * FROM {self._table} WHERE status = 'FAILED' AND told_at IS NULL AND kind <> $1"
            " ORDER BY failed_at LIMIT $2",
            messages.ATTENTION,
            BATCH,
        )
        for record in rows:
            row = _row(record)
            with background_call(self._service, self._action, self._auditor):
                note_case(row.subject_id)
                try:
                    await self.on_failed(row)
                except Exception as error:
                    key, problem = row.notification.key, type(error).__name__
                    log.warning("notification %s: its failure is not told yet (%s)", key, problem)
                    continue
            await self._pool.execute(
                f"UPDATE {self._table} SET told_at = now() WHERE notification_key = $1", row.notification.key
            )
