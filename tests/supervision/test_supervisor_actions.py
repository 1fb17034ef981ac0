"""Supervisors acting on escalated cases through real gRPC, PostgreSQL and the case
workflows, with the policy shortened to seconds (cases opened through `fast_intake`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from kahu.v1 import assessment_pb2, common_pb2, intake_pb2, supervision_pb2
from services.common.convert import from_timestamp, timestamp
from tests.conftest import Platform
from tests.intake.reports import actions, closed_case, decide, get_case, open_case, submit_request
from tests.polling import eventually

#: Only this module opens cases at this site, so its queue is this module's to read.
SITE = "southland"


def _at_site() -> intake_pb2.SubmitReportRequest:
    request = submit_request()
    request.report.site = SITE
    return request


def _key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


async def _escalations(platform: Platform, case_id: str, **filters: Any) -> list[supervision_pb2.Escalation]:
    page = await platform.supervision.ListQueue(supervision_pb2.ListQueueRequest(site=SITE, page_size=500, **filters))
    return [item for item in page.items if item.case_id == case_id]


async def _listed(platform: Platform, case_id: str, **filters: Any) -> bool:
    page = await platform.intake.ListCases(intake_pb2.ListCasesRequest(site=SITE, page_size=500, **filters))
    return case_id in {c.case_id for c in page.cases}


def _escalated(platform: Platform, case_id: str, kind: int, tier: int) -> Any:
    async def probe() -> supervision_pb2.Escalation | None:
        found = [e for e in await _escalations(platform, case_id) if e.kind == kind and e.tier == tier]
        return found[0] if found else None

    return probe


async def test_missed_triage_deadline_escalates_and_a_supervisor_acts(platform: Platform) -> None:
    case_id = (await open_case(platform, _at_site(), fast=True)).case.case_id

    tier1 = await eventually(_escalated(platform, case_id, common_pb2.DEADLINE_KIND_TRIAGE, 1))
    assert (tier1.role, tier1.site, tier1.cycle, tier1.workflow_id) == (
        "site_supervisor",
        SITE,
        1,
        f"case-{case_id}",
    )
    await eventually(lambda: _listed(platform, case_id, overdue_only=True))
    await eventually(lambda: _listed(platform, case_id, min_tier=1))

    ack = supervision_pb2.AcknowledgeRequest(
        idempotency_key=_key("ack"), escalation_id=tier1.escalation_id, acknowledged_by="sup.tui", note="On it."
    )
    acknowledged = await platform.supervision.Acknowledge(ack)
    assert (acknowledged.escalation.acknowledged_by, acknowledged.replayed) == ("sup.tui", False)
    assert (await platform.supervision.Acknowledge(ack)).replayed

    async def acknowledged_once() -> bool:  # on the record a moment after the answer
        return actions((await get_case(platform, case_id)).timeline).count("escalation.acknowledged") == 1

    await eventually(acknowledged_once)

    await eventually(_escalated(platform, case_id, common_pb2.DEADLINE_KIND_TRIAGE, 2))
    await eventually(lambda: _listed(platform, case_id, min_tier=2))

    new_due = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    extended = await platform.supervision.ExtendDeadline(
        supervision_pb2.ExtendDeadlineRequest(
            idempotency_key=_key("extend"),
            case_id=case_id,
            kind=common_pb2.DEADLINE_KIND_TRIAGE,
            due_at=timestamp(new_due),
            extended_by="sup.tui",
            reason="Social worker off sick; triage tomorrow.",
            reason_code="FAMILY_REQUESTED",
        )
    )
    assert abs(from_timestamp(extended.deadline.due_at) - new_due) < dt.timedelta(milliseconds=1)
    assert (extended.deadline.breached, extended.deadline.tier) == (False, 0)
    assert await _escalations(platform, case_id) == []
    resolved = await _escalations(platform, case_id, include_resolved=True)
    assert resolved and all(e.resolved for e in resolved)
    await eventually(lambda: _not(_listed(platform, case_id, overdue_only=True)))
    shown = await get_case(platform, case_id)
    assert "deadline.extended" in actions(shown.timeline)
    assert shown.case.deadline.tier == 0 and not shown.case.deadline.breached


async def _not(probe: Any) -> bool:
    return not await probe


async def test_missed_assessment_deadline_reassigned_extended_and_completed(platform: Platform) -> None:
    case_id = (await open_case(platform, _at_site(), fast=True)).case.case_id
    await decide(platform, case_id)
    await eventually(_assessment_running(platform, case_id))
    await platform.assessment.Allocate(
        assessment_pb2.AllocateRequest(
            idempotency_key=_key("allocate"),
            case_id=case_id,
            social_worker="sw.mere",
            site=SITE,
            allocated_by="sup.tui",
        )
    )

    await eventually(_escalated(platform, case_id, common_pb2.DEADLINE_KIND_ASSESSMENT, 1))

    reassigned = await platform.supervision.Reassign(
        supervision_pb2.ReassignRequest(
            idempotency_key=_key("reassign"),
            case_id=case_id,
            social_worker="sw.hemi",
            site=SITE,
            reassigned_by="sup.tui",
            reason="Mere is on leave.",
        )
    )
    assert reassigned.assessment.social_worker == "sw.hemi"
    extended = await platform.supervision.ExtendDeadline(
        supervision_pb2.ExtendDeadlineRequest(
            idempotency_key=_key("extend"),
            case_id=case_id,
            kind=common_pb2.DEADLINE_KIND_ASSESSMENT,
            due_at=timestamp(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)),
            extended_by="sup.tui",
            reason="New social worker needs time to visit.",
            reason_code="CHILD_NOT_LOCATED",
        )
    )
    assert (extended.deadline.kind, extended.deadline.breached) == (common_pb2.DEADLINE_KIND_ASSESSMENT, False)
    assert await _escalations(platform, case_id) == []

    await platform.assessment.CompleteAssessment(
        assessment_pb2.CompleteAssessmentRequest(
            idempotency_key=_key("complete"),
            case_id=case_id,
            completed_by="sw.hemi",
            outcome=common_pb2.OUTCOME_FAMILY_SUPPORT_PLAN,
            reason="Family agreed a plan with the school.",
        )
    )

    case = await closed_case(platform, case_id)
    steps = actions(case.timeline)
    for step in ("timer.expired", "escalation.raised", "assessment.reassigned", "deadline.extended", "case.closed"):
        assert step in steps
    assert case.outcome == common_pb2.OUTCOME_FAMILY_SUPPORT_PLAN
    conn = await asyncpg.connect(platform.database_url)
    try:
        recorded = await conn.fetch(
            "SELECT action FROM supervision.actions WHERE case_id = $1 AND response IS NOT NULL ORDER BY created_at",
            uuid.UUID(case_id),
        )
    finally:
        await conn.close()
    assert [r["action"] for r in recorded] == ["supervision.reassign", "supervision.extend"]


def _assessment_running(platform: Platform, case_id: str) -> Any:
    async def probe() -> bool:
        case = await get_case(platform, case_id)
        return case.case.deadline.kind == common_pb2.DEADLINE_KIND_ASSESSMENT

    return probe


async def test_queue_shows_cases_due_soon(platform: Platform) -> None:
    case_id = (await open_case(platform, _at_site())).case.case_id  # triage due in 24 hours

    async def due_soon(**filters: Any) -> list[supervision_pb2.DueSoonCase]:
        page = await platform.supervision.ListQueue(supervision_pb2.ListQueueRequest(site=SITE, **filters))
        return [c for c in page.due_soon if c.case_id == case_id]

    found = await eventually(lambda: due_soon(due_within_seconds=2 * 24 * 3600))
    assert (found[0].stage, found[0].site, found[0].workflow_id) == (
        common_pb2.CASE_STAGE_TRIAGE,
        SITE,
        f"case-{case_id}",
    )
    hours = (from_timestamp(found[0].due_at) - dt.datetime.now(dt.UTC)) / dt.timedelta(hours=1)
    assert 23 < hours <= 24
    assert await due_soon(due_within_seconds=3600) == []
    assert await due_soon(due_within_seconds=2 * 24 * 3600, breached_only=True) == []
