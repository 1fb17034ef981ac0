"""Triage's data in the `triage` schema: proposals, Police notifications, staff actions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from services.common import audit
from services.common.actions import ActionLog

SCHEMA = "triage"
MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Notification:
    notification_id: str
    already_sent: bool


class TriageStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.actions = ActionLog(pool, SCHEMA)

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

    async def notify_police(self, case_id: str, reason: str) -> Notification:
        """Record the case's Police notification once; later calls find the first one."""
        async with audit.transaction(self._pool) as conn:
            created = await conn.fetchval(
                "INSERT INTO triage.police_notifications (notification_id, case_id, reason) VALUES ($1, $2, $3)"
                " ON CONFLICT (case_id) DO NOTHING RETURNING notification_id",
                uuid.uuid4(),
                uuid.UUID(case_id),
                reason,
            )
            if created is not None:
                return Notification(str(created), already_sent=False)
            existing = await conn.fetchval(
                "SELECT notification_id FROM triage.police_notifications WHERE case_id = $1", uuid.UUID(case_id)
            )
        return Notification(str(existing), already_sent=True)
