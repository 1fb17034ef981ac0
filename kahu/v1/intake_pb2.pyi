import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kahu.v1 import common_pb2 as _common_pb2
from kahu.v1 import placement_pb2 as _placement_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CaseOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_ORDER_UNSPECIFIED: _ClassVar[CaseOrder]
    CASE_ORDER_NEWEST: _ClassVar[CaseOrder]
    CASE_ORDER_MOST_URGENT: _ClassVar[CaseOrder]

class PossibleDuplicateStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POSSIBLE_DUPLICATE_STATUS_UNSPECIFIED: _ClassVar[PossibleDuplicateStatus]
    POSSIBLE_DUPLICATE_STATUS_OPEN: _ClassVar[PossibleDuplicateStatus]
    POSSIBLE_DUPLICATE_STATUS_LINKED: _ClassVar[PossibleDuplicateStatus]
    POSSIBLE_DUPLICATE_STATUS_SEPARATED: _ClassVar[PossibleDuplicateStatus]

class DuplicateDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DUPLICATE_DECISION_UNSPECIFIED: _ClassVar[DuplicateDecision]
    DUPLICATE_DECISION_LINK: _ClassVar[DuplicateDecision]
    DUPLICATE_DECISION_SEPARATE: _ClassVar[DuplicateDecision]
CASE_ORDER_UNSPECIFIED: CaseOrder
CASE_ORDER_NEWEST: CaseOrder
CASE_ORDER_MOST_URGENT: CaseOrder
POSSIBLE_DUPLICATE_STATUS_UNSPECIFIED: PossibleDuplicateStatus
POSSIBLE_DUPLICATE_STATUS_OPEN: PossibleDuplicateStatus
POSSIBLE_DUPLICATE_STATUS_LINKED: PossibleDuplicateStatus
POSSIBLE_DUPLICATE_STATUS_SEPARATED: PossibleDuplicateStatus
DUPLICATE_DECISION_UNSPECIFIED: DuplicateDecision
DUPLICATE_DECISION_LINK: DuplicateDecision
DUPLICATE_DECISION_SEPARATE: DuplicateDecision

class SubmitReportRequest(_message.Message):
    __slots__ = ("idempotency_key", "report")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    report: _common_pb2.Report
    def __init__(self, idempotency_key: _Optional[str] = ..., report: _Optional[_Union[_common_pb2.Report, _Mapping]] = ...) -> None: ...

class SubmitReportResponse(_message.Message):
    __slots__ = ("case_id", "report_id", "replayed", "additional_information")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_INFORMATION_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    report_id: str
    replayed: bool
    additional_information: bool
    def __init__(self, case_id: _Optional[str] = ..., report_id: _Optional[str] = ..., replayed: _Optional[bool] = ..., additional_information: _Optional[bool] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetCaseResponse(_message.Message):
    __slots__ = ("case", "timeline", "proposal", "decision", "outcome", "reports", "placement", "possible_duplicates", "awaiting_approval")
    CASE_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    PLACEMENT_FIELD_NUMBER: _ClassVar[int]
    POSSIBLE_DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    AWAITING_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    case: Case
    timeline: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimelineEntry]
    proposal: _common_pb2.TriageProposal
    decision: _common_pb2.TriageDecision
    outcome: _common_pb2.Outcome
    reports: _containers.RepeatedCompositeFieldContainer[CaseReport]
    placement: CasePlacement
    possible_duplicates: _containers.RepeatedCompositeFieldContainer[PossibleDuplicate]
    awaiting_approval: _common_pb2.TriageDecision
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ..., timeline: _Optional[_Iterable[_Union[_common_pb2.TimelineEntry, _Mapping]]] = ..., proposal: _Optional[_Union[_common_pb2.TriageProposal, _Mapping]] = ..., decision: _Optional[_Union[_common_pb2.TriageDecision, _Mapping]] = ..., outcome: _Optional[_Union[_common_pb2.Outcome, str]] = ..., reports: _Optional[_Iterable[_Union[CaseReport, _Mapping]]] = ..., placement: _Optional[_Union[CasePlacement, _Mapping]] = ..., possible_duplicates: _Optional[_Iterable[_Union[PossibleDuplicate, _Mapping]]] = ..., awaiting_approval: _Optional[_Union[_common_pb2.TriageDecision, _Mapping]] = ...) -> None: ...

class CaseReport(_message.Message):
    __slots__ = ("report_id", "received_at", "additional_information", "report")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_INFORMATION_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    received_at: _timestamp_pb2.Timestamp
    additional_information: bool
    report: _common_pb2.Report
    def __init__(self, report_id: _Optional[str] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., additional_information: _Optional[bool] = ..., report: _Optional[_Union[_common_pb2.Report, _Mapping]] = ...) -> None: ...

class CasePlacement(_message.Message):
    __slots__ = ("caregiver_id", "tier", "places", "confirmed_by")
    CAREGIVER_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    PLACES_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_BY_FIELD_NUMBER: _ClassVar[int]
    caregiver_id: str
    tier: _placement_pb2.PlacementTier
    places: int
    confirmed_by: str
    def __init__(self, caregiver_id: _Optional[str] = ..., tier: _Optional[_Union[_placement_pb2.PlacementTier, str]] = ..., places: _Optional[int] = ..., confirmed_by: _Optional[str] = ...) -> None: ...

class ListCasesRequest(_message.Message):
    __slots__ = ("site", "region", "stage", "min_tier", "overdue_only", "page_size", "page_token", "timeframe", "assignee", "received_from", "received_before", "order", "due_before")
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    MIN_TIER_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FROM_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    DUE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    site: str
    region: str
    stage: _common_pb2.CaseStage
    min_tier: int
    overdue_only: bool
    page_size: int
    page_token: str
    timeframe: _common_pb2.Timeframe
    assignee: str
    received_from: _timestamp_pb2.Timestamp
    received_before: _timestamp_pb2.Timestamp
    order: CaseOrder
    due_before: _timestamp_pb2.Timestamp
    def __init__(self, site: _Optional[str] = ..., region: _Optional[str] = ..., stage: _Optional[_Union[_common_pb2.CaseStage, str]] = ..., min_tier: _Optional[int] = ..., overdue_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., timeframe: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., assignee: _Optional[str] = ..., received_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., received_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., order: _Optional[_Union[CaseOrder, str]] = ..., due_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCasesResponse(_message.Message):
    __slots__ = ("cases", "next_page_token")
    CASES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[Case]
    next_page_token: str
    def __init__(self, cases: _Optional[_Iterable[_Union[Case, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RecordCaseStageRequest(_message.Message):
    __slots__ = ("case_id", "stage")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    stage: _common_pb2.CaseStage
    def __init__(self, case_id: _Optional[str] = ..., stage: _Optional[_Union[_common_pb2.CaseStage, str]] = ...) -> None: ...

class RecordCaseStageResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RecordCaseEventsRequest(_message.Message):
    __slots__ = ("case_id", "workflow_id", "events", "standing", "assessment", "child_clock")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    STANDING_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    CHILD_CLOCK_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    workflow_id: str
    events: _containers.RepeatedCompositeFieldContainer[CaseEvent]
    standing: CaseStanding
    assessment: AssessmentStanding
    child_clock: _common_pb2.DeadlineStatus
    def __init__(self, case_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., events: _Optional[_Iterable[_Union[CaseEvent, _Mapping]]] = ..., standing: _Optional[_Union[CaseStanding, _Mapping]] = ..., assessment: _Optional[_Union[AssessmentStanding, _Mapping]] = ..., child_clock: _Optional[_Union[_common_pb2.DeadlineStatus, _Mapping]] = ...) -> None: ...

class RecordCaseEventsResponse(_message.Message):
    __slots__ = ("recorded",)
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    recorded: int
    def __init__(self, recorded: _Optional[int] = ...) -> None: ...

class ListDueCasesRequest(_message.Message):
    __slots__ = ("site", "region", "within_sites", "within_regions", "everywhere", "due_before", "limit")
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    WITHIN_SITES_FIELD_NUMBER: _ClassVar[int]
    WITHIN_REGIONS_FIELD_NUMBER: _ClassVar[int]
    EVERYWHERE_FIELD_NUMBER: _ClassVar[int]
    DUE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    site: str
    region: str
    within_sites: _containers.RepeatedScalarFieldContainer[str]
    within_regions: _containers.RepeatedScalarFieldContainer[str]
    everywhere: bool
    due_before: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, site: _Optional[str] = ..., region: _Optional[str] = ..., within_sites: _Optional[_Iterable[str]] = ..., within_regions: _Optional[_Iterable[str]] = ..., everywhere: _Optional[bool] = ..., due_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class ListDueCasesResponse(_message.Message):
    __slots__ = ("cases",)
    CASES_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[Case]
    def __init__(self, cases: _Optional[_Iterable[_Union[Case, _Mapping]]] = ...) -> None: ...

class GetCaseScopeRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetCaseScopeResponse(_message.Message):
    __slots__ = ("site", "region", "agencies", "concerns", "social_worker", "pathway")
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    AGENCIES_FIELD_NUMBER: _ClassVar[int]
    CONCERNS_FIELD_NUMBER: _ClassVar[int]
    SOCIAL_WORKER_FIELD_NUMBER: _ClassVar[int]
    PATHWAY_FIELD_NUMBER: _ClassVar[int]
    site: str
    region: str
    agencies: _containers.RepeatedScalarFieldContainer[str]
    concerns: _containers.RepeatedScalarFieldContainer[str]
    social_worker: str
    pathway: str
    def __init__(self, site: _Optional[str] = ..., region: _Optional[str] = ..., agencies: _Optional[_Iterable[str]] = ..., concerns: _Optional[_Iterable[str]] = ..., social_worker: _Optional[str] = ..., pathway: _Optional[str] = ...) -> None: ...

class CaseEvent(_message.Message):
    __slots__ = ("event_id", "entry")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    entry: _common_pb2.TimelineEntry
    def __init__(self, event_id: _Optional[str] = ..., entry: _Optional[_Union[_common_pb2.TimelineEntry, _Mapping]] = ...) -> None: ...

class CaseStanding(_message.Message):
    __slots__ = ("version", "stage", "proposal", "decision", "decided_at", "outcome", "deadline", "placement", "urgency", "awaiting_approval")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    PLACEMENT_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    AWAITING_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    version: int
    stage: _common_pb2.CaseStage
    proposal: _common_pb2.TriageProposal
    decision: _common_pb2.TriageDecision
    decided_at: _timestamp_pb2.Timestamp
    outcome: _common_pb2.Outcome
    deadline: _common_pb2.DeadlineStatus
    placement: CasePlacement
    urgency: _common_pb2.Timeframe
    awaiting_approval: _common_pb2.TriageDecision
    def __init__(self, version: _Optional[int] = ..., stage: _Optional[_Union[_common_pb2.CaseStage, str]] = ..., proposal: _Optional[_Union[_common_pb2.TriageProposal, _Mapping]] = ..., decision: _Optional[_Union[_common_pb2.TriageDecision, _Mapping]] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., outcome: _Optional[_Union[_common_pb2.Outcome, str]] = ..., deadline: _Optional[_Union[_common_pb2.DeadlineStatus, _Mapping]] = ..., placement: _Optional[_Union[CasePlacement, _Mapping]] = ..., urgency: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., awaiting_approval: _Optional[_Union[_common_pb2.TriageDecision, _Mapping]] = ...) -> None: ...

class AssessmentStanding(_message.Message):
    __slots__ = ("version", "assessment", "approved_by")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BY_FIELD_NUMBER: _ClassVar[int]
    version: int
    assessment: _common_pb2.Assessment
    approved_by: str
    def __init__(self, version: _Optional[int] = ..., assessment: _Optional[_Union[_common_pb2.Assessment, _Mapping]] = ..., approved_by: _Optional[str] = ...) -> None: ...

class Case(_message.Message):
    __slots__ = ("case_id", "site", "region", "stage", "concerns", "immediate_danger", "child_count", "received_at", "workflow_id", "urgency", "pathway", "deadline", "assignee")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    CONCERNS_FIELD_NUMBER: _ClassVar[int]
    IMMEDIATE_DANGER_FIELD_NUMBER: _ClassVar[int]
    CHILD_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    PATHWAY_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    site: str
    region: str
    stage: _common_pb2.CaseStage
    concerns: _containers.RepeatedScalarFieldContainer[_common_pb2.ConcernCategory]
    immediate_danger: bool
    child_count: int
    received_at: _timestamp_pb2.Timestamp
    workflow_id: str
    urgency: _common_pb2.Timeframe
    pathway: _common_pb2.Pathway
    deadline: _common_pb2.DeadlineStatus
    assignee: str
    def __init__(self, case_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., stage: _Optional[_Union[_common_pb2.CaseStage, str]] = ..., concerns: _Optional[_Iterable[_Union[_common_pb2.ConcernCategory, str]]] = ..., immediate_danger: _Optional[bool] = ..., child_count: _Optional[int] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., workflow_id: _Optional[str] = ..., urgency: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., pathway: _Optional[_Union[_common_pb2.Pathway, str]] = ..., deadline: _Optional[_Union[_common_pb2.DeadlineStatus, _Mapping]] = ..., assignee: _Optional[str] = ...) -> None: ...

class PossibleDuplicate(_message.Message):
    __slots__ = ("duplicate_id", "case_id", "report_id", "other_case_id", "status", "flagged_at", "site", "region", "decided_by", "reason", "decided_at")
    DUPLICATE_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_AT_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    duplicate_id: str
    case_id: str
    report_id: str
    other_case_id: str
    status: PossibleDuplicateStatus
    flagged_at: _timestamp_pb2.Timestamp
    site: str
    region: str
    decided_by: str
    reason: str
    decided_at: _timestamp_pb2.Timestamp
    def __init__(self, duplicate_id: _Optional[str] = ..., case_id: _Optional[str] = ..., report_id: _Optional[str] = ..., other_case_id: _Optional[str] = ..., status: _Optional[_Union[PossibleDuplicateStatus, str]] = ..., flagged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., decided_by: _Optional[str] = ..., reason: _Optional[str] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListPossibleDuplicatesRequest(_message.Message):
    __slots__ = ("site", "region", "status", "page_size", "page_token")
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    site: str
    region: str
    status: PossibleDuplicateStatus
    page_size: int
    page_token: str
    def __init__(self, site: _Optional[str] = ..., region: _Optional[str] = ..., status: _Optional[_Union[PossibleDuplicateStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPossibleDuplicatesResponse(_message.Message):
    __slots__ = ("possible_duplicates", "next_page_token")
    POSSIBLE_DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    possible_duplicates: _containers.RepeatedCompositeFieldContainer[PossibleDuplicate]
    next_page_token: str
    def __init__(self, possible_duplicates: _Optional[_Iterable[_Union[PossibleDuplicate, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResolvePossibleDuplicateRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "other_case_id", "decision", "reason", "decided_by")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_CASE_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    other_case_id: str
    decision: DuplicateDecision
    reason: str
    decided_by: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., other_case_id: _Optional[str] = ..., decision: _Optional[_Union[DuplicateDecision, str]] = ..., reason: _Optional[str] = ..., decided_by: _Optional[str] = ...) -> None: ...

class ResolvePossibleDuplicateResponse(_message.Message):
    __slots__ = ("possible_duplicate", "replayed")
    POSSIBLE_DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    possible_duplicate: PossibleDuplicate
    replayed: bool
    def __init__(self, possible_duplicate: _Optional[_Union[PossibleDuplicate, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...
