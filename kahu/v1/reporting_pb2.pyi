import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kahu.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetSlaReportRequest(_message.Message):
    __slots__ = ("site", "region", "timeframe", "period_start", "period_end")
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    site: str
    region: str
    timeframe: _common_pb2.Timeframe
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    def __init__(self, site: _Optional[str] = ..., region: _Optional[str] = ..., timeframe: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PathwayCount(_message.Message):
    __slots__ = ("pathway", "count")
    PATHWAY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    pathway: _common_pb2.Pathway
    count: int
    def __init__(self, pathway: _Optional[_Union[_common_pb2.Pathway, str]] = ..., count: _Optional[int] = ...) -> None: ...

class SlaFigures(_message.Message):
    __slots__ = ("site", "region", "timeframe", "reports_received", "distinct_children", "decisions", "seen_due", "seen_within", "seen_awaiting", "seen_within_share", "seen_target_met", "breaches", "first_actions", "first_action_mean_seconds", "first_action_median_seconds")
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    REPORTS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    DISTINCT_CHILDREN_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    SEEN_DUE_FIELD_NUMBER: _ClassVar[int]
    SEEN_WITHIN_FIELD_NUMBER: _ClassVar[int]
    SEEN_AWAITING_FIELD_NUMBER: _ClassVar[int]
    SEEN_WITHIN_SHARE_FIELD_NUMBER: _ClassVar[int]
    SEEN_TARGET_MET_FIELD_NUMBER: _ClassVar[int]
    BREACHES_FIELD_NUMBER: _ClassVar[int]
    FIRST_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    FIRST_ACTION_MEAN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    FIRST_ACTION_MEDIAN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    site: str
    region: str
    timeframe: _common_pb2.Timeframe
    reports_received: int
    distinct_children: int
    decisions: _containers.RepeatedCompositeFieldContainer[PathwayCount]
    seen_due: int
    seen_within: int
    seen_awaiting: int
    seen_within_share: float
    seen_target_met: bool
    breaches: _containers.RepeatedCompositeFieldContainer[_common_pb2.TierCount]
    first_actions: int
    first_action_mean_seconds: float
    first_action_median_seconds: float
    def __init__(self, site: _Optional[str] = ..., region: _Optional[str] = ..., timeframe: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., reports_received: _Optional[int] = ..., distinct_children: _Optional[int] = ..., decisions: _Optional[_Iterable[_Union[PathwayCount, _Mapping]]] = ..., seen_due: _Optional[int] = ..., seen_within: _Optional[int] = ..., seen_awaiting: _Optional[int] = ..., seen_within_share: _Optional[float] = ..., seen_target_met: _Optional[bool] = ..., breaches: _Optional[_Iterable[_Union[_common_pb2.TierCount, _Mapping]]] = ..., first_actions: _Optional[int] = ..., first_action_mean_seconds: _Optional[float] = ..., first_action_median_seconds: _Optional[float] = ...) -> None: ...

class GetSlaReportResponse(_message.Message):
    __slots__ = ("rows", "total", "seen_target")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    SEEN_TARGET_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[SlaFigures]
    total: SlaFigures
    seen_target: float
    def __init__(self, rows: _Optional[_Iterable[_Union[SlaFigures, _Mapping]]] = ..., total: _Optional[_Union[SlaFigures, _Mapping]] = ..., seen_target: _Optional[float] = ...) -> None: ...

class ExportSlaReportRequest(_message.Message):
    __slots__ = ("site", "region", "timeframe", "period_start", "period_end")
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    site: str
    region: str
    timeframe: _common_pb2.Timeframe
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    def __init__(self, site: _Optional[str] = ..., region: _Optional[str] = ..., timeframe: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportSlaReportResponse(_message.Message):
    __slots__ = ("csv",)
    CSV_FIELD_NUMBER: _ClassVar[int]
    csv: str
    def __init__(self, csv: _Optional[str] = ...) -> None: ...
