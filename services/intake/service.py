"""IntakeService: accepts reports of concern exactly once, starts their cases or adds them to
a child's open case, and shows cases as their workflows see them."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid

import grpc
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from kahu.v1 import intake_pb2, intake_pb2_grpc
from services.common import authz, convert
from services.common.actions import request_digest
from services.common.authz import Place
from services.common.caselookup import TemporalCaseLookup
from services.common.checks import require_case_id
from services.common.errors import AlreadyExists, FieldViolation, InvalidArgument, NotFound
from services.common.metrics import record_report
from services.common.sites import load_sites
from services.common.updates import Unavailable, query
from services.intake import listing
from services.intake.convert import case_to_proto, listed_case_to_proto, reporter_agency
from services.intake.delivery import CaseDelivery, new_case
from services.intake.matching import child_digests
from services.intake.store import CaseRow, IntakeStore
from services.intake.validation import validate_stage, validate_submit
from services.triage.rules import describe_rules
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import (
    CaseView,
    case_id_of,
)
from workflows.case.workflows import CaseWorkflow
from workflows.placement.workflows import PlacementSearchWorkflow
from workflows.policy.model import Policy
from workflows.policy.working_days import NZ


class IntakeLookup:
    """A case's place, concerns and reporting agencies from intake's own records; its social
    worker from its assessment workflow."""

    def __init__(self, store: IntakeStore, temporal: Client) -> None:
        self._store = store
        self._temporal = TemporalCaseLookup(temporal)

    async def place(self, case_id: str) -> Place | None:
        return await self._store.place(case_id)

    async def agencies(self, case_id: str) -> frozenset[str]:
        return await self._store.agencies(case_id)

    async def social_worker(self, case_id: str) -> str | None:
        return await self._temporal.social_worker(case_id)

    async def concerns(self, case_id: str) -> frozenset[str]:
        return await self._store.concerns(case_id)


class IntakeServicer(intake_pb2_grpc.IntakeServiceServicer):
    def __init__(self, store: IntakeStore, temporal: Client, task_queue: str, policy: Policy, match_key: bytes) -> None:
        self._store = store
        self._lookup = IntakeLookup(store, temporal)
        self._temporal = temporal
        self._task_queue = task_queue
        self._policy = policy
        self._match_key = match_key
        self._rule_descriptions = describe_rules(policy)
        self.delivery = CaseDelivery(store, temporal, task_queue, policy, match_key)

    # -- reports ---------------------------------------------------------------------------

    async def SubmitReport(
        self, request: intake_pb2.SubmitReportRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.SubmitReportResponse:
        # Idempotent without StaffActions: the report is itself the record, kept under its
        # key (and the report's digest) in intake.reports, where a retry finds it; the
        # outbox (services/intake/delivery.py) finishes what this call cannot.
        now = dt.datetime.now(dt.UTC)
        site = validate_submit(request, today=now.astimezone(NZ).date())
        report = request.report
        authz.admit_report(site.code, site.region, reporter_agency(report))
        digest = request_digest(report)
        accepted = await self._store.accept_report(
            idempotency_key=request.idempotency_key,
            request_digest=digest,
            report=report.SerializeToString(),
            reporter_agency=reporter_agency(report),
            new_case=new_case(report, site, self._policy, now),
            child_digests=child_digests(self._match_key, report.children),
        )
        if accepted.request_digest != digest:
            raise AlreadyExists("idempotency_key was already used for a different report")
        if not accepted.replayed:
            record_report(accepted.additional)
        if accepted.additional and not accepted.delivered:
            accepted = await self.delivery.add_information(request.idempotency_key, accepted, report)
        elif not accepted.additional:
            await self.delivery.start_case(accepted.case, report)
        return intake_pb2.SubmitReportResponse(
            case_id=accepted.case.case_id,
            report_id=accepted.report_id,
            replayed=accepted.replayed,
            additional_information=accepted.additional,
        )

    # -- reading cases ---------------------------------------------------------------------

    async def GetCase(
        self, request: intake_pb2.GetCaseRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.GetCaseResponse:
        case_id = require_case_id(request.case_id)
        await authz.admit_case(case_id, self._lookup)
        case = await self._store.get_case(case_id)
        if case is None:
            raise NotFound("no such case")
        # With no worker answering right now, what intake last recorded stands.
        with contextlib.suppress(Unavailable):
            view = await query(self._temporal, case.workflow_id, CaseWorkflow.state)
            if view is not None:
                return await self._from_workflow(case, view)
        return intake_pb2.GetCaseResponse(case=case_to_proto(case, case.stage))

    async def _from_workflow(self, case: CaseRow, view: CaseView) -> intake_pb2.GetCaseResponse:
        timeline = list(view.timeline)
        deadline = view.deadline
        assessment = None
        if view.assessment_workflow_id:
            with contextlib.suppress(Unavailable):  # starting, or no worker answering right now
                assessment = await query(self._temporal, view.assessment_workflow_id, AssessmentWorkflow.state)
            if assessment is not None:
                timeline = convert.merge_timelines(timeline, assessment.timeline)
                deadline = convert.assessment_deadline(assessment)
        if view.placement_workflow_id:
            placement = None
            with contextlib.suppress(Unavailable):  # starting, or no worker answering right now
                placement = await query(self._temporal, view.placement_workflow_id, PlacementSearchWorkflow.state)
            if placement is not None:
                timeline = convert.merge_timelines(timeline, placement.timeline)
        message = case_to_proto(case, view.stage.value)
        if view.decision is not None:
            message.urgency = convert.TIMEFRAME.to_proto(view.decision.timeframe)
            message.pathway = convert.PATHWAY.to_proto(view.decision.pathway)
        if deadline is not None:
            message.deadline.CopyFrom(convert.deadline_to_proto(deadline))
        response = intake_pb2.GetCaseResponse(
            case=message, timeline=convert.timeline_to_proto(timeline), outcome=convert.OUTCOME.to_proto(view.outcome)
        )
        if view.proposal is not None:
            response.proposal.CopyFrom(convert.proposal_to_proto(view.proposal, self._rule_descriptions))
        if view.decision is not None:
            response.decision.CopyFrom(convert.decision_to_proto(view.decision))
        return response

    async def ListCases(
        self, request: intake_pb2.ListCasesRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.ListCasesResponse:
        page = listing.parse(request, lambda: authz.listing(request.site, request.region, _region_of(request.site)))
        executions = self._temporal.list_workflows(page.query, page_size=page.size, next_page_token=page.token)
        try:
            await executions.fetch_next_page()
        except RPCError as err:
            if err.status == RPCStatusCode.INVALID_ARGUMENT and page.token:
                raise InvalidArgument([FieldViolation("page_token", "is no longer valid")]) from None
            raise
        found = list(executions.current_page or [])
        ids = [case_id_of(e.id) for e in found]
        rows = await self._store.get_cases([i for i in ids if _is_uuid(i)])
        return intake_pb2.ListCasesResponse(
            cases=[listed_case_to_proto(e, rows.get(i)) for e, i in zip(found, ids, strict=True)],
            next_page_token=listing.next_token(page, executions.next_page_token),
        )

    async def RecordCaseStage(
        self, request: intake_pb2.RecordCaseStageRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.RecordCaseStageResponse:
        change = validate_stage(request)
        await authz.admit_case(change.case_id, self._lookup)
        if not await self._store.record_stage(change.case_id, change.stage.value):
            raise NotFound("no such case")
        return intake_pb2.RecordCaseStageResponse()


def _region_of(site: str) -> str:
    found = load_sites().get(site)
    return found.region if found else ""


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
