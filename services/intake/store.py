"""Intake's data: cases and reports in the `intake` schema."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

SCHEMA = "intake"
MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    workflow_id: str
    site: str
    region: str
    stage: str
    concerns: list[str]
    immediate_danger: bool
    child_count: int
    received_at: dt.datetime


@dataclass(frozen=True)
class Accepted:
    """The outcome of accepting a report: `replayed` when the key was seen before."""

    case: CaseRow
    report_id: str
    replayed: bool
    request_digest: bytes


def _case(row: asyncpg.Record) -> CaseRow:
    return CaseRow(
        case_id=str(row["case_id"]),
        workflow_id=row["workflow_id"],
        site=row["site"],
        region=row["region"],
        stage=row["stage"],
        concerns=list(row["concerns"]),
        immediate_danger=row["immediate_danger"],
        child_count=row["child_count"],
        received_at=row["received_at"],
    )


class IntakeStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def accept_report(
        self,
        *,
        idempotency_key: str,
        request_digest: bytes,
        report: bytes,
        new_case: CaseRow,
    ) -> Accepted:
        """Store a new report and its case, or return what the same key stored before."""
        report_id = uuid.uuid4()
        async with self._pool.acquire() as conn, conn.transaction():
            inserted = await conn.fetchval(
                "INSERT INTO intake.reports (report_id, case_id, idempotency_key, request_digest, report)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING RETURNING report_id",
                report_id,
                uuid.UUID(new_case.case_id),
                idempotency_key,
                request_digest,
                report,
            )
            if inserted is not None:
                row = await conn.fetchrow(
                    "INSERT INTO intake.cases (case_id, workflow_id, site, region, concerns, immediate_danger,"
                    " child_count) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
                    uuid.UUID(new_case.case_id),
                    new_case.workflow_id,
                    new_case.site,
                    new_case.region,
                    new_case.concerns,
                    new_case.immediate_danger,
                    new_case.child_count,
                )
                return Accepted(_case(row), str(report_id), replayed=False, request_digest=request_digest)
            row = await conn.fetchrow(
                "SELECT r.report_id, r.request_digest, c.* FROM intake.reports r"
                " JOIN intake.cases c USING (case_id) WHERE r.idempotency_key = $1",
                idempotency_key,
            )
        return Accepted(_case(row), str(row["report_id"]), replayed=True, request_digest=bytes(row["request_digest"]))

    async def get_case(self, case_id: str) -> CaseRow | None:
        row = await self._pool.fetchrow("SELECT * FROM intake.cases WHERE case_id = $1", uuid.UUID(case_id))
        return None if row is None else _case(row)

    async def record_stage(self, case_id: str, stage: str) -> bool:
        """Set the case's recorded stage; False when no such case exists."""
        result = await self._pool.execute(
            "UPDATE intake.cases SET stage = $2, stage_recorded_at = now() WHERE case_id = $1",
            uuid.UUID(case_id),
            stage,
        )
        return str(result) != "UPDATE 0"
