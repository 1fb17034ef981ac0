"""AssessmentService: allocation, findings and completion of a case's assessment, each sent
to its AssessmentWorkflow exactly once; findings text stays in this service, which also keeps
the assessment's part of the case's record and answers GetAssessment from it (PostgreSQL
only: reads never need Temporal)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import grpc
from temporalio.client import Client

from kahu.v1 import assessment_pb2, assessment_pb2_grpc, intake_pb2
from services.assessment.store import AssessmentStore, findings_id
from services.assessment.validation import (
    validate_allocate,
    validate_child_seen,
    validate_complete,
    validate_findings,
    validate_record,
)
from services.common import authz, convert
from services.common.actions import StaffActions
from services.common.authz import Place
from services.common.caselookup import CaseLookup
from services.common.checks import require_case_id
from services.common.errors import NotFound
from services.common.updates import running_stage
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import Allocation, Findings, Stage, assessment_workflow_id, workflow_id
from workflows.policy.model import Pathway


class AssessmentLookup:
    """A case's place and social worker from the assessment's own record (this service owns
    the allocation); before its workflow recorded anything, and for the rest, from intake."""

    def __init__(self, store: AssessmentStore, intake: CaseLookup) -> None:
        self._store = store
        self._intake = intake

    async def place(self, case_id: str) -> Place | None:
        found = await self._store.place(case_id)
        return found[0] if found is not None else await self._intake.place(case_id)

    async def agencies(self, case_id: str) -> frozenset[str]:
        return await self._intake.agencies(case_id)

    async def social_worker(self, case_id: str) -> str | None:
        found = await self._store.place(case_id)
        return found[1] if found is not None else await self._intake.social_worker(case_id)

    async def concerns(self, case_id: str) -> frozenset[str]:
        return await self._intake.concerns(case_id)

    async def pathway(self, case_id: str) -> str:
        """The case's triage decision's pathway (a Pathway's value; "" before one), from intake."""
        found = await self._intake.case_scope(case_id)
        return "" if found is None else found.pathway.removeprefix("PATHWAY_")


#: The pathways whose decision starts an assessment (or investigation).
ASSESSING = frozenset(p.value for p in Pathway if p.assesses)
#: The case's stages in which its assessment is starting or running.
ASSESSMENT_STAGES = frozenset({Stage.TRIAGE.value, Stage.ASSESSMENT.value, Stage.INVESTIGATION.value})


class AssessmentServicer(assessment_pb2_grpc.AssessmentServiceServicer):
    def __init__(self, store: AssessmentStore, temporal: Client, intake: CaseLookup) -> None:
        self._store = store
        self._temporal = temporal
        self._lookup = AssessmentLookup(store, intake)
        self._actions = StaffActions(store.actions, temporal)

    def _starting(self, case_id: str) -> Callable[[], Awaitable[bool]]:
        """Whether the case's assessment, not there yet, is on its way: the case's decision
        starts one and its workflow is in triage or the assessment's stage (an action sent
        just after the decision waits a little for the assessment, not refused)."""

        async def starting() -> bool:
            if await self._lookup.pathway(case_id) not in ASSESSING:
                return False
            return await running_stage(self._temporal, workflow_id(case_id)) in ASSESSMENT_STAGES

        return starting

    async def Allocate(
        self, request: assessment_pb2.AllocateRequest, context: grpc.aio.ServicerContext
    ) -> assessment_pb2.AllocateResponse:
        case_id = validate_allocate(request)
        await authz.admit_case(case_id, self._lookup)
        return await self._actions.update(
            request,
            name="assessment.allocate",
            subject_id=case_id,
            actor=request.allocated_by,
            workflow_id=assessment_workflow_id(case_id),
            starting=self._starting(case_id),
            update=AssessmentWorkflow.allocate,
            arg=Allocation(social_worker=request.social_worker, site=request.site, allocated_by=request.allocated_by),
            response=assessment_pb2.AllocateResponse,
            answer=lambda view: assessment_pb2.AllocateResponse(assessment=convert.assessment_to_proto(view)),
        )

    async def RecordFindings(
        self, request: assessment_pb2.RecordFindingsRequest, context: grpc.aio.ServicerContext
    ) -> assessment_pb2.RecordFindingsResponse:
        case_id = validate_findings(request)
        await authz.admit_case(case_id, self._lookup)
        key = request.idempotency_key
        found_id = findings_id(case_id, key)
        return await self._actions.update(
            request,
            name="assessment.findings",
            subject_id=case_id,
            actor=request.recorded_by,
            workflow_id=assessment_workflow_id(case_id),
            starting=self._starting(case_id),
            update=AssessmentWorkflow.record_findings,
            arg=Findings(recorded_by=request.recorded_by, summary=found_id),
            response=assessment_pb2.RecordFindingsResponse,
            answer=lambda view: assessment_pb2.RecordFindingsResponse(
                findings_id=found_id, assessment=convert.assessment_to_proto(view)
            ),
            written_with=self._store.add_findings(key, case_id, request.recorded_by, request.summary),
        )

    async def CompleteAssessment(
        self, request: assessment_pb2.CompleteAssessmentRequest, context: grpc.aio.ServicerContext
    ) -> assessment_pb2.CompleteAssessmentResponse:
        completed = validate_complete(request)
        await authz.admit_case(completed.case_id, self._lookup)
        return await self._actions.update(
            request,
            name="assessment.complete",
            subject_id=completed.case_id,
            actor=request.completed_by,
            workflow_id=assessment_workflow_id(completed.case_id),
            starting=self._starting(completed.case_id),
            update=AssessmentWorkflow.complete,
            arg=completed.completion,
            response=assessment_pb2.CompleteAssessmentResponse,
            answer=lambda view: assessment_pb2.CompleteAssessmentResponse(assessment=convert.assessment_to_proto(view)),
        )

    async def RecordChildSeen(
        self, request: assessment_pb2.RecordChildSeenRequest, context: grpc.aio.ServicerContext
    ) -> assessment_pb2.RecordChildSeenResponse:
        recorded = validate_child_seen(request, dt.datetime.now(dt.UTC))
        await authz.admit_case(recorded.case_id, self._lookup)
        return await self._actions.update(
            request,
            name="assessment.child_seen",
            subject_id=recorded.case_id,
            actor=request.seen_by,
            workflow_id=assessment_workflow_id(recorded.case_id),
            starting=self._starting(recorded.case_id),
            update=AssessmentWorkflow.record_child_seen,
            arg=recorded.seen,
            response=assessment_pb2.RecordChildSeenResponse,
            answer=lambda view: assessment_pb2.RecordChildSeenResponse(assessment=convert.assessment_to_proto(view)),
        )

    async def GetAssessment(
        self, request: assessment_pb2.GetAssessmentRequest, context: grpc.aio.ServicerContext
    ) -> assessment_pb2.GetAssessmentResponse:
        case_id = require_case_id(request.case_id)
        await authz.admit_case(case_id, self._lookup)
        record = await self._store.assessment(case_id)
        if record is None or record.standing is None:
            raise NotFound("the case has no assessment")
        assessment = intake_pb2.AssessmentStanding.FromString(record.standing).assessment
        assessment.timeline.extend(convert.timeline_to_proto(record.events))
        return assessment_pb2.GetAssessmentResponse(
            assessment=assessment,
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

    async def RecordAssessment(
        self, request: assessment_pb2.RecordAssessmentRequest, context: grpc.aio.ServicerContext
    ) -> assessment_pb2.RecordAssessmentResponse:
        recording = validate_record(request)
        await authz.admit_place(recording.case_id, recording.place)
        return assessment_pb2.RecordAssessmentResponse(recorded=await self._store.record(recording))
