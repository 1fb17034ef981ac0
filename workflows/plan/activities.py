"""Activities of a child's plan's workflow beyond those every case workflow shares
(workflows/case/activities.py: raising escalations, recording events, telling a person):
thin, idempotent gRPC calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from temporalio import activity

from kahu.v1 import supervision_pb2, supervision_pb2_grpc
from services.common import convert
from workflows.case.model import DeadlineKind
from workflows.common import RPC_TIMEOUT


class PlanActivities:
    def __init__(self, supervision: grpc.aio.Channel) -> None:
        self._supervision = supervision_pb2_grpc.SupervisionServiceStub(supervision)

    @activity.defn
    async def resolve_plan_escalations(self, case_id: str, kind: DeadlineKind, cycle: int) -> None:
        """Close the open escalations of one of a plan's clocks (its kind and cycle): the
        action was done, cancelled or changed, or the review held. Safe to repeat."""
        await self._supervision.ResolveEscalations(
            supervision_pb2.ResolveEscalationsRequest(
                case_id=case_id, kind=convert.DEADLINE_KIND.to_proto(DeadlineKind(kind)), cycle=cycle
            ),
            timeout=RPC_TIMEOUT.total_seconds(),
        )

    def all(self) -> list[Callable[..., Awaitable[Any]]]:
        return [self.resolve_plan_escalations]
