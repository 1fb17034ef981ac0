import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kahu.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EscalationLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ESCALATION_LEVEL_UNSPECIFIED: _ClassVar[EscalationLevel]
    ESCALATION_LEVEL_BREACH: _ClassVar[EscalationLevel]
    ESCALATION_LEVEL_WARNING: _ClassVar[EscalationLevel]
    ESCALATION_LEVEL_NO_SLOT: _ClassVar[EscalationLevel]
    ESCALATION_LEVEL_APPROVAL: _ClassVar[EscalationLevel]

class ApprovalKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPROVAL_KIND_UNSPECIFIED: _ClassVar[ApprovalKind]
    APPROVAL_KIND_SEEK_CUSTODY: _ClassVar[ApprovalKind]
    APPROVAL_KIND_TRIAGE_DECISION: _ClassVar[ApprovalKind]
    APPROVAL_KIND_CARE_AND_PROTECTION_REFERRAL: _ClassVar[ApprovalKind]

class AttentionReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ATTENTION_REASON_UNSPECIFIED: _ClassVar[AttentionReason]
    ATTENTION_REASON_REFUSED: _ClassVar[AttentionReason]
    ATTENTION_REASON_STILL_FAILING: _ClassVar[AttentionReason]

class AttentionDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ATTENTION_DECISION_UNSPECIFIED: _ClassVar[AttentionDecision]
    ATTENTION_DECISION_RETRY: _ClassVar[AttentionDecision]
    ATTENTION_DECISION_SKIP: _ClassVar[AttentionDecision]
ESCALATION_LEVEL_UNSPECIFIED: EscalationLevel
ESCALATION_LEVEL_BREACH: EscalationLevel
ESCALATION_LEVEL_WARNING: EscalationLevel
ESCALATION_LEVEL_NO_SLOT: EscalationLevel
ESCALATION_LEVEL_APPROVAL: EscalationLevel
APPROVAL_KIND_UNSPECIFIED: ApprovalKind
APPROVAL_KIND_SEEK_CUSTODY: ApprovalKind
APPROVAL_KIND_TRIAGE_DECISION: ApprovalKind
APPROVAL_KIND_CARE_AND_PROTECTION_REFERRAL: ApprovalKind
ATTENTION_REASON_UNSPECIFIED: AttentionReason
ATTENTION_REASON_REFUSED: AttentionReason
ATTENTION_REASON_STILL_FAILING: AttentionReason
ATTENTION_DECISION_UNSPECIFIED: AttentionDecision
ATTENTION_DECISION_RETRY: AttentionDecision
ATTENTION_DECISION_SKIP: AttentionDecision

class RaiseEscalationRequest(_message.Message):
    __slots__ = ("case_id", "workflow_id", "kind", "cycle", "tier", "role", "site", "region", "due_at", "conference_id", "level", "raise_at", "assignee")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CYCLE_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    RAISE_AT_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    workflow_id: str
    kind: _common_pb2.DeadlineKind
    cycle: int
    tier: int
    role: str
    site: str
    region: str
    due_at: _timestamp_pb2.Timestamp
    conference_id: str
    level: EscalationLevel
    raise_at: _timestamp_pb2.Timestamp
    assignee: str
    def __init__(self, case_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., kind: _Optional[_Union[_common_pb2.DeadlineKind, str]] = ..., cycle: _Optional[int] = ..., tier: _Optional[int] = ..., role: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., conference_id: _Optional[str] = ..., level: _Optional[_Union[EscalationLevel, str]] = ..., raise_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., assignee: _Optional[str] = ...) -> None: ...

class RaiseEscalationResponse(_message.Message):
    __slots__ = ("escalation_id", "created")
    ESCALATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    escalation_id: str
    created: bool
    def __init__(self, escalation_id: _Optional[str] = ..., created: _Optional[bool] = ...) -> None: ...

class ResolveEscalationsRequest(_message.Message):
    __slots__ = ("case_id", "kind", "conference_id", "level", "cycle")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CYCLE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    kind: _common_pb2.DeadlineKind
    conference_id: str
    level: EscalationLevel
    cycle: int
    def __init__(self, case_id: _Optional[str] = ..., kind: _Optional[_Union[_common_pb2.DeadlineKind, str]] = ..., conference_id: _Optional[str] = ..., level: _Optional[_Union[EscalationLevel, str]] = ..., cycle: _Optional[int] = ...) -> None: ...

class ResolveEscalationsResponse(_message.Message):
    __slots__ = ("resolved",)
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    resolved: int
    def __init__(self, resolved: _Optional[int] = ...) -> None: ...

class ListQueueRequest(_message.Message):
    __slots__ = ("site", "region", "min_tier", "breached_only", "due_within_seconds", "include_resolved", "page_size", "page_token", "kind", "tier", "older_than_seconds")
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    MIN_TIER_FIELD_NUMBER: _ClassVar[int]
    BREACHED_ONLY_FIELD_NUMBER: _ClassVar[int]
    DUE_WITHIN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_RESOLVED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    OLDER_THAN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    site: str
    region: str
    min_tier: int
    breached_only: bool
    due_within_seconds: int
    include_resolved: bool
    page_size: int
    page_token: str
    kind: _common_pb2.DeadlineKind
    tier: int
    older_than_seconds: int
    def __init__(self, site: _Optional[str] = ..., region: _Optional[str] = ..., min_tier: _Optional[int] = ..., breached_only: _Optional[bool] = ..., due_within_seconds: _Optional[int] = ..., include_resolved: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., kind: _Optional[_Union[_common_pb2.DeadlineKind, str]] = ..., tier: _Optional[int] = ..., older_than_seconds: _Optional[int] = ...) -> None: ...

class ListQueueResponse(_message.Message):
    __slots__ = ("items", "next_page_token", "due_soon", "attention", "tier_counts")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DUE_SOON_FIELD_NUMBER: _ClassVar[int]
    ATTENTION_FIELD_NUMBER: _ClassVar[int]
    TIER_COUNTS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Escalation]
    next_page_token: str
    due_soon: _containers.RepeatedCompositeFieldContainer[DueSoonCase]
    attention: _containers.RepeatedCompositeFieldContainer[AttentionItem]
    tier_counts: _containers.RepeatedCompositeFieldContainer[_common_pb2.TierCount]
    def __init__(self, items: _Optional[_Iterable[_Union[Escalation, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., due_soon: _Optional[_Iterable[_Union[DueSoonCase, _Mapping]]] = ..., attention: _Optional[_Iterable[_Union[AttentionItem, _Mapping]]] = ..., tier_counts: _Optional[_Iterable[_Union[_common_pb2.TierCount, _Mapping]]] = ...) -> None: ...

class Escalation(_message.Message):
    __slots__ = ("escalation_id", "case_id", "workflow_id", "kind", "cycle", "tier", "role", "site", "region", "due_at", "raised_at", "age_seconds", "acknowledged_by", "acknowledged_at", "resolved", "conference_id", "level", "raise_at", "late_seconds", "assignee")
    ESCALATION_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CYCLE_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    AGE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_BY_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    RAISE_AT_FIELD_NUMBER: _ClassVar[int]
    LATE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    escalation_id: str
    case_id: str
    workflow_id: str
    kind: _common_pb2.DeadlineKind
    cycle: int
    tier: int
    role: str
    site: str
    region: str
    due_at: _timestamp_pb2.Timestamp
    raised_at: _timestamp_pb2.Timestamp
    age_seconds: int
    acknowledged_by: str
    acknowledged_at: _timestamp_pb2.Timestamp
    resolved: bool
    conference_id: str
    level: EscalationLevel
    raise_at: _timestamp_pb2.Timestamp
    late_seconds: int
    assignee: str
    def __init__(self, escalation_id: _Optional[str] = ..., case_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., kind: _Optional[_Union[_common_pb2.DeadlineKind, str]] = ..., cycle: _Optional[int] = ..., tier: _Optional[int] = ..., role: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., raised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., age_seconds: _Optional[int] = ..., acknowledged_by: _Optional[str] = ..., acknowledged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved: _Optional[bool] = ..., conference_id: _Optional[str] = ..., level: _Optional[_Union[EscalationLevel, str]] = ..., raise_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., late_seconds: _Optional[int] = ..., assignee: _Optional[str] = ...) -> None: ...

class DueSoonCase(_message.Message):
    __slots__ = ("case_id", "workflow_id", "site", "region", "stage", "due_at")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    workflow_id: str
    site: str
    region: str
    stage: _common_pb2.CaseStage
    due_at: _timestamp_pb2.Timestamp
    def __init__(self, case_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., stage: _Optional[_Union[_common_pb2.CaseStage, str]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AcknowledgeRequest(_message.Message):
    __slots__ = ("idempotency_key", "escalation_id", "acknowledged_by", "note")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_ID_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_BY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    escalation_id: str
    acknowledged_by: str
    note: str
    def __init__(self, idempotency_key: _Optional[str] = ..., escalation_id: _Optional[str] = ..., acknowledged_by: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class AcknowledgeResponse(_message.Message):
    __slots__ = ("escalation", "replayed")
    ESCALATION_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    escalation: Escalation
    replayed: bool
    def __init__(self, escalation: _Optional[_Union[Escalation, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class ReassignRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "social_worker", "site", "reassigned_by", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SOCIAL_WORKER_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REASSIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    social_worker: str
    site: str
    reassigned_by: str
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., social_worker: _Optional[str] = ..., site: _Optional[str] = ..., reassigned_by: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ReassignResponse(_message.Message):
    __slots__ = ("assessment", "replayed")
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    assessment: _common_pb2.Assessment
    replayed: bool
    def __init__(self, assessment: _Optional[_Union[_common_pb2.Assessment, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class ExtendDeadlineRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "kind", "due_at", "extended_by", "reason", "conference_id", "reason_code")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    EXTENDED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    kind: _common_pb2.DeadlineKind
    due_at: _timestamp_pb2.Timestamp
    extended_by: str
    reason: str
    conference_id: str
    reason_code: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., kind: _Optional[_Union[_common_pb2.DeadlineKind, str]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., extended_by: _Optional[str] = ..., reason: _Optional[str] = ..., conference_id: _Optional[str] = ..., reason_code: _Optional[str] = ...) -> None: ...

class ExtendDeadlineResponse(_message.Message):
    __slots__ = ("deadline", "replayed")
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    deadline: _common_pb2.DeadlineStatus
    replayed: bool
    def __init__(self, deadline: _Optional[_Union[_common_pb2.DeadlineStatus, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class DecideApprovalRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "approved", "decided_by", "reason", "kind")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVED_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    approved: bool
    decided_by: str
    reason: str
    kind: ApprovalKind
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., approved: _Optional[bool] = ..., decided_by: _Optional[str] = ..., reason: _Optional[str] = ..., kind: _Optional[_Union[ApprovalKind, str]] = ...) -> None: ...

class DecideApprovalResponse(_message.Message):
    __slots__ = ("assessment", "replayed", "case")
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    assessment: _common_pb2.Assessment
    replayed: bool
    case: _common_pb2.CaseSummary
    def __init__(self, assessment: _Optional[_Union[_common_pb2.Assessment, _Mapping]] = ..., replayed: _Optional[bool] = ..., case: _Optional[_Union[_common_pb2.CaseSummary, _Mapping]] = ...) -> None: ...

class RaiseAttentionRequest(_message.Message):
    __slots__ = ("item_key", "case_id", "conference_id", "workflow_id", "step", "reason", "error", "trace_id", "site", "region", "waiting", "failing_since")
    ITEM_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    FAILING_SINCE_FIELD_NUMBER: _ClassVar[int]
    item_key: str
    case_id: str
    conference_id: str
    workflow_id: str
    step: str
    reason: AttentionReason
    error: str
    trace_id: str
    site: str
    region: str
    waiting: bool
    failing_since: _timestamp_pb2.Timestamp
    def __init__(self, item_key: _Optional[str] = ..., case_id: _Optional[str] = ..., conference_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., step: _Optional[str] = ..., reason: _Optional[_Union[AttentionReason, str]] = ..., error: _Optional[str] = ..., trace_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., waiting: _Optional[bool] = ..., failing_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RaiseAttentionResponse(_message.Message):
    __slots__ = ("item_id", "created")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    created: bool
    def __init__(self, item_id: _Optional[str] = ..., created: _Optional[bool] = ...) -> None: ...

class AttentionItem(_message.Message):
    __slots__ = ("item_id", "case_id", "conference_id", "workflow_id", "step", "reason", "error", "trace_id", "site", "region", "waiting", "failing_since", "raised_at", "resolved_by", "decision")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    FAILING_SINCE_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    case_id: str
    conference_id: str
    workflow_id: str
    step: str
    reason: AttentionReason
    error: str
    trace_id: str
    site: str
    region: str
    waiting: bool
    failing_since: _timestamp_pb2.Timestamp
    raised_at: _timestamp_pb2.Timestamp
    resolved_by: str
    decision: AttentionDecision
    def __init__(self, item_id: _Optional[str] = ..., case_id: _Optional[str] = ..., conference_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., step: _Optional[str] = ..., reason: _Optional[_Union[AttentionReason, str]] = ..., error: _Optional[str] = ..., trace_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., waiting: _Optional[bool] = ..., failing_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., raised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_by: _Optional[str] = ..., decision: _Optional[_Union[AttentionDecision, str]] = ...) -> None: ...

class ResolveAttentionRequest(_message.Message):
    __slots__ = ("idempotency_key", "item_id", "decided_by", "decision", "note")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_id: str
    decided_by: str
    decision: AttentionDecision
    note: str
    def __init__(self, idempotency_key: _Optional[str] = ..., item_id: _Optional[str] = ..., decided_by: _Optional[str] = ..., decision: _Optional[_Union[AttentionDecision, str]] = ..., note: _Optional[str] = ...) -> None: ...

class ResolveAttentionResponse(_message.Message):
    __slots__ = ("item", "replayed")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    item: AttentionItem
    replayed: bool
    def __init__(self, item: _Optional[_Union[AttentionItem, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class ListNotificationsRequest(_message.Message):
    __slots__ = ("case_id", "conference_id")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CONFERENCE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    conference_id: str
    def __init__(self, case_id: _Optional[str] = ..., conference_id: _Optional[str] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ("notifications",)
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[_common_pb2.NotificationDelivery]
    def __init__(self, notifications: _Optional[_Iterable[_Union[_common_pb2.NotificationDelivery, _Mapping]]] = ...) -> None: ...
