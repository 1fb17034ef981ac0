"""Assessment's data in the `assessment` schema: findings, staff actions, and the assessment's
part of its case's record (where it stands and its workflow's events)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from services.common import audit, events
from services.common.actions import ActionLog, WrittenWithAction
from services.common.authz import Place
from services.common.events import Event
from workflows.case.model import TimelineEntry

SCHEMA = "assessment"
MIGRATIONS = Path(__file__).parent / "migrations"
_FINDINGS = uuid.UUID("6b1d3f0e-53c1-4d7a-9a52-0f8a3c2e9b41")


@dataclass(frozen=True)
class FindingsRow:
    findings_id: str
    recorded_by: str
    summary: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class Recording:
    """What one RecordAssessment call records."""

    case_id: str
    place: Place
    events: list[Event]
    version: int = 0
    social_worker: str | None = None
    standing: bytes | None = None


@dataclass(frozen=True)
class AssessmentRecord:
    """The assessment as PostgreSQL holds it: where it stands (a serialized
    kahu.v1.AssessmentStanding; None before its workflow said) and its events, oldest first."""

    place: Place
    social_worker: str | None
    standing: bytes | None
    events: list[TimelineEntry]


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

    async def record(self, r: Recording) -> int:
        """Record the events not recorded before and a newer standing; the number of events new."""
        case_id = uuid.UUID(r.case_id)
        async with audit.transaction(self._pool) as conn:
            await conn.execute(
                "INSERT INTO assessment.assessments (case_id, site, region) VALUES ($1, $2, $3)"
                " ON CONFLICT (case_id) DO NOTHING",
                case_id,
                r.place.site,
                r.place.region,
            )
            new = await events.insert(conn, "assessment.assessment_events", "case_id", case_id, r.events)
            if r.standing is not None:
                await conn.execute(
                    "UPDATE assessment.assessments SET version = $2, social_worker = $3, standing = $4,"
                    " recorded_at = now() WHERE case_id = $1 AND version < $2",
                    case_id,
                    r.version,
                    r.social_worker,
                    r.standing,
                )
        return new

    async def assessment(self, case_id: str) -> AssessmentRecord | None:
        """The case's assessment as recorded; None when its workflow has recorded nothing."""
        key = uuid.UUID(case_id)
        async with audit.transaction(self._pool) as conn:
            row = await conn.fetchrow("SELECT * FROM assessment.assessments WHERE case_id = $1", key)
            if row is None:
                return None
            found = await events.read(conn, "assessment.assessment_events", "case_id", key)
        return AssessmentRecord(Place(row["site"], row["region"]), row["social_worker"], row["standing"], found)

    async def place(self, case_id: str) -> tuple[Place, str | None] | None:
        """The recorded assessment's place and social worker (None before it recorded anything)."""
        row = await self._pool.fetchrow(
            "SELECT site, region, social_worker FROM assessment.assessments WHERE case_id = $1", uuid.UUID(case_id)
        )
        return None if row is None else (Place(row["site"], row["region"]), row["social_worker"])
