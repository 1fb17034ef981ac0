"""The conference service's side of the conference workflow's activities, in memory and
recording each call (as the real service does, an escalation's key is recorded once), and
conference inputs to start from."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ApplicationError

from workflows.common import REFUSED
from workflows.conference.clock import due_after
from workflows.conference.model import (
    Booking,
    ConferenceDeadline,
    ConferenceEscalation,
    ConferenceEscalationLevel,
    ConferenceInput,
    ConferenceOpening,
    ConferenceStaff,
    DayCount,
    Due,
    HoldRequest,
    HoldResult,
    InvitationRound,
    Invitations,
    PlanHandoff,
    PlanMade,
    conference_workflow_id,
)
from workflows.conference.workflows import YouthJusticeConferenceWorkflow
from workflows.plan.model import plan_id_of
from workflows.policy.loader import load_policy
from workflows.policy.model import Span, TriggerKind, YouthJusticePolicy

HOUR = timedelta(hours=1)
_SHIPPED = load_policy().case.youth_justice
assert _SHIPPED is not None
#: The shipped youth justice policy, searching again once a day rather than every few hours.
YJ_POLICY: YouthJusticePolicy = dataclasses.replace(_SHIPPED, rescan_every=Span(seconds=24 * 3600))
_CARE = load_policy().case.care_and_protection
assert _CARE is not None
#: The shipped care and protection policy, as a conference's workflow runs it (searching
#: again once a day).
CARE_POLICY: YouthJusticePolicy = dataclasses.replace(_CARE.conference_policy(), rescan_every=Span(seconds=24 * 3600))
STAFF = ConferenceStaff(coordinator_id="yjc-1", manager_id="mgr-1")
VENUE = "venue-1"

EscalationKey = tuple[ConferenceDeadline, ConferenceEscalationLevel, int]


class RecordedConferenceActivities:
    """Slots are free on the hour from `available_from` on (None: no slot at all), except
    the starts in `taken`; a booking's start is taken once it is released (its required
    participant declined, or it was rescheduled)."""

    def __init__(self, policy: YouthJusticePolicy = YJ_POLICY) -> None:
        self.length = timedelta(seconds=policy.conference_length.seconds)
        self.available_from: datetime | None = datetime(2000, 1, 1, tzinfo=UTC)
        self.taken: set[datetime] = set()
        self.conflicts: list[str] = []
        self.opened: list[ConferenceOpening] = []
        self.holds: list[HoldRequest] = []
        self.bookings: dict[tuple[str, int], Booking] = {}
        self.released: list[InvitationRound] = []
        self.invitations: list[InvitationRound] = []
        self.escalations: dict[
            tuple[str, ConferenceDeadline, ConferenceEscalationLevel, int], ConferenceEscalation
        ] = {}
        self.escalation_calls = 0
        self.resolved: list[tuple[ConferenceDeadline, ConferenceEscalationLevel | None]] = []
        self.referred: list[str] = []
        #: The agreed plans made the child's plan (PlanService), each once per conference.
        self.plans: dict[str, PlanHandoff] = {}
        #: Calls the service refuses, by activity (as tests/workflows/scenarios.py).
        self.refusals: dict[str, int] = {}

    @activity.defn(name="statutory_due")
    async def statutory_due(self, request: DayCount) -> Due:
        return due_after(request)

    @activity.defn(name="open_conference")
    async def open_conference(self, opening: ConferenceOpening) -> ConferenceStaff:
        if self.refusals.get("open_conference", 0) > 0:
            self.refusals["open_conference"] -= 1
            raise ApplicationError("NOT_FOUND: no coordinator at the site", "trace-2", type=REFUSED, non_retryable=True)
        self.opened.append(opening)
        return STAFF

    def _free(self, request: HoldRequest) -> datetime | None:
        if request.choice is not None:
            return None if request.choice.start in self.taken else request.choice.start
        if self.available_from is None:
            return None
        start = max(request.not_before, self.available_from)
        start = start.replace(minute=0, second=0, microsecond=0) + (
            HOUR if start.minute or start.second else timedelta()
        )
        while start in self.taken:
            start += HOUR
        return start if start + self.length <= request.until else None

    @activity.defn(name="hold_slot")
    async def hold_slot(self, request: HoldRequest) -> HoldResult:
        self.holds.append(request)
        key = (request.conference_id, request.round)
        if key in self.bookings:
            return HoldResult(self.bookings[key])
        start = self._free(request)
        if start is None:
            return HoldResult(None)
        choice = request.choice
        booking = Booking(
            round=request.round,
            start=start,
            end=start + self.length,
            venue_id=choice.venue_id if choice else (request.venue_id or VENUE),
            booked_by=choice.chosen_by if choice else "kahu",
            late_reason=choice.late_reason if choice else "",
        )
        self.bookings[key] = booking
        return HoldResult(booking)

    @activity.defn(name="release_booking")
    async def release_booking(self, round_: InvitationRound) -> None:
        self.released.append(round_)
        booking = self.bookings.get((round_.conference_id, round_.round))
        if booking is not None:
            self.taken.add(booking.start)

    @activity.defn(name="send_invitations")
    async def send_invitations(self, round_: InvitationRound) -> Invitations:
        self.invitations.append(round_)
        conflicts, self.conflicts = self.conflicts, []
        return Invitations(invited=5, conflicts=conflicts)

    @activity.defn(name="raise_conference_escalation")
    async def raise_conference_escalation(self, escalation: ConferenceEscalation) -> None:
        self.escalation_calls += 1
        key = (escalation.conference_id, escalation.deadline, escalation.level, escalation.round)
        self.escalations.setdefault(key, escalation)

    @activity.defn(name="resolve_conference_escalations")
    async def resolve_conference_escalations(
        self, conference_id: str, deadline: ConferenceDeadline, level: ConferenceEscalationLevel | None = None
    ) -> None:
        self.resolved.append((deadline, level))

    @activity.defn(name="refer_back")
    async def refer_back(self, conference_id: str) -> None:
        self.referred.append(conference_id)

    @activity.defn(name="create_conference_plan")
    async def create_conference_plan(self, handoff: PlanHandoff) -> PlanMade:
        if self.refusals.get("create_conference_plan", 0) > 0:
            self.refusals["create_conference_plan"] -= 1
            raise ApplicationError("ALREADY_EXISTS: the case has a plan", "trace-3", type=REFUSED, non_retryable=True)
        self.plans.setdefault(handoff.conference_id, handoff)
        assert handoff.case_id is not None
        return PlanMade(plan_id_of(handoff.case_id))

    def raised(self) -> list[EscalationKey]:
        """(deadline, level, round) of each escalation, in the order raised."""
        return [(e.deadline, e.level, e.round) for e in self.escalations.values()]

    def all(self) -> list[Callable[..., Awaitable[object]]]:
        return [
            self.statutory_due,
            self.open_conference,
            self.hold_slot,
            self.release_booking,
            self.send_invitations,
            self.raise_conference_escalation,
            self.resolve_conference_escalations,
            self.refer_back,
            self.create_conference_plan,
        ]


def conference_input(triggered_at: datetime, **changes: object) -> ConferenceInput:
    """A Police intention to charge at `triggered_at`, the young person already added
    (under YJ_POLICY unless `policy` says otherwise)."""
    base = ConferenceInput(
        conference_id=str(uuid.uuid4()),
        site="hutt",
        region="greater-wellington",
        trigger=TriggerKind.INTENTION_TO_CHARGE,
        triggered_at=triggered_at,
        detained=False,
        offence_max_years=3,
        policy=YJ_POLICY,
        young_person_added=True,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


async def start_conference(client: Client, task_queue: str, conference: ConferenceInput) -> WorkflowHandle:
    return await client.start_workflow(
        YouthJusticeConferenceWorkflow.run,
        conference,
        id=conference_workflow_id(conference.conference_id),
        task_queue=task_queue,
    )
