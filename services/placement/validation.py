"""Validation of placement requests: every violated field is named, nothing is half-done.

References to people and caregivers are checked against the database by the store, in
the same transaction as the change, and reported the same way (INVALID_ARGUMENT naming
the field).
"""

from __future__ import annotations

import datetime as dt
import uuid

from google.protobuf.timestamp_pb2 import Timestamp

from kahu.v1 import common_pb2, placement_pb2
from services.common import checks
from services.common.errors import Violations
from services.common.sites import regions
from services.placement.iwi import hapu_iwi, load_iwi
from services.placement.search import Needs
from services.placement.store import CaregiverRecord, FamilyRecord, PersonRecord
from workflows.policy.loader import MAX_CANDIDATES, MAX_KINSHIP_DEGREE

MAX_NAME = 200
MAX_AREA = 100
MAX_LANGUAGES = 10
MAX_LANGUAGE = 50
MAX_AFFILIATIONS = 10
MAX_MEMBERS = 200
MAX_NETWORK = 50
MAX_CHILDREN = 8
MAX_CAPACITY = 20
EARLIEST_YEAR = 1900


def uuid_field(v: Violations, value: str, field: str, what: str = "an id (UUID)") -> uuid.UUID | None:
    if not value:
        v.add(field, "is required")
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        v.add(field, f"must be {what}")
        return None


def require_uuid(value: str, field: str) -> uuid.UUID:
    v = Violations()
    found = uuid_field(v, value, field)
    v.raise_if_any()
    assert found is not None
    return found


def _date(v: Violations, message: common_pb2.Date, field: str, today: dt.date) -> dt.date | None:
    try:
        value = dt.date(message.year, message.month, message.day)
    except ValueError:
        v.add(field, "is not a calendar date")
        return None
    if value.year < EARLIEST_YEAR:
        v.add(field, f"must not be before {EARLIEST_YEAR}")
        return None
    if value > today:
        v.add(field, "must not be in the future")
        return None
    return value


def _region(v: Violations, value: str, field: str, *, required: bool) -> None:
    if not value:
        if required:
            v.add(field, "is required")
    elif value not in regions():
        v.add(field, "is not a known region")


def _languages(v: Violations, values: list[str], field: str) -> list[str]:
    if len(values) > MAX_LANGUAGES:
        v.add(field, f"must name at most {MAX_LANGUAGES}")
    for i, language in enumerate(values):
        checks.text(v, language, f"{field}[{i}]", limit=MAX_LANGUAGE, required=True)
    return sorted(set(values))


def _supports(v: Violations, values: list[int], field: str) -> list[str]:
    names: set[str] = set()
    for i, number in enumerate(values):
        if number not in placement_pb2.SupportNeed.values() or number == 0:
            v.add(f"{field}[{i}]", "is not a known need")
        else:
            names.add(placement_pb2.SupportNeed.Name(number).removeprefix("SUPPORT_NEED_"))
    return sorted(names)


def _ids(v: Violations, values: list[str], field: str, *, least: int, most: int) -> list[uuid.UUID]:
    if not least <= len(values) <= most:
        v.add(field, f"must name {least}..{most} people")
    found: list[uuid.UUID] = []
    for i, value in enumerate(values):
        pid = uuid_field(v, value, f"{field}[{i}]", "a person id (UUID)")
        if pid is not None:
            if pid in found:
                v.add(f"{field}[{i}]", "names the same person twice")
            found.append(pid)
    return found


def validate_person(request: placement_pb2.PutPersonRequest, today: dt.date) -> PersonRecord:
    v = Violations()
    p = request.person
    person_id = uuid_field(v, p.person_id, "person.person_id")
    checks.text(v, p.name, "person.name", limit=MAX_NAME, required=True)
    born = _date(v, p.date_of_birth, "person.date_of_birth", today) if p.HasField("date_of_birth") else None
    _region(v, p.region, "person.region", required=False)
    checks.text(v, p.address_area, "person.address_area", limit=MAX_AREA)
    checks.text(v, p.school, "person.school", limit=MAX_NAME)
    languages = _languages(v, list(p.languages), "person.languages")
    supports = _supports(v, list(p.support_needs), "person.support_needs")
    v.raise_if_any()
    assert person_id is not None
    return PersonRecord(
        person_id=person_id,
        name=p.name,
        date_of_birth=born,
        region=p.region,
        address_area=p.address_area,
        school=p.school,
        languages=languages,
        needs_wheelchair_access=p.needs_wheelchair_access,
        support_needs=supports,
    )


def validate_relationship(request: placement_pb2.AddRelationshipRequest) -> tuple[uuid.UUID, uuid.UUID, str]:
    v = Violations()
    r = request.relationship
    from_id = uuid_field(v, r.from_person_id, "relationship.from_person_id", "a person id (UUID)")
    to_id = uuid_field(v, r.to_person_id, "relationship.to_person_id", "a person id (UUID)")
    if from_id is not None and from_id == to_id:
        v.add("relationship.to_person_id", "must be another person than from_person_id (no self-relationship)")
    kind = 0
    if r.kind not in placement_pb2.Kinship.values():
        v.add("relationship.kind", "is not a known kinship")
    elif r.kind == 0:
        v.add("relationship.kind", "is required")
    else:
        kind = r.kind
    v.raise_if_any()
    assert from_id is not None and to_id is not None
    return from_id, to_id, placement_pb2.Kinship.Name(kind).removeprefix("KINSHIP_")


def validate_remove(request: placement_pb2.RemoveRelationshipRequest) -> tuple[uuid.UUID, uuid.UUID]:
    v = Violations()
    a = uuid_field(v, request.from_person_id, "from_person_id", "a person id (UUID)")
    b = uuid_field(v, request.to_person_id, "to_person_id", "a person id (UUID)")
    v.raise_if_any()
    assert a is not None and b is not None
    return a, b


def validate_affiliations(request: placement_pb2.SetAffiliationsRequest) -> tuple[uuid.UUID, list[tuple[str, str]]]:
    v = Violations()
    person_id = uuid_field(v, request.person_id, "person_id", "a person id (UUID)")
    if len(request.affiliations) > MAX_AFFILIATIONS:
        v.add("affiliations", f"must be at most {MAX_AFFILIATIONS}")
    iwi, hapu_of = load_iwi(), hapu_iwi()
    found: list[tuple[str, str]] = []
    for i, a in enumerate(request.affiliations):
        where = f"affiliations[{i}]"
        if a.iwi not in iwi:
            v.add(f"{where}.iwi", "is not a known iwi code (reference/iwi.yaml)")
        elif a.hapu and hapu_of.get(a.hapu) != a.iwi:
            v.add(f"{where}.hapu", f"is not a hapū of {a.iwi}")
        elif (a.iwi, a.hapu) in found:
            v.add(where, "is named twice")
        else:
            found.append((a.iwi, a.hapu))
    v.raise_if_any()
    assert person_id is not None
    return person_id, found


def validate_family(request: placement_pb2.PutFamilyRequest) -> FamilyRecord:
    v = Violations()
    f = request.family
    family_id = uuid_field(v, f.family_id, "family.family_id")
    checks.text(v, f.name, "family.name", limit=MAX_NAME, required=True)
    members = _ids(v, list(f.member_ids), "family.member_ids", least=1, most=MAX_MEMBERS)
    network = _ids(v, list(f.network_ids), "family.network_ids", least=0, most=MAX_NETWORK)
    for i, pid in enumerate(network):
        if pid in members:
            v.add(f"family.network_ids[{i}]", "is a member of the family group already")
    v.raise_if_any()
    assert family_id is not None
    return FamilyRecord(family_id=family_id, name=f.name, member_ids=members, network_ids=network)


def validate_link(request: placement_pb2.LinkCaseChildrenRequest) -> tuple[uuid.UUID, list[uuid.UUID]]:
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    children = _ids(v, list(request.child_ids), "child_ids", least=1, most=MAX_CHILDREN)
    v.raise_if_any()
    return uuid.UUID(case_id), children


_KINDS = {
    placement_pb2.CAREGIVER_KIND_HOUSEHOLD: "HOUSEHOLD",
    placement_pb2.CAREGIVER_KIND_RESIDENCE: "RESIDENCE",
}


def validate_caregiver(request: placement_pb2.PutCaregiverRequest) -> CaregiverRecord:
    v = Violations()
    c = request.caregiver
    caregiver_id = uuid_field(v, c.caregiver_id, "caregiver.caregiver_id")
    kind = _KINDS.get(c.kind)
    if kind is None:
        v.add("caregiver.kind", "is required" if c.kind == 0 else "is not a known kind")
    person_id: uuid.UUID | None = None
    if kind == "HOUSEHOLD":
        person_id = uuid_field(v, c.person_id, "caregiver.person_id", "a person id (UUID)")
    elif kind == "RESIDENCE" and c.person_id:
        v.add("caregiver.person_id", "must be empty for a residence")
    checks.text(v, c.name, "caregiver.name", limit=MAX_NAME, required=True)
    _region(v, c.region, "caregiver.region", required=True)
    checks.text(v, c.address_area, "caregiver.address_area", limit=MAX_AREA, required=True)
    if c.capacity > MAX_CAPACITY:
        v.add("caregiver.capacity", f"must be at most {MAX_CAPACITY}")
    languages = _languages(v, list(c.languages), "caregiver.languages")
    supports = _supports(v, list(c.supports), "caregiver.supports")
    v.raise_if_any()
    assert caregiver_id is not None and kind is not None
    return CaregiverRecord(
        caregiver_id=caregiver_id,
        kind=kind,
        person_id=person_id,
        name=c.name,
        region=c.region,
        address_area=c.address_area,
        capacity=c.capacity,
        wheelchair_accessible=c.wheelchair_accessible,
        languages=languages,
        takes_sibling_groups=c.takes_sibling_groups,
        supports=supports,
    )


def validate_approval(
    request: placement_pb2.SetCaregiverApprovalRequest, today: dt.date
) -> tuple[uuid.UUID, str, dt.date | None, dt.date | None]:
    v = Violations()
    caregiver_id = uuid_field(v, request.caregiver_id, "caregiver_id", "a caregiver id (UUID)")
    a = request.approval
    status = ""
    if a.status not in placement_pb2.ApprovalStatus.values():
        v.add("approval.status", "is not a known status")
    elif a.status == 0:
        v.add("approval.status", "is required")
    else:
        status = placement_pb2.ApprovalStatus.Name(a.status).removeprefix("APPROVAL_STATUS_")
    approved_on = _date(v, a.approved_on, "approval.approved_on", today) if a.HasField("approved_on") else None
    expires_on: dt.date | None = None
    if a.HasField("expires_on"):
        try:
            expires_on = dt.date(a.expires_on.year, a.expires_on.month, a.expires_on.day)
        except ValueError:
            v.add("approval.expires_on", "is not a calendar date")
    if status == "APPROVED":
        if not a.HasField("approved_on"):
            v.add("approval.approved_on", "is required for an approval")
        if not a.HasField("expires_on"):
            v.add("approval.expires_on", "is required for an approval (approvals expire)")
        elif approved_on is not None and expires_on is not None and expires_on <= approved_on:
            v.add("approval.expires_on", "must be after approved_on")
    v.raise_if_any()
    assert caregiver_id is not None
    return caregiver_id, status, approved_on, expires_on


def validate_needs(v: Violations, needs: placement_pb2.PlacementNeeds) -> Needs:
    languages = _languages(v, list(needs.languages), "needs.languages")
    supports = _supports(v, list(needs.support_needs), "needs.support_needs")
    _region(v, needs.region, "needs.region", required=False)
    checks.text(v, needs.school_area, "needs.school_area", limit=MAX_AREA)
    return Needs(
        wheelchair_access=needs.wheelchair_access,
        languages=tuple(languages),
        support_needs=tuple(supports),
        region=needs.region,
        school_area=needs.school_area,
    )


def _limits(v: Violations, max_candidates: int, max_kinship_degree: int) -> None:
    if max_candidates > MAX_CANDIDATES:
        v.add("max_candidates", f"must be at most {MAX_CANDIDATES}")
    if max_kinship_degree > MAX_KINSHIP_DEGREE:
        v.add("max_kinship_degree", f"must be at most {MAX_KINSHIP_DEGREE}")


def validate_search(request: placement_pb2.SearchPlacementsRequest) -> tuple[list[uuid.UUID], Needs]:
    """(the children named, the stated needs)."""
    v = Violations()
    children = _ids(v, list(request.child_ids), "child_ids", least=1, most=MAX_CHILDREN)
    _limits(v, request.max_candidates, request.max_kinship_degree)
    needs = validate_needs(v, request.needs)
    v.raise_if_any()
    return children, needs


def validate_case_search(request: placement_pb2.SearchForCaseRequest) -> tuple[str, uuid.UUID]:
    """(the case, the search id)."""
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    search_id = uuid_field(v, request.search_id, "search_id")
    _limits(v, request.max_candidates, request.max_kinship_degree)
    v.raise_if_any()
    assert search_id is not None
    return case_id, search_id


def _timestamp(v: Violations, message: Timestamp, field: str, present: bool) -> dt.datetime | None:
    return checks.instant(v, message if present else None, field)


def validate_hold(request: placement_pb2.HoldPlacesRequest) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, int, dt.datetime]:
    v = Violations()
    hold_id = uuid_field(v, request.hold_id, "hold_id")
    caregiver_id = uuid_field(v, request.caregiver_id, "caregiver_id", "a caregiver id (UUID)")
    case_id = checks.case_id(v, request.case_id)
    if not 1 <= request.places <= MAX_CHILDREN:
        v.add("places", f"must be 1..{MAX_CHILDREN}")
    expires_at = _timestamp(v, request.expires_at, "expires_at", request.HasField("expires_at"))
    v.raise_if_any()
    assert hold_id is not None and caregiver_id is not None and expires_at is not None
    return hold_id, caregiver_id, uuid.UUID(case_id), request.places, expires_at


def validate_release(request: placement_pb2.ReleaseHoldRequest) -> tuple[uuid.UUID, str]:
    v = Violations()
    hold_id = uuid_field(v, request.hold_id, "hold_id")
    reason = ""
    if request.reason not in placement_pb2.ReleaseReason.values():
        v.add("reason", "is not a known reason")
    elif request.reason == 0:
        v.add("reason", "is required")
    else:
        reason = placement_pb2.ReleaseReason.Name(request.reason).removeprefix("RELEASE_REASON_")
    v.raise_if_any()
    assert hold_id is not None
    return hold_id, reason


def validate_select(request: placement_pb2.SelectCandidateRequest) -> str:
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    uuid_field(v, request.caregiver_id, "caregiver_id", "a caregiver id (UUID)")
    checks.staff_id(v, request.selected_by, "selected_by")
    checks.text(v, request.reason, "reason")
    v.raise_if_any()
    return case_id


def validate_answer(request: placement_pb2.RecordCaregiverAnswerRequest) -> str:
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.recorded_by, "recorded_by")
    checks.text(v, request.note, "note")
    v.raise_if_any()
    return case_id


def validate_rerun(request: placement_pb2.RerunSearchRequest) -> str:
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.requested_by, "requested_by")
    checks.text(v, request.reason, "reason", required=True)
    v.raise_if_any()
    return case_id
