"""Activities of the conference workflow: thin, idempotent gRPC calls to the conference
service (and to the plan service, for an agreed plan), and the statutory day count."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from temporalio import activity

from kahu.v1 import conference_pb2, conference_pb2_grpc, plan_pb2, plan_pb2_grpc
from services.common.convert import timestamp
from services.conference import convert
from workflows.common import KAHU_ACTOR, RPC_TIMEOUT
from workflows.conference.clock import due_after
from workflows.conference.model import (
    ConferenceDeadline,
    ConferenceEscalation,
    ConferenceEscalationLevel,
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
)


class ConferenceActivities:
    """Holds the channel to the conference service. Every call is safe to repeat: the
    service keys what it records (the conference by id, a booking by conference and round,
    an invitation by booking and participant, an escalation by conference, deadline, level
    and round, the referral by conference; the child's plan made of an agreed plan by a key
    derived from the conference's id)."""

    def __init__(self, conference: grpc.aio.Channel, plan: grpc.aio.Channel | None = None) -> None:
        self._conference = conference_pb2_grpc.ConferenceServiceStub(conference)
        self._plan = plan_pb2_grpc.PlanServiceStub(plan) if plan is not None else None

    @activity.defn
    async def statutory_due(self, request: DayCount) -> Due:
        """The end of the Nth day after the local date of the start (Pacific/Auckland)."""
        return due_after(request)

    @activity.defn
    async def open_conference(self, opening: ConferenceOpening) -> ConferenceStaff:
        """Record the conference (a case's, the first time) and learn its coordinator."""
        response = await self._conference.OpenConference(
            conference_pb2.OpenConferenceRequest(
                conference_id=opening.conference_id,
                case_id=opening.case_id or "",
                site=opening.site,
                trigger=conference_pb2.ConferenceTrigger(
                    kind=convert.TRIGGER.to_proto(opening.trigger),
                    triggered_at=timestamp(opening.triggered_at),
                    detained=opening.detained,
                    offence_max_years=opening.offence_max_years,
                ),
                convening_due=timestamp(opening.convening_due),
                scheduling=convert.scheduling_to_proto(opening.policy),
            ),
            timeout=RPC_TIMEOUT.total_seconds(),
        )
        return ConferenceStaff(coordinator_id=response.coordinator_id, manager_id=response.manager_id)

    @activity.defn
    async def hold_slot(self, request: HoldRequest) -> HoldResult:
        """Book the round's slot (a retry finds the round's booking)."""
        choice = request.choice
        message = conference_pb2.HoldSlotRequest(
            conference_id=request.conference_id,
            round=request.round,
            not_before=timestamp(request.not_before),
            until=timestamp(request.until),
            booked_by=choice.chosen_by if choice else KAHU_ACTOR,
            late_reason=choice.late_reason if choice else "",
            participant_ids=request.participants,
            venue_id=request.venue_id or "",
            required_ids=request.required,
        )
        if choice is not None:
            message.slot.CopyFrom(
                conference_pb2.ConferenceSlot(start=timestamp(choice.start), venue_id=choice.venue_id)
            )
        response = await self._conference.HoldSlot(message, timeout=RPC_TIMEOUT.total_seconds())
        return HoldResult(convert.booking_from_proto(response.booking) if response.HasField("booking") else None)

    @activity.defn
    async def release_booking(self, round_: InvitationRound) -> None:
        await self._conference.ReleaseBooking(
            conference_pb2.ReleaseBookingRequest(conference_id=round_.conference_id, round=round_.round),
            timeout=RPC_TIMEOUT.total_seconds(),
        )

    @activity.defn
    async def send_invitations(self, round_: InvitationRound) -> Invitations:
        """Invite everyone not yet invited to the round's booking."""
        response = await self._conference.SendInvitations(
            conference_pb2.SendInvitationsRequest(
                conference_id=round_.conference_id, round=round_.round, participant_ids=round_.participants
            ),
            timeout=RPC_TIMEOUT.total_seconds(),
        )
        return Invitations(invited=response.invited, conflicts=list(response.conflicts))

    @activity.defn
    async def raise_conference_escalation(self, escalation: ConferenceEscalation) -> None:
        await self._conference.RaiseConferenceEscalation(
            conference_pb2.RaiseConferenceEscalationRequest(escalation=convert.escalation_to_proto(escalation)),
            timeout=RPC_TIMEOUT.total_seconds(),
        )

    @activity.defn
    async def resolve_conference_escalations(
        self, conference_id: str, deadline: ConferenceDeadline, level: ConferenceEscalationLevel | None = None
    ) -> None:
        """Resolve the open escalations of a deadline (of one level, when given)."""
        await self._conference.ResolveConferenceEscalations(
            conference_pb2.ResolveConferenceEscalationsRequest(
                conference_id=conference_id,
                deadline=convert.DEADLINE.to_proto(deadline),
                level=convert.LEVEL.to_proto(level),
            ),
            timeout=RPC_TIMEOUT.total_seconds(),
        )

    @activity.defn
    async def refer_back(self, conference_id: str) -> None:
        """Record the referral back to the court or Police (one per conference)."""
        await self._conference.ReferBack(
            conference_pb2.ReferBackRequest(conference_id=conference_id), timeout=RPC_TIMEOUT.total_seconds()
        )

    @activity.defn
    async def create_conference_plan(self, handoff: PlanHandoff) -> PlanMade:
        """Make the child's plan of the conference's agreed plan (PlanService.MakeConferencePlan),
        exactly once: the idempotency key is derived from the conference's id, so a retry, or
        a second call, answers with the plan the first made. The plan's text passes through
        here, never through the workflow."""
        assert self._plan is not None, "the worker reaches the plan service"
        agreed = await self._conference.GetAgreedPlan(
            conference_pb2.GetAgreedPlanRequest(conference_id=handoff.conference_id),
            timeout=RPC_TIMEOUT.total_seconds(),
        )
        made = await self._plan.MakeConferencePlan(
            plan_pb2.MakeConferencePlanRequest(
                idempotency_key=conference_plan_key(handoff.conference_id),
                case_id=agreed.case_id,
                conference_id=handoff.conference_id,
                created_by=agreed.recorded_by,
                content=agreed.plan,
            ),
            timeout=RPC_TIMEOUT.total_seconds(),
        )
        return PlanMade(made.plan.plan_id)

    def all(self) -> list[Callable[..., Awaitable[Any]]]:
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


def conference_plan_key(conference_id: str) -> str:
    """The idempotency key of the child's plan made of a conference's agreed plan."""
    return f"conference-plan:{conference_id}"
