import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kahu.v1 import common_pb2 as _common_pb2
from kahu.v1 import intake_pb2 as _intake_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AllocateRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "social_worker", "site", "allocated_by")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SOCIAL_WORKER_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    ALLOCATED_BY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    social_worker: str
    site: str
    allocated_by: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., social_worker: _Optional[str] = ..., site: _Optional[str] = ..., allocated_by: _Optional[str] = ...) -> None: ...

class AllocateResponse(_message.Message):
    __slots__ = ("assessment", "replayed")
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    assessment: _common_pb2.Assessment
    replayed: bool
    def __init__(self, assessment: _Optional[_Union[_common_pb2.Assessment, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordFindingsRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "recorded_by", "summary")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    recorded_by: str
    summary: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., recorded_by: _Optional[str] = ..., summary: _Optional[str] = ...) -> None: ...

class RecordFindingsResponse(_message.Message):
    __slots__ = ("findings_id", "assessment", "replayed")
    FINDINGS_ID_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    findings_id: str
    assessment: _common_pb2.Assessment
    replayed: bool
    def __init__(self, findings_id: _Optional[str] = ..., assessment: _Optional[_Union[_common_pb2.Assessment, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class CompleteAssessmentRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "completed_by", "outcome", "reason", "police_consulted")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_BY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    POLICE_CONSULTED_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    completed_by: str
    outcome: _common_pb2.Outcome
    reason: str
    police_consulted: bool
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., completed_by: _Optional[str] = ..., outcome: _Optional[_Union[_common_pb2.Outcome, str]] = ..., reason: _Optional[str] = ..., police_consulted: _Optional[bool] = ...) -> None: ...

class CompleteAssessmentResponse(_message.Message):
    __slots__ = ("assessment", "replayed")
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    assessment: _common_pb2.Assessment
    replayed: bool
    def __init__(self, assessment: _Optional[_Union[_common_pb2.Assessment, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordChildSeenRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "seen_by", "seen_at", "place")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SEEN_BY_FIELD_NUMBER: _ClassVar[int]
    SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    PLACE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    seen_by: str
    seen_at: _timestamp_pb2.Timestamp
    place: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., seen_by: _Optional[str] = ..., seen_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., place: _Optional[str] = ...) -> None: ...

class RecordChildSeenResponse(_message.Message):
    __slots__ = ("assessment", "replayed")
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    assessment: _common_pb2.Assessment
    replayed: bool
    def __init__(self, assessment: _Optional[_Union[_common_pb2.Assessment, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetAssessmentRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetAssessmentResponse(_message.Message):
    __slots__ = ("assessment", "findings")
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    assessment: _common_pb2.Assessment
    findings: _containers.RepeatedCompositeFieldContainer[Findings]
    def __init__(self, assessment: _Optional[_Union[_common_pb2.Assessment, _Mapping]] = ..., findings: _Optional[_Iterable[_Union[Findings, _Mapping]]] = ...) -> None: ...

class RecordAssessmentRequest(_message.Message):
    __slots__ = ("case_id", "site", "region", "events", "standing")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    STANDING_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    site: str
    region: str
    events: _containers.RepeatedCompositeFieldContainer[_intake_pb2.CaseEvent]
    standing: _intake_pb2.AssessmentStanding
    def __init__(self, case_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., events: _Optional[_Iterable[_Union[_intake_pb2.CaseEvent, _Mapping]]] = ..., standing: _Optional[_Union[_intake_pb2.AssessmentStanding, _Mapping]] = ...) -> None: ...

class RecordAssessmentResponse(_message.Message):
    __slots__ = ("recorded",)
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    recorded: int
    def __init__(self, recorded: _Optional[int] = ...) -> None: ...

class Findings(_message.Message):
    __slots__ = ("findings_id", "recorded_by", "summary", "recorded_at")
    FINDINGS_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    findings_id: str
    recorded_by: str
    summary: str
    recorded_at: _timestamp_pb2.Timestamp
    def __init__(self, findings_id: _Optional[str] = ..., recorded_by: _Optional[str] = ..., summary: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
