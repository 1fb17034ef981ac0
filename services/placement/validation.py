"""Checks of placement's requests: each `validate_*` raises InvalidArgument naming every
bad field, or returns what the request holds.

References to people and caregivers are checked against the database by the store, in
the same transaction as the change, and reported the same way (INVALID_ARGUMENT naming
the field).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from kahu.v1 import placement_pb2
from services.common import checks, events
from services.common.authz import Place
from services.common.errors import Violations
from services.placement.caregivers import CaregiverRecord
from services.placement.convert import SEARCH_STAGE
from services.placement.iwi import hapu_iwi, load_iwi
from services.placement.network import FamilyRecord, PersonRecord
from services.placement.search import Needs
from services.placement.store import SearchRecording
from workflows.case.model import placement_workflow_id
from workflows.policy.loader import MAX_CANDIDATES, MAX_KINSHIP_DEGREE

MAX_AREA = 100
MAX_LANGUAGES = 10
MAX_LANGUAGE = 50
MAX_AFFILIATIONS = 10
MAX_MEMBERS = 200
MAX_NETWORK = 50
MAX_CHILDREN = 8
MAX_CAPACITY = 20


@dataclass(frozen=True)
class Relationship:
    """A kin relationship: `from_id` is the `kind` (a Kinship's name) of `to_id`."""

    from_id: uuid.UUID
    to_id: uuid.UUID
    kind: str


@dataclass(frozen=True)
class PersonPair:
    """Two people, as a relationship names them."""

    from_id: uuid.UUID
    to_id: uuid.UUID


@dataclass(frozen=True)
class Affiliations:
    """A person's iwi and hapū, as (iwi, hapū) codes; the hapū is "" for the iwi alone."""

    person_id: uuid.UUID
    affiliations: list[tuple[str, str]]


@dataclass(frozen=True)
class CaseChildren:
    """The children of a case (a sibling group), in order."""

    case_id: uuid.UUID
    child_ids: list[uuid.UUID]


@dataclass(frozen=True)
class CaregiverApproval:
    """A caregiver's approval: its status (an ApprovalStatus's name) and dates."""

    caregiver_id: uuid.UUID
    status: str
    approved_on: dt.date | None
    expires_on: dt.date | None


@dataclass(frozen=True)
class SearchCriteria:
    """Whom a search is for and what they need beyond what is recorded on them."""

    child_ids: list[uuid.UUID]
    needs: Needs


@dataclass(frozen=True)
class CaseSearch:
    """A search for a case's linked children, under its search id."""

    case_id: str
    search_id: uuid.UUID


@dataclass(frozen=True)
class RequestedHold:
    """Places to hold with a caregiver for a case, until `expires_at`."""

    hold_id: uuid.UUID
    caregiver_id: uuid.UUID
    case_id: uuid.UUID
    places: int
    expires_at: dt.datetime


@dataclass(frozen=True)
class HoldRelease:
    """A hold to release, and why (a ReleaseReason's name)."""

    hold_id: uuid.UUID
    reason: str


def _uuid(v: Violations, value: str, field: str, what: str = "an id (UUID)") -> uuid.UUID | None:
    if not value:
        v.add(field, "is required")
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        v.add(field, f"must be {what}")
        return None


def require_uuid(value: str, field: str) -> uuid.UUID:
    """Checks a required id; returns it (raises InvalidArgument when it is not a UUID)."""
    v = Violations()
    found = _uuid(v, value, field)
    v.raise_if_any()
    assert found is not None
    return found


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
        pid = _uuid(v, value, f"{field}[{i}]", "a person id (UUID)")
        if pid is not None:
            if pid in found:
                v.add(f"{field}[{i}]", "names the same person twice")
            found.append(pid)
    return found


def validate_person(request: placement_pb2.PutPersonRequest, today: dt.date) -> PersonRecord:
    """Checks a person of the network (born by `today`); returns the record to keep."""
    v = Violations()
    p = request.person
    person_id = _uuid(v, p.person_id, "person.person_id")
    checks.text(v, p.name, "person.name", limit=checks.MAX_NAME, required=True)
    born = checks.date(v, p.date_of_birth, "person.date_of_birth", today=today) if p.HasField("date_of_birth") else None
    checks.region(v, p.region, "person.region")
    checks.text(v, p.address_area, "person.address_area", limit=MAX_AREA)
    checks.text(v, p.school, "person.school", limit=checks.MAX_NAME)
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


def validate_relationship(request: placement_pb2.AddRelationshipRequest) -> Relationship:
    """Checks a kin relationship to add; returns it."""
    v = Violations()
    r = request.relationship
    from_id = _uuid(v, r.from_person_id, "relationship.from_person_id", "a person id (UUID)")
    to_id = _uuid(v, r.to_person_id, "relationship.to_person_id", "a person id (UUID)")
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
    return Relationship(from_id, to_id, placement_pb2.Kinship.Name(kind).removeprefix("KINSHIP_"))


def validate_remove(request: placement_pb2.RemoveRelationshipRequest) -> PersonPair:
    """Checks a kin relationship to remove; returns the two people it names."""
    v = Violations()
    from_id = _uuid(v, request.from_person_id, "from_person_id", "a person id (UUID)")
    to_id = _uuid(v, request.to_person_id, "to_person_id", "a person id (UUID)")
    v.raise_if_any()
    assert from_id is not None and to_id is not None
    return PersonPair(from_id, to_id)


def validate_affiliations(request: placement_pb2.SetAffiliationsRequest) -> Affiliations:
    """Checks a person's iwi and hapū affiliations (codes of reference/iwi.yaml); returns them."""
    v = Violations()
    person_id = _uuid(v, request.person_id, "person_id", "a person id (UUID)")
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
    return Affiliations(person_id, found)


def validate_family(request: placement_pb2.PutFamilyRequest) -> FamilyRecord:
    """Checks a family group and the network its whānau name; returns the record to keep."""
    v = Violations()
    f = request.family
    family_id = _uuid(v, f.family_id, "family.family_id")
    checks.text(v, f.name, "family.name", limit=checks.MAX_NAME, required=True)
    members = _ids(v, list(f.member_ids), "family.member_ids", least=1, most=MAX_MEMBERS)
    network = _ids(v, list(f.network_ids), "family.network_ids", least=0, most=MAX_NETWORK)
    for i, pid in enumerate(network):
        if pid in members:
            v.add(f"family.network_ids[{i}]", "is a member of the family group already")
    v.raise_if_any()
    assert family_id is not None
    return FamilyRecord(family_id=family_id, name=f.name, member_ids=members, network_ids=network)


def validate_link(request: placement_pb2.LinkCaseChildrenRequest) -> CaseChildren:
    """Checks the children to link to a case; returns them with the case."""
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    children = _ids(v, list(request.child_ids), "child_ids", least=1, most=MAX_CHILDREN)
    v.raise_if_any()
    return CaseChildren(uuid.UUID(case_id), children)


_KINDS = {
    placement_pb2.CAREGIVER_KIND_HOUSEHOLD: "HOUSEHOLD",
    placement_pb2.CAREGIVER_KIND_RESIDENCE: "RESIDENCE",
}


def validate_caregiver(request: placement_pb2.PutCaregiverRequest) -> CaregiverRecord:
    """Checks a caregiver (a household of a person, or a residence); returns the record to keep."""
    v = Violations()
    c = request.caregiver
    caregiver_id = _uuid(v, c.caregiver_id, "caregiver.caregiver_id")
    kind = _KINDS.get(c.kind)
    if kind is None:
        v.add("caregiver.kind", "is required" if c.kind == 0 else "is not a known kind")
    person_id: uuid.UUID | None = None
    if kind == "HOUSEHOLD":
        person_id = _uuid(v, c.person_id, "caregiver.person_id", "a person id (UUID)")
    elif kind == "RESIDENCE" and c.person_id:
        v.add("caregiver.person_id", "must be empty for a residence")
    checks.text(v, c.name, "caregiver.name", limit=checks.MAX_NAME, required=True)
    checks.region(v, c.region, "caregiver.region", required=True)
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


def validate_approval(request: placement_pb2.SetCaregiverApprovalRequest, today: dt.date) -> CaregiverApproval:
    """Checks a caregiver's approval (approved by `today`, expiring after); returns it."""
    v = Violations()
    caregiver_id = _uuid(v, request.caregiver_id, "caregiver_id", "a caregiver id (UUID)")
    a = request.approval
    status = ""
    if a.status not in placement_pb2.ApprovalStatus.values():
        v.add("approval.status", "is not a known status")
    elif a.status == 0:
        v.add("approval.status", "is required")
    else:
        status = placement_pb2.ApprovalStatus.Name(a.status).removeprefix("APPROVAL_STATUS_")
    approved_on = (
        checks.date(v, a.approved_on, "approval.approved_on", today=today) if a.HasField("approved_on") else None
    )
    expires_on = checks.date(v, a.expires_on, "approval.expires_on") if a.HasField("expires_on") else None
    if status == "APPROVED":
        if not a.HasField("approved_on"):
            v.add("approval.approved_on", "is required for an approval")
        if not a.HasField("expires_on"):
            v.add("approval.expires_on", "is required for an approval (approvals expire)")
        elif approved_on is not None and expires_on is not None and expires_on <= approved_on:
            v.add("approval.expires_on", "must be after approved_on")
    v.raise_if_any()
    assert caregiver_id is not None
    return CaregiverApproval(caregiver_id, status, approved_on, expires_on)


def _needs(v: Violations, needs: placement_pb2.PlacementNeeds) -> Needs:
    languages = _languages(v, list(needs.languages), "needs.languages")
    supports = _supports(v, list(needs.support_needs), "needs.support_needs")
    checks.region(v, needs.region, "needs.region")
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


def validate_search(request: placement_pb2.SearchPlacementsRequest) -> SearchCriteria:
    """Checks a search for named children; returns the children and the needs stated."""
    v = Violations()
    children = _ids(v, list(request.child_ids), "child_ids", least=1, most=MAX_CHILDREN)
    _limits(v, request.max_candidates, request.max_kinship_degree)
    needs = _needs(v, request.needs)
    v.raise_if_any()
    return SearchCriteria(children, needs)


def validate_case_search(request: placement_pb2.SearchForCaseRequest) -> CaseSearch:
    """Checks a search for a case's linked children; returns the case and the search id."""
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    search_id = _uuid(v, request.search_id, "search_id")
    _limits(v, request.max_candidates, request.max_kinship_degree)
    v.raise_if_any()
    assert search_id is not None
    return CaseSearch(case_id, search_id)


def validate_hold(request: placement_pb2.HoldPlacesRequest) -> RequestedHold:
    """Checks places to hold with a caregiver for a case; returns the hold asked for."""
    v = Violations()
    hold_id = _uuid(v, request.hold_id, "hold_id")
    caregiver_id = _uuid(v, request.caregiver_id, "caregiver_id", "a caregiver id (UUID)")
    case_id = checks.case_id(v, request.case_id)
    if not 1 <= request.places <= MAX_CHILDREN:
        v.add("places", f"must be 1..{MAX_CHILDREN}")
    expires_at = checks.instant(v, request.expires_at if request.HasField("expires_at") else None, "expires_at")
    v.raise_if_any()
    assert hold_id is not None and caregiver_id is not None and expires_at is not None
    return RequestedHold(hold_id, caregiver_id, uuid.UUID(case_id), request.places, expires_at)


def validate_release(request: placement_pb2.ReleaseHoldRequest) -> HoldRelease:
    """Checks a hold to release; returns it with the reason."""
    v = Violations()
    hold_id = _uuid(v, request.hold_id, "hold_id")
    reason = ""
    if request.reason not in placement_pb2.ReleaseReason.values():
        v.add("reason", "is not a known reason")
    elif request.reason == 0:
        v.add("reason", "is required")
    else:
        reason = placement_pb2.ReleaseReason.Name(request.reason).removeprefix("RELEASE_REASON_")
    v.raise_if_any()
    assert hold_id is not None
    return HoldRelease(hold_id, reason)


def validate_select(request: placement_pb2.SelectCandidateRequest) -> str:
    """Checks a social worker's selection of a candidate; returns the case id."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    _uuid(v, request.caregiver_id, "caregiver_id", "a caregiver id (UUID)")
    checks.staff_id(v, request.selected_by, "selected_by")
    checks.text(v, request.reason, "reason")
    v.raise_if_any()
    return case_id


def validate_answer(request: placement_pb2.RecordCaregiverAnswerRequest) -> str:
    """Checks a caregiver's answer to a hold; returns the case id."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.recorded_by, "recorded_by")
    checks.text(v, request.note, "note")
    v.raise_if_any()
    return case_id


def validate_rerun(request: placement_pb2.RerunSearchRequest) -> str:
    """Checks a request to run the case's search again; returns the case id."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.requested_by, "requested_by")
    checks.text(v, request.reason, "reason", required=True)
    v.raise_if_any()
    return case_id


def validate_record(request: placement_pb2.RecordPlacementSearchRequest) -> SearchRecording:
    """Checks the placement search workflow's events and where the search stands (without
    its timeline: the events carry it)."""
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    site = checks.site(v, request.site)
    if site is not None and request.region != site.region:
        v.add("region", f"must be the site's region ({site.region})")
    found = events.events(v, request.events, placement_workflow_id(case_id)) if case_id else []
    standing = request.standing if request.HasField("standing") else None
    if standing is not None:
        events.version(v, standing.version, "standing.version")
        if case_id and standing.search.case_id != case_id:
            v.add("standing.search.case_id", "must be the case's")
        checks.enum(v, standing.search.stage, SEARCH_STAGE, "standing.search.stage")
        if standing.search.timeline:
            v.add("standing.search.timeline", "must be empty: the events carry the timeline")
    v.raise_if_any()
    assert site is not None
    place = Place(site.code, site.region)
    if standing is None:
        return SearchRecording(case_id, place, found)
    return SearchRecording(case_id, place, found, standing.version, standing.SerializeToString(deterministic=True))
