"""The case's record in the `intake` schema (PostgreSQL is the system of record; Temporal
orchestrates): every event of each of the case's workflows in `case_events`, exactly once per
event id and never changed, and where the case stands on its `cases` row (the case
workflow's part and its assessment's, each replaced only by a newer version). GetCase reads
it all back, with the reports, without Temporal."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import asyncpg

from kahu.v1 import common_pb2
from services.common import audit
from services.common.events import Event
from services.intake import listing
from services.intake.store import CaseRow, case_row
from workflows.case.model import TimelineEntry


@dataclass(frozen=True)
class Standing:
    """The case workflow's part: the columns ListCases filters on, and the serialized
    kahu.v1.CaseStanding GetCase answers with."""

    version: int
    stage: str
    pathway: str | None
    timeframe: str | None
    #: Before a decision: the urgency the facts of all the case's reports give it.
    urgency: str | None
    outcome: str | None
    deadline_kind: str | None
    due_at: dt.datetime | None
    breached: bool
    tier: int
    message: bytes


@dataclass(frozen=True)
class AssessmentPart:
    """The assessment workflow's part: its social worker, and the serialized
    kahu.v1.AssessmentStanding."""

    version: int
    assignee: str | None
    message: bytes


@dataclass(frozen=True)
class Recording:
    """What one RecordCaseEvents call records."""

    case_id: str
    workflow_id: str
    events: list[Event]
    standing: Standing | None = None
    assessment: AssessmentPart | None = None


@dataclass(frozen=True)
class RecordedEvent:
    workflow_id: str
    seq: int
    entry: TimelineEntry


@dataclass(frozen=True)
class ReportRow:
    report_id: str
    received_at: dt.datetime
    additional: bool
    report: common_pb2.Report


@dataclass(frozen=True)
class CaseRecord:
    """A case as PostgreSQL holds it: its row (with where it stands), every event of its
    workflows (oldest first) and its reports (oldest first)."""

    case: CaseRow
    standing: bytes | None
    assessment: bytes | None
    events: list[RecordedEvent]
    reports: list[ReportRow]


class RecordStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record(self, r: Recording) -> int | None:
        """Record the events not recorded before and the newer parts of where the case
        stands; the number of events new; None when there is no such case."""
        case_id = uuid.UUID(r.case_id)
        async with audit.transaction(self._pool) as conn:
            if await conn.fetchval("SELECT 1 FROM intake.cases WHERE case_id = $1", case_id) is None:
                return None
            status = await conn.execute(
                "INSERT INTO intake.case_events (event_id, case_id, workflow_id, seq, at, actor, action, detail)"
                " SELECT e.event_id, $1, $2, e.seq, e.at, e.actor, e.action, e.detail"
                " FROM unnest($3::text[], $4::integer[], $5::timestamptz[], $6::text[], $7::text[], $8::text[])"
                " AS e(event_id, seq, at, actor, action, detail)"
                " ON CONFLICT (event_id) DO NOTHING",
                case_id,
                r.workflow_id,
                [e.event_id for e in r.events],
                [e.seq for e in r.events],
                [e.entry.at for e in r.events],
                [e.entry.actor for e in r.events],
                [e.entry.action for e in r.events],
                [e.entry.detail for e in r.events],
            )
            if r.standing is not None:
                s = r.standing
                await conn.execute(
                    "UPDATE intake.cases SET standing_version = $2, stage = $3, stage_recorded_at = now(),"
                    " pathway = $4, timeframe = COALESCE($5, $12, urgency_at_receipt), outcome = $6,"
                    " deadline_kind = $7, due_at = $8, breached = $9, tier = $10, standing = $11"
                    " WHERE case_id = $1 AND standing_version < $2",
                    case_id,
                    s.version,
                    s.stage,
                    s.pathway,
                    s.timeframe,
                    s.outcome,
                    s.deadline_kind,
                    s.due_at,
                    s.breached,
                    s.tier,
                    s.message,
                    s.urgency,
                )
            if r.assessment is not None:
                a = r.assessment
                await conn.execute(
                    "UPDATE intake.cases SET assessment_version = $2, assignee = $3, assessment = $4"
                    " WHERE case_id = $1 AND assessment_version < $2",
                    case_id,
                    a.version,
                    a.assignee,
                    a.message,
                )
        return int(str(status).rsplit(" ", 1)[-1])

    async def case_record(self, case_id: str) -> CaseRecord | None:
        """The case's record; None when there is no such case."""
        key = uuid.UUID(case_id)
        async with audit.transaction(self._pool) as conn:
            row = await conn.fetchrow("SELECT * FROM intake.cases WHERE case_id = $1", key)
            if row is None:
                return None
            events = await conn.fetch(
                "SELECT workflow_id, seq, at, actor, action, detail FROM intake.case_events WHERE case_id = $1"
                " ORDER BY at, workflow_id, seq",
                key,
            )
            reports = await conn.fetch(
                "SELECT report_id, received_at, additional, report FROM intake.reports WHERE case_id = $1"
                " ORDER BY received_at, report_id",
                key,
            )
        return CaseRecord(
            case=case_row(row),
            standing=row["standing"],
            assessment=row["assessment"],
            events=[
                RecordedEvent(e["workflow_id"], e["seq"], TimelineEntry(e["at"], e["actor"], e["action"], e["detail"]))
                for e in events
            ],
            reports=[
                ReportRow(
                    str(r["report_id"]), r["received_at"], r["additional"], common_pb2.Report.FromString(r["report"])
                )
                for r in reports
            ],
        )

    async def assignee(self, case_id: str) -> str | None:
        """The social worker the case's assessment is allocated to, as its workflow last said."""
        found: str | None = await self._pool.fetchval(
            "SELECT assignee FROM intake.cases WHERE case_id = $1", uuid.UUID(case_id)
        )
        return found

    async def list_cases(self, page: listing.Listing, now: dt.datetime) -> list[CaseRow]:
        """The cases of a page of a listing, and the first of the next page if any."""
        sql, args = listing.cases_sql(page, now)
        async with audit.transaction(self._pool) as conn:
            rows = await conn.fetch(sql, *args)
        return [case_row(row) for row in rows]
