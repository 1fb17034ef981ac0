"""Conferences in the `conference` schema: the conference rows (each a trigger's own
idempotency record), their participants, the plan and the referral back, escalations, and
the staff actions log."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from services.common import audit, events
from services.common.actions import ActionLog, WrittenWithAction
from services.common.authz import Restriction
from services.common.errors import FailedPrecondition, NotFound
from services.conference.ids import derived_id, participant_calendar, staff_calendar
from services.conference.records import (
    ConferenceRow,
    ConsultationRow,
    EscalationRow,
    ParticipantRow,
    PlanRow,
    Scheduling,
    Trigger,
    WorkflowRecord,
    WorkflowRecording,
)
from services.conference.validation import (
    EscalationPosition,
    NewConference,
    NewConsultation,
    NewParticipant,
    Opening,
)
from workflows.conference.model import (
    ConferenceDeadline,
    ConferenceEscalation,
    ConferenceEscalationLevel,
    InvitationResponse,
    NoAgreementRoute,
    ParticipantRole,
    conference_workflow_id,
)
from workflows.policy.model import ConferenceHours, TriggerKind

SCHEMA = "conference"
MIGRATIONS = Path(__file__).parent / "migrations"


def _scheduling_values(s: Scheduling) -> tuple[Any, ...]:
    return (
        s.minimum_notice,
        s.length,
        s.granularity,
        s.hours.weekdays,
        s.hours.start_minute,
        s.hours.end_minute,
        s.hours.public_holidays,
    )


def _conference(r: asyncpg.Record) -> ConferenceRow:
    return ConferenceRow(
        conference_id=str(r["conference_id"]),
        workflow_id=r["workflow_id"],
        case_id=str(r["case_id"]) if r["case_id"] else None,
        site=r["site"],
        region=r["region"],
        trigger=Trigger(
            kind=TriggerKind(r["trigger_kind"]),
            triggered_at=r["triggered_at"],
            detained=r["detained"],
            offence_max_years=r["offence_max_years"],
            reference=r["reference"],
            court_convene_by=r["court_convene_by"],
            court_report_by=r["court_report_by"],
        ),
        coordinator_id=r["coordinator_id"],
        manager_id=r["manager_id"],
        convening_due=r["convening_due"],
        request_digest=bytes(r["request_digest"]) if r["request_digest"] is not None else None,
        scheduling=Scheduling(
            minimum_notice=r["minimum_notice"],
            length=r["slot_length"],
            granularity=r["slot_granularity"],
            hours=ConferenceHours(
                weekdays=list(r["hours_weekdays"]),
                start_minute=r["hours_start"],
                end_minute=r["hours_end"],
                public_holidays=r["public_holidays"],
            ),
        ),
        started_by_agency=r["started_by_agency"],
    )


def _escalation(r: asyncpg.Record) -> EscalationRow:
    return EscalationRow(
        escalation_id=str(r["escalation_id"]),
        escalation=ConferenceEscalation(
            conference_id=str(r["conference_id"]),
            workflow_id=r["workflow_id"],
            deadline=ConferenceDeadline(r["deadline"]),
            level=ConferenceEscalationLevel(r["level"]),
            round=r["round"],
            due_at=r["due_at"],
            site=r["site"],
            region=r["region"],
            coordinator_id=r["coordinator_id"],
            manager_id=r["manager_id"],
        ),
        raised_at=r["raised_at"],
        resolved=r["resolved_at"] is not None,
    )


_CONFERENCE = (
    "SELECT f.*, c.manager_id FROM conference.conferences f JOIN conference.coordinators c"
    " ON c.staff_id = f.coordinator_id"
)


class ConferenceStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.actions = ActionLog(pool, SCHEMA)

    # -- conferences ----------------------------------------------------------------------

    async def _coordinator(self, conn: asyncpg.Connection, site: str, chosen: str | None) -> str:
        if chosen is not None:
            found = await conn.fetchval(
                "SELECT staff_id FROM conference.coordinators WHERE staff_id = $1 AND site = $2", chosen, site
            )
            if found is None:
                raise FailedPrecondition(f"{chosen} is not a youth justice coordinator registered at {site}")
            return str(found)
        least_busy = await conn.fetchval(
            "SELECT c.staff_id FROM conference.coordinators c"
            " LEFT JOIN conference.conferences f ON f.coordinator_id = c.staff_id AND f.closed_at IS NULL"
            " WHERE c.site = $1 GROUP BY c.staff_id ORDER BY count(f.conference_id), c.staff_id LIMIT 1",
            site,
        )
        if least_busy is None:
            raise FailedPrecondition(f"no youth justice coordinator is registered at {site}")
        return str(least_busy)

    async def start(
        self,
        *,
        key: str,
        digest: bytes,
        conference_id: str,
        conference: NewConference,
        agency: str,
        scheduling: Scheduling,
    ) -> tuple[ConferenceRow, bool]:
        """Store a triggered conference with its participants, or find the one `key` stored
        before: (the conference, whether it was stored before)."""
        site, trigger = conference.site, conference.trigger
        async with audit.transaction(self._pool) as conn:
            before = await conn.fetchrow(_CONFERENCE + " WHERE f.idempotency_key = $1", key)
            if before is not None:
                return _conference(before), True
            inserted = await conn.fetchval(
                "INSERT INTO conference.conferences (conference_id, workflow_id, idempotency_key, request_digest,"
                " site, region, trigger_kind, triggered_at, detained, offence_max_years, reference, coordinator_id,"
                " started_by_agency, minimum_notice, slot_length, slot_granularity, hours_weekdays, hours_start,"
                " hours_end, public_holidays, court_convene_by, court_report_by)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,"
                " $21, $22) ON CONFLICT (idempotency_key) DO NOTHING RETURNING conference_id",
                uuid.UUID(conference_id),
                conference_workflow_id(conference_id),
                key,
                digest,
                site.code,
                site.region,
                trigger.kind.value,
                trigger.triggered_at,
                trigger.detained,
                trigger.offence_max_years,
                trigger.reference,
                await self._coordinator(conn, site.code, conference.coordinator_id),
                agency,
                *_scheduling_values(scheduling),
                trigger.court_convene_by,
                trigger.court_report_by,
            )
            if inserted is None:
                row = await conn.fetchrow(_CONFERENCE + " WHERE f.idempotency_key = $1", key)
                return _conference(row), True
            for i, p in enumerate(conference.participants):
                await self._add_participant(
                    conn, conference_id, derived_id("participant", conference_id, str(i)), p, None
                )
            row = await conn.fetchrow(_CONFERENCE + " WHERE f.conference_id = $1", uuid.UUID(conference_id))
        return _conference(row), False

    async def _add_participant(
        self, conn: asyncpg.Connection, conference_id: str, participant_id: str, p: NewParticipant, key: str | None
    ) -> None:
        calendar_id = staff_calendar(p.staff_id) if p.staff_id else participant_calendar(participant_id)
        await conn.execute(
            "INSERT INTO conference.calendars (calendar_id) VALUES ($1) ON CONFLICT DO NOTHING", calendar_id
        )
        await conn.execute(
            "INSERT INTO conference.participants (participant_id, conference_id, role, required, name, contact,"
            " staff_id, calendar_id, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            uuid.UUID(participant_id),
            uuid.UUID(conference_id),
            p.role.value,
            p.required,
            p.name,
            p.contact,
            p.staff_id,
            calendar_id,
            key,
        )

    def add_participant(
        self, key: str, conference_id: str, participant_id: str, p: NewParticipant
    ) -> WrittenWithAction:
        """Adds the participant within the action's own transaction."""

        async def add(conn: asyncpg.Connection) -> None:
            if p.staff_id is not None and await conn.fetchval(
                "SELECT 1 FROM conference.participants WHERE conference_id = $1 AND staff_id = $2",
                uuid.UUID(conference_id),
                p.staff_id,
            ):
                raise FailedPrecondition(f"{p.staff_id} is already a participant")
            await self._add_participant(conn, conference_id, participant_id, p, key)

        return add

    async def open(self, opening: Opening) -> ConferenceRow:
        """The conference, recorded now if a case's triage decision started it; its
        convening deadline is the workflow's."""
        conference_id, site, trigger = opening.conference_id, opening.site, opening.trigger
        async with audit.transaction(self._pool) as conn:
            exists = await conn.fetchval(
                "SELECT 1 FROM conference.conferences WHERE conference_id = $1 FOR UPDATE", uuid.UUID(conference_id)
            )
            if exists is None:
                await conn.execute(
                    "INSERT INTO conference.conferences (conference_id, workflow_id, case_id, site, region,"
                    " trigger_kind, triggered_at, detained, offence_max_years, reference, coordinator_id,"
                    " minimum_notice, slot_length, slot_granularity, hours_weekdays, hours_start, hours_end,"
                    " public_holidays) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
                    " $17, $18)",
                    uuid.UUID(conference_id),
                    conference_workflow_id(conference_id),
                    uuid.UUID(opening.case_id) if opening.case_id else None,
                    site.code,
                    site.region,
                    trigger.kind.value,
                    trigger.triggered_at,
                    trigger.detained,
                    trigger.offence_max_years,
                    trigger.reference,
                    await self._coordinator(conn, site.code, None),
                    *_scheduling_values(opening.scheduling),
                )
            # its workflow runs: it is asking (a case's conference, or the outbox's start arriving)
            await conn.execute(
                "UPDATE conference.conferences SET workflow_started_at = now()"
                " WHERE conference_id = $1 AND workflow_started_at IS NULL",
                uuid.UUID(conference_id),
            )
            await conn.execute(
                "UPDATE conference.conferences SET convening_due = $2 WHERE conference_id = $1"
                " AND convening_due IS NULL",
                uuid.UUID(conference_id),
                opening.convening_due,
            )
            row = await conn.fetchrow(_CONFERENCE + " WHERE f.conference_id = $1", uuid.UUID(conference_id))
        return _conference(row)

    async def mark_started(self, conference_id: str) -> None:
        """The conference's workflow is known started: the outbox is done with it."""
        await self._pool.execute(
            "UPDATE conference.conferences SET workflow_started_at = now()"
            " WHERE conference_id = $1 AND workflow_started_at IS NULL",
            uuid.UUID(conference_id),
        )

    async def unstarted(self, before: dt.datetime, limit: int) -> list[tuple[ConferenceRow, set[str]]]:
        """Triggered conferences stored before `before` whose workflow is not known started,
        oldest first, each with the roles of the participants it was started with."""
        rows = await self._pool.fetch(
            _CONFERENCE + " WHERE f.workflow_started_at IS NULL AND f.created_at < $1 ORDER BY f.created_at LIMIT $2",
            before,
            limit,
        )
        found = []
        for row in rows:
            roles = await self._pool.fetch(
                "SELECT DISTINCT role FROM conference.participants"
                " WHERE conference_id = $1 AND idempotency_key IS NULL",
                row["conference_id"],
            )
            found.append((_conference(row), {r["role"] for r in roles}))
        return found

    async def get(self, conference_id: str) -> ConferenceRow | None:
        row = await self._pool.fetchrow(_CONFERENCE + " WHERE f.conference_id = $1", uuid.UUID(conference_id))
        return None if row is None else _conference(row)

    async def by_case(self, case_id: str) -> ConferenceRow | None:
        """The case's latest conference (a care and protection conference reconvened after one
        that agreed no plan is the case's latest)."""
        row = await self._pool.fetchrow(
            _CONFERENCE + " WHERE f.case_id = $1 ORDER BY f.created_at DESC, f.conference_id LIMIT 1",
            uuid.UUID(case_id),
        )
        return None if row is None else _conference(row)

    async def close(self, conference_id: str) -> None:
        async with audit.transaction(self._pool) as conn:
            await conn.execute(
                "UPDATE conference.conferences SET closed_at = now() WHERE conference_id = $1 AND closed_at IS NULL",
                uuid.UUID(conference_id),
            )

    # -- the workflow's own record ------------------------------------------------------------

    async def record_workflow(self, r: WorkflowRecording) -> int:
        """Record the conference workflow's events not recorded before and a newer standing;
        the number of events new."""
        conference_id = uuid.UUID(r.conference_id)
        async with audit.transaction(self._pool) as conn:
            await conn.execute(
                "INSERT INTO conference.conference_records (conference_id, case_id, site, region)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (conference_id) DO NOTHING",
                conference_id,
                uuid.UUID(r.case_id) if r.case_id else None,
                r.place.site,
                r.place.region,
            )
            new = await events.insert(conn, "conference.conference_events", "conference_id", conference_id, r.events)
            if r.standing is not None:
                await conn.execute(
                    "UPDATE conference.conference_records SET version = $2, standing = $3, recorded_at = now()"
                    " WHERE conference_id = $1 AND version < $2",
                    conference_id,
                    r.version,
                    r.standing,
                )
        return new

    async def workflow_record(self, conference_id: str) -> WorkflowRecord | None:
        """The conference as its workflow recorded it; None when it has recorded nothing."""
        key = uuid.UUID(conference_id)
        async with audit.transaction(self._pool) as conn:
            standing = await conn.fetchrow(
                "SELECT standing FROM conference.conference_records WHERE conference_id = $1", key
            )
            if standing is None:
                return None
            found = await events.read(conn, "conference.conference_events", "conference_id", key)
        kept = standing["standing"]
        return WorkflowRecord(None if kept is None else bytes(kept), found)

    # -- participants ---------------------------------------------------------------------

    async def record(self, conference_id: str) -> tuple[list[ParticipantRow], PlanRow | None]:
        """The conference's personal data (its participants, its plan), read on the record."""
        async with audit.transaction(self._pool) as conn:
            return await self._participants(conn, conference_id), await self._plan(conn, conference_id)

    async def _participants(self, conn: asyncpg.Connection, conference_id: str) -> list[ParticipantRow]:
        """The conference's participants, with their answers to the current booking."""
        rows = await conn.fetch(
            "SELECT p.*, i.booking_id IS NOT NULL AS invited, i.response, i.views FROM conference.participants p"
            " LEFT JOIN LATERAL (SELECT b.booking_id FROM conference.bookings b WHERE b.conference_id = p.conference_id"
            "   AND b.released_at IS NULL ORDER BY b.round DESC LIMIT 1) b ON true"
            " LEFT JOIN conference.invitations i ON i.booking_id = b.booking_id AND i.participant_id = p.participant_id"
            " LEFT JOIN conference.actions a ON a.idempotency_key = p.idempotency_key"
            " WHERE p.conference_id = $1 AND (p.idempotency_key IS NULL OR a.response IS NOT NULL)"
            " ORDER BY p.added_at, p.participant_id",
            uuid.UUID(conference_id),
        )
        return [
            ParticipantRow(
                participant_id=str(r["participant_id"]),
                role=ParticipantRole(r["role"]),
                required=r["required"],
                name=r["name"],
                contact=r["contact"],
                staff_id=r["staff_id"],
                calendar_id=r["calendar_id"],
                invited=r["invited"],
                response=InvitationResponse(r["response"]) if r["response"] else None,
                views=r["views"] or "",
            )
            for r in rows
        ]

    async def participant(self, conference_id: str, participant_id: str) -> ParticipantRow:
        async with self._pool.acquire() as conn:
            people = await self._participants(conn, conference_id)
        found = [p for p in people if p.participant_id == participant_id]
        if not found:
            raise NotFound("no such participant in this conference")
        return found[0]

    # -- outcome ------------------------------------------------------------------------

    @staticmethod
    def add_plan(
        key: str,
        conference_id: str,
        plan_id: str,
        agreed: bool,
        actions: list[str],
        reason: str,
        by: str,
        route: NoAgreementRoute | None = None,
        content: bytes | None = None,
    ) -> WrittenWithAction:
        """Stores the plan's text (and the structured plan, when the outcome carries one)
        within the action's own transaction."""

        async def add(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "INSERT INTO conference.plans (plan_id, conference_id, idempotency_key, agreed, actions, reason,"
                " recorded_by, route, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                uuid.UUID(plan_id),
                uuid.UUID(conference_id),
                key,
                agreed,
                actions,
                reason,
                by,
                route.value if route else None,
                content,
            )

        return add

    @staticmethod
    def add_consultation(key: str, c: NewConsultation, by: str) -> WrittenWithAction:
        """Stores the whānau's consultation within the action's own transaction."""

        async def add(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "INSERT INTO conference.consultations (idempotency_key, conference_id, not_before, not_after,"
                " venue_id, attendee_ids, notes, not_practicable_reason, recorded_by)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                key,
                uuid.UUID(c.conference_id),
                c.not_before,
                c.not_after,
                uuid.UUID(c.venue_id) if c.venue_id else None,
                [uuid.UUID(a) for a in c.attendee_ids],
                c.notes,
                c.not_practicable_reason,
                by,
            )

        return add

    async def consultation(self, conference_id: str) -> ConsultationRow | None:
        """The whānau's consultation as recorded (its action answered), if any."""
        row = await self._pool.fetchrow(
            "SELECT c.* FROM conference.consultations c JOIN conference.actions a USING (idempotency_key)"
            " WHERE c.conference_id = $1 AND a.response IS NOT NULL ORDER BY c.recorded_at LIMIT 1",
            uuid.UUID(conference_id),
        )
        if row is None:
            return None
        return ConsultationRow(
            not_before=row["not_before"],
            not_after=row["not_after"],
            venue_id=str(row["venue_id"]) if row["venue_id"] else None,
            attendee_ids=[str(a) for a in row["attendee_ids"]],
            notes=row["notes"],
            not_practicable_reason=row["not_practicable_reason"],
            recorded_by=row["recorded_by"],
            recorded_at=row["recorded_at"],
        )

    async def _plan(self, conn: asyncpg.Connection, conference_id: str) -> PlanRow | None:
        row = await conn.fetchrow(
            "SELECT p.*, r.referral_id IS NOT NULL AS referred_back FROM conference.plans p"
            " JOIN conference.actions a USING (idempotency_key)"
            " LEFT JOIN conference.referrals r ON r.conference_id = p.conference_id"
            " WHERE p.conference_id = $1 AND a.response IS NOT NULL ORDER BY p.recorded_at LIMIT 1",
            uuid.UUID(conference_id),
        )
        if row is None:
            return None
        return PlanRow(
            plan_id=str(row["plan_id"]),
            agreed=row["agreed"],
            actions=list(row["actions"]),
            reason=row["reason"],
            recorded_by=row["recorded_by"],
            recorded_at=row["recorded_at"],
            referred_back=row["referred_back"],
            route=NoAgreementRoute(row["route"]) if row["route"] else None,
            content=bytes(row["content"]) if row["content"] is not None else None,
        )

    async def refer_back(self, conference_id: str) -> tuple[str, bool]:
        """Record the conference's referral back once; later calls find the first."""
        async with audit.transaction(self._pool) as conn:
            created = await conn.fetchval(
                "INSERT INTO conference.referrals (referral_id, conference_id) VALUES ($1, $2)"
                " ON CONFLICT (conference_id) DO NOTHING RETURNING referral_id",
                uuid.uuid4(),
                uuid.UUID(conference_id),
            )
            if created is not None:
                return str(created), False
            existing = await conn.fetchval(
                "SELECT referral_id FROM conference.referrals WHERE conference_id = $1", uuid.UUID(conference_id)
            )
        return str(existing), True

    # -- escalations ----------------------------------------------------------------------

    async def raise_escalation(self, e: ConferenceEscalation) -> tuple[str, bool]:
        async with audit.transaction(self._pool) as conn:
            created = await conn.fetchval(
                "INSERT INTO conference.escalations (escalation_id, conference_id, workflow_id, deadline, level,"
                " round, manager_id, coordinator_id, site, region, due_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                " ON CONFLICT (conference_id, deadline, level, round) DO NOTHING RETURNING escalation_id",
                uuid.uuid4(),
                uuid.UUID(e.conference_id),
                e.workflow_id,
                e.deadline.value,
                e.level.value,
                e.round,
                e.manager_id,
                e.coordinator_id,
                e.site,
                e.region,
                e.due_at,
            )
            if created is not None:
                return str(created), True
            existing = await conn.fetchval(
                "SELECT escalation_id FROM conference.escalations"
                " WHERE conference_id = $1 AND deadline = $2 AND level = $3 AND round = $4",
                uuid.UUID(e.conference_id),
                e.deadline.value,
                e.level.value,
                e.round,
            )
        return str(existing), False

    async def resolve(
        self, conference_id: str, deadline: ConferenceDeadline, level: ConferenceEscalationLevel | None = None
    ) -> int:
        """Resolve the conference's open escalations of `deadline` (of `level` only, if given)."""
        async with audit.transaction(self._pool) as conn:
            result = await conn.execute(
                "UPDATE conference.escalations SET resolved_at = now()"
                " WHERE conference_id = $1 AND deadline = $2 AND ($3::text IS NULL OR level = $3)"
                " AND resolved_at IS NULL",
                uuid.UUID(conference_id),
                deadline.value,
                level.value if level else None,
            )
        return int(str(result).rsplit(" ", 1)[-1])

    async def escalations(
        self,
        *,
        conference_id: str | None = None,
        manager_id: str = "",
        site: str = "",
        include_resolved: bool = True,
        limit: int = 500,
        after: EscalationPosition | None = None,
        restriction: Restriction | None = None,
    ) -> list[EscalationRow]:
        clauses = ["($1::uuid IS NULL OR conference_id = $1)", "($2 = '' OR manager_id = $2)", "($3 = '' OR site = $3)"]
        args: list[Any] = [uuid.UUID(conference_id) if conference_id else None, manager_id, site]
        if restriction is not None and restriction.sites is not None:
            args.extend([sorted(restriction.sites), sorted(restriction.regions)])
            clauses.append(f"(site = ANY(${len(args) - 1}) OR region = ANY(${len(args)}))")
        if not include_resolved:
            clauses.append("resolved_at IS NULL")
        if after is not None:
            args.extend([after.raised_at, uuid.UUID(after.escalation_id)])
            clauses.append(f"(raised_at, escalation_id) > (${len(args) - 1}, ${len(args)})")
        args.append(limit)
        rows = await self._pool.fetch(
            f"SELECT * FROM conference.escalations WHERE {' AND '.join(clauses)}"
            f" ORDER BY raised_at, escalation_id LIMIT ${len(args)}",
            *args,
        )
        return [_escalation(r) for r in rows]
