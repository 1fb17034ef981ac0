"""Intake's data: cases (with their children's match digests) and reports in the `intake` schema."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import asyncpg

from kahu.v1 import common_pb2
from services.common import audit
from services.common.actions import ActionLog
from services.common.authz import Place, note_case
from services.common.caselookup import CaseScope
from services.intake import duplicates, further
from services.intake.matching import ReportKeys, Strength
from workflows.policy.model import JoinRule

SCHEMA = "intake"
MIGRATIONS = Path(__file__).parent / "migrations"
CLOSED = "CLOSED"


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
    triage_due_at: dt.datetime | None = None
    #: Where the case stands, as its workflows last recorded (services/intake/record.py).
    pathway: str | None = None
    timeframe: str | None = None
    deadline_kind: str | None = None
    due_at: dt.datetime | None = None
    breached: bool = False
    tier: int = 0
    assignee: str | None = None
    #: The order of "most urgent first": `due_at`, or the end of time when none runs.
    urgent_at: dt.datetime | None = None


@dataclass(frozen=True)
class Accepted:
    """The outcome of accepting a report: `replayed` when the key was seen before;
    `additional` when it went to an open case (`delivered` once that case's workflow has it)."""

    case: CaseRow
    report_id: str
    replayed: bool
    request_digest: bytes
    additional: bool = False
    delivered: bool = False


@dataclass(frozen=True)
class Undelivered:
    """A further report that its case's workflow does not have yet, as the outbox finds it."""

    key: str
    report: common_pb2.Report
    accepted: Accepted


def case_row(row: asyncpg.Record) -> CaseRow:
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
        triage_due_at=row["triage_due_at"],
        pathway=row["pathway"],
        timeframe=row["timeframe"],
        deadline_kind=row["deadline_kind"],
        due_at=row["due_at"],
        breached=row["breached"],
        tier=row["tier"],
        assignee=row["assignee"],
        urgent_at=row["urgent_at"],
    )


def _lock_id(digest: bytes) -> int:
    return int.from_bytes(digest[:8], "big", signed=True)


class IntakeStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.actions = ActionLog(pool, SCHEMA)
        self.duplicates = duplicates.DuplicateStore(pool)

    async def accept_report(
        self,
        *,
        idempotency_key: str,
        request_digest: bytes,
        report: bytes,
        reporter_agency: str,
        new_case: CaseRow,
        keys: ReportKeys,
        join: JoinRule = JoinRule.ALWAYS,
    ) -> Accepted:
        """Store a new report, on the open case one of its children certainly matches
        (services/intake/matching.py; the oldest) when `join` lets it join that case
        (services/intake/further.py), or on `new_case`: linked to that open case when it
        does not join it, flagged as a possible duplicate of the open cases it possibly
        matches; or return what the same key stored before. Reports about the same name are
        serialised, so two of them never open two cases."""
        async with audit.transaction(self._pool) as conn:
            if keys.locks:  # in one order everywhere, so two reports never wait on each other
                await conn.execute(
                    "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k",
                    sorted({_lock_id(lock) for lock in keys.locks}),
                )
            matched = await duplicates.candidates(conn, keys)
            open_case = None
            linked: tuple[str, str] | None = None  # the open case, and why the report does not join it
            if matched and matched[0].strength is Strength.CERTAIN:
                open_case = await conn.fetchrow(
                    "SELECT * FROM intake.cases WHERE case_id = $1", uuid.UUID(matched[0].case_id)
                )
                verdict = await self._further(conn, matched[0].case_id, report, join)
                if not verdict.joins:
                    linked, open_case = (matched[0].case_id, verdict.reason), None
            case = new_case if open_case is None else case_row(open_case)
            report_id = await conn.fetchval(
                "INSERT INTO intake.reports (report_id, case_id, idempotency_key, request_digest, report, additional,"
                " reporter_agency) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT (idempotency_key) DO NOTHING RETURNING report_id",
                uuid.uuid4(),
                uuid.UUID(case.case_id),
                idempotency_key,
                request_digest,
                report,
                open_case is not None,
                reporter_agency,
            )
            if report_id is None:  # the key was used before: a retry
                found = await self._by_key(conn, idempotency_key)
                assert found is not None
                note_case(found.case.case_id)
                return found
            note_case(case.case_id)
            if open_case is None:
                case = await self._insert_case(conn, new_case, list(keys.legacy))
                await duplicates.keep_keys(conn, case.case_id, keys)
                await duplicates.flag(
                    conn,
                    report_id=str(report_id),
                    case_id=case.case_id,
                    site=case.site,
                    region=case.region,
                    others=[c.case_id for c in matched if c.strength is Strength.POSSIBLE],
                    at=case.received_at,
                )
                if linked is not None:
                    await duplicates.link(
                        conn,
                        report_id=str(report_id),
                        case_id=case.case_id,
                        site=case.site,
                        region=case.region,
                        other=linked[0],
                        reason=linked[1],
                        at=case.received_at,
                    )
            else:
                await self._add_keys(conn, case.case_id, list(keys.legacy))
                await duplicates.keep_keys(conn, case.case_id, keys)
        return Accepted(
            case, str(report_id), replayed=False, request_digest=request_digest, additional=open_case is not None
        )

    async def _further(self, conn: asyncpg.Connection, case_id: str, report: bytes, join: JoinRule) -> further.Verdict:
        """Whether the report joins the open case, against the reports on it as stored."""
        if join is JoinRule.ALWAYS:
            return further.Verdict(True)
        rows = await conn.fetch("SELECT report FROM intake.reports WHERE case_id = $1", uuid.UUID(case_id))
        on_case = [common_pb2.Report.FromString(row["report"]) for row in rows]
        return further.decide(join, common_pb2.Report.FromString(report), on_case)

    async def _by_key(self, conn: asyncpg.Connection, key: str) -> Accepted | None:
        row = await conn.fetchrow(
            "SELECT r.report_id, r.request_digest, r.additional, r.delivered_at, c.* FROM intake.reports r"
            " JOIN intake.cases c USING (case_id) WHERE r.idempotency_key = $1",
            key,
        )
        if row is None:
            return None
        return Accepted(
            case_row(row),
            str(row["report_id"]),
            replayed=True,
            request_digest=bytes(row["request_digest"]),
            additional=row["additional"],
            delivered=row["delivered_at"] is not None,
        )

    async def _insert_case(self, conn: asyncpg.Connection, case: CaseRow, child_digests: list[bytes]) -> CaseRow:
        row = await conn.fetchrow(
            "INSERT INTO intake.cases (case_id, workflow_id, site, region, concerns, immediate_danger, child_count,"
            " child_keys, received_at, triage_due_at, timeframe, urgency_at_receipt, deadline_kind, due_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13) RETURNING *",
            uuid.UUID(case.case_id),
            case.workflow_id,
            case.site,
            case.region,
            case.concerns,
            case.immediate_danger,
            case.child_count,
            child_digests,
            case.received_at,
            case.triage_due_at,
            case.timeframe,
            case.deadline_kind,
            case.due_at,
        )
        return case_row(row)

    async def _add_keys(self, conn: asyncpg.Connection, case_id: str, digests: list[bytes]) -> None:
        """The case's children now include those of an added report."""
        await conn.execute(
            "UPDATE intake.cases SET child_keys = ARRAY(SELECT DISTINCT unnest(child_keys || $2::bytea[]))"
            " WHERE case_id = $1 AND NOT child_keys @> $2::bytea[]",
            uuid.UUID(case_id),
            digests,
        )

    async def mark_started(self, case_id: str) -> None:
        """The case's workflow is known started: the outbox is done with it."""
        await self._pool.execute(
            "UPDATE intake.cases SET workflow_started_at = now() WHERE case_id = $1 AND workflow_started_at IS NULL",
            uuid.UUID(case_id),
        )

    async def unstarted(self, before: dt.datetime, limit: int) -> list[tuple[CaseRow, common_pb2.Report]]:
        """Cases received before `before` whose workflow is not known started, oldest
        first, each with the report that opened it."""
        rows = await self._pool.fetch(
            "SELECT c.*, r.report FROM intake.cases c"
            " JOIN LATERAL (SELECT report FROM intake.reports WHERE case_id = c.case_id AND NOT additional"
            " ORDER BY received_at LIMIT 1) r ON true"
            " WHERE c.workflow_started_at IS NULL AND c.received_at < $1 ORDER BY c.received_at LIMIT $2",
            before,
            limit,
        )
        return [(case_row(row), common_pb2.Report.FromString(row["report"])) for row in rows]

    async def undelivered(self, before: dt.datetime, limit: int) -> list[Undelivered]:
        """Further reports received before `before` that their case's workflow does not have yet."""
        rows = await self._pool.fetch(
            "SELECT r.report_id, r.idempotency_key, r.request_digest, r.report, c.* FROM intake.reports r"
            " JOIN intake.cases c USING (case_id)"
            " WHERE r.additional AND r.delivered_at IS NULL AND r.received_at < $1 ORDER BY r.received_at LIMIT $2",
            before,
            limit,
        )
        return [
            Undelivered(
                key=row["idempotency_key"],
                report=common_pb2.Report.FromString(row["report"]),
                accepted=Accepted(
                    case_row(row),
                    str(row["report_id"]),
                    replayed=True,
                    request_digest=bytes(row["request_digest"]),
                    additional=True,
                ),
            )
            for row in rows
        ]

    async def mark_delivered(self, report_id: str) -> None:
        async with audit.transaction(self._pool) as conn:
            await conn.execute(
                "UPDATE intake.reports SET delivered_at = now() WHERE report_id = $1 AND delivered_at IS NULL",
                uuid.UUID(report_id),
            )

    async def move_to_new_case(self, accepted: Accepted, new_case: CaseRow, keys: ReportKeys) -> Accepted:
        """The report's case turned out closed: record that, and open `new_case` for the report."""
        async with audit.transaction(self._pool) as conn:
            await conn.execute(
                "UPDATE intake.cases SET stage = $2, stage_recorded_at = now() WHERE case_id = $1",
                uuid.UUID(accepted.case.case_id),
                CLOSED,
            )
            moved = await conn.fetchval(
                "UPDATE intake.reports SET case_id = $2, additional = false"
                " WHERE report_id = $1 AND additional RETURNING report_id",
                uuid.UUID(accepted.report_id),
                uuid.UUID(new_case.case_id),
            )
            if moved is None:  # a concurrent retry moved it first
                found = await self._by_report(conn, accepted.report_id)
                return replace(found, replayed=accepted.replayed)
            case = await self._insert_case(conn, new_case, list(keys.legacy))
            await duplicates.keep_keys(conn, case.case_id, keys)
            note_case(case.case_id)
        return replace(accepted, case=case, additional=False)

    async def _by_report(self, conn: asyncpg.Connection, report_id: str) -> Accepted:
        key = await conn.fetchval(
            "SELECT idempotency_key FROM intake.reports WHERE report_id = $1", uuid.UUID(report_id)
        )
        found = await self._by_key(conn, key)
        assert found is not None
        return found

    async def record_stage(self, case_id: str, stage: str) -> bool:
        """Set the case's recorded stage; False when no such case exists."""
        async with audit.transaction(self._pool) as conn:
            result = await conn.execute(
                "UPDATE intake.cases SET stage = $2, stage_recorded_at = now() WHERE case_id = $1",
                uuid.UUID(case_id),
                stage,
            )
        return str(result) != "UPDATE 0"

    # -- what the caller's scope is checked against (services/common/authz.py) ------------

    async def case_scope(self, case_id: str) -> CaseScope | None:
        """The case's place, its reporting agency (the one whose report opened it: a further
        report shows its agency nothing of the case it joined), concerns, social worker and
        triage pathway, in one read."""
        row = await self._pool.fetchrow(
            "SELECT c.site, c.region, c.concerns, c.assignee, c.pathway, ARRAY(SELECT DISTINCT r.reporter_agency"
            " FROM intake.reports r WHERE r.case_id = c.case_id AND NOT r.additional AND r.reporter_agency <> '')"
            " AS agencies"
            " FROM intake.cases c WHERE c.case_id = $1",
            uuid.UUID(case_id),
        )
        if row is None:
            return None
        return CaseScope(
            place=Place(row["site"], row["region"]),
            agencies=frozenset(row["agencies"]),
            concerns=frozenset(row["concerns"] or ()),
            social_worker=row["assignee"],
            pathway=f"PATHWAY_{row['pathway']}" if row["pathway"] else "",
        )
