"""Activities of the case workflow: thin, idempotent gRPC calls to the domain services."""

from __future__ import annotations

import grpc
from temporalio import activity

from kahu.v1 import intake_pb2, intake_pb2_grpc
from workflows.case.model import StageChange


class CaseActivities:
    """Holds the channels the case activities call through."""

    def __init__(self, intake: grpc.aio.Channel) -> None:
        self._intake = intake_pb2_grpc.IntakeServiceStub(intake)

    @activity.defn
    async def record_case_stage(self, change: StageChange) -> None:
        """Tell intake the stage the case has reached (setting it twice is harmless)."""
        await self._intake.RecordCaseStage(
            intake_pb2.RecordCaseStageRequest(case_id=change.case_id, stage=f"CASE_STAGE_{change.stage.value}"),
            timeout=20,
        )
