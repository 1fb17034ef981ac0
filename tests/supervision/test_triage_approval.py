"""Supervisors approve intake's decisions through real gRPC, PostgreSQL and the case
workflows: cases opened through `approving_intake` (the shipped policy, approval on, its
spans shortened to seconds)."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest

from kahu.v1 import common_pb2, intake_pb2, intake_pb2_grpc, supervision_pb2
from services.common.convert import timestamp
from services.common.errors import field_violations
from tests.conftest import Platform
from tests.intake.reports import actions, decide, get_case, now, submit_request
from tests.polling import eventually
from tests.sinks import Sinks

#: Only this module opens cases at this site, so its queue is this module's to read.
SITE = "midcentral"


async def _opened(platform: Platform, intake: intake_pb2_grpc.IntakeServiceStub) -> str:
    request = submit_request()
    request.report.site = SITE
    case_id = (await intake.SubmitReport(request)).case_id

    async def proposed() -> bool:
        return (await get_case(platform, case_id)).HasField("proposal")

    await eventually(proposed)
    return case_id


async def _queued(platform: Platform, case_id: str, kind: int, tier: int) -> supervision_pb2.Escalation | None:
    page = await platform.supervision.ListQueue(supervision_pb2.ListQueueRequest(site=SITE, page_size=500))
    found = [e for e in page.items if e.case_id == case_id and e.kind == kind and e.tier == tier]
    return found[0] if found else None


def _approval(case_id: str, by: str, approved: bool, reason: str = "checked") -> supervision_pb2.DecideApprovalRequest:
    return supervision_pb2.DecideApprovalRequest(
        idempotency_key=f"approve-{uuid.uuid4()}",
        case_id=case_id,
        approved=approved,
        decided_by=by,
        reason=reason,
        kind=supervision_pb2.APPROVAL_KIND_TRIAGE_DECISION,
    )


async def test_no_further_action_waits_on_the_queue_until_a_supervisor_approves(
    platform: Platform, approving_intake: intake_pb2_grpc.IntakeServiceStub, sinks: Sinks
) -> None:
    case_id = await _opened(platform, approving_intake)
    decided = await decide(
        platform, case_id, pathway=common_pb2.PATHWAY_NO_FURTHER_ACTION, timeframe=0, reason="resolved by the school"
    )
    assert decided.case.stage == common_pb2.CASE_STAGE_TRIAGE
    assert decided.case.awaiting_approval.pathway == common_pb2.PATHWAY_NO_FURTHER_ACTION

    item = await eventually(lambda: _queued(platform, case_id, common_pb2.DEADLINE_KIND_TRIAGE_APPROVAL, 0))
    assert item.level == supervision_pb2.ESCALATION_LEVEL_APPROVAL and item.role == "site_supervisor"

    async def emailed() -> dict[str, Any] | None:  # the site's supervisors are told
        subject = f"Kahu approval needed: a triage decision, case {case_id}"
        return next((mail for mail in sinks.received("smtp") if mail["subject"] == subject), None)

    mail = await eventually(emailed, timeout=60)
    assert mail["to"] == ["site-supervisors@kahu.invalid"] and "Kind: TRIAGE_APPROVAL (APPROVAL)" in mail["text"]

    async def recorded() -> bool:  # the record shows what waits
        return (await get_case(platform, case_id)).awaiting_approval.decided_by == "sw.aroha"

    await eventually(recorded)

    with pytest.raises(grpc.aio.AioRpcError) as own:
        await platform.supervision.DecideApproval(_approval(case_id, "sw.aroha", True))
    assert own.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "social worker who made it" in (own.value.details() or "")

    with pytest.raises(grpc.aio.AioRpcError) as extended:
        await platform.supervision.ExtendDeadline(
            supervision_pb2.ExtendDeadlineRequest(
                idempotency_key=f"extend-{uuid.uuid4()}",
                case_id=case_id,
                kind=common_pb2.DEADLINE_KIND_TRIAGE_APPROVAL,
                due_at=timestamp(now().replace(year=now().year + 1, month=1, day=1)),
                extended_by="sup.tui",
                reason="later",
                reason_code="FAMILY_REQUESTED",
            )
        )
    assert extended.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    (violation,) = field_violations(extended.value)
    assert violation.field == "kind" and "approve the decision or return it" in violation.description

    request = _approval(case_id, "sup.tui", True, "the notifier confirmed it was resolved")
    approved = await platform.supervision.DecideApproval(request)
    assert approved.case.case_id == case_id and not approved.case.HasField("awaiting_approval")
    assert (await platform.supervision.DecideApproval(request)).replayed  # a retry acts once

    async def closed() -> intake_pb2.GetCaseResponse | None:
        case = await get_case(platform, case_id)
        return case if "case.closed" in actions(case.timeline) else None

    record = await eventually(closed)
    timeline = actions(record.timeline)
    assert timeline.count("approval.granted") == 1
    assert timeline.index("approval.requested") < timeline.index("approval.granted") < timeline.index("case.closed")
    assert await _queued(platform, case_id, common_pb2.DEADLINE_KIND_TRIAGE_APPROVAL, 0) is None  # resolved


async def test_an_unanswered_approval_escalates_and_a_returned_decision_goes_back(
    platform: Platform, approving_intake: intake_pb2_grpc.IntakeServiceStub
) -> None:
    case_id = await _opened(platform, approving_intake)
    departs = await decide(platform, case_id, timeframe=common_pb2.TIMEFRAME_VERY_URGENT, reason="two calls")
    assert departs.case.HasField("awaiting_approval")

    tier1 = await eventually(lambda: _queued(platform, case_id, common_pb2.DEADLINE_KIND_TRIAGE_APPROVAL, 1))
    assert tier1.level == supervision_pb2.ESCALATION_LEVEL_BREACH

    # the queue counts every page's open items by tier, and lists one tier exactly
    def approvals(**more: Any) -> supervision_pb2.ListQueueRequest:
        return supervision_pb2.ListQueueRequest(
            site=SITE, kind=common_pb2.DEADLINE_KIND_TRIAGE_APPROVAL, page_size=1, **more
        )

    first = await platform.supervision.ListQueue(approvals())
    assert [(c.tier, c.count) for c in first.tier_counts] == [(0, 1), (1, 1)]  # this case's only
    assert len(first.items) == 1 and first.next_page_token
    second = await platform.supervision.ListQueue(approvals(page_token=first.next_page_token))
    assert not second.tier_counts  # with the first page only
    exact = await platform.supervision.ListQueue(approvals(tier=1))
    assert [(e.case_id, e.tier) for e in exact.items] == [(case_id, 1)]
    with pytest.raises(grpc.aio.AioRpcError) as below:
        await platform.supervision.ListQueue(supervision_pb2.ListQueueRequest(site=SITE, min_tier=2, tier=1))
    assert below.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    returned = await platform.supervision.DecideApproval(
        _approval(case_id, "sup.tui", False, "urgent is right for this report")
    )
    assert not returned.case.HasField("awaiting_approval")

    async def reopened() -> bool:
        record = await get_case(platform, case_id)
        return "triage.reopened" in actions(record.timeline) and record.case.deadline.kind == (
            common_pb2.DEADLINE_KIND_TRIAGE
        )

    await eventually(reopened)
    with pytest.raises(grpc.aio.AioRpcError) as downgrade:
        await decide(platform, case_id, pathway=common_pb2.PATHWAY_NO_FURTHER_ACTION, timeframe=0, reason="no")
    assert downgrade.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "cannot be turned into no further action" in (downgrade.value.details() or "")

    assessed = await decide(platform, case_id)  # as proposed: at once
    assert not assessed.case.HasField("awaiting_approval")
