"""Who may do what with a conference (policy/access.yaml): Police start and follow theirs,
coordinators work the conferences at their sites, ops see metadata only; every call needs
a token."""

from __future__ import annotations

import grpc
import pytest

from kahu.v1 import conference_pb2, conference_pb2_grpc
from services.common.identity import Principal
from tests.conference.conferences import (
    WEEKDAYS_9_TO_5,
    Staff,
    key,
    participant,
    reaches,
    register,
    start_request,
)
from tests.conftest import Platform

BOOKED = conference_pb2.CONFERENCE_STAGE_BOOKED


def police(agency: str = "AGENCY_POLICE") -> Principal:
    return Principal(subject="police.system", roles=frozenset({"agency_reporter"}), agency=agency)


def coordinator(staff: Staff, site: str | None = None) -> Principal:
    return Principal(
        subject=staff.coordinator, roles=frozenset({"youth_justice_coordinator"}), sites=frozenset({site or staff.site})
    )


async def as_(platform: Platform, caller: Principal | str | None) -> conference_pb2_grpc.ConferenceServiceStub:
    stubs = await platform.as_(caller)
    assert stubs.conference is not None
    return stubs.conference


async def _code(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value.code()


async def test_police_start_and_follow_their_conference_and_see_its_status_only(platform: Platform) -> None:
    staff, _ = await register(platform, "canterbury")
    police_system = await as_(platform, police())
    started = await police_system.StartConference(start_request(staff))
    await reaches(platform, started.conference_id, BOOKED)
    request = conference_pb2.GetConferenceRequest(conference_id=started.conference_id)

    seen = (await police_system.GetConference(request)).conference

    assert seen.state.stage == BOOKED and seen.state.HasField("booking") and seen.trigger.kind
    assert not seen.participants and not seen.state.timeline and not seen.coordinator_id, "status, not the record"
    health = await as_(platform, police("AGENCY_HEALTH_NZ"))
    assert await _code(health.GetConference(request)) == grpc.StatusCode.PERMISSION_DENIED
    assert await _code(health.StartConference(start_request(staff))) == grpc.StatusCode.PERMISSION_DENIED


async def test_a_coordinator_works_the_conferences_at_their_sites_only(platform: Platform) -> None:
    staff, _ = await register(platform, "south-canterbury")
    started = await (await as_(platform, coordinator(staff))).StartConference(start_request(staff))
    await reaches(platform, started.conference_id, BOOKED)

    def add(by: str) -> conference_pb2.AddParticipantRequest:
        return conference_pb2.AddParticipantRequest(
            idempotency_key=key("add"),
            conference_id=started.conference_id,
            participant=participant(conference_pb2.PARTICIPANT_ROLE_WHANAU, "Aunty Mere"),
            added_by=by,
        )

    own = await as_(platform, coordinator(staff))
    added = await own.AddParticipant(add(staff.coordinator))
    assert added.participant_id
    assert added.state.booking.slot.venue_name == "Te Whare Hui", "the state answered names the booked venue"
    full = (
        await own.GetConference(conference_pb2.GetConferenceRequest(conference_id=started.conference_id))
    ).conference
    assert "Aunty Mere" in [p.name for p in full.participants]
    assert await _code(own.AddParticipant(add("someone.else"))) == grpc.StatusCode.PERMISSION_DENIED
    elsewhere = await as_(platform, coordinator(staff, site="northland"))
    request = conference_pb2.GetConferenceRequest(conference_id=started.conference_id)
    assert await _code(elsewhere.GetConference(request)) == grpc.StatusCode.PERMISSION_DENIED
    missing = conference_pb2.GetConferenceRequest(conference_id="3a0b9d4e-0000-4000-8000-000000000000")
    assert await _code(elsewhere.GetConference(missing)) == grpc.StatusCode.PERMISSION_DENIED, "existence never leaks"
    assert await _code(own.HoldSlot(conference_pb2.HoldSlotRequest())) == grpc.StatusCode.PERMISSION_DENIED


async def test_ops_see_metadata_and_nobody_gets_in_without_a_token(platform: Platform) -> None:
    staff, _ = await register(platform, "dunedin-south-otago")
    started = await (await as_(platform, coordinator(staff))).StartConference(start_request(staff))
    await reaches(platform, started.conference_id, BOOKED)
    request = conference_pb2.GetConferenceRequest(conference_id=started.conference_id)

    ops = await as_(platform, Principal(subject="ops.tui", roles=frozenset({"ops"})))
    seen = (await ops.GetConference(request)).conference

    assert seen.state.stage == BOOKED and seen.coordinator_id == staff.coordinator
    assert not seen.participants and not seen.state.timeline and not seen.trigger.reference
    assert await _code((await as_(platform, None)).GetConference(request)) == grpc.StatusCode.UNAUTHENTICATED


async def test_a_staff_calendar_is_kept_only_from_the_sites_its_owner_works_at(platform: Platform) -> None:
    staff, _ = await register(platform, "whanganui")
    started = await (await as_(platform, coordinator(staff))).StartConference(start_request(staff))
    await reaches(platform, started.conference_id, BOOKED)
    elsewhere = await as_(platform, coordinator(staff, site="northland"))
    own_site = await as_(platform, coordinator(staff))

    def hours(staff_id: str) -> conference_pb2.SetWorkingHoursRequest:
        return conference_pb2.SetWorkingHoursRequest(
            calendar=conference_pb2.CalendarRef(staff_id=staff_id), working_hours=WEEKDAYS_9_TO_5
        )

    def clear(staff_id: str) -> conference_pb2.RemoveBusyBlocksRequest:
        return conference_pb2.RemoveBusyBlocksRequest(
            calendar=conference_pb2.CalendarRef(staff_id=staff_id), block_ids=["3a0b9d4e-0000-4000-8000-000000000001"]
        )

    # the coordinator (registered at whanganui), their manager, and the Police officer taking
    # part in the open conference there
    for someone in (staff.coordinator, staff.manager, staff.police):
        assert await _code(elsewhere.SetWorkingHours(hours(someone))) == grpc.StatusCode.PERMISSION_DENIED, someone
        assert await _code(elsewhere.RemoveBusyBlocks(clear(someone))) == grpc.StatusCode.PERMISSION_DENIED, someone
        await own_site.RemoveBusyBlocks(clear(someone))
    await elsewhere.RemoveBusyBlocks(clear("sw.works.nowhere.yet"))  # affects no conference
