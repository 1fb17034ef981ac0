"""AssessmentService and approvals through real gRPC, PostgreSQL and the case workflows:
allocation, findings (whose text never reaches Temporal), completion, custody approval."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, cast

import asyncpg
import grpc
import pytest

from kahu.v1 import assessment_pb2, common_pb2, intake_pb2, supervision_pb2
from services.common.codec import EncryptionCodec
from services.common.errors import field_violations
from tests.conftest import Platform
from tests.history import decrypted, raw_history
from tests.intake.reports import actions, decide, get_case, open_case
from tests.polling import answered, eventually
from workflows.case.model import assessment_workflow_id


async def _count(platform: Platform, sql: str, *args: object) -> int:
    conn = await asyncpg.connect(platform.database_url)
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


async def _assessing_case(platform: Platform) -> str:
    """A case whose assessment has started."""
    case_id = (await open_case(platform)).case.case_id
    await decide(platform, case_id)

    request = assessment_pb2.GetAssessmentRequest(case_id=case_id)
    await answered(lambda: platform.assessment.GetAssessment(request))  # NOT_FOUND: still starting
    return case_id


def _key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


async def _allocate(platform: Platform, case_id: str, **fields: Any) -> assessment_pb2.AllocateResponse:
    request = assessment_pb2.AllocateRequest(
        idempotency_key=_key("allocate"), case_id=case_id, social_worker="sw.mere", site="hutt", allocated_by="sup.tui"
    )
    for name, value in fields.items():
        setattr(request, name, value)
    return await platform.assessment.Allocate(request)


async def test_findings_text_stays_in_the_assessment_service(platform: Platform) -> None:
    case_id = await _assessing_case(platform)
    await _allocate(platform, case_id)
    summary = f"Visited the home; fridge empty; child says dad sleeps all day ({uuid.uuid4()})."
    request = assessment_pb2.RecordFindingsRequest(
        idempotency_key=_key("findings"), case_id=case_id, recorded_by="sw.mere", summary=summary
    )

    recorded = await platform.assessment.RecordFindings(request)
    again = await platform.assessment.RecordFindings(request)

    assert (recorded.replayed, again.replayed) == (False, True)
    assert again.findings_id == recorded.findings_id
    entry = next(e for e in recorded.assessment.timeline if e.action == "assessment.findings")
    assert entry.detail == recorded.findings_id
    shown = await platform.assessment.GetAssessment(assessment_pb2.GetAssessmentRequest(case_id=case_id))
    assert [(f.findings_id, f.summary, f.recorded_by) for f in shown.findings] == [
        (recorded.findings_id, summary, "sw.mere")
    ]
    stored, found = await raw_history(platform.temporal, assessment_workflow_id(case_id))  # as Temporal keeps it
    assert recorded.findings_id.encode() not in stored  # every payload is encrypted ...
    inside = decrypted(EncryptionCodec.from_dir(platform.settings.payload_keys_dir), found)
    assert recorded.findings_id.encode() in inside  # ... the workflow holds the findings' id ...
    assert summary.encode() not in stored + inside  # ... never their text


async def test_rejected_findings_leave_nothing_behind(platform: Platform) -> None:
    case_id = await _assessing_case(platform)  # not allocated yet
    request = assessment_pb2.RecordFindingsRequest(
        idempotency_key=_key("findings"), case_id=case_id, recorded_by="sw.mere", summary="Too early."
    )

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.assessment.RecordFindings(request)

    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "not been allocated" in (raised.value.details() or "")
    assert (
        await _count(platform, "SELECT count(*) FROM assessment.findings WHERE case_id = $1", uuid.UUID(case_id)) == 0
    )
    assert await _count(platform, "SELECT count(*) FROM assessment.actions WHERE case_id = $1", uuid.UUID(case_id)) == 0


async def test_allocation_must_be_at_the_cases_site(platform: Platform) -> None:
    case_id = await _assessing_case(platform)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await _allocate(platform, case_id, site="canterbury")
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "case's site" in (raised.value.details() or "")

    allocated = await _allocate(platform, case_id)
    assert allocated.assessment.social_worker == "sw.mere"


async def test_seeking_custody_goes_to_placement_only_with_a_supervisors_approval(platform: Platform) -> None:
    case_id = await _assessing_case(platform)
    await _allocate(platform, case_id)
    completed = await platform.assessment.CompleteAssessment(
        assessment_pb2.CompleteAssessmentRequest(
            idempotency_key=_key("complete"),
            case_id=case_id,
            completed_by="sw.mere",
            outcome=common_pb2.OUTCOME_SEEK_CUSTODY,
            reason="No safe caregiver at home.",
        )
    )
    assert completed.assessment.awaiting_approval.outcome == common_pb2.OUTCOME_SEEK_CUSTODY
    assert not completed.assessment.HasField("result")

    def approval(by: str, approved: bool) -> supervision_pb2.DecideApprovalRequest:
        return supervision_pb2.DecideApprovalRequest(
            idempotency_key=_key("approve"), case_id=case_id, approved=approved, decided_by=by, reason="Reviewed."
        )

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.supervision.DecideApproval(approval("sw.mere", True))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert (await get_case(platform, case_id)).case.stage == common_pb2.CASE_STAGE_ASSESSMENT

    request = approval("sup.tui", True)
    approved = await platform.supervision.DecideApproval(request)
    assert approved.assessment.result.outcome == common_pb2.OUTCOME_SEEK_CUSTODY
    assert (await platform.supervision.DecideApproval(request)).replayed

    async def placing() -> intake_pb2.GetCaseResponse | None:  # then a placement is found (tests/placement)
        case = await get_case(platform, case_id)
        placing = case.case.stage == common_pb2.CASE_STAGE_PLACEMENT and "placement.started" in actions(case.timeline)
        return case if placing else None

    case = await eventually(placing)
    assert case.outcome == common_pb2.OUTCOME_SEEK_CUSTODY
    steps = actions(case.timeline)
    for earlier, later in [
        ("triage.decided", "assessment.allocated"),
        ("assessment.allocated", "approval.requested"),
        ("approval.requested", "approval.granted"),
        ("approval.granted", "placement.started"),
    ]:
        assert steps.index(earlier) < steps.index(later)
    assert steps.count("approval.granted") == 1
    times = [(e.at.seconds, e.at.nanos) for e in case.timeline]
    assert times == sorted(times)


def _allocation(change: Callable[[assessment_pb2.AllocateRequest], None], field: str) -> object:
    return pytest.param(change, field, id=field)


BAD_ALLOCATIONS = [
    _allocation(lambda r: setattr(r, "idempotency_key", ""), "idempotency_key"),
    _allocation(lambda r: setattr(r, "case_id", "abc"), "case_id"),
    _allocation(lambda r: setattr(r, "social_worker", "mere smith"), "social_worker"),
    _allocation(lambda r: setattr(r, "site", "atlantis"), "site"),
    _allocation(lambda r: setattr(r, "allocated_by", ""), "allocated_by"),
]


@pytest.mark.parametrize(("change", "field"), BAD_ALLOCATIONS)
async def test_bad_allocation_names_the_field(
    platform: Platform, change: Callable[[assessment_pb2.AllocateRequest], None], field: str
) -> None:
    request = assessment_pb2.AllocateRequest(
        idempotency_key=_key("allocate"),
        case_id=str(uuid.uuid4()),
        social_worker="sw.mere",
        site="hutt",
        allocated_by="sup.tui",
    )
    change(request)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.assessment.Allocate(request)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in {v.field for v in field_violations(raised.value)}


async def test_bad_completion_and_findings_name_every_field(platform: Platform) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.assessment.CompleteAssessment(
            assessment_pb2.CompleteAssessmentRequest(
                idempotency_key=_key("complete"),
                case_id=str(uuid.uuid4()),
                completed_by="sw.mere",
                outcome=cast(Any, 9),
            )
        )
    assert {v.field for v in field_violations(raised.value)} == {"outcome", "reason"}

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.assessment.RecordFindings(
            assessment_pb2.RecordFindingsRequest(
                idempotency_key=_key("findings"), case_id=str(uuid.uuid4()), recorded_by="sw.mere", summary="x" * 10_001
            )
        )
    assert {v.field for v in field_violations(raised.value)} == {"summary"}


async def test_no_assessment_before_triage_decides(platform: Platform) -> None:
    case_id = (await open_case(platform)).case.case_id
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.assessment.GetAssessment(assessment_pb2.GetAssessmentRequest(case_id=case_id))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await _allocate(platform, case_id)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


async def test_an_allocation_sent_just_after_the_decision_waits_for_the_assessment(platform: Platform) -> None:
    case_id = (await open_case(platform)).case.case_id
    await decide(platform, case_id)

    allocated = await _allocate(platform, case_id)  # the assessment may not have started yet

    assert allocated.assessment.social_worker == "sw.mere" and not allocated.replayed


async def test_an_allocation_on_a_case_with_no_assessment_coming_is_not_found(platform: Platform) -> None:
    case_id = (await open_case(platform)).case.case_id
    await decide(platform, case_id, pathway=common_pb2.PATHWAY_NO_FURTHER_ACTION, timeframe=0, reason="no concerns")

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await _allocate(platform, case_id)

    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert await _count(platform, "SELECT count(*) FROM assessment.actions WHERE case_id = $1", uuid.UUID(case_id)) == 0
