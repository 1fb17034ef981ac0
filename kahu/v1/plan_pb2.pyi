import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PlanActionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_ACTION_STATUS_UNSPECIFIED: _ClassVar[PlanActionStatus]
    PLAN_ACTION_STATUS_OPEN: _ClassVar[PlanActionStatus]
    PLAN_ACTION_STATUS_DONE: _ClassVar[PlanActionStatus]
    PLAN_ACTION_STATUS_CANCELLED: _ClassVar[PlanActionStatus]
PLAN_ACTION_STATUS_UNSPECIFIED: PlanActionStatus
PLAN_ACTION_STATUS_OPEN: PlanActionStatus
PLAN_ACTION_STATUS_DONE: PlanActionStatus
PLAN_ACTION_STATUS_CANCELLED: PlanActionStatus

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
    __slots__ = ("lead_professional", "lead_manager_id", "review_due", "goals", "actions")
    LEAD_PROFESSIONAL_FIELD_NUMBER: _ClassVar[int]
    LEAD_MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_DUE_FIELD_NUMBER: _ClassVar[int]
    GOALS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    lead_professional: str
    lead_manager_id: str
    review_due: _timestamp_pb2.Timestamp
    goals: _containers.RepeatedCompositeFieldContainer[PlanGoal]
    actions: _containers.RepeatedCompositeFieldContainer[PlanAction]
    def __init__(self, lead_professional: _Optional[str] = ..., lead_manager_id: _Optional[str] = ..., review_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., goals: _Optional[_Iterable[_Union[PlanGoal, _Mapping]]] = ..., actions: _Optional[_Iterable[_Union[PlanAction, _Mapping]]] = ...) -> None: ...

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
    __slots__ = ("plan_id", "case_id", "workflow_id", "site", "region", "current", "history")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    case_id: str
    workflow_id: str
    site: str
    region: str
    current: PlanVersion
    history: _containers.RepeatedCompositeFieldContainer[PlanVersion]
    def __init__(self, plan_id: _Optional[str] = ..., case_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., current: _Optional[_Union[PlanVersion, _Mapping]] = ..., history: _Optional[_Iterable[_Union[PlanVersion, _Mapping]]] = ...) -> None: ...

class CreatePlanRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "created_by", "reason", "content")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    created_by: str
    reason: str
    content: PlanContent
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., created_by: _Optional[str] = ..., reason: _Optional[str] = ..., content: _Optional[_Union[PlanContent, _Mapping]] = ...) -> None: ...

class CreatePlanResponse(_message.Message):
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

class ListPlansRequest(_message.Message):
    __slots__ = ("site", "region", "lead_professional", "owner_id", "owner_agency", "page_size", "page_token")
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    LEAD_PROFESSIONAL_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_AGENCY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    site: str
    region: str
    lead_professional: str
    owner_id: str
    owner_agency: str
    page_size: int
    page_token: str
    def __init__(self, site: _Optional[str] = ..., region: _Optional[str] = ..., lead_professional: _Optional[str] = ..., owner_id: _Optional[str] = ..., owner_agency: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class PlanSummary(_message.Message):
    __slots__ = ("plan_id", "case_id", "site", "region", "version", "lead_professional", "review_due", "open_actions", "next_action_due", "next_due", "changed_at")
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
    def __init__(self, plan_id: _Optional[str] = ..., case_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., version: _Optional[int] = ..., lead_professional: _Optional[str] = ..., review_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., open_actions: _Optional[int] = ..., next_action_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListPlansResponse(_message.Message):
    __slots__ = ("plans", "next_page_token")
    PLANS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[PlanSummary]
    next_page_token: str
    def __init__(self, plans: _Optional[_Iterable[_Union[PlanSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
