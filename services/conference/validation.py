"""Validation of conference requests: each `validate_*` names every violated field at once
(InvalidArgument) or returns what the request asks for, checked; nothing is half-done."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from google.protobuf.timestamp_pb2 import Timestamp

from kahu.v1 import conference_pb2, plan_pb2
from services.common import checks, events, paging
from services.common.authz import Place
from services.common.errors import FieldViolation, InvalidArgument, Violations
from services.common.sites import Site
from services.conference.convert import (
    DEADLINE,
    LEVEL,
    RESPONSE,
    ROLE,
    ROUTE,
    STAGE,
    TRIGGER,
    scheduling_from_proto,
)
from services.conference.records import Scheduling, Trigger, WorkflowRecording
from services.plan.validation import validate_content
from workflows.common import KAHU_ACTOR
from workflows.conference.model import (
    ConferenceDeadline,
    ConferenceEscalation,
    ConferenceEscalationLevel,
    InvitationResponse,
    NoAgreementRoute,
    ParticipantRole,
    conference_workflow_id,
    is_case_conference,
)
from workflows.policy.model import TriggerKind

MAX_NAME = 200
MAX_PARTICIPANTS = 50
MAX_PERIODS = 50
MAX_BLOCKS = 1000
MAX_BLOCK = dt.timedelta(days=31)
MAX_PLAN_ACTIONS = 50
MAX_VIEWS = 10_000
MAX_OFFENCE_YEARS = 100
MAX_SLOTS = 100
DEFAULT_SLOTS = 10
MAX_SEARCH = dt.timedelta(days=90)
MAX_TRIGGER_AGE = dt.timedelta(days=366)
CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_ROUND = 1000
MAX_PRIVATE_MINUTES = 24 * 60
_REFERENCE = re.compile(r"[A-Za-z0-9/._-]{0,64}")
STAFF_ROLES = (ParticipantRole.POLICE_YOUTH_AID, ParticipantRole.SOCIAL_WORKER, ParticipantRole.YOUTH_ADVOCATE)
VIEWS_ROLES = (ParticipantRole.VICTIM, ParticipantRole.VICTIM_REPRESENTATIVE)


@dataclass(frozen=True)
class NewParticipant:
    role: ParticipantRole
    required: bool
    name: str
    contact: str
    staff_id: str | None


@dataclass(frozen=True)
class Period:
    """Weekly working time: an ISO weekday, from and to a local minute of the day."""

    iso_weekday: int
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class CalendarRef:
    kind: str  # "staff", "participant" or "venue"
    value: str


def invalid(field: str, description: str) -> InvalidArgument:
    """The InvalidArgument for one field, for checks made after validation (against the record)."""
    return InvalidArgument([FieldViolation(field, description)])


def require_conference_id(value: str, field: str = "conference_id") -> str:
    """The conference id in canonical form."""
    v = Violations()
    found = _conference_id(v, value, field)
    v.raise_if_any()
    return found


def _conference_id(v: Violations, value: str, field: str = "conference_id") -> str:
    return checks.conference_id(v, value, field)


def _uuid(v: Violations, value: str, field: str, what: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        v.add(field, f"must be a {what} (UUID)")
        return ""


def _participant_ids(v: Violations, values: Sequence[str]) -> list[str]:
    return [_uuid(v, p, f"participant_ids[{i}]", "participant id") for i, p in enumerate(values)]


def _optional_instant(v: Violations, message: Timestamp, present: bool, field: str) -> dt.datetime | None:
    return checks.instant(v, message, field) if present else None


def _participant(v: Violations, p: conference_pb2.NewParticipant, f: str) -> NewParticipant | None:
    role = checks.enum(v, p.role, ROLE, f"{f}.role")
    checks.text(v, p.name, f"{f}.name", limit=MAX_NAME, required=True)
    checks.text(v, p.contact, f"{f}.contact", limit=MAX_NAME)
    if p.staff_id:
        checks.staff_id(v, p.staff_id, f"{f}.staff_id")
    if role is None:
        return None
    if role in STAFF_ROLES and not p.staff_id:
        v.add(f"{f}.staff_id", "is required for staff (their calendar)")
    required = p.required if p.HasField("required") else role.required_by_default
    if required and not role.may_be_required:
        v.add(f"{f}.required", "a victim's attendance is their choice: never required")
    return NewParticipant(role, required, p.name, p.contact, p.staff_id or None)


def _court_dates(
    v: Violations, t: conference_pb2.ConferenceTrigger, kind: TriggerKind | None, at: dt.datetime | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """A court's direction's dates: held by, reported to the court by (each after the
    direction; the report no earlier than the conference)."""
    convene = _optional_instant(v, t.court_convene_by, t.HasField("court_convene_by"), "trigger.court_convene_by")
    report = _optional_instant(v, t.court_report_by, t.HasField("court_report_by"), "trigger.court_report_by")
    if kind is not None and not kind.court and (convene is not None or report is not None):
        v.add("trigger.court_convene_by" if convene else "trigger.court_report_by", "is a court direction's date")
    for date, field in ((convene, "trigger.court_convene_by"), (report, "trigger.court_report_by")):
        if date is not None and at is not None and date <= at:
            v.add(field, "must be after the court's direction (triggered_at)")
    if convene is not None and report is not None and report < convene:
        v.add("trigger.court_report_by", "must not be before court_convene_by")
    return convene, report


def _trigger(v: Violations, t: conference_pb2.ConferenceTrigger, now: dt.datetime) -> Trigger | None:
    kind = checks.enum(v, t.kind, TRIGGER, "trigger.kind")
    if kind == TriggerKind.TRIAGE_REFERRAL:
        v.add("trigger.kind", "is started by a case's triage decision, not over gRPC")
    if kind == TriggerKind.CARE_AND_PROTECTION_REFERRAL:
        v.add("trigger.kind", "is started by a case's assessment (its referral checked by a supervisor), not over gRPC")
    at = checks.instant(v, t.triggered_at if t.HasField("triggered_at") else None, "trigger.triggered_at")
    if at is not None and at > now + CLOCK_SKEW:
        v.add("trigger.triggered_at", "must not be in the future")
    elif at is not None and at < now - MAX_TRIGGER_AGE:
        v.add("trigger.triggered_at", "must be within the last year")
    if t.offence_max_years > MAX_OFFENCE_YEARS:
        v.add("trigger.offence_max_years", f"must be at most {MAX_OFFENCE_YEARS}")
    if not _REFERENCE.fullmatch(t.reference):
        v.add("trigger.reference", "must be up to 64 characters of letters, digits and / . _ -")
    if kind is not None and kind.care_and_protection and (t.detained or t.offence_max_years):
        v.add("trigger.kind", "a care and protection conference has no offence (detained, offence_max_years)")
    convene, report = _court_dates(v, t, kind, at)
    if kind is None or at is None:
        return None
    return Trigger(kind, at, t.detained, t.offence_max_years, t.reference, convene, report)


@dataclass(frozen=True)
class NewConference:
    """A triggered conference: where, who coordinates it (None: the least busy coordinator
    at the site), and who takes part from the start."""

    trigger: Trigger
    site: Site
    coordinator_id: str | None
    participants: list[NewParticipant]


def validate_start(request: conference_pb2.StartConferenceRequest, now: dt.datetime) -> NewConference:
    """The triggered conference: a Police (or relayed court) trigger of the last year, a
    known site, and its participants, the young person exactly once."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    trigger = None
    if not request.HasField("trigger"):
        v.add("trigger", "is required")
    else:
        trigger = _trigger(v, request.trigger, now)
    site = checks.site(v, request.site)
    if request.coordinator_id:
        checks.staff_id(v, request.coordinator_id, "coordinator_id")
    participants: list[NewParticipant] = []
    if len(request.participants) > MAX_PARTICIPANTS:
        v.add("participants", f"must have at most {MAX_PARTICIPANTS} entries")
    else:
        for i, p in enumerate(request.participants):
            found = _participant(v, p, f"participants[{i}]")
            if found is not None:
                participants.append(found)
        young = [p for p in request.participants if p.role == conference_pb2.PARTICIPANT_ROLE_YOUNG_PERSON]
        if len(young) != 1:
            v.add("participants", "must name the young person exactly once")
        staff = [p.staff_id for p in request.participants if p.staff_id]
        if len(set(staff)) != len(staff):
            v.add("participants", "must not name the same staff member twice")
    v.raise_if_any()
    assert trigger is not None and site is not None
    return NewConference(trigger, site, request.coordinator_id or None, participants)


@dataclass(frozen=True)
class WhichConference:
    """A conference named by its own id, or by the case whose triage decision started it
    (exactly one of the two is set)."""

    conference_id: str = ""
    case_id: str = ""


def validate_get(request: conference_pb2.GetConferenceRequest) -> WhichConference:
    """The conference asked for, by its id or by its case's id."""
    if request.WhichOneof("conference") == "case_id":
        v = Violations()
        case_id = _uuid(v, request.case_id, "case_id", "case id")
        v.raise_if_any()
        return WhichConference(case_id=case_id)
    return WhichConference(conference_id=require_conference_id(request.conference_id))


@dataclass(frozen=True)
class ParticipantAddition:
    conference_id: str
    participant: NewParticipant


def validate_add(request: conference_pb2.AddParticipantRequest) -> ParticipantAddition:
    """The participant to add (a youth advocate is appointed with AppointAdvocate instead)."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    found = _conference_id(v, request.conference_id)
    checks.staff_id(v, request.added_by, "added_by")
    participant = None
    if not request.HasField("participant"):
        v.add("participant", "is required")
    else:
        participant = _participant(v, request.participant, "participant")
        if participant is not None and participant.role == ParticipantRole.YOUTH_ADVOCATE:
            v.add("participant.role", "a youth advocate is appointed with AppointAdvocate")
    v.raise_if_any()
    assert participant is not None
    return ParticipantAddition(found, participant)


def validate_appoint(request: conference_pb2.AppointAdvocateRequest) -> ParticipantAddition:
    """The youth advocate to add, a required participant with their staff calendar."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    found = _conference_id(v, request.conference_id)
    checks.staff_id(v, request.staff_id, "staff_id")
    checks.text(v, request.name, "name", limit=MAX_NAME, required=True)
    checks.text(v, request.contact, "contact", limit=MAX_NAME)
    checks.staff_id(v, request.appointed_by, "appointed_by")
    v.raise_if_any()
    advocate = NewParticipant(ParticipantRole.YOUTH_ADVOCATE, True, request.name, request.contact, request.staff_id)
    return ParticipantAddition(found, advocate)


@dataclass(frozen=True)
class SlotSearch:
    conference_id: str
    limit: int
    not_before: dt.datetime | None
    until: dt.datetime | None


def validate_find(request: conference_pb2.FindSlotsRequest, now: dt.datetime) -> SlotSearch:
    """The slot search: how many, from when, and until when (only beyond the deadline)."""
    v = Violations()
    found = _conference_id(v, request.conference_id)
    if request.limit > MAX_SLOTS:
        v.add("limit", f"must be at most {MAX_SLOTS}")
    not_before = _optional_instant(v, request.not_before, request.HasField("not_before"), "not_before")
    until = None
    if request.beyond_deadline:
        until = checks.instant(v, request.until if request.HasField("until") else None, "until")
        if until is not None and until > now + MAX_SEARCH:
            v.add("until", "must be within 90 days")
    elif request.HasField("until"):
        v.add("until", "is only for a search beyond the deadline (beyond_deadline)")
    v.raise_if_any()
    return SlotSearch(found, request.limit or DEFAULT_SLOTS, not_before, until)


@dataclass(frozen=True)
class ChosenSlot:
    conference_id: str
    start: dt.datetime
    venue_id: str


def validate_book(request: conference_pb2.BookRequest) -> ChosenSlot:
    """The slot a coordinator chose (whether it is on the grid and at the site is checked
    against the conference)."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    found = _conference_id(v, request.conference_id)
    start = checks.instant(v, request.start if request.HasField("start") else None, "start")
    venue = _uuid(v, request.venue_id, "venue_id", "venue id")
    checks.staff_id(v, request.booked_by, "booked_by")
    checks.text(v, request.late_reason, "late_reason")
    v.raise_if_any()
    assert start is not None
    return ChosenSlot(found, start, venue)


def validate_reschedule(request: conference_pb2.RescheduleRequest) -> str:
    """The conference id of a reschedule with its reason."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    found = _conference_id(v, request.conference_id)
    checks.staff_id(v, request.requested_by, "requested_by")
    checks.text(v, request.reason, "reason", required=True)
    v.raise_if_any()
    return found


@dataclass(frozen=True)
class InvitationAnswer:
    conference_id: str
    participant_id: str
    response: InvitationResponse


def validate_response(request: conference_pb2.RecordResponseRequest) -> InvitationAnswer:
    """A participant's answer to their invitation (views only with VIEWS_ONLY)."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    found = _conference_id(v, request.conference_id)
    participant = _uuid(v, request.participant_id, "participant_id", "participant id")
    response = checks.enum(v, request.response, RESPONSE, "response")
    checks.text(v, request.views, "views", limit=MAX_VIEWS)
    if request.views and response != InvitationResponse.VIEWS_ONLY:
        v.add("views", "are recorded with a VIEWS_ONLY response")
    checks.staff_id(v, request.recorded_by, "recorded_by")
    v.raise_if_any()
    assert response is not None
    return InvitationAnswer(found, participant, response)


@dataclass(frozen=True)
class HeldRecord:
    """A conference recorded as held, with the family's private time (care and protection)."""

    conference_id: str
    private_time_minutes: int
    private_time_declined: bool


def validate_held(request: conference_pb2.RecordHeldRequest) -> HeldRecord:
    """A conference recorded as held; the family's private time, when given, held for some
    minutes or declined by the whānau with their reason (which conferences need it: the
    workflow says)."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    found = _conference_id(v, request.conference_id)
    checks.staff_id(v, request.recorded_by, "recorded_by")
    private = request.private_time
    checks.text(v, private.declined_reason, "private_time.declined_reason")
    if private.minutes and private.declined_reason:
        v.add("private_time", "is held (minutes) or declined by the whānau (declined_reason), not both")
    if private.minutes > MAX_PRIVATE_MINUTES:
        v.add("private_time.minutes", f"must be at most {MAX_PRIVATE_MINUTES}")
    v.raise_if_any()
    return HeldRecord(found, private.minutes, bool(private.declined_reason.strip()))


@dataclass(frozen=True)
class OutcomeRecord:
    """An outcome: agreed (its actions, or its structured plan), or not (why, and where it goes)."""

    conference_id: str
    route: NoAgreementRoute | None
    #: The structured plan, checked as PlanService checks a plan it makes.
    plan: plan_pb2.PlanContent | None
    action_count: int


def validate_outcome(request: conference_pb2.RecordOutcomeRequest, now: dt.datetime) -> OutcomeRecord:
    """An outcome: an agreed plan with its actions (as text, or structured as the child's plan
    is, `plan`), or a reason why none was agreed (and, for care and protection, where it goes:
    which conferences need what, the workflow says)."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    found = _conference_id(v, request.conference_id)
    checks.staff_id(v, request.recorded_by, "recorded_by")
    route = checks.enum(v, request.route, ROUTE, "route", required=False)
    structured = request.HasField("plan")
    if request.agreed:
        if structured:
            validate_content(v, request.plan, now, "plan")
            if request.plan_actions:
                v.add("plan_actions", "must be empty when the plan is structured (its actions are the plan's)")
        elif not request.plan_actions:
            v.add("plan_actions", "an agreed plan has at least one action")
        elif len(request.plan_actions) > MAX_PLAN_ACTIONS:
            v.add("plan_actions", f"must have at most {MAX_PLAN_ACTIONS} entries")
        for i, action in enumerate(request.plan_actions):
            checks.text(v, action, f"plan_actions[{i}]", required=True)
        checks.text(v, request.reason, "reason")
        if route is not None:
            v.add("route", "is where a conference that agreed no plan goes")
    else:
        if request.plan_actions:
            v.add("plan_actions", "must be empty when no plan was agreed")
        if structured:
            v.add("plan", "must be unset when no plan was agreed")
        checks.text(v, request.reason, "reason", required=True)
    v.raise_if_any()
    count = len(request.plan.actions) if structured else len(request.plan_actions)
    return OutcomeRecord(found, route, request.plan if structured else None, count)


@dataclass(frozen=True)
class NewConsultation:
    """The whānau's consultation: their dates, venue and asked-for participants, or why
    consulting them was not practicable."""

    conference_id: str
    not_before: dt.datetime | None
    not_after: dt.datetime | None
    venue_id: str | None
    attendee_ids: list[str]
    notes: str
    not_practicable_reason: str


def validate_consultation(request: conference_pb2.RecordConsultationRequest, now: dt.datetime) -> NewConsultation:
    """The consultation to record (whether its venue and attendees are the conference's is
    checked against the record)."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    found = _conference_id(v, request.conference_id)
    checks.staff_id(v, request.recorded_by, "recorded_by")
    c = request.consultation
    first = _optional_instant(v, c.not_before, c.HasField("not_before"), "consultation.not_before")
    last = _optional_instant(v, c.not_after, c.HasField("not_after"), "consultation.not_after")
    if first is not None and last is not None and last <= first:
        v.add("consultation.not_after", "must be after not_before")
    if last is not None and last <= now:
        v.add("consultation.not_after", "must be in the future")
    for date, field in ((first, "consultation.not_before"), (last, "consultation.not_after")):
        if date is not None and date > now + MAX_SEARCH:
            v.add(field, "must be within 90 days")
    venue = _uuid(v, c.venue_id, "consultation.venue_id", "venue id") if c.venue_id else None
    if len(c.attendee_ids) > MAX_PARTICIPANTS:
        v.add("consultation.attendee_ids", f"must have at most {MAX_PARTICIPANTS} entries")
    attendees = [_uuid(v, a, f"consultation.attendee_ids[{i}]", "participant id") for i, a in enumerate(c.attendee_ids)]
    if len(set(attendees)) != len(attendees):
        v.add("consultation.attendee_ids", "must not name a participant twice")
    checks.text(v, c.notes, "consultation.notes", limit=MAX_VIEWS)
    checks.text(v, c.not_practicable_reason, "consultation.not_practicable_reason")
    if c.not_practicable_reason.strip() and (first or last or venue or attendees):
        v.add("consultation", "not practicable: no dates, venue or attendees then")
    if c.recorded_by or c.HasField("recorded_at"):
        v.add("consultation.recorded_by", "are this call's (recorded_by): leave recorded_by and recorded_at unset")
    v.raise_if_any()
    return NewConsultation(found, first, last, venue, attendees, c.notes, c.not_practicable_reason.strip())


@dataclass(frozen=True)
class EscalationPosition:
    """Where a page of escalations starts: after this one (they are listed by raised_at, id)."""

    raised_at: dt.datetime
    escalation_id: str

    def page_token(self, request: conference_pb2.ListEscalationsRequest) -> str:
        """The token of the page after this escalation in the listing `request` asks for."""
        position = {"raised_at": self.raised_at.isoformat(), "id": self.escalation_id}
        return paging.encode(_escalations_scope(request), position)


def validate_list(request: conference_pb2.ListEscalationsRequest) -> int:
    """The page size of an escalations listing (its page token: `validate_page_token`)."""
    v = Violations()
    if request.manager_id:
        checks.staff_id(v, request.manager_id, "manager_id")
    checks.site(v, request.site, required=False)
    size = checks.page_size(v, request.page_size)
    v.raise_if_any()
    return size


def _escalations_scope(request: conference_pb2.ListEscalationsRequest) -> str:
    return f"conference-escalations|{request.manager_id}|{request.site}|{request.include_resolved}"


def validate_page_token(request: conference_pb2.ListEscalationsRequest) -> EscalationPosition | None:
    """Where the page the token asks for starts (None: the first page)."""
    v = Violations()
    position = paging.decode(v, request.page_token, _escalations_scope(request))
    after = None
    if position is not None:
        try:
            after = EscalationPosition(dt.datetime.fromisoformat(position["raised_at"]), str(uuid.UUID(position["id"])))
        except (KeyError, TypeError, ValueError):
            v.add("page_token", "is not a page token from this listing")
    v.raise_if_any()
    return after


# -- calendars ---------------------------------------------------------------------------


def _working_hours(v: Violations, periods: Sequence[conference_pb2.WorkingPeriod], field: str) -> list[Period]:
    if len(periods) > MAX_PERIODS:
        v.add(field, f"must have at most {MAX_PERIODS} entries")
        return []
    found = []
    for i, p in enumerate(periods):
        f = f"{field}[{i}]"
        if not 1 <= p.iso_weekday <= 7:
            v.add(f"{f}.iso_weekday", "must be 1 (Monday) to 7 (Sunday)")
        if not p.start_minute < p.end_minute <= 1440:
            v.add(f"{f}.end_minute", "must be after start_minute and at most 1440")
        found.append(Period(p.iso_weekday, p.start_minute, p.end_minute))
    return found


def _calendar_ref(
    v: Violations, ref: conference_pb2.CalendarRef, present: bool, field: str = "calendar"
) -> CalendarRef:
    which = ref.WhichOneof("calendar") if present else None
    if which is None:
        v.add(field, "must name a staff_id, participant_id or venue_id")
        return CalendarRef("", "")
    if which == "staff_id":
        checks.staff_id(v, ref.staff_id, f"{field}.staff_id")
        return CalendarRef("staff", ref.staff_id)
    if which == "participant_id":
        return CalendarRef("participant", _uuid(v, ref.participant_id, f"{field}.participant_id", "participant id"))
    return CalendarRef("venue", _uuid(v, ref.venue_id, f"{field}.venue_id", "venue id"))


def validate_register_coordinator(request: conference_pb2.RegisterCoordinatorRequest) -> list[Period]:
    """The coordinator's working hours (their manager is someone else)."""
    v = Violations()
    checks.staff_id(v, request.staff_id, "staff_id")
    checks.site(v, request.site)
    checks.staff_id(v, request.manager_id, "manager_id")
    if request.manager_id and request.manager_id == request.staff_id:
        v.add("manager_id", "must not be the coordinator")
    hours = _working_hours(v, request.working_hours, "working_hours")
    v.raise_if_any()
    return hours


def validate_register_venue(request: conference_pb2.RegisterVenueRequest) -> list[Period]:
    """The venue's working hours."""
    v = Violations()
    checks.site(v, request.site)
    checks.text(v, request.name, "name", limit=MAX_NAME, required=True)
    hours = _working_hours(v, request.working_hours, "working_hours")
    v.raise_if_any()
    return hours


@dataclass(frozen=True)
class CalendarHours:
    calendar: CalendarRef
    hours: list[Period]


def validate_working_hours(request: conference_pb2.SetWorkingHoursRequest) -> CalendarHours:
    """The calendar and its new working hours (none: any time)."""
    v = Violations()
    ref = _calendar_ref(v, request.calendar, request.HasField("calendar"))
    hours = _working_hours(v, request.working_hours, "working_hours")
    v.raise_if_any()
    return CalendarHours(ref, hours)


@dataclass(frozen=True)
class CalendarBlocks:
    calendar: CalendarRef
    blocks: list[tuple[dt.datetime, dt.datetime]]


def validate_busy(request: conference_pb2.AddBusyBlocksRequest) -> CalendarBlocks:
    """The calendar and its busy blocks to add, each up to 31 days long."""
    v = Violations()
    ref = _calendar_ref(v, request.calendar, request.HasField("calendar"))
    blocks = []
    if not request.blocks:
        v.add("blocks", "must name at least one block")
    elif len(request.blocks) > MAX_BLOCKS:
        v.add("blocks", f"must have at most {MAX_BLOCKS} entries")
    else:
        for i, block in enumerate(request.blocks):
            start = checks.instant(v, block.start if block.HasField("start") else None, f"blocks[{i}].start")
            end = checks.instant(v, block.end if block.HasField("end") else None, f"blocks[{i}].end")
            if start is not None and end is not None:
                if end <= start:
                    v.add(f"blocks[{i}].end", "must be after start")
                elif end - start > MAX_BLOCK:
                    v.add(f"blocks[{i}].end", "a block is at most 31 days long")
                else:
                    blocks.append((start, end))
    v.raise_if_any()
    return CalendarBlocks(ref, blocks)


@dataclass(frozen=True)
class CalendarBlockIds:
    calendar: CalendarRef
    block_ids: list[str]


def validate_remove_busy(request: conference_pb2.RemoveBusyBlocksRequest) -> CalendarBlockIds:
    """The calendar and the ids of the busy blocks to remove from it."""
    v = Violations()
    ref = _calendar_ref(v, request.calendar, request.HasField("calendar"))
    if len(request.block_ids) > MAX_BLOCKS:
        v.add("block_ids", f"must have at most {MAX_BLOCKS} entries")
    ids = [_uuid(v, b, f"block_ids[{i}]", "block id") for i, b in enumerate(request.block_ids)]
    v.raise_if_any()
    return CalendarBlockIds(ref, ids)


# -- called by the worker ---------------------------------------------------------------


def _round(v: Violations, value: int) -> None:
    if not 1 <= value <= MAX_ROUND:
        v.add("round", f"must be 1..{MAX_ROUND}")


@dataclass(frozen=True)
class Opening:
    """A conference as its workflow opens it (a case's is recorded then)."""

    conference_id: str
    case_id: str | None
    site: Site
    trigger: Trigger
    convening_due: dt.datetime
    scheduling: Scheduling


def validate_open(request: conference_pb2.OpenConferenceRequest) -> Opening:
    """The conference its workflow opens, with the convening deadline and the scheduling
    rules it runs under."""
    v = Violations()
    s = request.scheduling
    if not (s.minimum_notice_seconds and s.length_seconds and s.granularity_seconds):
        v.add("scheduling", "needs the minimum notice, the slot length and its granularity")
    if not s.iso_weekdays or any(not 1 <= d <= 7 for d in s.iso_weekdays):
        v.add("scheduling.iso_weekdays", "must name days 1 (Monday) to 7 (Sunday)")
    if not s.start_minute < s.end_minute <= 1440:
        v.add("scheduling.end_minute", "must be after start_minute and at most 1440")
    found = _conference_id(v, request.conference_id)
    case = _uuid(v, request.case_id, "case_id", "case id") if request.case_id else None
    site = checks.site(v, request.site)
    t = request.trigger
    kind = checks.enum(v, t.kind, TRIGGER, "trigger.kind")
    at = checks.instant(v, t.triggered_at if t.HasField("triggered_at") else None, "trigger.triggered_at")
    due = checks.instant(v, request.convening_due if request.HasField("convening_due") else None, "convening_due")
    v.raise_if_any()
    assert site is not None and kind is not None and at is not None and due is not None
    trigger = Trigger(kind, at, t.detained, t.offence_max_years, t.reference)
    return Opening(found, case, site, trigger, due, scheduling_from_proto(s))


@dataclass(frozen=True)
class Hold:
    """A round's booking to make: the earliest free slot in [not_before, until), or `slot`
    (start, venue id) when the coordinator chose one, for `participant_ids` besides those
    whose action is recorded; at `venue_id` only (the whānau's choice) when given, with
    `required_ids` free besides the participants recorded as required."""

    conference_id: str
    round: int
    not_before: dt.datetime
    until: dt.datetime
    slot: tuple[dt.datetime, str] | None
    booked_by: str
    late_reason: str
    participant_ids: list[str]
    venue_id: str | None = None
    required_ids: list[str] = dataclasses.field(default_factory=list)


def validate_hold(request: conference_pb2.HoldSlotRequest) -> Hold:
    """The round's booking to make: in its window, or the chosen slot; booked by Kahu or by
    the coordinator who chose it."""
    v = Violations()
    found = _conference_id(v, request.conference_id)
    _round(v, request.round)
    not_before = checks.instant(v, request.not_before if request.HasField("not_before") else None, "not_before")
    until = checks.instant(v, request.until if request.HasField("until") else None, "until")
    slot = None
    if request.HasField("slot"):
        start = checks.instant(v, request.slot.start if request.slot.HasField("start") else None, "slot.start")
        venue = _uuid(v, request.slot.venue_id, "slot.venue_id", "venue id")
        slot = (start, venue) if start is not None else None
    if request.booked_by != KAHU_ACTOR:
        checks.staff_id(v, request.booked_by, "booked_by")
    checks.text(v, request.late_reason, "late_reason")
    participants = _participant_ids(v, request.participant_ids)
    required = [_uuid(v, p, f"required_ids[{i}]", "participant id") for i, p in enumerate(request.required_ids)]
    only = _uuid(v, request.venue_id, "venue_id", "venue id") if request.venue_id else None
    v.raise_if_any()
    assert not_before is not None and until is not None
    return Hold(
        found,
        request.round,
        not_before,
        until,
        slot,
        request.booked_by,
        request.late_reason,
        participants,
        only,
        required,
    )


def validate_release(request: conference_pb2.ReleaseBookingRequest) -> str:
    """The conference id of a round's booking to release."""
    v = Violations()
    found = _conference_id(v, request.conference_id)
    _round(v, request.round)
    v.raise_if_any()
    return found


@dataclass(frozen=True)
class BookingRound:
    conference_id: str
    round: int
    participant_ids: list[str]


def validate_invitations(request: conference_pb2.SendInvitationsRequest) -> BookingRound:
    """The round whose booking everyone not yet invited is invited to."""
    v = Violations()
    found = _conference_id(v, request.conference_id)
    _round(v, request.round)
    participants = _participant_ids(v, request.participant_ids)
    v.raise_if_any()
    return BookingRound(found, request.round, participants)


def validate_raise(request: conference_pb2.RaiseConferenceEscalationRequest) -> ConferenceEscalation:
    """The escalation to raise, about the conference's own workflow at its own site."""
    v = Violations()
    e = request.escalation
    found = _conference_id(v, e.conference_id, "escalation.conference_id")
    if found and e.workflow_id != conference_workflow_id(found):
        v.add("escalation.workflow_id", "must be the conference's workflow")
    deadline = checks.enum(v, e.deadline, DEADLINE, "escalation.deadline")
    level = checks.enum(v, e.level, LEVEL, "escalation.level")
    if e.round > MAX_ROUND:
        v.add("escalation.round", f"must be at most {MAX_ROUND}")
    checks.staff_id(v, e.manager_id, "escalation.manager_id")
    checks.staff_id(v, e.coordinator_id, "escalation.coordinator_id")
    site = checks.site(v, e.site, "escalation.site")
    if site is not None and e.region != site.region:
        v.add("escalation.region", f"must be the site's region ({site.region})")
    due = checks.instant(v, e.due_at if e.HasField("due_at") else None, "escalation.due_at")
    v.raise_if_any()
    assert deadline is not None and level is not None and due is not None
    return ConferenceEscalation(
        conference_id=found,
        workflow_id=e.workflow_id,
        deadline=deadline,
        level=level,
        round=e.round,
        due_at=due,
        site=e.site,
        region=e.region,
        coordinator_id=e.coordinator_id,
        manager_id=e.manager_id,
    )


@dataclass(frozen=True)
class EscalationsToResolve:
    conference_id: str
    deadline: ConferenceDeadline
    level: ConferenceEscalationLevel | None


def validate_resolve(request: conference_pb2.ResolveConferenceEscalationsRequest) -> EscalationsToResolve:
    """The conference's open escalations to resolve: of a deadline, of one level if given."""
    v = Violations()
    found = _conference_id(v, request.conference_id)
    deadline = checks.enum(v, request.deadline, DEADLINE, "deadline")
    level = checks.enum(v, request.level, LEVEL, "level", required=False)
    v.raise_if_any()
    assert deadline is not None
    return EscalationsToResolve(found, deadline, level)


def validate_record(request: conference_pb2.RecordConferenceRequest) -> WorkflowRecording:
    """The conference workflow's events and where the conference stands (its state without
    the timeline: the events carry it); a case's conference is the one its case starts."""
    v = Violations()
    conference_id = _conference_id(v, request.conference_id)
    case_id = _uuid(v, request.case_id, "case_id", "case id") if request.case_id else None
    if case_id and conference_id and not is_case_conference(case_id, conference_id):
        v.add("case_id", "must be the case whose conference this is")
    site = checks.site(v, request.site)
    if site is not None and request.region != site.region:
        v.add("region", f"must be the site's region ({site.region})")
    found = events.events(v, request.events, conference_workflow_id(conference_id)) if conference_id else []
    standing = request.standing if request.HasField("standing") else None
    if standing is not None:
        events.version(v, standing.version, "standing.version")
        if conference_id and standing.state.conference_id != conference_id:
            v.add("standing.state.conference_id", "must be the conference's")
        checks.enum(v, standing.state.stage, STAGE, "standing.state.stage")
        if standing.state.timeline:
            v.add("standing.state.timeline", "must be empty: the events carry the timeline")
    v.raise_if_any()
    assert site is not None
    place = Place(site.code, site.region)
    if standing is None:
        return WorkflowRecording(conference_id, case_id or None, place, found)
    serialized = standing.SerializeToString(deterministic=True)
    return WorkflowRecording(conference_id, case_id or None, place, found, standing.version, serialized)
