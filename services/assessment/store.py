"""Assessment's data in the `assessment` schema: findings and staff actions."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from services.common import audit
from services.common.actions import ActionLog, WrittenWithAction

SCHEMA = "assessment"
MIGRATIONS = Path(__file__).parent / "migrations"
_FINDINGS = uuid.UUID("6b1d3f0e-53c1-4d7a-9a52-0f8a3c2e9b41")


@dataclass(frozen=True)
class FindingsRow:
    findings_id: str
    recorded_by: str
    summary: str
    recorded_at: dt.datetime


def findings_id(case_id: str, key: str) -> str:
    """The id of the findings recorded with `key`: the same for every retry."""
    return str(uuid.uuid5(_FINDINGS, f"{case_id}/{key}"))


class AssessmentStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.actions = ActionLog(pool, SCHEMA)

    @staticmethod
    def add_findings(key: str, case_id: str, recorded_by: str, summary: str) -> WrittenWithAction:
        """Stores the findings text within the action's own transaction."""

        async def add(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "INSERT INTO assessment.findings (findings_id, idempotency_key, case_id, recorded_by, summary)"
                " VALUES ($1, $2, $3, $4, $5)",
                uuid.UUID(findings_id(case_id, key)),
                key,
                uuid.UUID(case_id),
                recorded_by,
                summary,
            )

        return add

    async def findings(self, case_id: str) -> list[FindingsRow]:
        """The case's findings that the workflow accepted, oldest first."""
        async with audit.transaction(self._pool) as conn:
            rows = await conn.fetch(
                "SELECT f.findings_id, f.recorded_by, f.summary, f.recorded_at FROM assessment.findings f"
                " JOIN assessment.actions a USING (idempotency_key)"
                " WHERE f.case_id = $1 AND a.response IS NOT NULL ORDER BY f.recorded_at, f.findings_id",
                uuid.UUID(case_id),
            )
        return [FindingsRow(str(r["findings_id"]), r["recorded_by"], r["summary"], r["recorded_at"]) for r in rows]
