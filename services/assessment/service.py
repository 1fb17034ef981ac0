"""AssessmentService: allocation, findings and completion of a case's assessment, each sent
to its AssessmentWorkflow exactly once; findings text stays in this service."""

from __future__ import annotations

import grpc
from temporalio.client import Client

from kahu.v1 import assessment_pb2, assessment_pb2_grpc
from services.assessment.store import AssessmentStore, findings_id
from services.assessment.validation import validate_allocate, validate_complete, validate_findings
from services.common import authz, convert
from services.common.actions import Action, perform
from services.common.caselookup import TemporalCaseLookup
from services.common.checks import require_case_id
from services.common.errors import NotFound
from services.common.updates import query, send_update
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import Allocation, Completion, Findings, assessment_workflow_id


class AssessmentServicer(assessment_pb2_grpc.AssessmentServiceServicer):
    def __init__(self, store: AssessmentStore, temporal: Client) -> None:
        self._store = store
        self._temporal = temporal
        self._lookup = TemporalCaseLookup(temporal)

    async def Allocate(
        self, request: assessment_pb2.AllocateRequest, context: grpc.aio.ServicerContext
    ) -> assessment_pb2.AllocateResponse:
        case_id = validate_allocate(request)
        await authz.admit_case(case_id, self._lookup)
        allocation = Allocation(
            social_worker=request.social_worker, site=request.site, allocated_by=request.allocated_by
        )

        async def send() -> assessment_pb2.AllocateResponse:
            view = await send_update(
                self._temporal,
                assessment_workflow_id(case_id),
                AssessmentWorkflow.allocate,
                allocation,
                key=request.idempotency_key,
            )
            return assessment_pb2.AllocateResponse(assessment=convert.assessment_to_proto(view))

        action = Action(request.idempotency_key, "assessment.allocate", case_id, request.allocated_by, request)
        answer, replayed = await perform(self._store.actions, action, send)
        response = assessment_pb2.AllocateResponse.FromString(answer)
        response.replayed = replayed
        return response

    async def RecordFindings(
        self, request: assessment_pb2.RecordFindingsRequest, context: grpc.aio.ServicerContext
    ) -> assessment_pb2.RecordFindingsResponse:
        case_id = validate_findings(request)
        await authz.admit_case(case_id, self._lookup)
        key = request.idempotency_key
        found_id = findings_id(case_id, key)

        async def send() -> assessment_pb2.RecordFindingsResponse:
            view = await send_update(
                self._temporal,
                assessment_workflow_id(case_id),
                AssessmentWorkflow.record_findings,
                Findings(recorded_by=request.recorded_by, summary=found_id),
                key=key,
            )
            return assessment_pb2.RecordFindingsResponse(
                findings_id=found_id, assessment=convert.assessment_to_proto(view)
            )

        action = Action(key, "assessment.findings", case_id, request.recorded_by, request)
        also = self._store.add_findings(key, case_id, request.recorded_by, request.summary)
        answer, replayed = await perform(self._store.actions, action, send, also=also)
        response = assessment_pb2.RecordFindingsResponse.FromString(answer)
        response.replayed = replayed
        return response

    async def CompleteAssessment(
        self, request: assessment_pb2.CompleteAssessmentRequest, context: grpc.aio.ServicerContext
    ) -> assessment_pb2.CompleteAssessmentResponse:
        case_id, outcome = validate_complete(request)
        await authz.admit_case(case_id, self._lookup)
        completion = Completion(completed_by=request.completed_by, outcome=outcome, reason=request.reason)

        async def send() -> assessment_pb2.CompleteAssessmentResponse:
            view = await send_update(
                self._temporal,
                assessment_workflow_id(case_id),
                AssessmentWorkflow.complete,
                completion,
                key=request.idempotency_key,
            )
            return assessment_pb2.CompleteAssessmentResponse(assessment=convert.assessment_to_proto(view))

        action = Action(request.idempotency_key, "assessment.complete", case_id, request.completed_by, request)
        answer, replayed = await perform(self._store.actions, action, send)
        response = assessment_pb2.CompleteAssessmentResponse.FromString(answer)
        response.replayed = replayed
        return response

    async def GetAssessment(
        self, request: assessment_pb2.GetAssessmentRequest, context: grpc.aio.ServicerContext
    ) -> assessment_pb2.GetAssessmentResponse:
        case_id = require_case_id(request.case_id)
        await authz.admit_case(case_id, self._lookup)
        view = await query(self._temporal, assessment_workflow_id(case_id), AssessmentWorkflow.state)
        if view is None:
            raise NotFound("the case has no assessment")
        return assessment_pb2.GetAssessmentResponse(
            assessment=convert.assessment_to_proto(view),
            findings=[
                assessment_pb2.Findings(
                    findings_id=f.findings_id,
                    recorded_by=f.recorded_by,
                    summary=f.summary,
                    recorded_at=convert.timestamp(f.recorded_at),
                )
                for f in await self._store.findings(case_id)
            ],
        )
