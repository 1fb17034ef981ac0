"""Reads never need Temporal: GetCase, ListCases, GetAssessment, triage's proposal and
Police notifications, and the supervisors' queue (its cases due soon too) answer from
PostgreSQL alone, and the scope checks of every service ask the record (intake), the same
after a closed case's workflows are deleted from Temporal and with the Temporal server stopped
(a server of this test's own, stopped by the handle that started it)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import grpc
import pytest

from kahu.v1 import (
    assessment_pb2,
    common_pb2,
    intake_pb2,
    supervision_pb2,
    triage_pb2,
)
from services.common.config import Settings
from services.common.identity import Principal
from tests.conftest import Platform
from tests.intake.reports import actions, submit_request
from tests.own_temporal import OwnTemporal, own_temporal
from tests.polling import NOT_STARTED, answered, eventually
from workflows.case.model import assessment_workflow_id, workflow_id

#: Only this module opens cases at this site.
SITE = "south-canterbury"


@pytest.fixture
async def own(settings: Settings, platform: Platform, fast_conference_policy: Path) -> AsyncIterator[OwnTemporal]:
    async with own_temporal(settings, platform.database_url, fast_conference_policy) as rig:
        yield rig


async def _assessed_and_closed(rig: Platform, request: intake_pb2.SubmitReportRequest) -> str:
    case_id = (await rig.intake.SubmitReport(request)).case_id

    async def proposed() -> bool:
        return (await rig.intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id))).HasField("proposal")

    await eventually(proposed)
    await rig.triage.RecordDecision(
        triage_pb2.RecordDecisionRequest(
            idempotency_key=f"decide-{uuid.uuid4()}",
            case_id=case_id,
            decided_by="sw.aroha",
            pathway=common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
            timeframe=common_pb2.TIMEFRAME_URGENT,
            reason="Needs assessing.",
        )
    )
    allocate = assessment_pb2.AllocateRequest(
        idempotency_key=f"allocate-{uuid.uuid4()}",
        case_id=case_id,
        social_worker="sw.rewa",
        site=SITE,
        allocated_by="sup.tui",
    )
    await answered(lambda: rig.assessment.Allocate(allocate), not_yet=NOT_STARTED)
    await rig.assessment.CompleteAssessment(
        assessment_pb2.CompleteAssessmentRequest(
            idempotency_key=f"complete-{uuid.uuid4()}",
            case_id=case_id,
            completed_by="sw.rewa",
            outcome=common_pb2.OUTCOME_FAMILY_SUPPORT_PLAN,
            reason="A plan agreed with the whānau.",
        )
    )
    await rig.temporal.get_workflow_handle(workflow_id(case_id)).result()  # its record is complete
    return case_id


async def _refused(call: Awaitable[object]) -> grpc.StatusCode:
    """The code a refused call answered with."""
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value.code()


async def test_reads_answer_from_postgresql_after_deletion_and_with_temporal_stopped(own: OwnTemporal) -> None:
    rig = own.platform
    request = submit_request()
    request.report.site = SITE
    closed = await _assessed_and_closed(rig, request)
    waiting_request = submit_request()
    waiting_request.report.site = SITE
    waiting = (await rig.intake.SubmitReport(waiting_request)).case_id

    async def in_triage() -> intake_pb2.GetCaseResponse | None:
        found = await rig.intake.GetCase(intake_pb2.GetCaseRequest(case_id=waiting))
        return found if "triage.proposed" in actions(found.timeline) else None

    await eventually(in_triage)
    social_worker = Principal(subject="sw.rewa", roles=frozenset({"social_worker"}))
    as_social_worker = (await rig.as_(social_worker)).intake
    # scoped to the site: every service checks it against the record (intake's GetCaseScope)
    supervisor = Principal(subject="sup.tui", roles=frozenset({"supervisor"}), sites=frozenset({SITE}))
    triage_as_supervisor = (await rig.as_(supervisor)).triage
    queue_as_supervisor = (await rig.as_(supervisor)).supervision
    triage_as_social_worker = (await rig.as_(social_worker)).triage
    elsewhere = Principal(subject="sup.other", roles=frozenset({"supervisor"}), sites=frozenset({"hutt"}))
    triage_elsewhere = (await rig.as_(elsewhere)).triage

    async def reads() -> tuple[object, ...]:
        return (
            await rig.intake.GetCase(intake_pb2.GetCaseRequest(case_id=closed)),
            await rig.intake.GetCase(intake_pb2.GetCaseRequest(case_id=waiting)),
            await as_social_worker.GetCase(intake_pb2.GetCaseRequest(case_id=closed)),
            await rig.intake.ListCases(intake_pb2.ListCasesRequest(site=SITE)),
            await rig.intake.ListCases(intake_pb2.ListCasesRequest(assignee="sw.rewa", site=SITE)),
            await rig.assessment.GetAssessment(assessment_pb2.GetAssessmentRequest(case_id=closed)),
            await triage_as_supervisor.GetProposal(triage_pb2.GetProposalRequest(case_id=waiting)),
            await triage_as_social_worker.GetProposal(triage_pb2.GetProposalRequest(case_id=closed)),
            await triage_as_supervisor.ListPoliceNotifications(
                triage_pb2.ListPoliceNotificationsRequest(case_id=closed)
            ),
            await queue_as_supervisor.ListQueue(
                supervision_pb2.ListQueueRequest(site=SITE, due_within_seconds=2 * 24 * 3600)
            ),
            await queue_as_supervisor.ListNotifications(supervision_pb2.ListNotificationsRequest(case_id=closed)),
            await _refused(triage_elsewhere.GetProposal(triage_pb2.GetProposalRequest(case_id=waiting))),
        )

    before = await reads()
    record = before[0]
    assert isinstance(record, intake_pb2.GetCaseResponse)
    assert record.case.stage == common_pb2.CASE_STAGE_CLOSED
    assert (record.outcome, record.case.assignee) == (common_pb2.OUTCOME_FAMILY_SUPPORT_PLAN, "sw.rewa")
    assert record.decision.decided_by == "sw.aroha" and record.proposal.fired_rules
    assert [r.report for r in record.reports] == [request.report]  # its people and concerns
    done = actions(record.timeline)
    for action in ("case.opened", "triage.proposed", "triage.decided", "assessment.started"):
        assert action in done
    assert done.index("assessment.allocated") < done.index("assessment.completed") < done.index("case.closed")
    assert len(done) == len(set((e.at.ToJsonString(), e.action, e.detail) for e in record.timeline))
    assert {c.case_id for c in before[4].cases} == {closed}  # type: ignore[attr-defined]
    assessment = before[5]
    assert isinstance(assessment, assessment_pb2.GetAssessmentResponse)
    assert (assessment.assessment.social_worker, assessment.assessment.result.outcome) == (
        "sw.rewa",
        common_pb2.OUTCOME_FAMILY_SUPPORT_PLAN,
    )
    assert [e.action for e in assessment.assessment.timeline] == [
        "assessment.started",
        "timer.started",
        "assessment.allocated",
        "assessment.completed",
        "timer.met",
    ]

    assert before[6].proposal.fired_rules and before[7] == triage_pb2.GetProposalResponse(proposal=record.proposal)  # type: ignore[attr-defined]
    queue = before[9]
    assert isinstance(queue, supervision_pb2.ListQueueResponse)
    assert [c.case_id for c in queue.due_soon] == [waiting]  # only this module's site; the closed one runs no clock
    assert queue.due_soon[0].stage == common_pb2.CASE_STAGE_TRIAGE
    assert before[11] == grpc.StatusCode.PERMISSION_DENIED

    for workflow in (assessment_workflow_id(closed), workflow_id(closed)):
        await own.delete(workflow)
    assert await reads() == before

    await own.stop()
    with pytest.raises(Exception):  # noqa: B017 (whatever the client says, the server is gone)
        await rig.temporal.get_workflow_handle(workflow_id(waiting)).describe(rpc_timeout=dt.timedelta(seconds=2))
    assert await reads() == before
