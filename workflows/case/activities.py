"""Activities of the case workflows: thin, idempotent gRPC calls to the domain services,
and the working-day arithmetic that needs holiday calendars."""

from __future__ import annotations

from datetime import datetime

import grpc
from temporalio import activity

from kahu.v1 import intake_pb2, intake_pb2_grpc
from workflows.case.model import DueRequest, StageChange
from workflows.policy.working_days import due_at

RPC_TIMEOUT = 20


class CaseActivities:
    """Holds the channels the case activities call through."""

    def __init__(self, intake: grpc.aio.Channel) -> None:
        self._intake = intake_pb2_grpc.IntakeServiceStub(intake)

    @activity.defn
    async def record_case_stage(self, change: StageChange) -> None:
        """Tell intake the stage the case has reached (setting it twice is harmless)."""
        await self._intake.RecordCaseStage(
            intake_pb2.RecordCaseStageRequest(case_id=change.case_id, stage=f"CASE_STAGE_{change.stage.value}"),
            timeout=RPC_TIMEOUT,
        )

    @activity.defn
    async def compute_due_at(self, request: DueRequest) -> datetime:
        """The instant a span of working days (or seconds) after a start ends, at a site."""
        return due_at(request)
