"""Triage decisions and consent through real gRPC, PostgreSQL and the case workflow."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import grpc
import pytest

from kahu.v1 import common_pb2, intake_pb2, triage_pb2
from tests.conftest import Platform
from tests.intake.reports import actions, closed_case, decide, get_case, open_case, submit_request
from tests.polling import eventually


async def _fetchval(platform: Platform, sql: str, *args: object) -> object:
    conn = await asyncpg.connect(platform.database_url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def test_decision_moves_the_case_on_once_however_often_retried(platform: Platform) -> None:
    case = await open_case(platform)
    case_id = case.case.case_id
    assert (case.proposal.pathway, case.proposal.timeframe) == (
        common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
        common_pb2.TIMEFRAME_URGENT,
    )
    assert [r.id for r in case.proposal.fired_rules] == ["neglect"]
    request = triage_pb2.RecordDecisionRequest(
        idempotency_key=f"decide-{uuid.uuid4()}",
        case_id=case_id,
        decided_by="sw.aroha",
        pathway=common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
        timeframe=common_pb2.TIMEFRAME_URGENT,
    )

    first = await platform.triage.RecordDecision(request)
    again = await platform.triage.RecordDecision(request)

    assert first.case.decision.decided_by == "sw.aroha"
    assert (first.replayed, again.replayed) == (False, True)
    again.replayed = False
    assert again == first
    rows = await _fetchval(
        platform, "SELECT count(*) FROM triage.actions WHERE case_id = $1 AND response IS NOT NULL", uuid.UUID(case_id)
    )
    assert rows == 1
    shown = await eventually(lambda: _assessing(platform, case_id))
    assert actions(shown.timeline).count("triage.decided") == 1
    assert "assessment.started" in actions(shown.timeline)
    assert shown.decision.pathway == common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT
    assert shown.case.urgency == common_pb2.TIMEFRAME_URGENT

    reused = triage_pb2.RecordDecisionRequest()
    reused.CopyFrom(request)
    reused.reason = "changed my mind"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.triage.RecordDecision(reused)
    assert raised.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_concurrent_retries_of_a_decision_record_it_once(platform: Platform) -> None:
    case_id = (await open_case(platform)).case.case_id
    request = triage_pb2.RecordDecisionRequest(
        idempotency_key=f"decide-{uuid.uuid4()}",
        case_id=case_id,
        decided_by="sw.aroha",
        pathway=common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
        timeframe=common_pb2.TIMEFRAME_VERY_URGENT,
        reason="Younger sibling at home.",
    )

    responses = await asyncio.gather(*(platform.triage.RecordDecision(request) for _ in range(8)))

    assert len({r.case.SerializeToString(deterministic=True) for r in responses}) == 1
    rows = await _fetchval(platform, "SELECT count(*) FROM triage.actions WHERE case_id = $1", uuid.UUID(case_id))
    assert rows == 1
    shown = await eventually(lambda: _assessing(platform, case_id))
    assert actions(shown.timeline).count("triage.decided") == 1


async def test_out_of_order_decision_is_refused_with_the_workflows_reason(platform: Platform) -> None:
    case_id = (await open_case(platform)).case.case_id
    await decide(platform, case_id)
    key = f"decide-{uuid.uuid4()}"

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await decide(platform, case_id, idempotency_key=key, pathway=common_pb2.PATHWAY_NO_FURTHER_ACTION, timeframe=0)

    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "not awaiting a triage decision" in (raised.value.details() or "")
    assert await _fetchval(platform, "SELECT count(*) FROM triage.actions WHERE idempotency_key = $1", key) == 0


async def test_protocol_case_needs_police_consultation_before_no_further_action(platform: Platform) -> None:
    request = submit_request()
    request.report.concerns[:] = [common_pb2.CONCERN_CATEGORY_SEXUAL_ABUSE]
    case = await open_case(platform, request)
    case_id = case.case.case_id
    assert case.proposal.pathway == common_pb2.PATHWAY_JOINT_INVESTIGATION
    nfa = {"pathway": common_pb2.PATHWAY_NO_FURTHER_ACTION, "timeframe": 0, "reason": "Disclosure retracted."}

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await decide(platform, case_id, **nfa)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "Police consultation" in (raised.value.details() or "")

    decided = await decide(platform, case_id, police_consulted=True, **nfa)
    assert decided.case.decision.police_consulted
    closed = await closed_case(platform, case_id)
    assert closed.decision.pathway == common_pb2.PATHWAY_NO_FURTHER_ACTION


async def _assessing(platform: Platform, case_id: str) -> intake_pb2.GetCaseResponse | None:
    """The case once its assessment runs against its clock."""
    case = await get_case(platform, case_id)
    return case if case.case.deadline.kind == common_pb2.DEADLINE_KIND_ASSESSMENT else None


async def _stage_is(platform: Platform, case_id: str, stage: int) -> intake_pb2.GetCaseResponse | None:
    case = await get_case(platform, case_id)
    return case if case.case.stage == stage else None


async def test_immediate_danger_notifies_police_once_and_is_always_critical(platform: Platform) -> None:
    request = submit_request()
    request.report.immediate_danger = True
    case = await open_case(platform, request)
    case_id = case.case.case_id
    assert case.proposal.timeframe == common_pb2.TIMEFRAME_CRITICAL
    assert "police.notified" in actions(case.timeline)
    notified = await _fetchval(
        platform, "SELECT count(*) FROM triage.police_notifications WHERE case_id = $1", uuid.UUID(case_id)
    )
    assert notified == 1

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await decide(platform, case_id, timeframe=common_pb2.TIMEFRAME_VERY_URGENT, reason="Not that urgent.")
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "always critical" in (raised.value.details() or "")


async def test_referral_closes_once_the_family_consents(platform: Platform) -> None:
    case_id = (await open_case(platform)).case.case_id
    decided = await decide(
        platform,
        case_id,
        pathway=common_pb2.PATHWAY_REFER_COMMUNITY_PARTNER,
        timeframe=0,
        reason="Family asked for help; no safety concern.",
    )
    assert decided.case.decision.pathway == common_pb2.PATHWAY_REFER_COMMUNITY_PARTNER
    await eventually(lambda: _stage_is(platform, case_id, common_pb2.CASE_STAGE_AWAITING_CONSENT))
    consent = triage_pb2.RecordConsentRequest(
        idempotency_key=f"consent-{uuid.uuid4()}", case_id=case_id, recorded_by="sw.aroha", given=True, note="By phone."
    )

    answered = await platform.triage.RecordConsent(consent)
    assert not answered.replayed
    assert (await platform.triage.RecordConsent(consent)).replayed

    closed = await closed_case(platform, case_id)
    assert actions(closed.timeline).count("consent.given") == 1
