"""Activities of the placement search: thin, idempotent gRPC calls to the placement service.

Each is safe to repeat: a search is recorded under its search id (a retry gets the same
answer), a hold under its hold id, and confirming or releasing a hold twice changes
nothing the second time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from temporalio import activity

from kahu.v1 import placement_pb2, placement_pb2_grpc
from services.common import convert
from services.placement.convert import RELEASE_REASON, outcome_from_proto
from workflows.common import RPC_TIMEOUT
from workflows.placement.model import HoldOutcome, HoldRequest, ReleaseReason, SearchOutcome, SearchRequest
from workflows.policy.loader import load_policy
from workflows.policy.model import PlacementPolicy


class PlacementActivities:
    def __init__(self, placement: grpc.aio.Channel) -> None:
        self._placement = placement_pb2_grpc.PlacementServiceStub(placement)

    @activity.defn
    async def search_placements(self, request: SearchRequest) -> SearchOutcome:
        """Search for the case's linked children; none linked is an empty outcome."""
        try:
            response = await self._placement.SearchForCase(
                placement_pb2.SearchForCaseRequest(
                    case_id=request.case_id,
                    search_id=request.search_id,
                    max_candidates=request.max_candidates,
                    max_kinship_degree=request.max_kinship_degree,
                ),
                timeout=RPC_TIMEOUT.total_seconds(),
            )
        except grpc.aio.AioRpcError as err:
            if err.code() != grpc.StatusCode.FAILED_PRECONDITION:
                raise
            return SearchOutcome(search_id=request.search_id, candidates=[], excluded={}, children=0)
        return outcome_from_proto(response)

    @activity.defn
    async def hold_places(self, request: HoldRequest) -> HoldOutcome:
        """Hold the places; a caregiver who cannot take them now is an answer, not a failure."""
        try:
            await self._placement.HoldPlaces(
                placement_pb2.HoldPlacesRequest(
                    hold_id=request.hold_id,
                    caregiver_id=request.caregiver_id,
                    case_id=request.case_id,
                    places=request.places,
                    expires_at=convert.timestamp(request.expires_at),
                ),
                timeout=RPC_TIMEOUT.total_seconds(),
            )
        except grpc.aio.AioRpcError as err:
            if err.code() != grpc.StatusCode.FAILED_PRECONDITION:
                raise
            return HoldOutcome(held=False, reason=err.details() or "not available")
        return HoldOutcome(held=True)

    @activity.defn
    async def confirm_hold(self, hold_id: str) -> None:
        await self._placement.ConfirmHold(
            placement_pb2.ConfirmHoldRequest(hold_id=hold_id), timeout=RPC_TIMEOUT.total_seconds()
        )

    @activity.defn
    async def release_hold(self, hold_id: str, reason: ReleaseReason) -> bool:
        """Give the places back; True only for the call that released them."""
        response = await self._placement.ReleaseHold(
            placement_pb2.ReleaseHoldRequest(hold_id=hold_id, reason=RELEASE_REASON.to_proto(reason)),
            timeout=RPC_TIMEOUT.total_seconds(),
        )
        released: bool = response.released
        return released

    @activity.defn
    async def current_placement_policy(self) -> PlacementPolicy:
        """The placement policy in force, for a case started before it existed."""
        placement = load_policy().case.placement
        assert placement is not None  # the loader requires it
        return placement

    def all(self) -> list[Callable[..., Awaitable[Any]]]:
        return [
            self.search_placements,
            self.hold_places,
            self.confirm_hold,
            self.release_hold,
            self.current_placement_policy,
        ]
