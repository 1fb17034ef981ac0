"""Data of the placement search workflow: ids, tiers and counts; never a name or a need.

Candidates' names and the reasons for their ranks stay in the placement service (which
records each search), so the workflow carries caregiver ids and tiers only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from workflows.case.model import (
    AttentionState,
    ClockState,
    DeadlineStatus,
    PlacementRecord,
    RecordState,
    TimelineEntry,
)
from workflows.common import HISTORY_LIMIT
from workflows.policy.model import EscalationTier, PlacementPolicy, Span


class Tier(StrEnum):
    """The search's tiers, best first; the names match kahu.v1.PlacementTier."""

    WHANAU = "WHANAU"
    HAPU = "HAPU"
    IWI = "IWI"
    FAMILY_NETWORK = "FAMILY_NETWORK"
    NON_KIN = "NON_KIN"
    RESIDENCE = "RESIDENCE"


class SearchStage(StrEnum):
    """Where a placement search is; the names match kahu.v1.PlacementSearchStage."""

    SEARCHING = "SEARCHING"
    AWAITING_SELECTION = "AWAITING_SELECTION"
    AWAITING_CAREGIVER = "AWAITING_CAREGIVER"
    PLACED = "PLACED"


class HoldStatus(StrEnum):
    """A hold's life in the workflow: HELD until confirmed, declined or expired; a declined
    or expired hold is released exactly once."""

    HELD = "HELD"
    CONFIRMING = "CONFIRMING"
    CONFIRMED = "CONFIRMED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"
    RELEASED = "RELEASED"


class ReleaseReason(StrEnum):
    """Why held places go back; the names match kahu.v1.ReleaseReason."""

    EXPIRED = "EXPIRED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"


@dataclass(frozen=True)
class CandidateRef:
    """A ranked candidate, as the workflow keeps it."""

    caregiver_id: str
    tier: Tier
    rank: int
    places: int
    kinship_degree: int = 0


@dataclass(frozen=True)
class SearchRequest:
    """Search for the case's linked children; the service records the result under
    `search_id`, so a retried activity gets the same answer."""

    case_id: str
    search_id: str
    max_kinship_degree: int
    max_candidates: int


@dataclass(frozen=True)
class SearchOutcome:
    search_id: str
    candidates: list[CandidateRef]
    #: Caregivers left out, by reason (kahu.v1.ExclusionReason names without prefix).
    excluded: dict[str, int]
    #: How many children the search was for (0: none are linked to the case).
    children: int


@dataclass(frozen=True)
class HoldRequest:
    hold_id: str
    case_id: str
    caregiver_id: str
    places: int
    expires_at: datetime


@dataclass(frozen=True)
class HoldOutcome:
    """Whether the places were held; when not, why (e.g. the caregiver has no place left)."""

    held: bool
    reason: str = ""


@dataclass(frozen=True)
class Selection:
    """A social worker selects a candidate."""

    selected_by: str
    caregiver_id: str
    reason: str


@dataclass(frozen=True)
class CaregiverAnswer:
    """The held caregiver's answer, recorded by a social worker."""

    recorded_by: str
    accepted: bool
    note: str = ""


@dataclass(frozen=True)
class SearchRerun:
    requested_by: str
    reason: str


@dataclass
class HoldState:
    hold_id: str
    caregiver_id: str
    tier: Tier
    places: int
    expires_at: datetime
    selected_by: str
    status: HoldStatus = HoldStatus.HELD


@dataclass(frozen=True)
class PlacementInput:
    case_id: str
    site: str
    region: str
    #: None for cases started before the placement search existed: the workflow reads the
    #: policy in force then (an activity).
    policy: PlacementPolicy | None
    escalation: list[EscalationTier]
    resumed: PlacementSnapshot | None = None
    history_limit: int = HISTORY_LIMIT
    #: The case policy's `attention_after` (None in searches started before it existed).
    attention_after: Span | None = None
    #: The case started it under patch `child-clock-recorded`: its clock reaches the case's
    #: record with its own batches, and is not signalled to the case.
    clock_recorded: bool = False


@dataclass
class PlacementSnapshot:
    """Everything the placement workflow carries across continue-as-new."""

    policy: PlacementPolicy
    search: SearchOutcome | None = None
    searches: int = 0
    #: Candidates of the current search with no place left when selected.
    unavailable: list[str] = field(default_factory=list)
    #: Caregivers who declined this case's children (never selectable again).
    declined: list[str] = field(default_factory=list)
    hold: HoldState | None = None
    released: list[str] = field(default_factory=list)
    clock: ClockState | None = None
    cycles: int = 0
    placement: PlacementRecord | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    #: Ids of the updates applied (workflows/applied_updates.py), the last MAX_REMEMBERED.
    applied_updates: list[str] = field(default_factory=list)
    attention: AttentionState = field(default_factory=AttentionState)
    #: The search's part of the case's record in PostgreSQL (workflows/record.py).
    record: RecordState = field(default_factory=RecordState)


@dataclass(frozen=True)
class PlacementView:
    """The placement search as the `state` query returns it."""

    case_id: str
    stage: SearchStage
    search_id: str | None
    candidates: list[CandidateRef]
    excluded: dict[str, int]
    unavailable: list[str]
    hold: HoldState | None
    deadline: DeadlineStatus | None
    placement: PlacementRecord | None
    timeline: list[TimelineEntry]


@dataclass(frozen=True)
class PlacementStanding:
    """Where a case's placement search stands, as its workflow sees it: its `state` without
    the timeline (the recorded events carry it), for the search's record in PostgreSQL
    (workflows/record.py). The hold is a copy: a change to the workflow's is a new standing."""

    stage: SearchStage
    search_id: str | None
    candidates: list[CandidateRef]
    excluded: dict[str, int]
    unavailable: list[str]
    hold: HoldState | None
    deadline: DeadlineStatus | None
    placement: PlacementRecord | None


@dataclass(frozen=True)
class PlacementResult:
    placement: PlacementRecord
    timeline: list[TimelineEntry]
