"""Keeping the family network and the caregivers through real gRPC and PostgreSQL: what
goes in comes back, and bad input is INVALID_ARGUMENT naming the field, changing nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable
from typing import Any

import asyncpg
import grpc
import pytest

from kahu.v1 import common_pb2, placement_pb2
from services.common.errors import field_violations
from tests.conftest import Platform
from tests.placement.network import Stub, caregiver, date, person, placement, relate

P = placement_pb2


async def invalid(call: Awaitable[Any]) -> dict[str, str]:
    """The field violations of a call refused as INVALID_ARGUMENT."""
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, raised.value.details()
    return {v.field: v.description for v in field_violations(raised.value)}


async def relationships(platform: Platform, *people: str) -> int:
    conn = await asyncpg.connect(platform.database_url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM placement.relationships"
                " WHERE from_id = ANY($1::uuid[]) OR to_id = ANY($1::uuid[])",
                [uuid.UUID(p) for p in people],
            )
        )
    finally:
        await conn.close()


async def test_a_person_is_recorded_replaced_and_read_back(platform: Platform) -> None:
    stub = placement(platform)
    record = P.Person(
        person_id=str(uuid.uuid4()),
        name="Āniwaniwa Pōtae",
        date_of_birth=date(dt.date(2016, 3, 14)),
        region="greater-wellington",
        address_area="Naenae",
        school="Naenae Primary",
        languages=["te reo Māori", "English"],
        needs_wheelchair_access=True,
        support_needs=[P.SUPPORT_NEED_MEDICAL],
    )
    first = await stub.PutPerson(P.PutPersonRequest(person=record))
    record.school = "Taita College"
    again = await stub.PutPerson(P.PutPersonRequest(person=record))
    assert (first.created, again.created) == (True, False)

    await stub.SetAffiliations(
        P.SetAffiliationsRequest(
            person_id=record.person_id,
            affiliations=[P.Affiliation(iwi="ngati-porou", hapu="ngati-porou-h02"), P.Affiliation(iwi="te-atiawa")],
        )
    )
    got = await stub.GetPerson(P.GetPersonRequest(person_id=record.person_id))
    assert got.person.school == "Taita College" and got.person.languages == ["English", "te reo Māori"]
    assert got.person.date_of_birth == record.date_of_birth and got.person.needs_wheelchair_access
    assert [(a.iwi, a.hapu) for a in got.affiliations] == [("ngati-porou", "ngati-porou-h02"), ("te-atiawa", "")]

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.GetPerson(P.GetPersonRequest(person_id=str(uuid.uuid4())))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


TOMORROW = dt.date.today() + dt.timedelta(days=2)
FEB_30 = common_pb2.Date(year=2020, month=2, day=30)


def _person(**changes: Any) -> P.PutPersonRequest:
    record = P.Person(person_id=str(uuid.uuid4()), name="Tama Ngata", region="auckland")
    for name, value in changes.items():
        if name == "date_of_birth":
            record.date_of_birth.CopyFrom(value)
        elif isinstance(value, list):
            getattr(record, name).extend(value)
        else:
            setattr(record, name, value)
    return P.PutPersonRequest(person=record)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        pytest.param(_person(person_id="tama"), "person.person_id", id="id"),
        pytest.param(_person(name=" "), "person.name", id="name"),
        pytest.param(_person(name="x" * 201), "person.name", id="long-name"),
        pytest.param(
            _person(date_of_birth=date(dt.date.today() + dt.timedelta(days=2))), "person.date_of_birth", id="dob"
        ),
        pytest.param(
            _person(date_of_birth=P.Person().date_of_birth.__class__(year=2020, month=2, day=30)),
            "person.date_of_birth",
            id="feb30",
        ),
        pytest.param(_person(region="atlantis"), "person.region", id="region"),
        pytest.param(_person(languages=["ok", ""]), "person.languages[1]", id="language"),
        pytest.param(_person(support_needs=[99]), "person.support_needs[0]", id="need"),
    ],
)
async def test_a_bad_person_names_the_field(platform: Platform, request_: P.PutPersonRequest, field: str) -> None:
    assert field in await invalid(placement(platform).PutPerson(request_))


async def test_kin_relationships_refuse_self_contradictions_and_dangling_people(platform: Platform) -> None:
    stub = placement(platform)
    nana, mum, child, other_child = [await person(stub, n) for n in ("Nana", "Mum", "Child", "Other child")]
    await relate(stub, nana, P.KINSHIP_PARENT, mum)
    await relate(stub, mum, P.KINSHIP_PARENT, child)
    await relate(stub, child, P.KINSHIP_SIBLING, other_child)
    before = await relationships(platform, nana, mum, child, other_child)

    def add(a: str, kind: Any, b: str) -> Awaitable[P.AddRelationshipResponse]:
        return stub.AddRelationship(
            P.AddRelationshipRequest(relationship=P.Relationship(from_person_id=a, to_person_id=b, kind=kind))
        )

    self_ = await invalid(add(child, P.KINSHIP_SIBLING, child))
    assert "no self-relationship" in self_["relationship.to_person_id"]
    reverse = await invalid(add(child, P.KINSHIP_PARENT, mum))
    assert "contradicts" in reverse["relationship.kind"]
    other_kind = await invalid(add(mum, P.KINSHIP_AUNT_UNCLE, child))
    assert "contradicts" in other_kind["relationship.kind"]
    cycle = await invalid(add(child, P.KINSHIP_GRANDPARENT, nana))
    assert "contradicts" in cycle["relationship.kind"] or "elder" in cycle["relationship.kind"]
    ancestor = await invalid(add(child, P.KINSHIP_GREAT_GRANDPARENT, str(uuid.uuid4())))
    assert ancestor == {"relationship.to_person_id": "no such person"}
    dangling = await invalid(add(str(uuid.uuid4()), P.KINSHIP_COUSIN, child))
    assert dangling == {"relationship.from_person_id": "no such person"}
    unknown = await invalid(add(nana, 0, child))
    assert unknown == {"relationship.kind": "is required"}
    third = await person(stub, "Third parent")
    dad = await person(stub, "Dad")
    await relate(stub, dad, P.KINSHIP_PARENT, child)
    too_many = await invalid(add(third, P.KINSHIP_PARENT, child))
    assert "2 birth parents" in too_many["relationship.kind"]
    assert await relationships(platform, nana, mum, child, other_child) == before + 1  # dad only

    # a symmetric kind is the same relationship either way round; repeating one is no change
    again = await add(other_child, P.KINSHIP_SIBLING, child)
    assert not again.created
    assert (await add(nana, P.KINSHIP_GRANDPARENT, other_child)).created
    removed = await stub.RemoveRelationship(P.RemoveRelationshipRequest(from_person_id=other_child, to_person_id=nana))
    assert removed.removed


async def test_an_elder_cannot_be_recorded_below_their_descendant(platform: Platform) -> None:
    stub = placement(platform)
    great, grand, parent, child = [await person(stub, n) for n in ("G", "Gp", "P", "C")]
    await relate(stub, great, P.KINSHIP_PARENT, grand)
    await relate(stub, grand, P.KINSHIP_PARENT, parent)
    await relate(stub, parent, P.KINSHIP_PARENT, child)
    refused = await invalid(
        stub.AddRelationship(
            P.AddRelationshipRequest(
                relationship=P.Relationship(from_person_id=child, to_person_id=great, kind=P.KINSHIP_WHANGAI_PARENT)
            )
        )
    )
    assert "already recorded as an elder" in refused["relationship.kind"]


async def test_affiliations_families_and_case_children_refuse_unknown_references(platform: Platform) -> None:
    stub = placement(platform)
    someone = await person(stub)
    bad = await invalid(
        stub.SetAffiliations(
            P.SetAffiliationsRequest(
                person_id=someone,
                affiliations=[
                    P.Affiliation(iwi="ngapuhi", hapu="ngati-porou-h01"),
                    P.Affiliation(iwi="atlantis"),
                    P.Affiliation(iwi="ngapuhi", hapu="ngapuhi-h01"),
                    P.Affiliation(iwi="ngapuhi", hapu="ngapuhi-h01"),
                ],
            )
        )
    )
    assert bad == {
        "affiliations[0].hapu": "is not a hapū of ngapuhi",
        "affiliations[1].iwi": "is not a known iwi code (reference/iwi.yaml)",
        "affiliations[3]": "is named twice",
    }
    nobody = await invalid(stub.SetAffiliations(P.SetAffiliationsRequest(person_id=str(uuid.uuid4()), affiliations=[])))
    assert nobody == {"person_id": "no such person"}

    ghost = str(uuid.uuid4())
    family = await invalid(
        stub.PutFamily(
            P.PutFamilyRequest(
                family=P.Family(
                    family_id=str(uuid.uuid4()), name="Ngata whānau", member_ids=[someone, ghost], network_ids=[someone]
                )
            )
        )
    )
    assert family == {"family.network_ids[0]": "is a member of the family group already"}
    family = await invalid(
        stub.PutFamily(
            P.PutFamilyRequest(
                family=P.Family(family_id=str(uuid.uuid4()), name="Ngata whānau", member_ids=[someone, ghost])
            )
        )
    )
    assert family == {"family.member_ids[1]": "no such person"}
    link = await invalid(
        stub.LinkCaseChildren(P.LinkCaseChildrenRequest(case_id=str(uuid.uuid4()), child_ids=[someone, someone]))
    )
    assert link == {"child_ids[1]": "names the same person twice"}


async def test_caregivers_their_approval_and_capacity(platform: Platform) -> None:
    stub = placement(platform)
    carer = await person(stub, "Mere Carer")
    await stub.SetAffiliations(
        P.SetAffiliationsRequest(person_id=carer, affiliations=[P.Affiliation(iwi="ngai-tahu", hapu="ngai-tahu-h03")])
    )
    caregiver_id = await caregiver(stub, carer, capacity=2, languages=["English"], takes_sibling_groups=True)
    got = (await stub.GetCaregiver(P.GetCaregiverRequest(caregiver_id=caregiver_id))).caregiver
    assert got.approval.status == P.APPROVAL_STATUS_APPROVED and got.capacity == 2 and got.takes_sibling_groups
    assert (got.placed, got.held) == (0, 0)

    conn = await asyncpg.connect(platform.database_url)
    try:
        copied = await conn.fetchrow(
            "SELECT iwi, hapu FROM placement.caregivers WHERE caregiver_id = $1", uuid.UUID(caregiver_id)
        )
    finally:
        await conn.close()
    assert (list(copied["iwi"]), list(copied["hapu"])) == (["ngai-tahu"], ["ngai-tahu-h03"])

    twice = await invalid(caregiver(stub, carer))
    assert "is already caregiver" in twice["caregiver.person_id"]
    residence_with_person = P.Caregiver(
        caregiver_id=str(uuid.uuid4()),
        kind=P.CAREGIVER_KIND_RESIDENCE,
        person_id=carer,
        name="Residence",
        region="canterbury",
        address_area="Hornby",
        capacity=30,
    )
    bad = await invalid(stub.PutCaregiver(P.PutCaregiverRequest(caregiver=residence_with_person)))
    assert set(bad) == {"caregiver.person_id", "caregiver.capacity"}
    approval = await invalid(
        stub.SetCaregiverApproval(
            P.SetCaregiverApprovalRequest(
                caregiver_id=caregiver_id,
                approval=P.Approval(status=P.APPROVAL_STATUS_APPROVED, approved_on=date(dt.date(2026, 1, 1))),
            )
        )
    )
    assert approval == {"approval.expires_on": "is required for an approval (approvals expire)"}
    unknown = await invalid(
        stub.SetCaregiverApproval(
            P.SetCaregiverApprovalRequest(
                caregiver_id=str(uuid.uuid4()), approval=P.Approval(status=P.APPROVAL_STATUS_SUSPENDED)
            )
        )
    )
    assert unknown == {"caregiver_id": "no such caregiver"}


async def test_network_changes_are_audited_in_the_placement_schema(platform: Platform) -> None:
    stub: Stub = placement(platform)
    await person(stub, "Audited Person")
    conn = await asyncpg.connect(platform.database_url)
    try:
        found = await conn.fetchval(
            "SELECT count(*) FROM placement.audit WHERE action = 'kahu.v1.PlacementService/PutPerson' AND result = 'OK'"
        )
    finally:
        await conn.close()
    assert found >= 1
