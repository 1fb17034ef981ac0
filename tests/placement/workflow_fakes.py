"""The placement service's side of the placement search's activities, in memory and
recording each call; like the real service, a hold never takes more places than a
caregiver has free, a repeated hold id is the same hold, and a hold is released once."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Awaitable, Callable

from temporalio import activity

from workflows.placement.model import (
    CandidateRef,
    HoldOutcome,
    HoldRequest,
    ReleaseReason,
    SearchOutcome,
    SearchRequest,
    Tier,
)
from workflows.policy.loader import load_policy
from workflows.policy.model import PlacementPolicy, Span

HOUR = 3600
_SHIPPED = load_policy().case.placement
assert _SHIPPED is not None
#: The shipped placement policy in whole hours: 4 to select, a hold held for 6.
PLACEMENT_POLICY: PlacementPolicy = dataclasses.replace(
    _SHIPPED, selection_deadline=Span(seconds=4 * HOUR), hold_expiry=Span(seconds=6 * HOUR)
)

AUNTIE = "0d6f9f64-9d43-4c57-8d8b-8f0d5c5c0a01"
KORO = "0d6f9f64-9d43-4c57-8d8b-8f0d5c5c0a02"
FOSTER = "0d6f9f64-9d43-4c57-8d8b-8f0d5c5c0a03"


def candidates() -> list[CandidateRef]:
    """Whānau first: an aunt (degree 3), a grandfather on the iwi's rohe, a non-kin carer."""
    return [
        CandidateRef(AUNTIE, Tier.WHANAU, 1, 1, kinship_degree=3),
        CandidateRef(KORO, Tier.IWI, 2, 1),
        CandidateRef(FOSTER, Tier.NON_KIN, 3, 1),
    ]


class RecordedPlacementActivities:
    def __init__(self) -> None:
        self.candidates: list[CandidateRef] = candidates()
        self.children = 1
        self.free: dict[str, int] = {AUNTIE: 1, KORO: 1, FOSTER: 2}
        self.searches: list[SearchRequest] = []
        self.holds: dict[str, HoldRequest] = {}
        self.confirmed: list[str] = []
        self.releases: list[tuple[str, ReleaseReason]] = []
        self.policy_reads = 0

    @activity.defn(name="search_placements")
    async def search_placements(self, request: SearchRequest) -> SearchOutcome:
        self.searches.append(request)
        if not self.children:
            return SearchOutcome(request.search_id, [], {}, 0)
        return SearchOutcome(request.search_id, list(self.candidates), {"NO_CAPACITY": 2}, self.children)

    @activity.defn(name="hold_places")
    async def hold_places(self, request: HoldRequest) -> HoldOutcome:
        if request.hold_id in self.holds:
            return HoldOutcome(held=True)
        free = self.free.get(request.caregiver_id, 0)
        if free < request.places:
            return HoldOutcome(held=False, reason=f"the caregiver has {free} place(s) free, {request.places} wanted")
        self.free[request.caregiver_id] = free - request.places
        self.holds[request.hold_id] = request
        return HoldOutcome(held=True)

    @activity.defn(name="confirm_hold")
    async def confirm_hold(self, hold_id: str) -> None:
        if hold_id not in self.confirmed:
            self.confirmed.append(hold_id)

    @activity.defn(name="release_hold")
    async def release_hold(self, hold_id: str, reason: ReleaseReason) -> bool:
        first = all(h != hold_id for h, _ in self.releases)
        self.releases.append((hold_id, reason))
        if first:
            hold = self.holds[hold_id]
            self.free[hold.caregiver_id] += hold.places
        return first

    @activity.defn(name="current_placement_policy")
    async def current_placement_policy(self) -> PlacementPolicy:
        self.policy_reads += 1
        return PLACEMENT_POLICY

    def release_calls(self) -> Counter[str]:
        """How often each hold was released."""
        return Counter(hold_id for hold_id, _ in self.releases)

    def all(self) -> list[Callable[..., Awaitable[object]]]:
        return [
            self.search_placements,
            self.hold_places,
            self.confirm_hold,
            self.release_hold,
            self.current_placement_policy,
        ]
