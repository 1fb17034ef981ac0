"""IntakeService: accepts reports of concern exactly once and starts their cases."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import uuid
from zoneinfo import ZoneInfo

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from kahu.v1 import common_pb2, intake_pb2, intake_pb2_grpc
from services.common.errors import AlreadyExists, FieldViolation, InvalidArgument, NotFound
from services.common.sites import load_sites
from services.intake.store import CaseRow, IntakeStore
from services.intake.validation import validate_submit
from workflows import search_attributes as sa
from workflows.case.model import CaseInput, Stage, workflow_id
from workflows.case.workflows import CaseWorkflow

NZ = ZoneInfo("Pacific/Auckland")
QUERY_TIMEOUT = dt.timedelta(seconds=3)


def _case_id(value: str, field: str = "case_id") -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidArgument([FieldViolation(field, "must be a case id (UUID)")]) from None


class IntakeServicer(intake_pb2_grpc.IntakeServiceServicer):
    def __init__(self, store: IntakeStore, temporal: Client, task_queue: str) -> None:
        self._store = store
        self._temporal = temporal
        self._task_queue = task_queue

    async def SubmitReport(
        self, request: intake_pb2.SubmitReportRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.SubmitReportResponse:
        validate_submit(request, today=dt.datetime.now(NZ).date())
        report = request.report
        digest = hashlib.sha256(report.SerializeToString(deterministic=True)).digest()
        site = load_sites()[report.site]
        case_id = str(uuid.uuid4())
        accepted = await self._store.accept_report(
            idempotency_key=request.idempotency_key,
            request_digest=digest,
            report=report.SerializeToString(),
            new_case=CaseRow(
                case_id=case_id,
                workflow_id=workflow_id(case_id),
                site=site.code,
                region=site.region,
                stage=Stage.INTAKE.value,
                concerns=[common_pb2.ConcernCategory.Name(c) for c in report.concerns],
                immediate_danger=report.immediate_danger,
                child_count=len(report.children),
                received_at=dt.datetime.now(dt.UTC),
            ),
        )
        if accepted.request_digest != digest:
            raise AlreadyExists("idempotency_key was already used for a different report")
        await self._start_case(accepted.case)
        return intake_pb2.SubmitReportResponse(
            case_id=accepted.case.case_id, report_id=accepted.report_id, replayed=accepted.replayed
        )

    async def _start_case(self, case: CaseRow) -> None:
        """Start the case's workflow; a retry finds the one already started."""
        with contextlib.suppress(WorkflowAlreadyStartedError):  # started and already finished
            await self._temporal.start_workflow(
                CaseWorkflow.run,
                CaseInput(
                    case_id=case.case_id,
                    site=case.site,
                    region=case.region,
                    concerns=case.concerns,
                    immediate_danger=case.immediate_danger,
                    child_count=case.child_count,
                ),
                id=case.workflow_id,
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(sa.STAGE, Stage.INTAKE.value),
                        SearchAttributePair(sa.SITE, case.site),
                        SearchAttributePair(sa.REGION, case.region),
                    ]
                ),
            )

    async def GetCase(
        self, request: intake_pb2.GetCaseRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.GetCaseResponse:
        case = await self._store.get_case(_case_id(request.case_id))
        if case is None:
            raise NotFound("no such case")
        stage = case.stage
        # With no worker answering right now, the stage intake last recorded stands.
        with contextlib.suppress(WorkflowQueryFailedError, RPCError):
            handle = self._temporal.get_workflow_handle(case.workflow_id)
            stage = (await handle.query(CaseWorkflow.stage, rpc_timeout=QUERY_TIMEOUT)).value
        received_at = Timestamp()
        received_at.FromDatetime(case.received_at)
        return intake_pb2.GetCaseResponse(
            case=intake_pb2.Case(
                case_id=case.case_id,
                site=case.site,
                region=case.region,
                stage=f"CASE_STAGE_{stage}",
                concerns=case.concerns,
                immediate_danger=case.immediate_danger,
                child_count=case.child_count,
                received_at=received_at,
                workflow_id=case.workflow_id,
            )
        )

    async def RecordCaseStage(
        self, request: intake_pb2.RecordCaseStageRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.RecordCaseStageResponse:
        case_id = _case_id(request.case_id)
        if request.stage not in common_pb2.CaseStage.values() or request.stage == common_pb2.CASE_STAGE_UNSPECIFIED:
            raise InvalidArgument([FieldViolation("stage", "must be a known case stage")])
        stage = common_pb2.CaseStage.Name(request.stage).removeprefix("CASE_STAGE_")
        if not await self._store.record_stage(case_id, stage):
            raise NotFound("no such case")
        return intake_pb2.RecordCaseStageResponse()
