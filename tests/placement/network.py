"""Building a family network through PlacementService, for the tests."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from kahu.v1 import common_pb2, placement_pb2, placement_pb2_grpc
from tests.conftest import Platform

Stub = placement_pb2_grpc.PlacementServiceStub


def placement(platform: Platform) -> Stub:
    assert platform.placement is not None
    return platform.placement


def date(value: dt.date) -> common_pb2.Date:
    return common_pb2.Date(year=value.year, month=value.month, day=value.day)


async def person(stub: Stub, name: str = "Hine Ngata", **fields: Any) -> str:
    """A new person in the network (region greater-wellington unless `fields` say otherwise)."""
    record = placement_pb2.Person(person_id=str(uuid.uuid4()), name=name, **{"region": "greater-wellington", **fields})
    await stub.PutPerson(placement_pb2.PutPersonRequest(person=record))
    return record.person_id


async def relate(stub: Stub, from_id: str, kind: Any, to_id: str) -> None:
    """Record "from is <kind> of to"."""
    await stub.AddRelationship(
        placement_pb2.AddRelationshipRequest(
            relationship=placement_pb2.Relationship(from_person_id=from_id, to_person_id=to_id, kind=kind)
        )
    )


async def caregiver(
    stub: Stub,
    person_id: str | None,
    *,
    region: str = "greater-wellington",
    area: str = "Porirua",
    capacity: int = 2,
    approved: bool = True,
    approved_days_ago: int = 30,
    expires_in_days: int = 700,
    **fields: Any,
) -> str:
    """A caregiver (a household, or a residence when `person_id` is None), approved unless
    `approved` is false."""
    record = placement_pb2.Caregiver(
        caregiver_id=str(uuid.uuid4()),
        kind=placement_pb2.CAREGIVER_KIND_RESIDENCE if person_id is None else placement_pb2.CAREGIVER_KIND_HOUSEHOLD,
        person_id=person_id or "",
        name="Household",
        region=region,
        address_area=area,
        capacity=capacity,
        **fields,
    )
    await stub.PutCaregiver(placement_pb2.PutCaregiverRequest(caregiver=record))
    if approved:
        today = dt.date.today()
        await stub.SetCaregiverApproval(
            placement_pb2.SetCaregiverApprovalRequest(
                caregiver_id=record.caregiver_id,
                approval=placement_pb2.Approval(
                    status=placement_pb2.APPROVAL_STATUS_APPROVED,
                    approved_on=date(today - dt.timedelta(days=approved_days_ago)),
                    expires_on=date(today + dt.timedelta(days=expires_in_days)),
                ),
            )
        )
    return record.caregiver_id
