"""The conference service's records, as the stores read them and the conversions and
checks take them: a conference row, its trigger and scheduling, participants, escalations,
the plan and bookings, and the conference workflow's own record. Nothing here imports the
rest of the service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.common.authz import Place
from services.common.events import Event
from services.conference import slots
from workflows.case.model import TimelineEntry
from workflows.conference.model import (
    Booking,
    ConferenceEscalation,
    InvitationResponse,
    NoAgreementRoute,
    ParticipantRole,
)
from workflows.policy.model import ConferenceHours, TriggerKind


@dataclass(frozen=True)
class Trigger:
    kind: TriggerKind
    triggered_at: dt.datetime
    detained: bool
    offence_max_years: int
    reference: str
    #: A court's direction: the court's dates (held by, reported to the court by).
    court_convene_by: dt.datetime | None = None
    court_report_by: dt.datetime | None = None


@dataclass(frozen=True)
class Scheduling:
    """How a conference's slots are found (seconds; local minutes)."""

    minimum_notice: int
    length: int
    granularity: int
    hours: ConferenceHours


@dataclass(frozen=True)
class ConferenceRow:
    conference_id: str
    workflow_id: str
    case_id: str | None
    site: str
    region: str
    trigger: Trigger
    coordinator_id: str
    manager_id: str
    convening_due: dt.datetime | None
    request_digest: bytes | None
    scheduling: Scheduling
    started_by_agency: str = ""

    @property
    def rules(self) -> slots.Rules:
        s = self.scheduling
        return slots.Rules(length=s.length, granularity=s.granularity, hours=s.hours, site=self.site)


@dataclass(frozen=True)
class ParticipantRow:
    participant_id: str
    role: ParticipantRole
    required: bool
    name: str
    contact: str
    staff_id: str | None
    calendar_id: str
    invited: bool = False
    response: InvitationResponse | None = None
    views: str = ""


@dataclass(frozen=True)
class EscalationRow:
    escalation_id: str
    escalation: ConferenceEscalation
    raised_at: dt.datetime
    resolved: bool


@dataclass(frozen=True)
class PlanRow:
    plan_id: str
    agreed: bool
    actions: list[str]
    reason: str
    recorded_by: str
    recorded_at: dt.datetime
    referred_back: bool
    #: Care and protection, not agreed: where it went.
    route: NoAgreementRoute | None = None
    #: The structured plan (a serialized kahu.v1.PlanContent), when the outcome carried one.
    content: bytes | None = None


@dataclass(frozen=True)
class ConsultationRow:
    """The whānau's consultation (care and protection), as recorded."""

    not_before: dt.datetime | None
    not_after: dt.datetime | None
    venue_id: str | None
    attendee_ids: list[str]
    notes: str
    not_practicable_reason: str
    recorded_by: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class BookingRow:
    booking_id: str
    booking: Booking
    venue_name: str
    released: bool


@dataclass(frozen=True)
class WorkflowRecording:
    """What one RecordConference call records."""

    conference_id: str
    case_id: str | None
    place: Place
    events: list[Event]
    version: int = 0
    #: A serialized kahu.v1.ConferenceStanding (None: unchanged).
    standing: bytes | None = None


@dataclass(frozen=True)
class WorkflowRecord:
    """A conference as its workflow recorded it: where it stands (a serialized
    kahu.v1.ConferenceStanding; None before its workflow said) and its events, oldest first."""

    standing: bytes | None
    events: list[TimelineEntry]
