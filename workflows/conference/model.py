"""Data passed into, out of and between the conference workflow (youth justice and care and
protection family group conferences) and its activities: ids, roles, times and staff ids;
never a name, contact, a victim's views, the whānau's words or the plan's text."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from workflows.case.model import DeadlineStatus, TimelineEntry
from workflows.policy.model import EscalationTier, Span, TriggerKind, YouthJusticePolicy

_CASE_CONFERENCE = uuid.UUID("0c6f4b1e-2d8a-4e57-9a3c-5b7e1f2d4a60")
_CARE_CONFERENCE = uuid.UUID("7a2e9c41-5d3b-4f86-b1e0-3c8d6f2a9e17")
#: How many care and protection conferences one case may hold (a conference reconvened after
#: one agreed no plan is the next); their ids are derived from the case's and the number.
MAX_CARE_CONFERENCES = 20
#: The role a conference clock's warnings and tier 1 go to: the coordinator's manager
#: (the escalation names them as its assignee); later tiers follow the policy's tiers.
COORDINATOR_MANAGER = "coordinator_manager"


class ConferenceStage(StrEnum):
    """Where a conference is; the names match kahu.v1.ConferenceStage without its prefix."""

    OPENING = "OPENING"
    PREPARING = "PREPARING"
    SCHEDULING = "SCHEDULING"
    BOOKED = "BOOKED"
    HELD = "HELD"
    CLOSED = "CLOSED"
    #: Care and protection: the whānau being consulted before a slot is booked.
    CONSULTING = "CONSULTING"


class ConferenceDeadline(StrEnum):
    CONVENING = "CONVENING"
    COMPLETION = "COMPLETION"


class ConferenceEscalationLevel(StrEnum):
    WARNING = "WARNING"
    NO_SLOT = "NO_SLOT"
    BREACHED = "BREACHED"


class InvitationResponse(StrEnum):
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    VIEWS_ONLY = "VIEWS_ONLY"


class ParticipantRole(StrEnum):
    YOUNG_PERSON = "YOUNG_PERSON"
    PARENT_OR_CARER = "PARENT_OR_CARER"
    WHANAU = "WHANAU"
    POLICE_YOUTH_AID = "POLICE_YOUTH_AID"
    VICTIM = "VICTIM"
    VICTIM_REPRESENTATIVE = "VICTIM_REPRESENTATIVE"
    YOUTH_ADVOCATE = "YOUTH_ADVOCATE"
    SOCIAL_WORKER = "SOCIAL_WORKER"
    #: Care and protection: someone the whānau invite, and a professional working with the child.
    FAMILY_INVITEE = "FAMILY_INVITEE"
    PROFESSIONAL = "PROFESSIONAL"

    @property
    def required_by_default(self) -> bool:
        return self not in (
            ParticipantRole.WHANAU,
            ParticipantRole.VICTIM,
            ParticipantRole.VICTIM_REPRESENTATIVE,
            ParticipantRole.FAMILY_INVITEE,
            ParticipantRole.PROFESSIONAL,
        )

    @property
    def may_be_required(self) -> bool:
        """A victim's attendance is their choice."""
        return self not in (ParticipantRole.VICTIM, ParticipantRole.VICTIM_REPRESENTATIVE)


class NoAgreementRoute(StrEnum):
    """Where a care and protection conference that agreed no plan goes; the names match
    kahu.v1.NoAgreementRoute without its prefix."""

    #: Back to the social worker who referred: the case's assessment opens again.
    BACK_TO_SOCIAL_WORKER = "BACK_TO_SOCIAL_WORKER"
    #: Referred to the Family Court.
    REFER_TO_COURT = "REFER_TO_COURT"


@dataclass(frozen=True)
class ConferenceInput:
    conference_id: str
    site: str
    region: str
    trigger: TriggerKind
    triggered_at: datetime
    detained: bool
    #: Years of imprisonment the most serious offence carries (0: not known).
    offence_max_years: int
    policy: YouthJusticePolicy
    case_id: str | None = None
    young_person_added: bool = False
    advocate_appointed: bool = False
    #: The escalation tiers of the policy the conference started under (tier 1 goes to the
    #: coordinator's manager); None only in conferences started before they were used.
    escalation: list[EscalationTier] | None = None
    attention_after: Span | None = None
    #: A court's direction carries the court's dates (kahu.v1.ConferenceTrigger): held by,
    #: and reported to the court by. None: the policy's clocks.
    court_convene_by: datetime | None = None
    court_report_by: datetime | None = None

    @property
    def care_and_protection(self) -> bool:
        return self.trigger.care_and_protection


@dataclass(frozen=True)
class DayCount:
    """The end of the `days`th day after the local date of `start` (a statutory clock)."""

    start: datetime
    days: int


@dataclass(frozen=True)
class Due:
    """A statutory deadline (an activity's answer)."""

    at: datetime


@dataclass(frozen=True)
class ConferenceOpening:
    conference_id: str
    case_id: str | None
    site: str
    trigger: TriggerKind
    triggered_at: datetime
    detained: bool
    offence_max_years: int
    convening_due: datetime
    policy: YouthJusticePolicy


@dataclass(frozen=True)
class ConferenceStaff:
    coordinator_id: str
    manager_id: str


@dataclass(frozen=True)
class SlotChoice:
    """A coordinator's choice of slot (Book)."""

    start: datetime
    venue_id: str
    chosen_by: str
    late_reason: str = ""


@dataclass(frozen=True)
class HoldRequest:
    """Book, for a round, `choice` or else the earliest free slot in [not_before, until)."""

    conference_id: str
    round: int
    not_before: datetime
    until: datetime
    choice: SlotChoice | None = None
    #: Participants the workflow accepted (their staff action may still be being recorded).
    participants: list[str] = field(default_factory=list)
    #: Only this venue (the whānau's choice); None: any at the site.
    venue_id: str | None = None
    #: Participants who must be free besides those recorded as required (the whānau's asks).
    required: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Booking:
    round: int
    start: datetime
    end: datetime
    venue_id: str
    booked_by: str
    late_reason: str = ""


@dataclass(frozen=True)
class HoldResult:
    """The round's booking; None when no slot was free."""

    booking: Booking | None


@dataclass(frozen=True)
class InvitationRound:
    conference_id: str
    round: int
    #: Participants the workflow accepted (their staff action may still be being recorded).
    participants: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Invitations:
    invited: int
    #: Required participants added after the booking who are not free at its time.
    conflicts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ParticipantAdded:
    participant_id: str
    role: ParticipantRole
    required: bool
    added_by: str


@dataclass(frozen=True)
class ResponseRecord:
    participant_id: str
    round: int
    response: InvitationResponse
    required: bool
    recorded_by: str


@dataclass(frozen=True)
class Rescheduling:
    requested_by: str
    reason: str


@dataclass(frozen=True)
class Held:
    recorded_by: str
    #: Care and protection: the family's private time, in minutes, or declined by the whānau.
    private_time_minutes: int = 0
    private_time_declined: bool = False


@dataclass(frozen=True)
class Consultation:
    """The care and protection co-ordinator's consultation of the whānau (s 21): the dates
    that suit them, the venue they chose and the participants they asked for (ids only;
    what they said stays in the conference service), or that consulting was not practicable."""

    recorded_by: str
    not_before: datetime | None = None
    not_after: datetime | None = None
    venue_id: str | None = None
    attendees: list[str] = field(default_factory=list)
    not_practicable: bool = False


@dataclass(frozen=True)
class PlanHandoff:
    """An agreed plan to make the child's plan of (PlanService.CreatePlan, once)."""

    conference_id: str
    case_id: str | None


@dataclass(frozen=True)
class PlanMade:
    plan_id: str


@dataclass(frozen=True)
class ConferenceOutcome:
    """The outcome; the plan's text and the reason stay in the conference service."""

    recorded_by: str
    agreed: bool
    plan_id: str
    action_count: int
    #: Care and protection, not agreed: where it goes.
    route: NoAgreementRoute | None = None
    #: The outcome carries a structured plan: the child's plan is made in PlanService from it.
    structured_plan: bool = False


@dataclass(frozen=True)
class ConferenceEscalation:
    """Told to the coordinator's manager once per (conference, deadline, level, round)."""

    conference_id: str
    workflow_id: str
    deadline: ConferenceDeadline
    level: ConferenceEscalationLevel
    round: int
    due_at: datetime
    site: str
    region: str
    coordinator_id: str
    manager_id: str


@dataclass(frozen=True)
class RaisedEscalation:
    deadline: ConferenceDeadline
    level: ConferenceEscalationLevel
    round: int
    at: datetime
    #: The tier of a breach (0: a warning, a round without a slot, or one from before tiers).
    tier: int = 0


@dataclass(frozen=True)
class ConferenceView:
    """The conference as the `state` query returns it."""

    conference_id: str
    stage: ConferenceStage
    round: int
    convening_due: datetime | None
    completion_due: datetime | None
    breached: list[ConferenceDeadline]
    booking: Booking | None
    advocate_required: bool
    advocate_appointed: bool
    young_person_added: bool
    escalations: list[RaisedEscalation]
    outcome: ConferenceOutcome | None
    timeline: list[TimelineEntry]
    #: The statutory clocks running or run, as supervisors see them (kind, due, breached, tier).
    clocks: list[DeadlineStatus] = field(default_factory=list)
    care_and_protection: bool = False
    consultation: Consultation | None = None
    held: Held | None = None
    #: The child's plan made in PlanService from the agreed plan, once it is.
    made_plan_id: str | None = None


@dataclass(frozen=True)
class ConferenceStanding:
    """Where a conference stands, as its workflow sees it: what its `state` shows
    (kahu.v1.ConferenceState) without the timeline (the recorded events carry it), for the
    conference's record in PostgreSQL (workflows/record.py)."""

    stage: ConferenceStage
    round: int
    convening_due: datetime | None
    completion_due: datetime | None
    breached: list[ConferenceDeadline]
    booking: Booking | None
    advocate_required: bool
    advocate_appointed: bool
    young_person_added: bool
    care_and_protection: bool = False
    consultation: Consultation | None = None
    held: Held | None = None


@dataclass(frozen=True)
class ConferenceResult:
    conference_id: str
    outcome: ConferenceOutcome
    timeline: list[TimelineEntry]


def conference_workflow_id(conference_id: str) -> str:
    """The conference workflow's ID: derived from the opaque conference id only."""
    return f"conference-{conference_id}"


def conference_id_of(workflow_id: str) -> str:
    """The conference id in a conference workflow's ID (the inverse of `conference_workflow_id`)."""
    return workflow_id.removeprefix("conference-")


def is_conference_workflow(workflow_id: str) -> bool:
    return workflow_id.startswith("conference-")


def case_conference_id(case_id: str) -> str:
    """The conference a case's triage decision starts: one per case, the same every time."""
    return str(uuid.uuid5(_CASE_CONFERENCE, case_id))


def care_conference_id(case_id: str, number: int) -> str:
    """The case's `number`th care and protection conference (1, then one reconvened after no
    plan was agreed, ...): the same every time."""
    return str(uuid.uuid5(_CARE_CONFERENCE, f"{case_id}/{number}"))


def is_case_conference(case_id: str, conference_id: str) -> bool:
    """Whether the conference is one the case started (its youth justice conference, or one
    of its care and protection conferences)."""
    if conference_id == case_conference_id(case_id):
        return True
    return any(conference_id == care_conference_id(case_id, n) for n in range(1, MAX_CARE_CONFERENCES + 1))
