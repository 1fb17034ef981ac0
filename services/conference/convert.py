"""Conversions between kahu.v1 conference messages and the conference workflow's
dataclasses (used by the worker's activities too) or the service's records."""

from __future__ import annotations

import datetime as dt

from kahu.v1 import conference_pb2, intake_pb2
from services.common.convert import EnumMap, events_to_proto, from_timestamp, timeline_to_proto, timestamp
from services.conference.records import (
    BookingRow,
    ConsultationRow,
    EscalationRow,
    ParticipantRow,
    PlanRow,
    Scheduling,
    Trigger,
)
from services.conference.slots import Slot
from workflows.conference import model
from workflows.policy.model import ConferenceHours, TriggerKind, YouthJusticePolicy
from workflows.record_model import RecordBatch

TRIGGER = EnumMap(TriggerKind, conference_pb2.TriggerKind, "TRIGGER_KIND_")
ROLE = EnumMap(model.ParticipantRole, conference_pb2.ParticipantRole, "PARTICIPANT_ROLE_")
RESPONSE = EnumMap(model.InvitationResponse, conference_pb2.InvitationResponse, "INVITATION_RESPONSE_")
STAGE = EnumMap(model.ConferenceStage, conference_pb2.ConferenceStage, "CONFERENCE_STAGE_")
DEADLINE = EnumMap(model.ConferenceDeadline, conference_pb2.ConferenceDeadline, "CONFERENCE_DEADLINE_")
LEVEL = EnumMap(
    model.ConferenceEscalationLevel, conference_pb2.ConferenceEscalationLevel, "CONFERENCE_ESCALATION_LEVEL_"
)
ROUTE = EnumMap(model.NoAgreementRoute, conference_pb2.NoAgreementRoute, "NO_AGREEMENT_ROUTE_")
ENUMS = (TRIGGER, ROLE, RESPONSE, STAGE, DEADLINE, LEVEL, ROUTE)


def scheduling_of(policy: YouthJusticePolicy) -> Scheduling:
    return Scheduling(
        minimum_notice=policy.minimum_notice.seconds,
        length=policy.conference_length.seconds,
        granularity=policy.slot_granularity.seconds,
        hours=policy.conference_hours,
    )


def scheduling_to_proto(policy: YouthJusticePolicy) -> conference_pb2.ConferenceScheduling:
    s = scheduling_of(policy)
    return conference_pb2.ConferenceScheduling(
        minimum_notice_seconds=s.minimum_notice,
        length_seconds=s.length,
        granularity_seconds=s.granularity,
        iso_weekdays=[d + 1 for d in s.hours.weekdays],
        start_minute=s.hours.start_minute,
        end_minute=s.hours.end_minute,
        public_holidays=s.hours.public_holidays,
    )


def scheduling_from_proto(message: conference_pb2.ConferenceScheduling) -> Scheduling:
    return Scheduling(
        minimum_notice=message.minimum_notice_seconds,
        length=message.length_seconds,
        granularity=message.granularity_seconds,
        hours=ConferenceHours(
            weekdays=sorted(d - 1 for d in message.iso_weekdays),
            start_minute=message.start_minute,
            end_minute=message.end_minute,
            public_holidays=message.public_holidays,
        ),
    )


def booking_to_proto(booking: model.Booking, venue_name: str = "") -> conference_pb2.ConferenceBooking:
    return conference_pb2.ConferenceBooking(
        round=booking.round,
        slot=conference_pb2.ConferenceSlot(
            start=timestamp(booking.start),
            end=timestamp(booking.end),
            venue_id=booking.venue_id,
            venue_name=venue_name,
        ),
        booked_by=booking.booked_by,
        late_reason=booking.late_reason,
    )


def booking_from_proto(message: conference_pb2.ConferenceBooking) -> model.Booking:
    return model.Booking(
        round=message.round,
        start=from_timestamp(message.slot.start),
        end=from_timestamp(message.slot.end),
        venue_id=message.slot.venue_id,
        booked_by=message.booked_by,
        late_reason=message.late_reason,
    )


def escalation_to_proto(e: model.ConferenceEscalation) -> conference_pb2.ConferenceEscalation:
    return conference_pb2.ConferenceEscalation(
        conference_id=e.conference_id,
        workflow_id=e.workflow_id,
        deadline=DEADLINE.to_proto(e.deadline),
        level=LEVEL.to_proto(e.level),
        round=e.round,
        manager_id=e.manager_id,
        coordinator_id=e.coordinator_id,
        site=e.site,
        region=e.region,
        due_at=timestamp(e.due_at),
    )


def state_to_proto(view: model.ConferenceView) -> conference_pb2.ConferenceState:
    state = conference_pb2.ConferenceState(
        conference_id=view.conference_id,
        stage=STAGE.to_proto(view.stage),
        round=view.round,
        breached=[DEADLINE.to_proto(d) for d in view.breached],
        advocate_required=view.advocate_required,
        advocate_appointed=view.advocate_appointed,
        young_person_added=view.young_person_added,
        timeline=timeline_to_proto(view.timeline),
    )
    if view.convening_due is not None:
        state.convening_due.CopyFrom(timestamp(view.convening_due))
    if view.completion_due is not None:
        state.completion_due.CopyFrom(timestamp(view.completion_due))
    if view.booking is not None:
        state.booking.CopyFrom(booking_to_proto(view.booking))
    if view.care_and_protection:
        state.care_and_protection = True
        consulted = view.consultation
        if consulted is not None:
            state.consulted = True
            if consulted.not_before is not None:
                state.preferred_not_before.CopyFrom(timestamp(consulted.not_before))
            if consulted.not_after is not None:
                state.preferred_not_after.CopyFrom(timestamp(consulted.not_after))
            state.preferred_venue_id = consulted.venue_id or ""
        held = view.held
        if held is not None:
            state.private_time.minutes = held.private_time_minutes
            state.private_time.declined = held.private_time_declined
    return state


def standing_to_proto(
    standing: model.ConferenceStanding, conference_id: str, version: int
) -> conference_pb2.ConferenceStanding:
    """Where the conference stands: its state as the workflow's view shows it, without the
    timeline."""
    view = model.ConferenceView(
        conference_id=conference_id,
        stage=standing.stage,
        round=standing.round,
        convening_due=standing.convening_due,
        completion_due=standing.completion_due,
        breached=standing.breached,
        booking=standing.booking,
        advocate_required=standing.advocate_required,
        advocate_appointed=standing.advocate_appointed,
        young_person_added=standing.young_person_added,
        escalations=[],
        outcome=None,
        timeline=[],
        care_and_protection=standing.care_and_protection,
        consultation=standing.consultation,
        held=standing.held,
    )
    return conference_pb2.ConferenceStanding(version=version, state=state_to_proto(view))


def record_to_proto(batch: RecordBatch) -> conference_pb2.RecordConferenceRequest:
    """A conference workflow's record batch as the conference service records it."""
    conference_id = model.conference_id_of(batch.workflow_id)
    request = conference_pb2.RecordConferenceRequest(
        conference_id=conference_id,
        case_id=batch.case_id,
        site=batch.site,
        region=batch.region,
        events=[
            intake_pb2.CaseEvent(event_id=event.event_id, entry=entry)
            for event, entry in zip(batch.events, events_to_proto(batch), strict=True)
        ],
    )
    if batch.conference is not None:
        request.standing.CopyFrom(standing_to_proto(batch.conference, conference_id, batch.version))
    return request


def slot_to_proto(s: Slot) -> conference_pb2.ConferenceSlot:
    return conference_pb2.ConferenceSlot(
        start=timestamp(dt.datetime.fromtimestamp(s.start, dt.UTC)),
        end=timestamp(dt.datetime.fromtimestamp(s.end, dt.UTC)),
        venue_id=s.venue_id,
        venue_name=s.venue_name,
    )


def trigger_to_proto(t: Trigger) -> conference_pb2.ConferenceTrigger:
    message = conference_pb2.ConferenceTrigger(
        kind=TRIGGER.to_proto(t.kind),
        triggered_at=timestamp(t.triggered_at),
        detained=t.detained,
        offence_max_years=t.offence_max_years,
        reference=t.reference,
    )
    if t.court_convene_by is not None:
        message.court_convene_by.CopyFrom(timestamp(t.court_convene_by))
    if t.court_report_by is not None:
        message.court_report_by.CopyFrom(timestamp(t.court_report_by))
    return message


def participant_to_proto(p: ParticipantRow) -> conference_pb2.ConferenceParticipant:
    return conference_pb2.ConferenceParticipant(
        participant_id=p.participant_id,
        role=ROLE.to_proto(p.role),
        required=p.required,
        name=p.name,
        contact=p.contact,
        staff_id=p.staff_id or "",
        invited=p.invited,
        response=RESPONSE.to_proto(p.response),
        views=p.views,
    )


def escalation_row_to_proto(row: EscalationRow) -> conference_pb2.ConferenceEscalation:
    message = escalation_to_proto(row.escalation)
    message.escalation_id = row.escalation_id
    message.raised_at.CopyFrom(timestamp(row.raised_at))
    message.resolved = row.resolved
    return message


def outcome_to_proto(plan: PlanRow) -> conference_pb2.ConferenceOutcome:
    message = conference_pb2.ConferenceOutcome(
        agreed=plan.agreed,
        plan_actions=plan.actions,
        reason=plan.reason,
        recorded_by=plan.recorded_by,
        recorded_at=timestamp(plan.recorded_at),
        referred_back=plan.referred_back,
        route=ROUTE.to_proto(plan.route),
    )
    if plan.content is not None:
        message.plan.ParseFromString(plan.content)
    return message


def consultation_to_proto(row: ConsultationRow) -> conference_pb2.ConferenceConsultation:
    message = conference_pb2.ConferenceConsultation(
        venue_id=row.venue_id or "",
        attendee_ids=row.attendee_ids,
        notes=row.notes,
        not_practicable_reason=row.not_practicable_reason,
        recorded_by=row.recorded_by,
        recorded_at=timestamp(row.recorded_at),
    )
    if row.not_before is not None:
        message.not_before.CopyFrom(timestamp(row.not_before))
    if row.not_after is not None:
        message.not_after.CopyFrom(timestamp(row.not_after))
    return message


def booking_row_to_proto(row: BookingRow) -> conference_pb2.ConferenceBooking:
    return booking_to_proto(row.booking, row.venue_name)
