from kahu.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProposeTriageRequest(_message.Message):
    __slots__ = ("case_id", "facts")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTS_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    facts: _common_pb2.CaseFacts
    def __init__(self, case_id: _Optional[str] = ..., facts: _Optional[_Union[_common_pb2.CaseFacts, _Mapping]] = ...) -> None: ...

class ProposeTriageResponse(_message.Message):
    __slots__ = ("proposal",)
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    proposal: _common_pb2.TriageProposal
    def __init__(self, proposal: _Optional[_Union[_common_pb2.TriageProposal, _Mapping]] = ...) -> None: ...

class GetProposalRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetProposalResponse(_message.Message):
    __slots__ = ("proposal",)
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    proposal: _common_pb2.TriageProposal
    def __init__(self, proposal: _Optional[_Union[_common_pb2.TriageProposal, _Mapping]] = ...) -> None: ...

class NotifyPoliceRequest(_message.Message):
    __slots__ = ("case_id", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class NotifyPoliceResponse(_message.Message):
    __slots__ = ("notification_id", "already_sent")
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    ALREADY_SENT_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    already_sent: bool
    def __init__(self, notification_id: _Optional[str] = ..., already_sent: _Optional[bool] = ...) -> None: ...

class ListPoliceNotificationsRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class ListPoliceNotificationsResponse(_message.Message):
    __slots__ = ("notifications",)
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[_common_pb2.NotificationDelivery]
    def __init__(self, notifications: _Optional[_Iterable[_Union[_common_pb2.NotificationDelivery, _Mapping]]] = ...) -> None: ...

class RecordDecisionRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "decided_by", "pathway", "timeframe", "reason", "police_consulted")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    PATHWAY_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    POLICE_CONSULTED_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    decided_by: str
    pathway: _common_pb2.Pathway
    timeframe: _common_pb2.Timeframe
    reason: str
    police_consulted: bool
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., decided_by: _Optional[str] = ..., pathway: _Optional[_Union[_common_pb2.Pathway, str]] = ..., timeframe: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., reason: _Optional[str] = ..., police_consulted: _Optional[bool] = ...) -> None: ...

class RecordDecisionResponse(_message.Message):
    __slots__ = ("case", "replayed")
    CASE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    case: _common_pb2.CaseSummary
    replayed: bool
    def __init__(self, case: _Optional[_Union[_common_pb2.CaseSummary, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordConsentRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "recorded_by", "given", "note")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    GIVEN_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    recorded_by: str
    given: bool
    note: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., recorded_by: _Optional[str] = ..., given: _Optional[bool] = ..., note: _Optional[str] = ...) -> None: ...

class RecordConsentResponse(_message.Message):
    __slots__ = ("case", "replayed")
    CASE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    case: _common_pb2.CaseSummary
    replayed: bool
    def __init__(self, case: _Optional[_Union[_common_pb2.CaseSummary, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...
