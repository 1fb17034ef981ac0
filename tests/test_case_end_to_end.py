"""A whole case through real gRPC, PostgreSQL and Temporal, with the policy shortened to
seconds: report → triage → assessment breach → tier 1 and 2 escalations → a supervisor
extends → completion → closure, and the case's timeline tells it in that order."""

from __future__ import annotations

import datetime as dt
import uuid

from kahu.v1 import assessment_pb2, common_pb2, supervision_pb2
from services.common.convert import timestamp
from tests.conftest import Platform
from tests.intake.reports import closed_case, decide, open_case
from tests.polling import answered, eventually


def key(step: str) -> str:
    return f"e2e-{step}-{uuid.uuid4()}"


async def assessment_tiers(platform: Platform, case_id: str, include_resolved: bool = False) -> set[int]:
    request = supervision_pb2.ListQueueRequest(site="hutt", page_size=500, include_resolved=include_resolved)
    queue = await platform.supervision.ListQueue(request)
    return {e.tier for e in queue.items if e.case_id == case_id and e.kind == common_pb2.DEADLINE_KIND_ASSESSMENT}


def is_subsequence(wanted: list[tuple[str, str]], timeline: list[tuple[str, str]]) -> bool:
    steps = iter(timeline)
    return all(any(step == want or (want[1] == "" and step[0] == want[0]) for step in steps) for want in wanted)


async def test_case_from_report_to_closure(platform: Platform) -> None:
    case_id = (await open_case(platform, fast=True)).case.case_id
    await decide(platform, case_id, timeframe=common_pb2.TIMEFRAME_CRITICAL, reason="critical: seen today")

    allocate = assessment_pb2.AllocateRequest(
        idempotency_key=key("allocate"), case_id=case_id, social_worker="sw.mere", site="hutt", allocated_by="sup.tui"
    )
    await answered(lambda: platform.assessment.Allocate(allocate))  # NOT_FOUND: the assessment is still starting
    await eventually(lambda: _has_tiers(platform, case_id, {1, 2}))

    await platform.supervision.ExtendDeadline(
        supervision_pb2.ExtendDeadlineRequest(
            idempotency_key=key("extend"),
            case_id=case_id,
            kind=common_pb2.DEADLINE_KIND_ASSESSMENT,
            due_at=timestamp(dt.datetime.now(dt.UTC) + dt.timedelta(hours=4)),
            extended_by="sup.tui",
            reason="Waiting on the school's records.",
            reason_code="SPECIALIST_ASSESSMENT",
        )
    )
    await platform.assessment.CompleteAssessment(
        assessment_pb2.CompleteAssessmentRequest(
            idempotency_key=key("complete"),
            case_id=case_id,
            completed_by="sw.mere",
            outcome=common_pb2.OUTCOME_FAMILY_SUPPORT_PLAN,
            reason="Plan agreed with the whānau.",
        )
    )

    case = await closed_case(platform, case_id)
    timeline = [(e.action, e.detail) for e in case.timeline]
    assert is_subsequence(
        [
            ("case.opened", ""),
            ("stage.entered", "TRIAGE"),
            ("triage.proposed", ""),
            ("triage.decided", ""),
            ("stage.entered", "ASSESSMENT"),
            ("assessment.started", ""),
            ("assessment.allocated", "sw.mere"),
            ("timer.expired", "ASSESSMENT deadline passed"),
            ("escalation.raised", "ASSESSMENT tier 1 to site_supervisor"),
            ("escalation.raised", "ASSESSMENT tier 2 to site_manager"),
            ("deadline.extended", ""),
            ("assessment.completed", ""),
            ("stage.entered", "OUTCOME"),
            ("case.closed", ""),
            ("stage.entered", "CLOSED"),
        ],
        timeline,
    ), timeline
    assert [e.at.ToDatetime() for e in case.timeline] == sorted(e.at.ToDatetime() for e in case.timeline)
    extended = next(e for e in case.timeline if e.action == "deadline.extended")
    assert extended.actor == "sup.tui" and "school's records" in extended.detail
    assert case.outcome == common_pb2.OUTCOME_FAMILY_SUPPORT_PLAN
    assert await assessment_tiers(platform, case_id) == set()  # the extension resolved them
    assert {1, 2} <= await assessment_tiers(platform, case_id, include_resolved=True)


async def _has_tiers(platform: Platform, case_id: str, tiers: set[int]) -> bool:
    return tiers <= await assessment_tiers(platform, case_id)
