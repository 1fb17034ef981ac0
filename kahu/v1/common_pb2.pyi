import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReporterKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORTER_KIND_UNSPECIFIED: _ClassVar[ReporterKind]
    REPORTER_KIND_PUBLIC: _ClassVar[ReporterKind]
    REPORTER_KIND_FAMILY: _ClassVar[ReporterKind]
    REPORTER_KIND_PROFESSIONAL: _ClassVar[ReporterKind]
    REPORTER_KIND_AGENCY: _ClassVar[ReporterKind]

class Agency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGENCY_UNSPECIFIED: _ClassVar[Agency]
    AGENCY_POLICE: _ClassVar[Agency]
    AGENCY_CORRECTIONS: _ClassVar[Agency]
    AGENCY_HEALTH_NZ: _ClassVar[Agency]
    AGENCY_SOCIAL_DEVELOPMENT: _ClassVar[Agency]
    AGENCY_EDUCATION: _ClassVar[Agency]
    AGENCY_CONTACT_CENTRE: _ClassVar[Agency]
    AGENCY_CHILD_SAFETY_HUB: _ClassVar[Agency]
    AGENCY_OTHER: _ClassVar[Agency]

class ConcernCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONCERN_CATEGORY_UNSPECIFIED: _ClassVar[ConcernCategory]
    CONCERN_CATEGORY_SEXUAL_ABUSE: _ClassVar[ConcernCategory]
    CONCERN_CATEGORY_PHYSICAL_ABUSE: _ClassVar[ConcernCategory]
    CONCERN_CATEGORY_NEGLECT: _ClassVar[ConcernCategory]
    CONCERN_CATEGORY_EMOTIONAL_HARM: _ClassVar[ConcernCategory]
    CONCERN_CATEGORY_FAMILY_VIOLENCE: _ClassVar[ConcernCategory]
    CONCERN_CATEGORY_CARER_ENTERING_CUSTODY: _ClassVar[ConcernCategory]
    CONCERN_CATEGORY_YOUTH_OFFENDING: _ClassVar[ConcernCategory]
    CONCERN_CATEGORY_GENERAL_WELLBEING: _ClassVar[ConcernCategory]

class CaseStage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_STAGE_UNSPECIFIED: _ClassVar[CaseStage]
    CASE_STAGE_INTAKE: _ClassVar[CaseStage]
    CASE_STAGE_TRIAGE: _ClassVar[CaseStage]
    CASE_STAGE_AWAITING_CONSENT: _ClassVar[CaseStage]
    CASE_STAGE_ASSESSMENT: _ClassVar[CaseStage]
    CASE_STAGE_INVESTIGATION: _ClassVar[CaseStage]
    CASE_STAGE_OUTCOME: _ClassVar[CaseStage]
    CASE_STAGE_CLOSED: _ClassVar[CaseStage]
    CASE_STAGE_PLACEMENT: _ClassVar[CaseStage]
    CASE_STAGE_YOUTH_JUSTICE_CONFERENCE: _ClassVar[CaseStage]
    CASE_STAGE_CARE_AND_PROTECTION_CONFERENCE: _ClassVar[CaseStage]

class Timeframe(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIMEFRAME_UNSPECIFIED: _ClassVar[Timeframe]
    TIMEFRAME_CRITICAL: _ClassVar[Timeframe]
    TIMEFRAME_VERY_URGENT: _ClassVar[Timeframe]
    TIMEFRAME_URGENT: _ClassVar[Timeframe]

class Pathway(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PATHWAY_UNSPECIFIED: _ClassVar[Pathway]
    PATHWAY_NO_FURTHER_ACTION: _ClassVar[Pathway]
    PATHWAY_REFER_COMMUNITY_PARTNER: _ClassVar[Pathway]
    PATHWAY_REFER_STRENGTHENING_FAMILIES: _ClassVar[Pathway]
    PATHWAY_REFER_CHILDRENS_TEAM: _ClassVar[Pathway]
    PATHWAY_CHILD_AND_FAMILY_ASSESSMENT: _ClassVar[Pathway]
    PATHWAY_JOINT_INVESTIGATION: _ClassVar[Pathway]
    PATHWAY_YOUTH_JUSTICE_FGC: _ClassVar[Pathway]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_NO_FURTHER_ACTION: _ClassVar[Outcome]
    OUTCOME_FAMILY_SUPPORT_PLAN: _ClassVar[Outcome]
    OUTCOME_FAMILY_GROUP_CONFERENCE: _ClassVar[Outcome]
    OUTCOME_SEEK_CUSTODY: _ClassVar[Outcome]

class DeadlineKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEADLINE_KIND_UNSPECIFIED: _ClassVar[DeadlineKind]
    DEADLINE_KIND_TRIAGE: _ClassVar[DeadlineKind]
    DEADLINE_KIND_ASSESSMENT: _ClassVar[DeadlineKind]
    DEADLINE_KIND_PLACEMENT: _ClassVar[DeadlineKind]
    DEADLINE_KIND_CONVENING: _ClassVar[DeadlineKind]
    DEADLINE_KIND_COMPLETION: _ClassVar[DeadlineKind]
    DEADLINE_KIND_ASSESSMENT_COMPLETION: _ClassVar[DeadlineKind]
    DEADLINE_KIND_TRIAGE_APPROVAL: _ClassVar[DeadlineKind]
    DEADLINE_KIND_PLAN_ACTION: _ClassVar[DeadlineKind]
    DEADLINE_KIND_PLAN_REVIEW: _ClassVar[DeadlineKind]

class NotificationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_STATUS_UNSPECIFIED: _ClassVar[NotificationStatus]
    NOTIFICATION_STATUS_PENDING: _ClassVar[NotificationStatus]
    NOTIFICATION_STATUS_DELIVERED: _ClassVar[NotificationStatus]
    NOTIFICATION_STATUS_FAILED: _ClassVar[NotificationStatus]
REPORTER_KIND_UNSPECIFIED: ReporterKind
REPORTER_KIND_PUBLIC: ReporterKind
REPORTER_KIND_FAMILY: ReporterKind
REPORTER_KIND_PROFESSIONAL: ReporterKind
REPORTER_KIND_AGENCY: ReporterKind
AGENCY_UNSPECIFIED: Agency
AGENCY_POLICE: Agency
AGENCY_CORRECTIONS: Agency
AGENCY_HEALTH_NZ: Agency
AGENCY_SOCIAL_DEVELOPMENT: Agency
AGENCY_EDUCATION: Agency
AGENCY_CONTACT_CENTRE: Agency
AGENCY_CHILD_SAFETY_HUB: Agency
AGENCY_OTHER: Agency
CONCERN_CATEGORY_UNSPECIFIED: ConcernCategory
CONCERN_CATEGORY_SEXUAL_ABUSE: ConcernCategory
CONCERN_CATEGORY_PHYSICAL_ABUSE: ConcernCategory
CONCERN_CATEGORY_NEGLECT: ConcernCategory
CONCERN_CATEGORY_EMOTIONAL_HARM: ConcernCategory
CONCERN_CATEGORY_FAMILY_VIOLENCE: ConcernCategory
CONCERN_CATEGORY_CARER_ENTERING_CUSTODY: ConcernCategory
CONCERN_CATEGORY_YOUTH_OFFENDING: ConcernCategory
CONCERN_CATEGORY_GENERAL_WELLBEING: ConcernCategory
CASE_STAGE_UNSPECIFIED: CaseStage
CASE_STAGE_INTAKE: CaseStage
CASE_STAGE_TRIAGE: CaseStage
CASE_STAGE_AWAITING_CONSENT: CaseStage
CASE_STAGE_ASSESSMENT: CaseStage
CASE_STAGE_INVESTIGATION: CaseStage
CASE_STAGE_OUTCOME: CaseStage
CASE_STAGE_CLOSED: CaseStage
CASE_STAGE_PLACEMENT: CaseStage
CASE_STAGE_YOUTH_JUSTICE_CONFERENCE: CaseStage
CASE_STAGE_CARE_AND_PROTECTION_CONFERENCE: CaseStage
TIMEFRAME_UNSPECIFIED: Timeframe
TIMEFRAME_CRITICAL: Timeframe
TIMEFRAME_VERY_URGENT: Timeframe
TIMEFRAME_URGENT: Timeframe
PATHWAY_UNSPECIFIED: Pathway
PATHWAY_NO_FURTHER_ACTION: Pathway
PATHWAY_REFER_COMMUNITY_PARTNER: Pathway
PATHWAY_REFER_STRENGTHENING_FAMILIES: Pathway
PATHWAY_REFER_CHILDRENS_TEAM: Pathway
PATHWAY_CHILD_AND_FAMILY_ASSESSMENT: Pathway
PATHWAY_JOINT_INVESTIGATION: Pathway
PATHWAY_YOUTH_JUSTICE_FGC: Pathway
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_NO_FURTHER_ACTION: Outcome
OUTCOME_FAMILY_SUPPORT_PLAN: Outcome
OUTCOME_FAMILY_GROUP_CONFERENCE: Outcome
OUTCOME_SEEK_CUSTODY: Outcome
DEADLINE_KIND_UNSPECIFIED: DeadlineKind
DEADLINE_KIND_TRIAGE: DeadlineKind
DEADLINE_KIND_ASSESSMENT: DeadlineKind
DEADLINE_KIND_PLACEMENT: DeadlineKind
DEADLINE_KIND_CONVENING: DeadlineKind
DEADLINE_KIND_COMPLETION: DeadlineKind
DEADLINE_KIND_ASSESSMENT_COMPLETION: DeadlineKind
DEADLINE_KIND_TRIAGE_APPROVAL: DeadlineKind
DEADLINE_KIND_PLAN_ACTION: DeadlineKind
DEADLINE_KIND_PLAN_REVIEW: DeadlineKind
NOTIFICATION_STATUS_UNSPECIFIED: NotificationStatus
NOTIFICATION_STATUS_PENDING: NotificationStatus
NOTIFICATION_STATUS_DELIVERED: NotificationStatus
NOTIFICATION_STATUS_FAILED: NotificationStatus

class Date(_message.Message):
    __slots__ = ("year", "month", "day")
    YEAR_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    year: int
    month: int
    day: int
    def __init__(self, year: _Optional[int] = ..., month: _Optional[int] = ..., day: _Optional[int] = ...) -> None: ...

class Reporter(_message.Message):
    __slots__ = ("kind", "agency", "name", "contact", "anonymous")
    KIND_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_FIELD_NUMBER: _ClassVar[int]
    kind: ReporterKind
    agency: Agency
    name: str
    contact: str
    anonymous: bool
    def __init__(self, kind: _Optional[_Union[ReporterKind, str]] = ..., agency: _Optional[_Union[Agency, str]] = ..., name: _Optional[str] = ..., contact: _Optional[str] = ..., anonymous: _Optional[bool] = ...) -> None: ...

class Child(_message.Message):
    __slots__ = ("name", "date_of_birth", "age_years", "iwi", "address", "region", "school", "disability_needs", "languages")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    AGE_YEARS_FIELD_NUMBER: _ClassVar[int]
    IWI_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SCHOOL_FIELD_NUMBER: _ClassVar[int]
    DISABILITY_NEEDS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    name: str
    date_of_birth: Date
    age_years: int
    iwi: str
    address: str
    region: str
    school: str
    disability_needs: _containers.RepeatedScalarFieldContainer[str]
    languages: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., date_of_birth: _Optional[_Union[Date, _Mapping]] = ..., age_years: _Optional[int] = ..., iwi: _Optional[str] = ..., address: _Optional[str] = ..., region: _Optional[str] = ..., school: _Optional[str] = ..., disability_needs: _Optional[_Iterable[str]] = ..., languages: _Optional[_Iterable[str]] = ...) -> None: ...

class HouseholdMember(_message.Message):
    __slots__ = ("name", "relationship", "adult_of_concern")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    ADULT_OF_CONCERN_FIELD_NUMBER: _ClassVar[int]
    name: str
    relationship: str
    adult_of_concern: bool
    def __init__(self, name: _Optional[str] = ..., relationship: _Optional[str] = ..., adult_of_concern: _Optional[bool] = ...) -> None: ...

class Incident(_message.Message):
    __slots__ = ("occurred_on", "description")
    OCCURRED_ON_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    occurred_on: Date
    description: str
    def __init__(self, occurred_on: _Optional[_Union[Date, _Mapping]] = ..., description: _Optional[str] = ...) -> None: ...

class PriorInvolvement(_message.Message):
    __slots__ = ("ministry", "police", "details")
    MINISTRY_FIELD_NUMBER: _ClassVar[int]
    POLICE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    ministry: bool
    police: bool
    details: str
    def __init__(self, ministry: _Optional[bool] = ..., police: _Optional[bool] = ..., details: _Optional[str] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("reporter", "site", "children", "household", "concerns", "incidents", "risk_reason", "immediate_danger", "prior_involvement")
    REPORTER_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_FIELD_NUMBER: _ClassVar[int]
    CONCERNS_FIELD_NUMBER: _ClassVar[int]
    INCIDENTS_FIELD_NUMBER: _ClassVar[int]
    RISK_REASON_FIELD_NUMBER: _ClassVar[int]
    IMMEDIATE_DANGER_FIELD_NUMBER: _ClassVar[int]
    PRIOR_INVOLVEMENT_FIELD_NUMBER: _ClassVar[int]
    reporter: Reporter
    site: str
    children: _containers.RepeatedCompositeFieldContainer[Child]
    household: _containers.RepeatedCompositeFieldContainer[HouseholdMember]
    concerns: _containers.RepeatedScalarFieldContainer[ConcernCategory]
    incidents: _containers.RepeatedCompositeFieldContainer[Incident]
    risk_reason: str
    immediate_danger: bool
    prior_involvement: PriorInvolvement
    def __init__(self, reporter: _Optional[_Union[Reporter, _Mapping]] = ..., site: _Optional[str] = ..., children: _Optional[_Iterable[_Union[Child, _Mapping]]] = ..., household: _Optional[_Iterable[_Union[HouseholdMember, _Mapping]]] = ..., concerns: _Optional[_Iterable[_Union[ConcernCategory, str]]] = ..., incidents: _Optional[_Iterable[_Union[Incident, _Mapping]]] = ..., risk_reason: _Optional[str] = ..., immediate_danger: _Optional[bool] = ..., prior_involvement: _Optional[_Union[PriorInvolvement, _Mapping]] = ...) -> None: ...

class TimelineEntry(_message.Message):
    __slots__ = ("at", "actor", "action", "detail")
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    actor: str
    action: str
    detail: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class DeadlineStatus(_message.Message):
    __slots__ = ("kind", "due_at", "breached", "tier", "original_due_at")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_DUE_AT_FIELD_NUMBER: _ClassVar[int]
    kind: DeadlineKind
    due_at: _timestamp_pb2.Timestamp
    breached: bool
    tier: int
    original_due_at: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[_Union[DeadlineKind, str]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., breached: _Optional[bool] = ..., tier: _Optional[int] = ..., original_due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CaseFacts(_message.Message):
    __slots__ = ("concerns", "immediate_danger", "agency", "prior_involvement", "youngest_child_age", "child_safety_hub")
    CONCERNS_FIELD_NUMBER: _ClassVar[int]
    IMMEDIATE_DANGER_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    PRIOR_INVOLVEMENT_FIELD_NUMBER: _ClassVar[int]
    YOUNGEST_CHILD_AGE_FIELD_NUMBER: _ClassVar[int]
    CHILD_SAFETY_HUB_FIELD_NUMBER: _ClassVar[int]
    concerns: _containers.RepeatedScalarFieldContainer[ConcernCategory]
    immediate_danger: bool
    agency: Agency
    prior_involvement: bool
    youngest_child_age: int
    child_safety_hub: bool
    def __init__(self, concerns: _Optional[_Iterable[_Union[ConcernCategory, str]]] = ..., immediate_danger: _Optional[bool] = ..., agency: _Optional[_Union[Agency, str]] = ..., prior_involvement: _Optional[bool] = ..., youngest_child_age: _Optional[int] = ..., child_safety_hub: _Optional[bool] = ...) -> None: ...

class FiredRule(_message.Message):
    __slots__ = ("id", "description")
    ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    description: str
    def __init__(self, id: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class TriageProposal(_message.Message):
    __slots__ = ("timeframe", "pathway", "fired_rules")
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    PATHWAY_FIELD_NUMBER: _ClassVar[int]
    FIRED_RULES_FIELD_NUMBER: _ClassVar[int]
    timeframe: Timeframe
    pathway: Pathway
    fired_rules: _containers.RepeatedCompositeFieldContainer[FiredRule]
    def __init__(self, timeframe: _Optional[_Union[Timeframe, str]] = ..., pathway: _Optional[_Union[Pathway, str]] = ..., fired_rules: _Optional[_Iterable[_Union[FiredRule, _Mapping]]] = ...) -> None: ...

class TriageDecision(_message.Message):
    __slots__ = ("decided_by", "pathway", "timeframe", "reason", "police_consulted")
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    PATHWAY_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    POLICE_CONSULTED_FIELD_NUMBER: _ClassVar[int]
    decided_by: str
    pathway: Pathway
    timeframe: Timeframe
    reason: str
    police_consulted: bool
    def __init__(self, decided_by: _Optional[str] = ..., pathway: _Optional[_Union[Pathway, str]] = ..., timeframe: _Optional[_Union[Timeframe, str]] = ..., reason: _Optional[str] = ..., police_consulted: _Optional[bool] = ...) -> None: ...

class CaseSummary(_message.Message):
    __slots__ = ("case_id", "stage", "proposal", "decision", "outcome", "deadline", "assessment_workflow_id", "awaiting_approval")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    AWAITING_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    stage: CaseStage
    proposal: TriageProposal
    decision: TriageDecision
    outcome: Outcome
    deadline: DeadlineStatus
    assessment_workflow_id: str
    awaiting_approval: TriageDecision
    def __init__(self, case_id: _Optional[str] = ..., stage: _Optional[_Union[CaseStage, str]] = ..., proposal: _Optional[_Union[TriageProposal, _Mapping]] = ..., decision: _Optional[_Union[TriageDecision, _Mapping]] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., deadline: _Optional[_Union[DeadlineStatus, _Mapping]] = ..., assessment_workflow_id: _Optional[str] = ..., awaiting_approval: _Optional[_Union[TriageDecision, _Mapping]] = ...) -> None: ...

class Completion(_message.Message):
    __slots__ = ("completed_by", "outcome", "reason")
    COMPLETED_BY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    completed_by: str
    outcome: Outcome
    reason: str
    def __init__(self, completed_by: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class Assessment(_message.Message):
    __slots__ = ("case_id", "social_worker", "due_at", "breached", "tier", "awaiting_approval", "result", "timeline", "deadline_kind", "child_seen")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SOCIAL_WORKER_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    AWAITING_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_KIND_FIELD_NUMBER: _ClassVar[int]
    CHILD_SEEN_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    social_worker: str
    due_at: _timestamp_pb2.Timestamp
    breached: bool
    tier: int
    awaiting_approval: Completion
    result: Completion
    timeline: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    deadline_kind: DeadlineKind
    child_seen: ChildSeen
    def __init__(self, case_id: _Optional[str] = ..., social_worker: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., breached: _Optional[bool] = ..., tier: _Optional[int] = ..., awaiting_approval: _Optional[_Union[Completion, _Mapping]] = ..., result: _Optional[_Union[Completion, _Mapping]] = ..., timeline: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ..., deadline_kind: _Optional[_Union[DeadlineKind, str]] = ..., child_seen: _Optional[_Union[ChildSeen, _Mapping]] = ...) -> None: ...

class ChildSeen(_message.Message):
    __slots__ = ("seen_by", "seen_at", "place")
    SEEN_BY_FIELD_NUMBER: _ClassVar[int]
    SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    PLACE_FIELD_NUMBER: _ClassVar[int]
    seen_by: str
    seen_at: _timestamp_pb2.Timestamp
    place: str
    def __init__(self, seen_by: _Optional[str] = ..., seen_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., place: _Optional[str] = ...) -> None: ...

class NotificationDelivery(_message.Message):
    __slots__ = ("notification_key", "kind", "channel", "status", "attempts", "last_error", "created_at", "delivered_at", "failed_at", "next_attempt_at")
    NOTIFICATION_KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    FAILED_AT_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    notification_key: str
    kind: str
    channel: str
    status: NotificationStatus
    attempts: int
    last_error: str
    created_at: _timestamp_pb2.Timestamp
    delivered_at: _timestamp_pb2.Timestamp
    failed_at: _timestamp_pb2.Timestamp
    next_attempt_at: _timestamp_pb2.Timestamp
    def __init__(self, notification_key: _Optional[str] = ..., kind: _Optional[str] = ..., channel: _Optional[str] = ..., status: _Optional[_Union[NotificationStatus, str]] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., failed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_attempt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TierCount(_message.Message):
    __slots__ = ("tier", "count")
    TIER_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    tier: int
    count: int
    def __init__(self, tier: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...
