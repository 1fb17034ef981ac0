"""The two cases the access matrix walks against (tests/security/test_access_matrix.py),
each with everything an RPC may name: its escalation, a youth justice conference at its
site, its children's family network with a caregiver and holds, and its workflow's payloads."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence

from google.protobuf.timestamp_pb2 import Timestamp
from temporalio.api.common.v1 import Payload

from kahu.v1 import assessment_pb2, common_pb2, conference_pb2, intake_pb2, placement_pb2, supervision_pb2
from services.common.convert import timestamp
from services.common.identity import Principal
from services.common.sites import load_sites
from services.placement.iwi import load_iwi
from tests import factories
from tests.conference.conferences import invited, register, start_request
from tests.conftest import Platform
from tests.history import raw_history
from tests.intake.reports import decide, open_case
from tests.placement.network import date, placement
from tests.polling import answered
from workflows.case.model import workflow_id

#: The agency whose system starts conferences (services/conference/service.py).
POLICE = Principal(subject="system.police", roles=frozenset({"agency_reporter"}), agency="AGENCY_POLICE")


@dataclasses.dataclass(frozen=True)
class Conference:
    """A youth justice conference at the case's site, booked and its invitations sent."""

    conference_id: str
    started: conference_pb2.StartConferenceRequest
    coordinator: str
    manager: str
    venue_id: str
    venue_name: str
    participant_id: str  # the parent, invited
    slot: conference_pb2.ConferenceSlot  # free when the fixture looked
    round: int
    convening_due: Timestamp
    busy: conference_pb2.BusyBlock  # on the venue's calendar
    busy_id: str


@dataclasses.dataclass(frozen=True)
class Network:
    """The case's child and their grandparent, whose household is an approved caregiver with
    a place held for the case (`hold`) and another (`spare_hold_id`)."""

    child: placement_pb2.Person
    grandparent: placement_pb2.Person
    affiliation: placement_pb2.Affiliation
    family: placement_pb2.Family
    caregiver: placement_pb2.Caregiver
    approval: placement_pb2.Approval
    hold: placement_pb2.HoldPlacesRequest
    spare_hold_id: str


@dataclasses.dataclass(frozen=True)
class Case:
    """A case allocated to `social_worker`, with what the RPCs about it name."""

    case_id: str
    site: str
    region: str
    agency: int
    social_worker: str
    escalation_id: str
    conference: Conference
    network: Network
    payloads: tuple[Payload, ...]  # from its workflow's history, sealed
    attention_id: str  # a step of its workflow that needs attention (none waits on it)


def report(site: str, region: str, agency: int, concerns: Sequence[int]) -> intake_pb2.SubmitReportRequest:
    request = factories.submit_request()
    r = request.report
    r.site = site
    r.children[0].region = region
    r.reporter.agency = agency  # type: ignore[assignment]
    r.ClearField("concerns")
    r.concerns.extend(concerns)  # type: ignore[arg-type]
    return request


def escalation(case_id: str, site: str, region: str) -> supervision_pb2.RaiseEscalationRequest:
    return factories.escalation_request(case_id, site, region)


def attention(case_id: str, site: str, region: str) -> supervision_pb2.RaiseAttentionRequest:
    """A step of the case's workflow refused, which the workflow went on without."""
    return supervision_pb2.RaiseAttentionRequest(
        item_key=f"{workflow_id(case_id)}:matrix",
        case_id=case_id,
        workflow_id=workflow_id(case_id),
        step="record_stage",
        reason=supervision_pb2.ATTENTION_REASON_REFUSED,
        error="FAILED_PRECONDITION: matrix",
        site=site,
        region=region,
        failing_since=timestamp(dt.datetime.now(dt.UTC)),
    )


async def open_matrix_case(
    platform: Platform, site: str, agency: int, concerns: Sequence[int], sw: str, conference_by: Principal | None
) -> Case:
    """A case at `site` reported by `agency`, allocated to `sw`, with an escalation, its
    network and payloads, and a conference at the site started by `conference_by` (None:
    by staff, for no agency)."""
    region = load_sites()[site].region
    (case_id, escalation_id), conference = await asyncio.gather(
        _case(platform, report(site, region, agency, concerns), sw), _conference(platform, site, conference_by)
    )
    _, found = await raw_history(platform.temporal, workflow_id(case_id))
    assert found, "a case's history carries payloads"
    network = await _network(platform, case_id, region)
    attention_id = (await platform.supervision.RaiseAttention(attention(case_id, site, region))).item_id
    return Case(case_id, site, region, agency, sw, escalation_id, conference, network, tuple(found), attention_id)


async def _case(platform: Platform, request: intake_pb2.SubmitReportRequest, sw: str) -> tuple[str, str]:
    """A case opened, decided and allocated, with an escalation: (its id, the escalation's)."""
    case_id = (await open_case(platform, request)).case.case_id
    site, region = request.report.site, request.report.children[0].region
    await decide(platform, case_id)

    allocate = assessment_pb2.AllocateRequest(
        idempotency_key=f"alloc-{uuid.uuid4()}", case_id=case_id, social_worker=sw, site=site, allocated_by="sup.matrix"
    )
    await answered(lambda: platform.assessment.Allocate(allocate))  # NOT_FOUND: the assessment is still starting
    raised = await platform.supervision.RaiseEscalation(escalation(case_id, site, region))
    return case_id, raised.escalation_id


async def _conference(platform: Platform, site: str, by: Principal | None) -> Conference:
    staff, (venue_id,) = await register(platform, site, venues=("Matrix room",))
    request = start_request(staff)
    assert platform.conference is not None
    starter = platform.conference if by is None else (await platform.as_(by)).conference
    assert starter is not None
    conference_id = (await starter.StartConference(request)).conference_id
    booked = await invited(platform, conference_id)
    (parent,) = [p for p in booked.participants if p.role == conference_pb2.PARTICIPANT_ROLE_PARENT_OR_CARER]
    found = await platform.conference.FindSlots(conference_pb2.FindSlotsRequest(conference_id=conference_id, limit=1))
    day = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=200)  # far beyond the deadline
    busy = conference_pb2.BusyBlock(start=timestamp(day), end=timestamp(day + dt.timedelta(hours=1)))
    added = await platform.conference.AddBusyBlocks(
        conference_pb2.AddBusyBlocksRequest(calendar=conference_pb2.CalendarRef(venue_id=venue_id), blocks=[busy])
    )
    return Conference(
        conference_id=conference_id,
        started=request,
        coordinator=staff.coordinator,
        manager=staff.manager,
        venue_id=venue_id,
        venue_name="Matrix room",
        participant_id=parent.participant_id,
        slot=found.slots[0],
        round=booked.state.round,
        convening_due=booked.state.convening_due,
        busy=busy,
        busy_id=added.block_ids[0],
    )


async def _network(platform: Platform, case_id: str, region: str) -> Network:
    stub = placement(platform)
    tag = uuid.uuid4().hex[:8]
    child = placement_pb2.Person(
        person_id=str(uuid.uuid4()),
        name=f"Tamaiti {tag}",
        date_of_birth=common_pb2.Date(year=2016, month=3, day=14),
        region=region,
        address_area="Naenae",
    )
    grandparent = placement_pb2.Person(person_id=str(uuid.uuid4()), name=f"Kuia {tag}", region=region)
    for person in (child, grandparent):
        await stub.PutPerson(placement_pb2.PutPersonRequest(person=person))
    await stub.AddRelationship(placement_pb2.AddRelationshipRequest(relationship=grandparent_of(grandparent, child)))
    family = placement_pb2.Family(
        family_id=str(uuid.uuid4()), name=f"Whānau {tag}", member_ids=[child.person_id, grandparent.person_id]
    )
    await stub.PutFamily(placement_pb2.PutFamilyRequest(family=family))
    caregiver = placement_pb2.Caregiver(
        caregiver_id=str(uuid.uuid4()),
        kind=placement_pb2.CAREGIVER_KIND_HOUSEHOLD,
        person_id=grandparent.person_id,
        name=f"Kuia's household {tag}",
        region=region,
        address_area="Naenae",
        capacity=2,
    )
    await stub.PutCaregiver(placement_pb2.PutCaregiverRequest(caregiver=caregiver))
    today = dt.date.today()
    approval = placement_pb2.Approval(
        status=placement_pb2.APPROVAL_STATUS_APPROVED,
        approved_on=date(today - dt.timedelta(days=30)),
        expires_on=date(today + dt.timedelta(days=700)),
    )
    await stub.SetCaregiverApproval(
        placement_pb2.SetCaregiverApprovalRequest(caregiver_id=caregiver.caregiver_id, approval=approval)
    )
    await stub.LinkCaseChildren(placement_pb2.LinkCaseChildrenRequest(case_id=case_id, child_ids=[child.person_id]))
    hold = placement_pb2.HoldPlacesRequest(
        hold_id=str(uuid.uuid4()),
        caregiver_id=caregiver.caregiver_id,
        case_id=case_id,
        places=1,
        expires_at=timestamp(dt.datetime.now(dt.UTC) + dt.timedelta(days=7)),
    )
    spare = placement_pb2.HoldPlacesRequest()
    spare.CopyFrom(hold)
    spare.hold_id = str(uuid.uuid4())
    for made in (hold, spare):
        await stub.HoldPlaces(made)
    iwi = next(code for code, found in sorted(load_iwi().items()) if region in found.regions)
    return Network(
        child,
        grandparent,
        placement_pb2.Affiliation(iwi=iwi),
        family,
        caregiver,
        approval,
        hold,
        spare.hold_id,
    )


def grandparent_of(elder: placement_pb2.Person, child: placement_pb2.Person) -> placement_pb2.Relationship:
    return placement_pb2.Relationship(
        from_person_id=elder.person_id, to_person_id=child.person_id, kind=placement_pb2.KINSHIP_GRANDPARENT
    )
