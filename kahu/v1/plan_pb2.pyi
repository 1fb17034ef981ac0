import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PlanKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_KIND_UNSPECIFIED: _ClassVar[PlanKind]
    PLAN_KIND_CASE: _ClassVar[PlanKind]
    PLAN_KIND_CHILDRENS_TEAM: _ClassVar[PlanKind]

class SharedPart(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHARED_PART_UNSPECIFIED: _ClassVar[SharedPart]
    SHARED_PART_GOALS: _ClassVar[SharedPart]
    SHARED_PART_VIEWS: _ClassVar[SharedPart]
    SHARED_PART_TEAM: _ClassVar[SharedPart]
    SHARED_PART_OTHER_ACTIONS: _ClassVar[SharedPart]

class PlanActionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_ACTION_STATUS_UNSPECIFIED: _ClassVar[PlanActionStatus]
    PLAN_ACTION_STATUS_OPEN: _ClassVar[PlanActionStatus]
    PLAN_ACTION_STATUS_DONE: _ClassVar[PlanActionStatus]
    PLAN_ACTION_STATUS_CANCELLED: _ClassVar[PlanActionStatus]
PLAN_KIND_UNSPECIFIED: PlanKind
PLAN_KIND_CASE: PlanKind
PLAN_KIND_CHILDRENS_TEAM: PlanKind
SHARED_PART_UNSPECIFIED: SharedPart
SHARED_PART_GOALS: SharedPart
SHARED_PART_VIEWS: SharedPart
SHARED_PART_TEAM: SharedPart
SHARED_PART_OTHER_ACTIONS: SharedPart
PLAN_ACTION_STATUS_UNSPECIFIED: PlanActionStatus
PLAN_ACTION_STATUS_OPEN: PlanActionStatus
PLAN_ACTION_STATUS_DONE: PlanActionStatus
PLAN_ACTION_STATUS_CANCELLED: PlanActionStatus

class TeamMember(_message.Message):
    __slots__ = ("agency", "member_id", "role")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    agency: str
    member_id: str
    role: str
    def __init__(self, agency: _Optional[str] = ..., member_id: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class ConsentShare(_message.Message):
    __slots__ = ("agency", "parts")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    agency: str
    parts: _containers.RepeatedScalarFieldContainer[SharedPart]
    def __init__(self, agency: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[SharedPart, str]]] = ...) -> None: ...

class FamilyConsent(_message.Message):
    __slots__ = ("given_by", "recorded_by", "given_at", "shares", "withdrawn_at", "withdrawal_recorded_by")
    GIVEN_BY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    GIVEN_AT_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWN_AT_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWAL_RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    given_by: str
    recorded_by: str
    given_at: _timestamp_pb2.Timestamp
    shares: _containers.RepeatedCompositeFieldContainer[ConsentShare]
    withdrawn_at: _timestamp_pb2.Timestamp
    withdrawal_recorded_by: str
    def __init__(self, given_by: _Optional[str] = ..., recorded_by: _Optional[str] = ..., given_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., shares: _Optional[_Iterable[_Union[ConsentShare, _Mapping]]] = ..., withdrawn_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., withdrawal_recorded_by: _Optional[str] = ...) -> None: ...

class PlanGoal(_message.Message):
    __slots__ = ("goal_id", "description")
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    goal_id: str
    description: str
    def __init__(self, goal_id: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class PlanAction(_message.Message):
    __slots__ = ("action_id", "goal_id", "description", "owner_agency", "owner_id", "owner_manager_id", "due_at", "status")
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OWNER_AGENCY_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    goal_id: str
    description: str
    owner_agency: str
    owner_id: str
    owner_manager_id: str
    due_at: _timestamp_pb2.Timestamp
    status: PlanActionStatus
    def __init__(self, action_id: _Optional[str] = ..., goal_id: _Optional[str] = ..., description: _Optional[str] = ..., owner_agency: _Optional[str] = ..., owner_id: _Optional[str] = ..., owner_manager_id: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[PlanActionStatus, str]] = ...) -> None: ...

class PlanContent(_message.Message):
    __slots__ = ("lead_professional", "lead_manager_id", "review_due", "goals", "actions", "team", "child_views", "whanau_views", "consent")
    LEAD_PROFESSIONAL_FIELD_NUMBER: _ClassVar[int]
    LEAD_MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_DUE_FIELD_NUMBER: _ClassVar[int]
    GOALS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    CHILD_VIEWS_FIELD_NUMBER: _ClassVar[int]
    WHANAU_VIEWS_FIELD_NUMBER: _ClassVar[int]
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    lead_professional: str
    lead_manager_id: str
    review_due: _timestamp_pb2.Timestamp
    goals: _containers.RepeatedCompositeFieldContainer[PlanGoal]
    actions: _containers.RepeatedCompositeFieldContainer[PlanAction]
    team: _containers.RepeatedCompositeFieldContainer[TeamMember]
    child_views: str
    whanau_views: str
    consent: FamilyConsent
    def __init__(self, lead_professional: _Optional[str] = ..., lead_manager_id: _Optional[str] = ..., review_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., goals: _Optional[_Iterable[_Union[PlanGoal, _Mapping]]] = ..., actions: _Optional[_Iterable[_Union[PlanAction, _Mapping]]] = ..., team: _Optional[_Iterable[_Union[TeamMember, _Mapping]]] = ..., child_views: _Optional[str] = ..., whanau_views: _Optional[str] = ..., consent: _Optional[_Union[FamilyConsent, _Mapping]] = ...) -> None: ...

class PlanVersion(_message.Message):
    __slots__ = ("version", "changed_by", "reason", "changed_at", "content")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    version: int
    changed_by: str
    reason: str
    changed_at: _timestamp_pb2.Timestamp
    content: PlanContent
    def __init__(self, version: _Optional[int] = ..., changed_by: _Optional[str] = ..., reason: _Optional[str] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., content: _Optional[_Union[PlanContent, _Mapping]] = ...) -> None: ...

class Plan(_message.Message):
    __slots__ = ("plan_id", "case_id", "workflow_id", "site", "region", "current", "history", "kind")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    case_id: str
    workflow_id: str
    site: str
    region: str
    current: PlanVersion
    history: _containers.RepeatedCompositeFieldContainer[PlanVersion]
    kind: PlanKind
    def __init__(self, plan_id: _Optional[str] = ..., case_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., current: _Optional[_Union[PlanVersion, _Mapping]] = ..., history: _Optional[_Iterable[_Union[PlanVersion, _Mapping]]] = ..., kind: _Optional[_Union[PlanKind, str]] = ...) -> None: ...

class CreatePlanRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "created_by", "reason", "content", "kind")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    created_by: str
    reason: str
    content: PlanContent
    kind: PlanKind
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., created_by: _Optional[str] = ..., reason: _Optional[str] = ..., content: _Optional[_Union[PlanContent, _Mapping]] = ..., kind: _Optional[_Union[PlanKind, str]] = ...) -> None: ...

class CreatePlanResponse(_message.Message):
    __slots__ = ("plan", "replayed")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    replayed: bool
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class MakeConferencePlanRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "conference_id", "created_by", "content")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    conference_id: str
    created_by: str
    content: PlanContent
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., conference_id: _Optional[str] = ..., created_by: _Optional[str] = ..., content: _Optional[_Union[PlanContent, _Mapping]] = ...) -> None: ...

class MakeConferencePlanResponse(_message.Message):
    __slots__ = ("plan", "replayed")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    replayed: bool
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetPlanRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetPlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class RevisePlanRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "expected_version", "revised_by", "reason", "content")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REVISED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    expected_version: int
    revised_by: str
    reason: str
    content: PlanContent
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., revised_by: _Optional[str] = ..., reason: _Optional[str] = ..., content: _Optional[_Union[PlanContent, _Mapping]] = ...) -> None: ...

class RevisePlanResponse(_message.Message):
    __slots__ = ("plan", "replayed")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    replayed: bool
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordActionStatusRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "action_id", "status", "recorded_by", "note")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    action_id: str
    status: PlanActionStatus
    recorded_by: str
    note: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., action_id: _Optional[str] = ..., status: _Optional[_Union[PlanActionStatus, str]] = ..., recorded_by: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RecordActionStatusResponse(_message.Message):
    __slots__ = ("plan", "replayed")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    replayed: bool
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordReviewRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "held_by", "note", "next_review_due")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    HELD_BY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    NEXT_REVIEW_DUE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    held_by: str
    note: str
    next_review_due: _timestamp_pb2.Timestamp
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., held_by: _Optional[str] = ..., note: _Optional[str] = ..., next_review_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordReviewResponse(_message.Message):
    __slots__ = ("plan", "replayed")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    replayed: bool
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordSharingConsentRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "recorded_by", "given_by", "shares", "note")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    GIVEN_BY_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    recorded_by: str
    given_by: str
    shares: _containers.RepeatedCompositeFieldContainer[ConsentShare]
    note: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., recorded_by: _Optional[str] = ..., given_by: _Optional[str] = ..., shares: _Optional[_Iterable[_Union[ConsentShare, _Mapping]]] = ..., note: _Optional[str] = ...) -> None: ...

class RecordSharingConsentResponse(_message.Message):
    __slots__ = ("plan", "replayed")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    replayed: bool
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class WithdrawSharingConsentRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "recorded_by", "note")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    recorded_by: str
    note: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., recorded_by: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class WithdrawSharingConsentResponse(_message.Message):
    __slots__ = ("plan", "replayed")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    replayed: bool
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetSharedPlanRequest(_message.Message):
    __slots__ = ("case_id", "agency")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    agency: str
    def __init__(self, case_id: _Optional[str] = ..., agency: _Optional[str] = ...) -> None: ...

class SharedPlan(_message.Message):
    __slots__ = ("plan_id", "case_id", "agency", "version", "lead_professional", "review_due", "actions", "shared", "consent_given_at", "goals", "child_views", "whanau_views", "team", "other_actions")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LEAD_PROFESSIONAL_FIELD_NUMBER: _ClassVar[int]
    REVIEW_DUE_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    CONSENT_GIVEN_AT_FIELD_NUMBER: _ClassVar[int]
    GOALS_FIELD_NUMBER: _ClassVar[int]
    CHILD_VIEWS_FIELD_NUMBER: _ClassVar[int]
    WHANAU_VIEWS_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    OTHER_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    case_id: str
    agency: str
    version: int
    lead_professional: str
    review_due: _timestamp_pb2.Timestamp
    actions: _containers.RepeatedCompositeFieldContainer[PlanAction]
    shared: _containers.RepeatedScalarFieldContainer[SharedPart]
    consent_given_at: _timestamp_pb2.Timestamp
    goals: _containers.RepeatedCompositeFieldContainer[PlanGoal]
    child_views: str
    whanau_views: str
    team: _containers.RepeatedCompositeFieldContainer[TeamMember]
    other_actions: _containers.RepeatedCompositeFieldContainer[PlanAction]
    def __init__(self, plan_id: _Optional[str] = ..., case_id: _Optional[str] = ..., agency: _Optional[str] = ..., version: _Optional[int] = ..., lead_professional: _Optional[str] = ..., review_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actions: _Optional[_Iterable[_Union[PlanAction, _Mapping]]] = ..., shared: _Optional[_Iterable[_Union[SharedPart, str]]] = ..., consent_given_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., goals: _Optional[_Iterable[_Union[PlanGoal, _Mapping]]] = ..., child_views: _Optional[str] = ..., whanau_views: _Optional[str] = ..., team: _Optional[_Iterable[_Union[TeamMember, _Mapping]]] = ..., other_actions: _Optional[_Iterable[_Union[PlanAction, _Mapping]]] = ...) -> None: ...

class GetSharedPlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: SharedPlan
    def __init__(self, plan: _Optional[_Union[SharedPlan, _Mapping]] = ...) -> None: ...

class RecordSharedActionStatusRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "action_id", "status", "recorded_by", "note")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    action_id: str
    status: PlanActionStatus
    recorded_by: str
    note: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., action_id: _Optional[str] = ..., status: _Optional[_Union[PlanActionStatus, str]] = ..., recorded_by: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RecordSharedActionStatusResponse(_message.Message):
    __slots__ = ("plan", "replayed")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    plan: SharedPlan
    replayed: bool
    def __init__(self, plan: _Optional[_Union[SharedPlan, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class ListPlansRequest(_message.Message):
    __slots__ = ("site", "region", "lead_professional", "owner_id", "owner_agency", "page_size", "page_token", "kind")
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    LEAD_PROFESSIONAL_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_AGENCY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    site: str
    region: str
    lead_professional: str
    owner_id: str
    owner_agency: str
    page_size: int
    page_token: str
    kind: PlanKind
    def __init__(self, site: _Optional[str] = ..., region: _Optional[str] = ..., lead_professional: _Optional[str] = ..., owner_id: _Optional[str] = ..., owner_agency: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., kind: _Optional[_Union[PlanKind, str]] = ...) -> None: ...

class PlanSummary(_message.Message):
    __slots__ = ("plan_id", "case_id", "site", "region", "version", "lead_professional", "review_due", "open_actions", "next_action_due", "next_due", "changed_at", "kind")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LEAD_PROFESSIONAL_FIELD_NUMBER: _ClassVar[int]
    REVIEW_DUE_FIELD_NUMBER: _ClassVar[int]
    OPEN_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_ACTION_DUE_FIELD_NUMBER: _ClassVar[int]
    NEXT_DUE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    case_id: str
    site: str
    region: str
    version: int
    lead_professional: str
    review_due: _timestamp_pb2.Timestamp
    open_actions: int
    next_action_due: _timestamp_pb2.Timestamp
    next_due: _timestamp_pb2.Timestamp
    changed_at: _timestamp_pb2.Timestamp
    kind: PlanKind
    def __init__(self, plan_id: _Optional[str] = ..., case_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., version: _Optional[int] = ..., lead_professional: _Optional[str] = ..., review_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., open_actions: _Optional[int] = ..., next_action_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[_Union[PlanKind, str]] = ...) -> None: ...

class ListPlansResponse(_message.Message):
    __slots__ = ("plans", "next_page_token")
    PLANS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[PlanSummary]
    next_page_token: str
    def __init__(self, plans: _Optional[_Iterable[_Union[PlanSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
