import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kahu.v1 import common_pb2 as _common_pb2
from kahu.v1 import intake_pb2 as _intake_pb2
from kahu.v1 import plan_pb2 as _plan_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TriggerKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIGGER_KIND_UNSPECIFIED: _ClassVar[TriggerKind]
    TRIGGER_KIND_INTENTION_TO_CHARGE: _ClassVar[TriggerKind]
    TRIGGER_KIND_CHILD_OFFENDER: _ClassVar[TriggerKind]
    TRIGGER_KIND_DETAINED_AFTER_DENIAL: _ClassVar[TriggerKind]
    TRIGGER_KIND_COURT_DIRECTION: _ClassVar[TriggerKind]
    TRIGGER_KIND_CHARGE_PROVED: _ClassVar[TriggerKind]
    TRIGGER_KIND_TRIAGE_REFERRAL: _ClassVar[TriggerKind]
    TRIGGER_KIND_CARE_AND_PROTECTION_REFERRAL: _ClassVar[TriggerKind]
    TRIGGER_KIND_CARE_AND_PROTECTION_COURT_DIRECTION: _ClassVar[TriggerKind]

class ParticipantRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_ROLE_UNSPECIFIED: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_YOUNG_PERSON: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_PARENT_OR_CARER: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_WHANAU: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_POLICE_YOUTH_AID: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_VICTIM: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_VICTIM_REPRESENTATIVE: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_YOUTH_ADVOCATE: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_SOCIAL_WORKER: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_FAMILY_INVITEE: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_PROFESSIONAL: _ClassVar[ParticipantRole]

class InvitationResponse(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVITATION_RESPONSE_UNSPECIFIED: _ClassVar[InvitationResponse]
    INVITATION_RESPONSE_ACCEPTED: _ClassVar[InvitationResponse]
    INVITATION_RESPONSE_DECLINED: _ClassVar[InvitationResponse]
    INVITATION_RESPONSE_VIEWS_ONLY: _ClassVar[InvitationResponse]

class ConferenceStage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFERENCE_STAGE_UNSPECIFIED: _ClassVar[ConferenceStage]
    CONFERENCE_STAGE_OPENING: _ClassVar[ConferenceStage]
    CONFERENCE_STAGE_PREPARING: _ClassVar[ConferenceStage]
    CONFERENCE_STAGE_SCHEDULING: _ClassVar[ConferenceStage]
    CONFERENCE_STAGE_BOOKED: _ClassVar[ConferenceStage]
    CONFERENCE_STAGE_HELD: _ClassVar[ConferenceStage]
    CONFERENCE_STAGE_CLOSED: _ClassVar[ConferenceStage]
    CONFERENCE_STAGE_CONSULTING: _ClassVar[ConferenceStage]

class NoAgreementRoute(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NO_AGREEMENT_ROUTE_UNSPECIFIED: _ClassVar[NoAgreementRoute]
    NO_AGREEMENT_ROUTE_BACK_TO_SOCIAL_WORKER: _ClassVar[NoAgreementRoute]
    NO_AGREEMENT_ROUTE_REFER_TO_COURT: _ClassVar[NoAgreementRoute]

class ConferenceDeadline(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFERENCE_DEADLINE_UNSPECIFIED: _ClassVar[ConferenceDeadline]
    CONFERENCE_DEADLINE_CONVENING: _ClassVar[ConferenceDeadline]
    CONFERENCE_DEADLINE_COMPLETION: _ClassVar[ConferenceDeadline]

class ConferenceEscalationLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFERENCE_ESCALATION_LEVEL_UNSPECIFIED: _ClassVar[ConferenceEscalationLevel]
    CONFERENCE_ESCALATION_LEVEL_WARNING: _ClassVar[ConferenceEscalationLevel]
    CONFERENCE_ESCALATION_LEVEL_NO_SLOT: _ClassVar[ConferenceEscalationLevel]
    CONFERENCE_ESCALATION_LEVEL_BREACHED: _ClassVar[ConferenceEscalationLevel]
TRIGGER_KIND_UNSPECIFIED: TriggerKind
TRIGGER_KIND_INTENTION_TO_CHARGE: TriggerKind
TRIGGER_KIND_CHILD_OFFENDER: TriggerKind
TRIGGER_KIND_DETAINED_AFTER_DENIAL: TriggerKind
TRIGGER_KIND_COURT_DIRECTION: TriggerKind
TRIGGER_KIND_CHARGE_PROVED: TriggerKind
TRIGGER_KIND_TRIAGE_REFERRAL: TriggerKind
TRIGGER_KIND_CARE_AND_PROTECTION_REFERRAL: TriggerKind
TRIGGER_KIND_CARE_AND_PROTECTION_COURT_DIRECTION: TriggerKind
PARTICIPANT_ROLE_UNSPECIFIED: ParticipantRole
PARTICIPANT_ROLE_YOUNG_PERSON: ParticipantRole
PARTICIPANT_ROLE_PARENT_OR_CARER: ParticipantRole
PARTICIPANT_ROLE_WHANAU: ParticipantRole
PARTICIPANT_ROLE_POLICE_YOUTH_AID: ParticipantRole
PARTICIPANT_ROLE_VICTIM: ParticipantRole
PARTICIPANT_ROLE_VICTIM_REPRESENTATIVE: ParticipantRole
PARTICIPANT_ROLE_YOUTH_ADVOCATE: ParticipantRole
PARTICIPANT_ROLE_SOCIAL_WORKER: ParticipantRole
PARTICIPANT_ROLE_FAMILY_INVITEE: ParticipantRole
PARTICIPANT_ROLE_PROFESSIONAL: ParticipantRole
INVITATION_RESPONSE_UNSPECIFIED: InvitationResponse
INVITATION_RESPONSE_ACCEPTED: InvitationResponse
INVITATION_RESPONSE_DECLINED: InvitationResponse
INVITATION_RESPONSE_VIEWS_ONLY: InvitationResponse
CONFERENCE_STAGE_UNSPECIFIED: ConferenceStage
CONFERENCE_STAGE_OPENING: ConferenceStage
CONFERENCE_STAGE_PREPARING: ConferenceStage
CONFERENCE_STAGE_SCHEDULING: ConferenceStage
CONFERENCE_STAGE_BOOKED: ConferenceStage
CONFERENCE_STAGE_HELD: ConferenceStage
CONFERENCE_STAGE_CLOSED: ConferenceStage
CONFERENCE_STAGE_CONSULTING: ConferenceStage
NO_AGREEMENT_ROUTE_UNSPECIFIED: NoAgreementRoute
NO_AGREEMENT_ROUTE_BACK_TO_SOCIAL_WORKER: NoAgreementRoute
NO_AGREEMENT_ROUTE_REFER_TO_COURT: NoAgreementRoute
CONFERENCE_DEADLINE_UNSPECIFIED: ConferenceDeadline
CONFERENCE_DEADLINE_CONVENING: ConferenceDeadline
CONFERENCE_DEADLINE_COMPLETION: ConferenceDeadline
CONFERENCE_ESCALATION_LEVEL_UNSPECIFIED: ConferenceEscalationLevel
CONFERENCE_ESCALATION_LEVEL_WARNING: ConferenceEscalationLevel
CONFERENCE_ESCALATION_LEVEL_NO_SLOT: ConferenceEscalationLevel
CONFERENCE_ESCALATION_LEVEL_BREACHED: ConferenceEscalationLevel

class GetConferenceScopeRequest(_message.Message):
    __slots__ = ("conference_id",)
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    def __init__(self, conference_id: _Optional[str] = ...) -> None: ...

class GetConferenceScopeResponse(_message.Message):
    __slots__ = ("site", "region", "agencies")
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    AGENCIES_FIELD_NUMBER: _ClassVar[int]
    site: str
    region: str
    agencies: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, site: _Optional[str] = ..., region: _Optional[str] = ..., agencies: _Optional[_Iterable[str]] = ...) -> None: ...

class ConferenceTrigger(_message.Message):
    __slots__ = ("kind", "triggered_at", "detained", "offence_max_years", "reference", "court_convene_by", "court_report_by")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TRIGGERED_AT_FIELD_NUMBER: _ClassVar[int]
    DETAINED_FIELD_NUMBER: _ClassVar[int]
    OFFENCE_MAX_YEARS_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    COURT_CONVENE_BY_FIELD_NUMBER: _ClassVar[int]
    COURT_REPORT_BY_FIELD_NUMBER: _ClassVar[int]
    kind: TriggerKind
    triggered_at: _timestamp_pb2.Timestamp
    detained: bool
    offence_max_years: int
    reference: str
    court_convene_by: _timestamp_pb2.Timestamp
    court_report_by: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[_Union[TriggerKind, str]] = ..., triggered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., detained: _Optional[bool] = ..., offence_max_years: _Optional[int] = ..., reference: _Optional[str] = ..., court_convene_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., court_report_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NewParticipant(_message.Message):
    __slots__ = ("role", "name", "contact", "staff_id", "required")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    role: ParticipantRole
    name: str
    contact: str
    staff_id: str
    required: bool
    def __init__(self, role: _Optional[_Union[ParticipantRole, str]] = ..., name: _Optional[str] = ..., contact: _Optional[str] = ..., staff_id: _Optional[str] = ..., required: _Optional[bool] = ...) -> None: ...

class StartConferenceRequest(_message.Message):
    __slots__ = ("idempotency_key", "trigger", "site", "coordinator_id", "participants")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    COORDINATOR_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    trigger: ConferenceTrigger
    site: str
    coordinator_id: str
    participants: _containers.RepeatedCompositeFieldContainer[NewParticipant]
    def __init__(self, idempotency_key: _Optional[str] = ..., trigger: _Optional[_Union[ConferenceTrigger, _Mapping]] = ..., site: _Optional[str] = ..., coordinator_id: _Optional[str] = ..., participants: _Optional[_Iterable[_Union[NewParticipant, _Mapping]]] = ...) -> None: ...

class StartConferenceResponse(_message.Message):
    __slots__ = ("conference_id", "workflow_id", "replayed")
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    workflow_id: str
    replayed: bool
    def __init__(self, conference_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetConferenceRequest(_message.Message):
    __slots__ = ("conference_id", "case_id")
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    case_id: str
    def __init__(self, conference_id: _Optional[str] = ..., case_id: _Optional[str] = ...) -> None: ...

class GetConferenceResponse(_message.Message):
    __slots__ = ("conference",)
    CONFERENCE_FIELD_NUMBER: _ClassVar[int]
    conference: Conference
    def __init__(self, conference: _Optional[_Union[Conference, _Mapping]] = ...) -> None: ...

class ConferenceSlot(_message.Message):
    __slots__ = ("start", "end", "venue_id", "venue_name")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_NAME_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    venue_id: str
    venue_name: str
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., venue_id: _Optional[str] = ..., venue_name: _Optional[str] = ...) -> None: ...

class ConferenceBooking(_message.Message):
    __slots__ = ("round", "slot", "booked_by", "late_reason")
    ROUND_FIELD_NUMBER: _ClassVar[int]
    SLOT_FIELD_NUMBER: _ClassVar[int]
    BOOKED_BY_FIELD_NUMBER: _ClassVar[int]
    LATE_REASON_FIELD_NUMBER: _ClassVar[int]
    round: int
    slot: ConferenceSlot
    booked_by: str
    late_reason: str
    def __init__(self, round: _Optional[int] = ..., slot: _Optional[_Union[ConferenceSlot, _Mapping]] = ..., booked_by: _Optional[str] = ..., late_reason: _Optional[str] = ...) -> None: ...

class ConferenceParticipant(_message.Message):
    __slots__ = ("participant_id", "role", "required", "name", "contact", "staff_id", "invited", "response", "views")
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    INVITED_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    participant_id: str
    role: ParticipantRole
    required: bool
    name: str
    contact: str
    staff_id: str
    invited: bool
    response: InvitationResponse
    views: str
    def __init__(self, participant_id: _Optional[str] = ..., role: _Optional[_Union[ParticipantRole, str]] = ..., required: _Optional[bool] = ..., name: _Optional[str] = ..., contact: _Optional[str] = ..., staff_id: _Optional[str] = ..., invited: _Optional[bool] = ..., response: _Optional[_Union[InvitationResponse, str]] = ..., views: _Optional[str] = ...) -> None: ...

class ConferenceEscalation(_message.Message):
    __slots__ = ("escalation_id", "conference_id", "workflow_id", "deadline", "level", "round", "manager_id", "coordinator_id", "site", "region", "due_at", "raised_at", "resolved")
    ESCALATION_ID_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    COORDINATOR_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    escalation_id: str
    conference_id: str
    workflow_id: str
    deadline: ConferenceDeadline
    level: ConferenceEscalationLevel
    round: int
    manager_id: str
    coordinator_id: str
    site: str
    region: str
    due_at: _timestamp_pb2.Timestamp
    raised_at: _timestamp_pb2.Timestamp
    resolved: bool
    def __init__(self, escalation_id: _Optional[str] = ..., conference_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., deadline: _Optional[_Union[ConferenceDeadline, str]] = ..., level: _Optional[_Union[ConferenceEscalationLevel, str]] = ..., round: _Optional[int] = ..., manager_id: _Optional[str] = ..., coordinator_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., raised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved: _Optional[bool] = ...) -> None: ...

class ConferenceOutcome(_message.Message):
    __slots__ = ("agreed", "plan_actions", "reason", "recorded_by", "recorded_at", "referred_back", "route", "plan")
    AGREED_FIELD_NUMBER: _ClassVar[int]
    PLAN_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    REFERRED_BACK_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    agreed: bool
    plan_actions: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    recorded_by: str
    recorded_at: _timestamp_pb2.Timestamp
    referred_back: bool
    route: NoAgreementRoute
    plan: _plan_pb2.PlanContent
    def __init__(self, agreed: _Optional[bool] = ..., plan_actions: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ..., recorded_by: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., referred_back: _Optional[bool] = ..., route: _Optional[_Union[NoAgreementRoute, str]] = ..., plan: _Optional[_Union[_plan_pb2.PlanContent, _Mapping]] = ...) -> None: ...

class ConferenceConsultation(_message.Message):
    __slots__ = ("not_before", "not_after", "venue_id", "attendee_ids", "notes", "not_practicable_reason", "recorded_by", "recorded_at")
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    ATTENDEE_IDS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    NOT_PRACTICABLE_REASON_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    not_before: _timestamp_pb2.Timestamp
    not_after: _timestamp_pb2.Timestamp
    venue_id: str
    attendee_ids: _containers.RepeatedScalarFieldContainer[str]
    notes: str
    not_practicable_reason: str
    recorded_by: str
    recorded_at: _timestamp_pb2.Timestamp
    def __init__(self, not_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., not_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., venue_id: _Optional[str] = ..., attendee_ids: _Optional[_Iterable[str]] = ..., notes: _Optional[str] = ..., not_practicable_reason: _Optional[str] = ..., recorded_by: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PrivateTime(_message.Message):
    __slots__ = ("minutes", "declined_reason", "declined")
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    DECLINED_REASON_FIELD_NUMBER: _ClassVar[int]
    DECLINED_FIELD_NUMBER: _ClassVar[int]
    minutes: int
    declined_reason: str
    declined: bool
    def __init__(self, minutes: _Optional[int] = ..., declined_reason: _Optional[str] = ..., declined: _Optional[bool] = ...) -> None: ...

class ConferenceState(_message.Message):
    __slots__ = ("conference_id", "stage", "round", "convening_due", "completion_due", "breached", "booking", "advocate_required", "advocate_appointed", "young_person_added", "timeline", "consulted", "preferred_not_before", "preferred_not_after", "preferred_venue_id", "private_time", "care_and_protection")
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    CONVENING_DUE_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_DUE_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    ADVOCATE_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ADVOCATE_APPOINTED_FIELD_NUMBER: _ClassVar[int]
    YOUNG_PERSON_ADDED_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    CONSULTED_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CARE_AND_PROTECTION_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    stage: ConferenceStage
    round: int
    convening_due: _timestamp_pb2.Timestamp
    completion_due: _timestamp_pb2.Timestamp
    breached: _containers.RepeatedScalarFieldContainer[ConferenceDeadline]
    booking: ConferenceBooking
    advocate_required: bool
    advocate_appointed: bool
    young_person_added: bool
    timeline: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimelineEntry]
    consulted: bool
    preferred_not_before: _timestamp_pb2.Timestamp
    preferred_not_after: _timestamp_pb2.Timestamp
    preferred_venue_id: str
    private_time: PrivateTime
    care_and_protection: bool
    def __init__(self, conference_id: _Optional[str] = ..., stage: _Optional[_Union[ConferenceStage, str]] = ..., round: _Optional[int] = ..., convening_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completion_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., breached: _Optional[_Iterable[_Union[ConferenceDeadline, str]]] = ..., booking: _Optional[_Union[ConferenceBooking, _Mapping]] = ..., advocate_required: _Optional[bool] = ..., advocate_appointed: _Optional[bool] = ..., young_person_added: _Optional[bool] = ..., timeline: _Optional[_Iterable[_Union[_common_pb2.TimelineEntry, _Mapping]]] = ..., consulted: _Optional[bool] = ..., preferred_not_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., preferred_not_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., preferred_venue_id: _Optional[str] = ..., private_time: _Optional[_Union[PrivateTime, _Mapping]] = ..., care_and_protection: _Optional[bool] = ...) -> None: ...

class Conference(_message.Message):
    __slots__ = ("conference_id", "workflow_id", "case_id", "site", "region", "trigger", "coordinator_id", "manager_id", "participants", "escalations", "outcome", "state", "consultation")
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    COORDINATOR_ID_FIELD_NUMBER: _ClassVar[int]
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    ESCALATIONS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CONSULTATION_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    workflow_id: str
    case_id: str
    site: str
    region: str
    trigger: ConferenceTrigger
    coordinator_id: str
    manager_id: str
    participants: _containers.RepeatedCompositeFieldContainer[ConferenceParticipant]
    escalations: _containers.RepeatedCompositeFieldContainer[ConferenceEscalation]
    outcome: ConferenceOutcome
    state: ConferenceState
    consultation: ConferenceConsultation
    def __init__(self, conference_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., case_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., trigger: _Optional[_Union[ConferenceTrigger, _Mapping]] = ..., coordinator_id: _Optional[str] = ..., manager_id: _Optional[str] = ..., participants: _Optional[_Iterable[_Union[ConferenceParticipant, _Mapping]]] = ..., escalations: _Optional[_Iterable[_Union[ConferenceEscalation, _Mapping]]] = ..., outcome: _Optional[_Union[ConferenceOutcome, _Mapping]] = ..., state: _Optional[_Union[ConferenceState, _Mapping]] = ..., consultation: _Optional[_Union[ConferenceConsultation, _Mapping]] = ...) -> None: ...

class ConferenceStanding(_message.Message):
    __slots__ = ("version", "state")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    version: int
    state: ConferenceState
    def __init__(self, version: _Optional[int] = ..., state: _Optional[_Union[ConferenceState, _Mapping]] = ...) -> None: ...

class RecordConferenceRequest(_message.Message):
    __slots__ = ("conference_id", "case_id", "site", "region", "events", "standing")
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    STANDING_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    case_id: str
    site: str
    region: str
    events: _containers.RepeatedCompositeFieldContainer[_intake_pb2.CaseEvent]
    standing: ConferenceStanding
    def __init__(self, conference_id: _Optional[str] = ..., case_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., events: _Optional[_Iterable[_Union[_intake_pb2.CaseEvent, _Mapping]]] = ..., standing: _Optional[_Union[ConferenceStanding, _Mapping]] = ...) -> None: ...

class RecordConferenceResponse(_message.Message):
    __slots__ = ("recorded",)
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    recorded: int
    def __init__(self, recorded: _Optional[int] = ...) -> None: ...

class AddParticipantRequest(_message.Message):
    __slots__ = ("idempotency_key", "conference_id", "participant", "added_by")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    ADDED_BY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    conference_id: str
    participant: NewParticipant
    added_by: str
    def __init__(self, idempotency_key: _Optional[str] = ..., conference_id: _Optional[str] = ..., participant: _Optional[_Union[NewParticipant, _Mapping]] = ..., added_by: _Optional[str] = ...) -> None: ...

class AddParticipantResponse(_message.Message):
    __slots__ = ("participant_id", "state", "replayed")
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    participant_id: str
    state: ConferenceState
    replayed: bool
    def __init__(self, participant_id: _Optional[str] = ..., state: _Optional[_Union[ConferenceState, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class AppointAdvocateRequest(_message.Message):
    __slots__ = ("idempotency_key", "conference_id", "staff_id", "name", "contact", "appointed_by")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    APPOINTED_BY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    conference_id: str
    staff_id: str
    name: str
    contact: str
    appointed_by: str
    def __init__(self, idempotency_key: _Optional[str] = ..., conference_id: _Optional[str] = ..., staff_id: _Optional[str] = ..., name: _Optional[str] = ..., contact: _Optional[str] = ..., appointed_by: _Optional[str] = ...) -> None: ...

class AppointAdvocateResponse(_message.Message):
    __slots__ = ("participant_id", "state", "replayed")
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    participant_id: str
    state: ConferenceState
    replayed: bool
    def __init__(self, participant_id: _Optional[str] = ..., state: _Optional[_Union[ConferenceState, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class FindSlotsRequest(_message.Message):
    __slots__ = ("conference_id", "limit", "not_before", "beyond_deadline", "until")
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    BEYOND_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    limit: int
    not_before: _timestamp_pb2.Timestamp
    beyond_deadline: bool
    until: _timestamp_pb2.Timestamp
    def __init__(self, conference_id: _Optional[str] = ..., limit: _Optional[int] = ..., not_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., beyond_deadline: _Optional[bool] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FindSlotsResponse(_message.Message):
    __slots__ = ("slots", "window_start", "window_end")
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    slots: _containers.RepeatedCompositeFieldContainer[ConferenceSlot]
    window_start: _timestamp_pb2.Timestamp
    window_end: _timestamp_pb2.Timestamp
    def __init__(self, slots: _Optional[_Iterable[_Union[ConferenceSlot, _Mapping]]] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BookRequest(_message.Message):
    __slots__ = ("idempotency_key", "conference_id", "start", "venue_id", "booked_by", "late_reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    BOOKED_BY_FIELD_NUMBER: _ClassVar[int]
    LATE_REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    conference_id: str
    start: _timestamp_pb2.Timestamp
    venue_id: str
    booked_by: str
    late_reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., conference_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., venue_id: _Optional[str] = ..., booked_by: _Optional[str] = ..., late_reason: _Optional[str] = ...) -> None: ...

class BookResponse(_message.Message):
    __slots__ = ("state", "replayed")
    STATE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    state: ConferenceState
    replayed: bool
    def __init__(self, state: _Optional[_Union[ConferenceState, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RescheduleRequest(_message.Message):
    __slots__ = ("idempotency_key", "conference_id", "requested_by", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    conference_id: str
    requested_by: str
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., conference_id: _Optional[str] = ..., requested_by: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RescheduleResponse(_message.Message):
    __slots__ = ("state", "replayed")
    STATE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    state: ConferenceState
    replayed: bool
    def __init__(self, state: _Optional[_Union[ConferenceState, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordResponseRequest(_message.Message):
    __slots__ = ("idempotency_key", "conference_id", "participant_id", "response", "views", "recorded_by")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    conference_id: str
    participant_id: str
    response: InvitationResponse
    views: str
    recorded_by: str
    def __init__(self, idempotency_key: _Optional[str] = ..., conference_id: _Optional[str] = ..., participant_id: _Optional[str] = ..., response: _Optional[_Union[InvitationResponse, str]] = ..., views: _Optional[str] = ..., recorded_by: _Optional[str] = ...) -> None: ...

class RecordResponseResponse(_message.Message):
    __slots__ = ("state", "replayed")
    STATE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    state: ConferenceState
    replayed: bool
    def __init__(self, state: _Optional[_Union[ConferenceState, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordHeldRequest(_message.Message):
    __slots__ = ("idempotency_key", "conference_id", "recorded_by", "private_time")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_TIME_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    conference_id: str
    recorded_by: str
    private_time: PrivateTime
    def __init__(self, idempotency_key: _Optional[str] = ..., conference_id: _Optional[str] = ..., recorded_by: _Optional[str] = ..., private_time: _Optional[_Union[PrivateTime, _Mapping]] = ...) -> None: ...

class RecordConsultationRequest(_message.Message):
    __slots__ = ("idempotency_key", "conference_id", "recorded_by", "consultation")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    CONSULTATION_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    conference_id: str
    recorded_by: str
    consultation: ConferenceConsultation
    def __init__(self, idempotency_key: _Optional[str] = ..., conference_id: _Optional[str] = ..., recorded_by: _Optional[str] = ..., consultation: _Optional[_Union[ConferenceConsultation, _Mapping]] = ...) -> None: ...

class RecordConsultationResponse(_message.Message):
    __slots__ = ("state", "replayed")
    STATE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    state: ConferenceState
    replayed: bool
    def __init__(self, state: _Optional[_Union[ConferenceState, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordHeldResponse(_message.Message):
    __slots__ = ("state", "replayed")
    STATE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    state: ConferenceState
    replayed: bool
    def __init__(self, state: _Optional[_Union[ConferenceState, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordOutcomeRequest(_message.Message):
    __slots__ = ("idempotency_key", "conference_id", "recorded_by", "agreed", "plan_actions", "reason", "route", "plan")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    AGREED_FIELD_NUMBER: _ClassVar[int]
    PLAN_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    conference_id: str
    recorded_by: str
    agreed: bool
    plan_actions: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    route: NoAgreementRoute
    plan: _plan_pb2.PlanContent
    def __init__(self, idempotency_key: _Optional[str] = ..., conference_id: _Optional[str] = ..., recorded_by: _Optional[str] = ..., agreed: _Optional[bool] = ..., plan_actions: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ..., route: _Optional[_Union[NoAgreementRoute, str]] = ..., plan: _Optional[_Union[_plan_pb2.PlanContent, _Mapping]] = ...) -> None: ...

class RecordOutcomeResponse(_message.Message):
    __slots__ = ("state", "replayed")
    STATE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    state: ConferenceState
    replayed: bool
    def __init__(self, state: _Optional[_Union[ConferenceState, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class ListEscalationsRequest(_message.Message):
    __slots__ = ("manager_id", "site", "include_resolved", "page_size", "page_token")
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_RESOLVED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    manager_id: str
    site: str
    include_resolved: bool
    page_size: int
    page_token: str
    def __init__(self, manager_id: _Optional[str] = ..., site: _Optional[str] = ..., include_resolved: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListEscalationsResponse(_message.Message):
    __slots__ = ("escalations", "next_page_token")
    ESCALATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    escalations: _containers.RepeatedCompositeFieldContainer[ConferenceEscalation]
    next_page_token: str
    def __init__(self, escalations: _Optional[_Iterable[_Union[ConferenceEscalation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WorkingPeriod(_message.Message):
    __slots__ = ("iso_weekday", "start_minute", "end_minute")
    ISO_WEEKDAY_FIELD_NUMBER: _ClassVar[int]
    START_MINUTE_FIELD_NUMBER: _ClassVar[int]
    END_MINUTE_FIELD_NUMBER: _ClassVar[int]
    iso_weekday: int
    start_minute: int
    end_minute: int
    def __init__(self, iso_weekday: _Optional[int] = ..., start_minute: _Optional[int] = ..., end_minute: _Optional[int] = ...) -> None: ...

class CalendarRef(_message.Message):
    __slots__ = ("staff_id", "participant_id", "venue_id")
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    staff_id: str
    participant_id: str
    venue_id: str
    def __init__(self, staff_id: _Optional[str] = ..., participant_id: _Optional[str] = ..., venue_id: _Optional[str] = ...) -> None: ...

class BusyBlock(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RegisterCoordinatorRequest(_message.Message):
    __slots__ = ("staff_id", "site", "manager_id", "working_hours")
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    staff_id: str
    site: str
    manager_id: str
    working_hours: _containers.RepeatedCompositeFieldContainer[WorkingPeriod]
    def __init__(self, staff_id: _Optional[str] = ..., site: _Optional[str] = ..., manager_id: _Optional[str] = ..., working_hours: _Optional[_Iterable[_Union[WorkingPeriod, _Mapping]]] = ...) -> None: ...

class RegisterCoordinatorResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RegisterVenueRequest(_message.Message):
    __slots__ = ("site", "name", "working_hours")
    SITE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    site: str
    name: str
    working_hours: _containers.RepeatedCompositeFieldContainer[WorkingPeriod]
    def __init__(self, site: _Optional[str] = ..., name: _Optional[str] = ..., working_hours: _Optional[_Iterable[_Union[WorkingPeriod, _Mapping]]] = ...) -> None: ...

class RegisterVenueResponse(_message.Message):
    __slots__ = ("venue_id",)
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    venue_id: str
    def __init__(self, venue_id: _Optional[str] = ...) -> None: ...

class SetWorkingHoursRequest(_message.Message):
    __slots__ = ("calendar", "working_hours")
    CALENDAR_FIELD_NUMBER: _ClassVar[int]
    WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    calendar: CalendarRef
    working_hours: _containers.RepeatedCompositeFieldContainer[WorkingPeriod]
    def __init__(self, calendar: _Optional[_Union[CalendarRef, _Mapping]] = ..., working_hours: _Optional[_Iterable[_Union[WorkingPeriod, _Mapping]]] = ...) -> None: ...

class SetWorkingHoursResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AddBusyBlocksRequest(_message.Message):
    __slots__ = ("calendar", "blocks")
    CALENDAR_FIELD_NUMBER: _ClassVar[int]
    BLOCKS_FIELD_NUMBER: _ClassVar[int]
    calendar: CalendarRef
    blocks: _containers.RepeatedCompositeFieldContainer[BusyBlock]
    def __init__(self, calendar: _Optional[_Union[CalendarRef, _Mapping]] = ..., blocks: _Optional[_Iterable[_Union[BusyBlock, _Mapping]]] = ...) -> None: ...

class AddBusyBlocksResponse(_message.Message):
    __slots__ = ("block_ids",)
    BLOCK_IDS_FIELD_NUMBER: _ClassVar[int]
    block_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, block_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RemoveBusyBlocksRequest(_message.Message):
    __slots__ = ("calendar", "block_ids")
    CALENDAR_FIELD_NUMBER: _ClassVar[int]
    BLOCK_IDS_FIELD_NUMBER: _ClassVar[int]
    calendar: CalendarRef
    block_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, calendar: _Optional[_Union[CalendarRef, _Mapping]] = ..., block_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RemoveBusyBlocksResponse(_message.Message):
    __slots__ = ("removed",)
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    removed: int
    def __init__(self, removed: _Optional[int] = ...) -> None: ...

class OpenConferenceRequest(_message.Message):
    __slots__ = ("conference_id", "case_id", "site", "trigger", "convening_due", "scheduling")
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    CONVENING_DUE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULING_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    case_id: str
    site: str
    trigger: ConferenceTrigger
    convening_due: _timestamp_pb2.Timestamp
    scheduling: ConferenceScheduling
    def __init__(self, conference_id: _Optional[str] = ..., case_id: _Optional[str] = ..., site: _Optional[str] = ..., trigger: _Optional[_Union[ConferenceTrigger, _Mapping]] = ..., convening_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scheduling: _Optional[_Union[ConferenceScheduling, _Mapping]] = ...) -> None: ...

class ConferenceScheduling(_message.Message):
    __slots__ = ("minimum_notice_seconds", "length_seconds", "granularity_seconds", "iso_weekdays", "start_minute", "end_minute", "public_holidays")
    MINIMUM_NOTICE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LENGTH_SECONDS_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ISO_WEEKDAYS_FIELD_NUMBER: _ClassVar[int]
    START_MINUTE_FIELD_NUMBER: _ClassVar[int]
    END_MINUTE_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_HOLIDAYS_FIELD_NUMBER: _ClassVar[int]
    minimum_notice_seconds: int
    length_seconds: int
    granularity_seconds: int
    iso_weekdays: _containers.RepeatedScalarFieldContainer[int]
    start_minute: int
    end_minute: int
    public_holidays: bool
    def __init__(self, minimum_notice_seconds: _Optional[int] = ..., length_seconds: _Optional[int] = ..., granularity_seconds: _Optional[int] = ..., iso_weekdays: _Optional[_Iterable[int]] = ..., start_minute: _Optional[int] = ..., end_minute: _Optional[int] = ..., public_holidays: _Optional[bool] = ...) -> None: ...

class OpenConferenceResponse(_message.Message):
    __slots__ = ("coordinator_id", "manager_id")
    COORDINATOR_ID_FIELD_NUMBER: _ClassVar[int]
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    coordinator_id: str
    manager_id: str
    def __init__(self, coordinator_id: _Optional[str] = ..., manager_id: _Optional[str] = ...) -> None: ...

class HoldSlotRequest(_message.Message):
    __slots__ = ("conference_id", "round", "not_before", "until", "slot", "booked_by", "late_reason", "participant_ids", "venue_id", "required_ids")
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    SLOT_FIELD_NUMBER: _ClassVar[int]
    BOOKED_BY_FIELD_NUMBER: _ClassVar[int]
    LATE_REASON_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDS_FIELD_NUMBER: _ClassVar[int]
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_IDS_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    round: int
    not_before: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    slot: ConferenceSlot
    booked_by: str
    late_reason: str
    participant_ids: _containers.RepeatedScalarFieldContainer[str]
    venue_id: str
    required_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, conference_id: _Optional[str] = ..., round: _Optional[int] = ..., not_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., slot: _Optional[_Union[ConferenceSlot, _Mapping]] = ..., booked_by: _Optional[str] = ..., late_reason: _Optional[str] = ..., participant_ids: _Optional[_Iterable[str]] = ..., venue_id: _Optional[str] = ..., required_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class HoldSlotResponse(_message.Message):
    __slots__ = ("booking",)
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    booking: ConferenceBooking
    def __init__(self, booking: _Optional[_Union[ConferenceBooking, _Mapping]] = ...) -> None: ...

class ReleaseBookingRequest(_message.Message):
    __slots__ = ("conference_id", "round")
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    round: int
    def __init__(self, conference_id: _Optional[str] = ..., round: _Optional[int] = ...) -> None: ...

class ReleaseBookingResponse(_message.Message):
    __slots__ = ("released",)
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    released: bool
    def __init__(self, released: _Optional[bool] = ...) -> None: ...

class SendInvitationsRequest(_message.Message):
    __slots__ = ("conference_id", "round", "participant_ids")
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDS_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    round: int
    participant_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, conference_id: _Optional[str] = ..., round: _Optional[int] = ..., participant_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SendInvitationsResponse(_message.Message):
    __slots__ = ("invited", "conflicts")
    INVITED_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    invited: int
    conflicts: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, invited: _Optional[int] = ..., conflicts: _Optional[_Iterable[str]] = ...) -> None: ...

class RaiseConferenceEscalationRequest(_message.Message):
    __slots__ = ("escalation",)
    ESCALATION_FIELD_NUMBER: _ClassVar[int]
    escalation: ConferenceEscalation
    def __init__(self, escalation: _Optional[_Union[ConferenceEscalation, _Mapping]] = ...) -> None: ...

class RaiseConferenceEscalationResponse(_message.Message):
    __slots__ = ("escalation_id", "created")
    ESCALATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    escalation_id: str
    created: bool
    def __init__(self, escalation_id: _Optional[str] = ..., created: _Optional[bool] = ...) -> None: ...

class ResolveConferenceEscalationsRequest(_message.Message):
    __slots__ = ("conference_id", "deadline", "level")
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    deadline: ConferenceDeadline
    level: ConferenceEscalationLevel
    def __init__(self, conference_id: _Optional[str] = ..., deadline: _Optional[_Union[ConferenceDeadline, str]] = ..., level: _Optional[_Union[ConferenceEscalationLevel, str]] = ...) -> None: ...

class ResolveConferenceEscalationsResponse(_message.Message):
    __slots__ = ("resolved",)
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    resolved: int
    def __init__(self, resolved: _Optional[int] = ...) -> None: ...

class ReferBackRequest(_message.Message):
    __slots__ = ("conference_id",)
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    def __init__(self, conference_id: _Optional[str] = ...) -> None: ...

class ReferBackResponse(_message.Message):
    __slots__ = ("referral_id", "already_sent")
    REFERRAL_ID_FIELD_NUMBER: _ClassVar[int]
    ALREADY_SENT_FIELD_NUMBER: _ClassVar[int]
    referral_id: str
    already_sent: bool
    def __init__(self, referral_id: _Optional[str] = ..., already_sent: _Optional[bool] = ...) -> None: ...

class GetAgreedPlanRequest(_message.Message):
    __slots__ = ("conference_id",)
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    conference_id: str
    def __init__(self, conference_id: _Optional[str] = ...) -> None: ...

class GetAgreedPlanResponse(_message.Message):
    __slots__ = ("case_id", "recorded_by", "plan")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    recorded_by: str
    plan: _plan_pb2.PlanContent
    def __init__(self, case_id: _Optional[str] = ..., recorded_by: _Optional[str] = ..., plan: _Optional[_Union[_plan_pb2.PlanContent, _Mapping]] = ...) -> None: ...
