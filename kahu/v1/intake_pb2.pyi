import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kahu.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubmitReportRequest(_message.Message):
    __slots__ = ("idempotency_key", "report")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    report: _common_pb2.Report
    def __init__(self, idempotency_key: _Optional[str] = ..., report: _Optional[_Union[_common_pb2.Report, _Mapping]] = ...) -> None: ...

class SubmitReportResponse(_message.Message):
    __slots__ = ("case_id", "report_id", "replayed")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    report_id: str
    replayed: bool
    def __init__(self, case_id: _Optional[str] = ..., report_id: _Optional[str] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

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

class Case(_message.Message):
    __slots__ = ("case_id", "site", "region", "stage", "concerns", "immediate_danger", "child_count", "received_at", "workflow_id")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    CONCERNS_FIELD_NUMBER: _ClassVar[int]
    IMMEDIATE_DANGER_FIELD_NUMBER: _ClassVar[int]
    CHILD_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    site: str
    region: str
    stage: _common_pb2.CaseStage
    concerns: _containers.RepeatedScalarFieldContainer[_common_pb2.ConcernCategory]
    immediate_danger: bool
    child_count: int
    received_at: _timestamp_pb2.Timestamp
    workflow_id: str
    def __init__(self, case_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., stage: _Optional[_Union[_common_pb2.CaseStage, str]] = ..., concerns: _Optional[_Iterable[_Union[_common_pb2.ConcernCategory, str]]] = ..., immediate_danger: _Optional[bool] = ..., child_count: _Optional[int] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., workflow_id: _Optional[str] = ...) -> None: ...
