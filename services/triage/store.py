"""Triage's data in the `triage` schema: proposals, Police notifications (and their
deliveries, `triage.notifications`), staff actions."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from services.common import audit
from services.common.actions import ActionLog
from services.common.authz import Place
from services.common.notifications import messages
from services.common.notifications.outbox import Outbox
from workflows.case.model import workflow_id

SCHEMA = "triage"
MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Notification:
    notification_id: str
    already_sent: bool


class TriageStore:
    def __init__(self, pool: asyncpg.Pool, notifications: Outbox) -> None:
        self._pool = pool
        self.actions = ActionLog(pool, SCHEMA)
        #: Deliveries of the Police notifications (services/common/notifications).
        self.notifications = notifications

    async def keep_proposal(self, case_id: str, proposal: bytes, policy_version: int) -> bytes:
        """Store the case's proposal unless it has one; return the one stored."""
        async with audit.transaction(self._pool) as conn:
            stored = await conn.fetchval(
                "INSERT INTO triage.proposals (case_id, proposal, policy_version) VALUES ($1, $2, $3)"
                " ON CONFLICT (case_id) DO NOTHING RETURNING proposal",
                uuid.UUID(case_id),
                proposal,
                policy_version,
            )
            if stored is None:
                stored = await conn.fetchval(
                    "SELECT proposal FROM triage.proposals WHERE case_id = $1", uuid.UUID(case_id)
                )
        return bytes(stored)

    async def proposal(self, case_id: str) -> bytes | None:
        async with audit.transaction(self._pool) as conn:
            stored = await conn.fetchval("SELECT proposal FROM triage.proposals WHERE case_id = $1", uuid.UUID(case_id))
        return None if stored is None else bytes(stored)

    async def notify_police(self, case_id: str, reason: str, place: Place | None) -> Notification:
        """Record the case's Police notification once, with its delivery to the Police
        channel in the same transaction (then woken: at once); later calls find the first."""
        async with audit.transaction(self._pool) as conn:
            created = await conn.fetchrow(
                "INSERT INTO triage.police_notifications (notification_id, case_id, reason) VALUES ($1, $2, $3)"
                " ON CONFLICT (case_id) DO NOTHING RETURNING notification_id, recorded_at",
                uuid.uuid4(),
                uuid.UUID(case_id),
                reason,
            )
            if created is not None:
                await self._deliver_police(conn, str(created["notification_id"]), case_id, reason, place, created)
            else:
                existing = await conn.fetchval(
                    "SELECT notification_id FROM triage.police_notifications WHERE case_id = $1", uuid.UUID(case_id)
                )
        if created is None:
            return Notification(str(existing), already_sent=True)
        self.notifications.wake()
        return Notification(str(created["notification_id"]), already_sent=False)

    async def _deliver_police(
        self, conn: asyncpg.Connection, notification_id: str, case_id: str, reason: str, place: Place | None, row: Any
    ) -> None:
        outbox, case_workflow = self.notifications, workflow_id(case_id)
        recorded_at: dt.datetime = row["recorded_at"]
        payload = messages.police(  # what the Police channel carries (README: Notifications)
            notification_id=notification_id,
            case_id=case_id,
            site=place.site if place else "",
            region=place.region if place else "",
            reason=reason,
            recorded_at=recorded_at,
            link=outbox.routing.link_to(case_workflow),
        )
        police = outbox.of(
            messages.POLICE,
            notification_id,
            outbox.routing.police,
            case_id=case_id,
            conference_id=None,
            payload=payload,
        )
        await outbox.enqueue(conn, police, case_workflow)
