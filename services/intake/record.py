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
from workflows.case.model import Stage, TimelineEntry, assessment_workflow_id, placement_workflow_id


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
class ChildClock:
    """The clock of the case's assessment or placement search, from that workflow's batch."""

    kind: str
    due_at: dt.datetime | None
    breached: bool
    tier: int
    #: The serialized kahu.v1.DeadlineStatus.
    message: bytes


@dataclass(frozen=True)
class Recording:
    """What one RecordCaseEvents call records."""

    case_id: str
    workflow_id: str
    events: list[Event]
    standing: Standing | None = None
    assessment: AssessmentPart | None = None
    child_clock: ChildClock | None = None


def _child_of_stage(case_id: str, stage: str) -> str | None:
    """The child workflow whose clock the case shows in `stage`, if any."""
    if stage in (Stage.ASSESSMENT, Stage.INVESTIGATION):
        return assessment_workflow_id(case_id)
    if stage == Stage.PLACEMENT:
        return placement_workflow_id(case_id)
    return None


def _stages_of_child(case_id: str, workflow_id: str) -> list[str]:
    """The stages in which the case shows the clock of its child `workflow_id`."""
    return [s.value for s in Stage if _child_of_stage(case_id, s.value) == workflow_id]


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
    #: The child's clock (a serialized kahu.v1.DeadlineStatus) when the case shows it.
    child_clock: bytes | None
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
                # In a child's stage the deadline is the child's, as its own batches last sent it.
                await conn.execute(
                    "UPDATE intake.cases SET standing_version = $2, stage = $3, stage_recorded_at = now(),"
                    " pathway = $4, timeframe = COALESCE($5, $12, urgency_at_receipt), outcome = $6,"
                    " deadline_kind = CASE WHEN child_clock_workflow = $13 THEN child_deadline_kind ELSE $7 END,"
                    " due_at = CASE WHEN child_clock_workflow = $13 THEN child_due_at ELSE $8 END,"
                    " breached = CASE WHEN child_clock_workflow = $13 THEN child_breached ELSE $9 END,"
                    " tier = CASE WHEN child_clock_workflow = $13 THEN child_tier ELSE $10 END, standing = $11"
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
                    _child_of_stage(r.case_id, s.stage),
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
            if r.child_clock is not None:
                c = r.child_clock
                await conn.execute(
                    "UPDATE intake.cases SET child_clock_workflow = $2, child_deadline_kind = $3, child_due_at = $4,"
                    " child_breached = $5, child_tier = $6, child_clock = $7,"
                    " deadline_kind = CASE WHEN stage = ANY($8::text[]) THEN $3 ELSE deadline_kind END,"
                    " due_at = CASE WHEN stage = ANY($8::text[]) THEN $4 ELSE due_at END,"
                    " breached = CASE WHEN stage = ANY($8::text[]) THEN $5 ELSE breached END,"
                    " tier = CASE WHEN stage = ANY($8::text[]) THEN $6 ELSE tier END"
                    " WHERE case_id = $1",
                    case_id,
                    r.workflow_id,
                    c.kind,
                    c.due_at,
                    c.breached,
                    c.tier,
                    c.message,
                    _stages_of_child(r.case_id, r.workflow_id),
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
            child_clock=row["child_clock"]
            if row["child_clock_workflow"] is not None
            and row["child_clock_workflow"] == _child_of_stage(case_id, row["stage"])
            else None,
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
