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

class SupportNeed(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUPPORT_NEED_UNSPECIFIED: _ClassVar[SupportNeed]
    SUPPORT_NEED_INFANT_CARE: _ClassVar[SupportNeed]
    SUPPORT_NEED_MEDICAL: _ClassVar[SupportNeed]
    SUPPORT_NEED_BEHAVIOURAL: _ClassVar[SupportNeed]
    SUPPORT_NEED_DISABILITY: _ClassVar[SupportNeed]
    SUPPORT_NEED_TRAUMA_INFORMED: _ClassVar[SupportNeed]

class Kinship(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KINSHIP_UNSPECIFIED: _ClassVar[Kinship]
    KINSHIP_PARENT: _ClassVar[Kinship]
    KINSHIP_WHANGAI_PARENT: _ClassVar[Kinship]
    KINSHIP_STEP_PARENT: _ClassVar[Kinship]
    KINSHIP_GRANDPARENT: _ClassVar[Kinship]
    KINSHIP_GREAT_GRANDPARENT: _ClassVar[Kinship]
    KINSHIP_AUNT_UNCLE: _ClassVar[Kinship]
    KINSHIP_SIBLING: _ClassVar[Kinship]
    KINSHIP_COUSIN: _ClassVar[Kinship]
    KINSHIP_PARTNER: _ClassVar[Kinship]

class CaregiverKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAREGIVER_KIND_UNSPECIFIED: _ClassVar[CaregiverKind]
    CAREGIVER_KIND_HOUSEHOLD: _ClassVar[CaregiverKind]
    CAREGIVER_KIND_RESIDENCE: _ClassVar[CaregiverKind]

class ApprovalStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPROVAL_STATUS_UNSPECIFIED: _ClassVar[ApprovalStatus]
    APPROVAL_STATUS_PENDING: _ClassVar[ApprovalStatus]
    APPROVAL_STATUS_APPROVED: _ClassVar[ApprovalStatus]
    APPROVAL_STATUS_DECLINED: _ClassVar[ApprovalStatus]
    APPROVAL_STATUS_SUSPENDED: _ClassVar[ApprovalStatus]

class PlacementTier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLACEMENT_TIER_UNSPECIFIED: _ClassVar[PlacementTier]
    PLACEMENT_TIER_WHANAU: _ClassVar[PlacementTier]
    PLACEMENT_TIER_HAPU: _ClassVar[PlacementTier]
    PLACEMENT_TIER_IWI: _ClassVar[PlacementTier]
    PLACEMENT_TIER_FAMILY_NETWORK: _ClassVar[PlacementTier]
    PLACEMENT_TIER_NON_KIN: _ClassVar[PlacementTier]
    PLACEMENT_TIER_RESIDENCE: _ClassVar[PlacementTier]

class ExclusionReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXCLUSION_REASON_UNSPECIFIED: _ClassVar[ExclusionReason]
    EXCLUSION_REASON_NOT_APPROVED: _ClassVar[ExclusionReason]
    EXCLUSION_REASON_APPROVAL_EXPIRED: _ClassVar[ExclusionReason]
    EXCLUSION_REASON_NO_CAPACITY: _ClassVar[ExclusionReason]
    EXCLUSION_REASON_NO_ACCESSIBILITY: _ClassVar[ExclusionReason]

class HoldStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HOLD_STATUS_UNSPECIFIED: _ClassVar[HoldStatus]
    HOLD_STATUS_HELD: _ClassVar[HoldStatus]
    HOLD_STATUS_CONFIRMED: _ClassVar[HoldStatus]
    HOLD_STATUS_RELEASED: _ClassVar[HoldStatus]

class ReleaseReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RELEASE_REASON_UNSPECIFIED: _ClassVar[ReleaseReason]
    RELEASE_REASON_EXPIRED: _ClassVar[ReleaseReason]
    RELEASE_REASON_DECLINED: _ClassVar[ReleaseReason]
    RELEASE_REASON_WITHDRAWN: _ClassVar[ReleaseReason]

class PlacementSearchStage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLACEMENT_SEARCH_STAGE_UNSPECIFIED: _ClassVar[PlacementSearchStage]
    PLACEMENT_SEARCH_STAGE_SEARCHING: _ClassVar[PlacementSearchStage]
    PLACEMENT_SEARCH_STAGE_AWAITING_SELECTION: _ClassVar[PlacementSearchStage]
    PLACEMENT_SEARCH_STAGE_AWAITING_CAREGIVER: _ClassVar[PlacementSearchStage]
    PLACEMENT_SEARCH_STAGE_PLACED: _ClassVar[PlacementSearchStage]
SUPPORT_NEED_UNSPECIFIED: SupportNeed
SUPPORT_NEED_INFANT_CARE: SupportNeed
SUPPORT_NEED_MEDICAL: SupportNeed
SUPPORT_NEED_BEHAVIOURAL: SupportNeed
SUPPORT_NEED_DISABILITY: SupportNeed
SUPPORT_NEED_TRAUMA_INFORMED: SupportNeed
KINSHIP_UNSPECIFIED: Kinship
KINSHIP_PARENT: Kinship
KINSHIP_WHANGAI_PARENT: Kinship
KINSHIP_STEP_PARENT: Kinship
KINSHIP_GRANDPARENT: Kinship
KINSHIP_GREAT_GRANDPARENT: Kinship
KINSHIP_AUNT_UNCLE: Kinship
KINSHIP_SIBLING: Kinship
KINSHIP_COUSIN: Kinship
KINSHIP_PARTNER: Kinship
CAREGIVER_KIND_UNSPECIFIED: CaregiverKind
CAREGIVER_KIND_HOUSEHOLD: CaregiverKind
CAREGIVER_KIND_RESIDENCE: CaregiverKind
APPROVAL_STATUS_UNSPECIFIED: ApprovalStatus
APPROVAL_STATUS_PENDING: ApprovalStatus
APPROVAL_STATUS_APPROVED: ApprovalStatus
APPROVAL_STATUS_DECLINED: ApprovalStatus
APPROVAL_STATUS_SUSPENDED: ApprovalStatus
PLACEMENT_TIER_UNSPECIFIED: PlacementTier
PLACEMENT_TIER_WHANAU: PlacementTier
PLACEMENT_TIER_HAPU: PlacementTier
PLACEMENT_TIER_IWI: PlacementTier
PLACEMENT_TIER_FAMILY_NETWORK: PlacementTier
PLACEMENT_TIER_NON_KIN: PlacementTier
PLACEMENT_TIER_RESIDENCE: PlacementTier
EXCLUSION_REASON_UNSPECIFIED: ExclusionReason
EXCLUSION_REASON_NOT_APPROVED: ExclusionReason
EXCLUSION_REASON_APPROVAL_EXPIRED: ExclusionReason
EXCLUSION_REASON_NO_CAPACITY: ExclusionReason
EXCLUSION_REASON_NO_ACCESSIBILITY: ExclusionReason
HOLD_STATUS_UNSPECIFIED: HoldStatus
HOLD_STATUS_HELD: HoldStatus
HOLD_STATUS_CONFIRMED: HoldStatus
HOLD_STATUS_RELEASED: HoldStatus
RELEASE_REASON_UNSPECIFIED: ReleaseReason
RELEASE_REASON_EXPIRED: ReleaseReason
RELEASE_REASON_DECLINED: ReleaseReason
RELEASE_REASON_WITHDRAWN: ReleaseReason
PLACEMENT_SEARCH_STAGE_UNSPECIFIED: PlacementSearchStage
PLACEMENT_SEARCH_STAGE_SEARCHING: PlacementSearchStage
PLACEMENT_SEARCH_STAGE_AWAITING_SELECTION: PlacementSearchStage
PLACEMENT_SEARCH_STAGE_AWAITING_CAREGIVER: PlacementSearchStage
PLACEMENT_SEARCH_STAGE_PLACED: PlacementSearchStage

class Person(_message.Message):
    __slots__ = ("person_id", "name", "date_of_birth", "region", "address_area", "school", "languages", "needs_wheelchair_access", "support_needs")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_AREA_FIELD_NUMBER: _ClassVar[int]
    SCHOOL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    NEEDS_WHEELCHAIR_ACCESS_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_NEEDS_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    name: str
    date_of_birth: _common_pb2.Date
    region: str
    address_area: str
    school: str
    languages: _containers.RepeatedScalarFieldContainer[str]
    needs_wheelchair_access: bool
    support_needs: _containers.RepeatedScalarFieldContainer[SupportNeed]
    def __init__(self, person_id: _Optional[str] = ..., name: _Optional[str] = ..., date_of_birth: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., region: _Optional[str] = ..., address_area: _Optional[str] = ..., school: _Optional[str] = ..., languages: _Optional[_Iterable[str]] = ..., needs_wheelchair_access: _Optional[bool] = ..., support_needs: _Optional[_Iterable[_Union[SupportNeed, str]]] = ...) -> None: ...

class Affiliation(_message.Message):
    __slots__ = ("iwi", "hapu")
    IWI_FIELD_NUMBER: _ClassVar[int]
    HAPU_FIELD_NUMBER: _ClassVar[int]
    iwi: str
    hapu: str
    def __init__(self, iwi: _Optional[str] = ..., hapu: _Optional[str] = ...) -> None: ...

class PutPersonRequest(_message.Message):
    __slots__ = ("person",)
    PERSON_FIELD_NUMBER: _ClassVar[int]
    person: Person
    def __init__(self, person: _Optional[_Union[Person, _Mapping]] = ...) -> None: ...

class PutPersonResponse(_message.Message):
    __slots__ = ("person", "created")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    person: Person
    created: bool
    def __init__(self, person: _Optional[_Union[Person, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetPersonRequest(_message.Message):
    __slots__ = ("person_id",)
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    def __init__(self, person_id: _Optional[str] = ...) -> None: ...

class GetPersonResponse(_message.Message):
    __slots__ = ("person", "affiliations")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    AFFILIATIONS_FIELD_NUMBER: _ClassVar[int]
    person: Person
    affiliations: _containers.RepeatedCompositeFieldContainer[Affiliation]
    def __init__(self, person: _Optional[_Union[Person, _Mapping]] = ..., affiliations: _Optional[_Iterable[_Union[Affiliation, _Mapping]]] = ...) -> None: ...

class Relationship(_message.Message):
    __slots__ = ("from_person_id", "to_person_id", "kind")
    FROM_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    TO_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    from_person_id: str
    to_person_id: str
    kind: Kinship
    def __init__(self, from_person_id: _Optional[str] = ..., to_person_id: _Optional[str] = ..., kind: _Optional[_Union[Kinship, str]] = ...) -> None: ...

class AddRelationshipRequest(_message.Message):
    __slots__ = ("relationship",)
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    relationship: Relationship
    def __init__(self, relationship: _Optional[_Union[Relationship, _Mapping]] = ...) -> None: ...

class AddRelationshipResponse(_message.Message):
    __slots__ = ("created",)
    CREATED_FIELD_NUMBER: _ClassVar[int]
    created: bool
    def __init__(self, created: _Optional[bool] = ...) -> None: ...

class RemoveRelationshipRequest(_message.Message):
    __slots__ = ("from_person_id", "to_person_id")
    FROM_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    TO_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    from_person_id: str
    to_person_id: str
    def __init__(self, from_person_id: _Optional[str] = ..., to_person_id: _Optional[str] = ...) -> None: ...

class RemoveRelationshipResponse(_message.Message):
    __slots__ = ("removed",)
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    removed: bool
    def __init__(self, removed: _Optional[bool] = ...) -> None: ...

class SetAffiliationsRequest(_message.Message):
    __slots__ = ("person_id", "affiliations")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    AFFILIATIONS_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    affiliations: _containers.RepeatedCompositeFieldContainer[Affiliation]
    def __init__(self, person_id: _Optional[str] = ..., affiliations: _Optional[_Iterable[_Union[Affiliation, _Mapping]]] = ...) -> None: ...

class SetAffiliationsResponse(_message.Message):
    __slots__ = ("affiliations",)
    AFFILIATIONS_FIELD_NUMBER: _ClassVar[int]
    affiliations: _containers.RepeatedCompositeFieldContainer[Affiliation]
    def __init__(self, affiliations: _Optional[_Iterable[_Union[Affiliation, _Mapping]]] = ...) -> None: ...

class Family(_message.Message):
    __slots__ = ("family_id", "name", "member_ids", "network_ids")
    FAMILY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    NETWORK_IDS_FIELD_NUMBER: _ClassVar[int]
    family_id: str
    name: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    network_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, family_id: _Optional[str] = ..., name: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ..., network_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class PutFamilyRequest(_message.Message):
    __slots__ = ("family",)
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    family: Family
    def __init__(self, family: _Optional[_Union[Family, _Mapping]] = ...) -> None: ...

class PutFamilyResponse(_message.Message):
    __slots__ = ("family", "created")
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    family: Family
    created: bool
    def __init__(self, family: _Optional[_Union[Family, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class LinkCaseChildrenRequest(_message.Message):
    __slots__ = ("case_id", "child_ids")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CHILD_IDS_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    child_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, case_id: _Optional[str] = ..., child_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class LinkCaseChildrenResponse(_message.Message):
    __slots__ = ("child_ids",)
    CHILD_IDS_FIELD_NUMBER: _ClassVar[int]
    child_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, child_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Approval(_message.Message):
    __slots__ = ("status", "approved_on", "expires_on")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    APPROVED_ON_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    status: ApprovalStatus
    approved_on: _common_pb2.Date
    expires_on: _common_pb2.Date
    def __init__(self, status: _Optional[_Union[ApprovalStatus, str]] = ..., approved_on: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., expires_on: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class Caregiver(_message.Message):
    __slots__ = ("caregiver_id", "kind", "person_id", "name", "region", "address_area", "capacity", "wheelchair_accessible", "languages", "takes_sibling_groups", "supports", "approval", "placed", "held")
    CAREGIVER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_AREA_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    WHEELCHAIR_ACCESSIBLE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    TAKES_SIBLING_GROUPS_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    PLACED_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    caregiver_id: str
    kind: CaregiverKind
    person_id: str
    name: str
    region: str
    address_area: str
    capacity: int
    wheelchair_accessible: bool
    languages: _containers.RepeatedScalarFieldContainer[str]
    takes_sibling_groups: bool
    supports: _containers.RepeatedScalarFieldContainer[SupportNeed]
    approval: Approval
    placed: int
    held: int
    def __init__(self, caregiver_id: _Optional[str] = ..., kind: _Optional[_Union[CaregiverKind, str]] = ..., person_id: _Optional[str] = ..., name: _Optional[str] = ..., region: _Optional[str] = ..., address_area: _Optional[str] = ..., capacity: _Optional[int] = ..., wheelchair_accessible: _Optional[bool] = ..., languages: _Optional[_Iterable[str]] = ..., takes_sibling_groups: _Optional[bool] = ..., supports: _Optional[_Iterable[_Union[SupportNeed, str]]] = ..., approval: _Optional[_Union[Approval, _Mapping]] = ..., placed: _Optional[int] = ..., held: _Optional[int] = ...) -> None: ...

class PutCaregiverRequest(_message.Message):
    __slots__ = ("caregiver",)
    CAREGIVER_FIELD_NUMBER: _ClassVar[int]
    caregiver: Caregiver
    def __init__(self, caregiver: _Optional[_Union[Caregiver, _Mapping]] = ...) -> None: ...

class PutCaregiverResponse(_message.Message):
    __slots__ = ("caregiver", "created")
    CAREGIVER_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    caregiver: Caregiver
    created: bool
    def __init__(self, caregiver: _Optional[_Union[Caregiver, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class SetCaregiverApprovalRequest(_message.Message):
    __slots__ = ("caregiver_id", "approval")
    CAREGIVER_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    caregiver_id: str
    approval: Approval
    def __init__(self, caregiver_id: _Optional[str] = ..., approval: _Optional[_Union[Approval, _Mapping]] = ...) -> None: ...

class SetCaregiverApprovalResponse(_message.Message):
    __slots__ = ("caregiver",)
    CAREGIVER_FIELD_NUMBER: _ClassVar[int]
    caregiver: Caregiver
    def __init__(self, caregiver: _Optional[_Union[Caregiver, _Mapping]] = ...) -> None: ...

class GetCaregiverRequest(_message.Message):
    __slots__ = ("caregiver_id",)
    CAREGIVER_ID_FIELD_NUMBER: _ClassVar[int]
    caregiver_id: str
    def __init__(self, caregiver_id: _Optional[str] = ...) -> None: ...

class GetCaregiverResponse(_message.Message):
    __slots__ = ("caregiver",)
    CAREGIVER_FIELD_NUMBER: _ClassVar[int]
    caregiver: Caregiver
    def __init__(self, caregiver: _Optional[_Union[Caregiver, _Mapping]] = ...) -> None: ...

class PlacementNeeds(_message.Message):
    __slots__ = ("wheelchair_access", "languages", "support_needs", "region", "school_area")
    WHEELCHAIR_ACCESS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_NEEDS_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SCHOOL_AREA_FIELD_NUMBER: _ClassVar[int]
    wheelchair_access: bool
    languages: _containers.RepeatedScalarFieldContainer[str]
    support_needs: _containers.RepeatedScalarFieldContainer[SupportNeed]
    region: str
    school_area: str
    def __init__(self, wheelchair_access: _Optional[bool] = ..., languages: _Optional[_Iterable[str]] = ..., support_needs: _Optional[_Iterable[_Union[SupportNeed, str]]] = ..., region: _Optional[str] = ..., school_area: _Optional[str] = ...) -> None: ...

class Candidate(_message.Message):
    __slots__ = ("caregiver_id", "tier", "rank", "kinship_degree", "places", "keeps_siblings_together", "meets_all_needs", "same_school_area", "same_region", "shares_language", "reasons", "name")
    CAREGIVER_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    KINSHIP_DEGREE_FIELD_NUMBER: _ClassVar[int]
    PLACES_FIELD_NUMBER: _ClassVar[int]
    KEEPS_SIBLINGS_TOGETHER_FIELD_NUMBER: _ClassVar[int]
    MEETS_ALL_NEEDS_FIELD_NUMBER: _ClassVar[int]
    SAME_SCHOOL_AREA_FIELD_NUMBER: _ClassVar[int]
    SAME_REGION_FIELD_NUMBER: _ClassVar[int]
    SHARES_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    caregiver_id: str
    tier: PlacementTier
    rank: int
    kinship_degree: int
    places: int
    keeps_siblings_together: bool
    meets_all_needs: bool
    same_school_area: bool
    same_region: bool
    shares_language: bool
    reasons: _containers.RepeatedScalarFieldContainer[str]
    name: str
    def __init__(self, caregiver_id: _Optional[str] = ..., tier: _Optional[_Union[PlacementTier, str]] = ..., rank: _Optional[int] = ..., kinship_degree: _Optional[int] = ..., places: _Optional[int] = ..., keeps_siblings_together: _Optional[bool] = ..., meets_all_needs: _Optional[bool] = ..., same_school_area: _Optional[bool] = ..., same_region: _Optional[bool] = ..., shares_language: _Optional[bool] = ..., reasons: _Optional[_Iterable[str]] = ..., name: _Optional[str] = ...) -> None: ...

class Exclusion(_message.Message):
    __slots__ = ("reason", "count")
    REASON_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    reason: ExclusionReason
    count: int
    def __init__(self, reason: _Optional[_Union[ExclusionReason, str]] = ..., count: _Optional[int] = ...) -> None: ...

class SearchPlacementsRequest(_message.Message):
    __slots__ = ("child_ids", "needs", "max_candidates", "max_kinship_degree")
    CHILD_IDS_FIELD_NUMBER: _ClassVar[int]
    NEEDS_FIELD_NUMBER: _ClassVar[int]
    MAX_CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    MAX_KINSHIP_DEGREE_FIELD_NUMBER: _ClassVar[int]
    child_ids: _containers.RepeatedScalarFieldContainer[str]
    needs: PlacementNeeds
    max_candidates: int
    max_kinship_degree: int
    def __init__(self, child_ids: _Optional[_Iterable[str]] = ..., needs: _Optional[_Union[PlacementNeeds, _Mapping]] = ..., max_candidates: _Optional[int] = ..., max_kinship_degree: _Optional[int] = ...) -> None: ...

class PlacementSearchResult(_message.Message):
    __slots__ = ("candidates", "excluded", "considered", "eligible", "child_ids", "searched_at", "widened")
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    CONSIDERED_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_FIELD_NUMBER: _ClassVar[int]
    CHILD_IDS_FIELD_NUMBER: _ClassVar[int]
    SEARCHED_AT_FIELD_NUMBER: _ClassVar[int]
    WIDENED_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[Candidate]
    excluded: _containers.RepeatedCompositeFieldContainer[Exclusion]
    considered: int
    eligible: int
    child_ids: _containers.RepeatedScalarFieldContainer[str]
    searched_at: _timestamp_pb2.Timestamp
    widened: bool
    def __init__(self, candidates: _Optional[_Iterable[_Union[Candidate, _Mapping]]] = ..., excluded: _Optional[_Iterable[_Union[Exclusion, _Mapping]]] = ..., considered: _Optional[int] = ..., eligible: _Optional[int] = ..., child_ids: _Optional[_Iterable[str]] = ..., searched_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., widened: _Optional[bool] = ...) -> None: ...

class SearchPlacementsResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: PlacementSearchResult
    def __init__(self, result: _Optional[_Union[PlacementSearchResult, _Mapping]] = ...) -> None: ...

class SearchForCaseRequest(_message.Message):
    __slots__ = ("case_id", "search_id", "max_candidates", "max_kinship_degree")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SEARCH_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    MAX_KINSHIP_DEGREE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    search_id: str
    max_candidates: int
    max_kinship_degree: int
    def __init__(self, case_id: _Optional[str] = ..., search_id: _Optional[str] = ..., max_candidates: _Optional[int] = ..., max_kinship_degree: _Optional[int] = ...) -> None: ...

class SearchForCaseResponse(_message.Message):
    __slots__ = ("result", "search_id", "replayed")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    SEARCH_ID_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    result: PlacementSearchResult
    search_id: str
    replayed: bool
    def __init__(self, result: _Optional[_Union[PlacementSearchResult, _Mapping]] = ..., search_id: _Optional[str] = ..., replayed: _Optional[bool] = ...) -> None: ...

class Hold(_message.Message):
    __slots__ = ("hold_id", "caregiver_id", "case_id", "places", "status", "expires_at", "created_at", "release_reason")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    CAREGIVER_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    PLACES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    RELEASE_REASON_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    caregiver_id: str
    case_id: str
    places: int
    status: HoldStatus
    expires_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    release_reason: ReleaseReason
    def __init__(self, hold_id: _Optional[str] = ..., caregiver_id: _Optional[str] = ..., case_id: _Optional[str] = ..., places: _Optional[int] = ..., status: _Optional[_Union[HoldStatus, str]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., release_reason: _Optional[_Union[ReleaseReason, str]] = ...) -> None: ...

class HoldPlacesRequest(_message.Message):
    __slots__ = ("hold_id", "caregiver_id", "case_id", "places", "expires_at")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    CAREGIVER_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    PLACES_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    caregiver_id: str
    case_id: str
    places: int
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, hold_id: _Optional[str] = ..., caregiver_id: _Optional[str] = ..., case_id: _Optional[str] = ..., places: _Optional[int] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HoldPlacesResponse(_message.Message):
    __slots__ = ("hold", "created")
    HOLD_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    hold: Hold
    created: bool
    def __init__(self, hold: _Optional[_Union[Hold, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class ConfirmHoldRequest(_message.Message):
    __slots__ = ("hold_id",)
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    def __init__(self, hold_id: _Optional[str] = ...) -> None: ...

class ConfirmHoldResponse(_message.Message):
    __slots__ = ("hold",)
    HOLD_FIELD_NUMBER: _ClassVar[int]
    hold: Hold
    def __init__(self, hold: _Optional[_Union[Hold, _Mapping]] = ...) -> None: ...

class ReleaseHoldRequest(_message.Message):
    __slots__ = ("hold_id", "reason")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    reason: ReleaseReason
    def __init__(self, hold_id: _Optional[str] = ..., reason: _Optional[_Union[ReleaseReason, str]] = ...) -> None: ...

class ReleaseHoldResponse(_message.Message):
    __slots__ = ("hold", "released")
    HOLD_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    hold: Hold
    released: bool
    def __init__(self, hold: _Optional[_Union[Hold, _Mapping]] = ..., released: _Optional[bool] = ...) -> None: ...

class PlacementSearch(_message.Message):
    __slots__ = ("case_id", "stage", "candidates", "excluded", "unavailable_caregiver_ids", "hold", "deadline", "placed_caregiver_id", "timeline", "search_id")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    UNAVAILABLE_CAREGIVER_IDS_FIELD_NUMBER: _ClassVar[int]
    HOLD_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    PLACED_CAREGIVER_ID_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    SEARCH_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    stage: PlacementSearchStage
    candidates: _containers.RepeatedCompositeFieldContainer[Candidate]
    excluded: _containers.RepeatedCompositeFieldContainer[Exclusion]
    unavailable_caregiver_ids: _containers.RepeatedScalarFieldContainer[str]
    hold: Hold
    deadline: _common_pb2.DeadlineStatus
    placed_caregiver_id: str
    timeline: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimelineEntry]
    search_id: str
    def __init__(self, case_id: _Optional[str] = ..., stage: _Optional[_Union[PlacementSearchStage, str]] = ..., candidates: _Optional[_Iterable[_Union[Candidate, _Mapping]]] = ..., excluded: _Optional[_Iterable[_Union[Exclusion, _Mapping]]] = ..., unavailable_caregiver_ids: _Optional[_Iterable[str]] = ..., hold: _Optional[_Union[Hold, _Mapping]] = ..., deadline: _Optional[_Union[_common_pb2.DeadlineStatus, _Mapping]] = ..., placed_caregiver_id: _Optional[str] = ..., timeline: _Optional[_Iterable[_Union[_common_pb2.TimelineEntry, _Mapping]]] = ..., search_id: _Optional[str] = ...) -> None: ...

class PlacementSearchStanding(_message.Message):
    __slots__ = ("version", "search")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    version: int
    search: PlacementSearch
    def __init__(self, version: _Optional[int] = ..., search: _Optional[_Union[PlacementSearch, _Mapping]] = ...) -> None: ...

class GetPlacementSearchRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetPlacementSearchResponse(_message.Message):
    __slots__ = ("search",)
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    search: PlacementSearch
    def __init__(self, search: _Optional[_Union[PlacementSearch, _Mapping]] = ...) -> None: ...

class SelectCandidateRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "caregiver_id", "selected_by", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CAREGIVER_ID_FIELD_NUMBER: _ClassVar[int]
    SELECTED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    caregiver_id: str
    selected_by: str
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., caregiver_id: _Optional[str] = ..., selected_by: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class SelectCandidateResponse(_message.Message):
    __slots__ = ("search", "replayed")
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    search: PlacementSearch
    replayed: bool
    def __init__(self, search: _Optional[_Union[PlacementSearch, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordCaregiverAnswerRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "accepted", "recorded_by", "note")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    accepted: bool
    recorded_by: str
    note: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., accepted: _Optional[bool] = ..., recorded_by: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RecordCaregiverAnswerResponse(_message.Message):
    __slots__ = ("search", "replayed")
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    search: PlacementSearch
    replayed: bool
    def __init__(self, search: _Optional[_Union[PlacementSearch, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RerunSearchRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "requested_by", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    requested_by: str
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., requested_by: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RerunSearchResponse(_message.Message):
    __slots__ = ("search", "replayed")
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    search: PlacementSearch
    replayed: bool
    def __init__(self, search: _Optional[_Union[PlacementSearch, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordPlacementSearchRequest(_message.Message):
    __slots__ = ("case_id", "site", "region", "events", "standing")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    STANDING_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    site: str
    region: str
    events: _containers.RepeatedCompositeFieldContainer[PlacementSearchEvent]
    standing: PlacementSearchStanding
    def __init__(self, case_id: _Optional[str] = ..., site: _Optional[str] = ..., region: _Optional[str] = ..., events: _Optional[_Iterable[_Union[PlacementSearchEvent, _Mapping]]] = ..., standing: _Optional[_Union[PlacementSearchStanding, _Mapping]] = ...) -> None: ...

class RecordPlacementSearchResponse(_message.Message):
    __slots__ = ("recorded",)
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    recorded: int
    def __init__(self, recorded: _Optional[int] = ...) -> None: ...

class PlacementSearchEvent(_message.Message):
    __slots__ = ("event_id", "entry")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    entry: _common_pb2.TimelineEntry
    def __init__(self, event_id: _Optional[str] = ..., entry: _Optional[_Union[_common_pb2.TimelineEntry, _Mapping]] = ...) -> None: ...
