"""Data passed into, out of and between a child's plan's workflow (PlanWorkflow) and the
services: ids, staff ids, dates and statuses; never a name, and never the plan's text (its
goals' and actions' descriptions stay in the plan service's schema)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from workflows.case.model import AttentionState, ClockState, DeadlineStatus, RecordState, TimelineEntry
from workflows.common import HISTORY_LIMIT
from workflows.policy.model import PlansPolicy, Span

_PLAN = uuid.UUID("5d1c2a7e-8b4f-4c39-9e61-2f7a0b3c8d15")


def plan_id_of(case_id: str) -> str:
    """The plan of a case's child: one per case, its id derived from the case's (opaque) id."""
    return str(uuid.uuid5(_PLAN, case_id))


def plan_workflow_id(plan_id: str) -> str:
    """The plan's workflow ID: the opaque plan id only."""
    return f"plan-{plan_id}"


def is_plan_workflow(workflow_id: str) -> bool:
    return workflow_id.startswith("plan-")


class ActionStatus(StrEnum):
    """Where an action is; the names match kahu.v1.PlanActionStatus without its prefix.
    Only an OPEN action's due date runs a clock."""

    OPEN = "OPEN"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class ActionTerms:
    """What the workflow keeps of an action: its id, owner (an agency and a staff member, with
    that person's manager, the second escalation tier), due date and status."""

    action_id: str
    owner_agency: str
    owner_id: str
    owner_manager_id: str
    due_at: datetime
    status: ActionStatus = ActionStatus.OPEN


@dataclass(frozen=True)
class PlanTerms:
    """The plan as its clocks need it: the lead professional (and their manager, to whom a
    review not held escalates after them), the review date, and the actions."""

    lead_professional: str
    lead_manager_id: str
    review_due: datetime
    actions: list[ActionTerms] = field(default_factory=list)

    def action(self, action_id: str) -> ActionTerms | None:
        return next((a for a in self.actions if a.action_id == action_id), None)


@dataclass(frozen=True)
class PlanChange:
    """A new version of the plan (RevisePlan): who, why, and the terms it sets."""

    version: int
    changed_by: str
    reason: str
    terms: PlanTerms


@dataclass(frozen=True)
class ActionStatusChange:
    """An action's status recorded (RecordActionStatus), as a new version of the plan."""

    version: int
    action_id: str
    status: ActionStatus
    recorded_by: str
    note: str = ""


@dataclass(frozen=True)
class ReviewHeld:
    """A review held (RecordReview), as a new version: the next review is due at
    `next_review_due`, or the policy's interval after it was held."""

    version: int
    held_by: str
    note: str = ""
    next_review_due: datetime | None = None


@dataclass(frozen=True)
class ConsentChange:
    """The family's consent to sharing a Children's Team plan, recorded or withdrawn
    (RecordSharingConsent, WithdrawSharingConsent), as a new version: the team agencies'
    codes it shares with (none once withdrawn). Who in the family gave it stays in the
    plan service."""

    version: int
    recorded_by: str
    agencies: list[str] = field(default_factory=list)
    withdrawn: bool = False


@dataclass
class PlanResumed:
    """What a plan's run carries into the next (continue-as-new)."""

    version: int
    terms: PlanTerms
    cycles: int
    #: The running clocks by key ("action:<id>", "review"), each its state.
    clocks: dict[str, ClockState]
    record: RecordState
    attention: AttentionState
    applied_updates: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlanInput:
    plan_id: str
    case_id: str
    site: str
    region: str
    created_by: str
    terms: PlanTerms
    policy: PlansPolicy
    attention_after: Span | None = None
    history_limit: int = HISTORY_LIMIT
    resumed: PlanResumed | None = None


@dataclass(frozen=True)
class PlanClock:
    """One of the plan's running clocks: an action's (`action_id`) or the review's ("")."""

    action_id: str
    cycle: int
    status: DeadlineStatus
    reminded: bool


@dataclass(frozen=True)
class PlanView:
    """The plan's workflow as it stands (the `state` query; updates answer with it)."""

    plan_id: str
    case_id: str
    version: int
    terms: PlanTerms
    clocks: list[PlanClock]
    timeline: list[TimelineEntry]
