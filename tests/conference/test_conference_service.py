"""ConferenceService through real gRPC, PostgreSQL and the conference workflow: triggers
exactly once, the earliest slot for everyone, invitations and declines, the advocate, the
record's personal data kept out of Temporal."""

from __future__ import annotations

import datetime as dt
import uuid

import grpc
import pytest
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload

from kahu.v1 import common_pb2, conference_pb2, supervision_pb2
from services.common.convert import from_timestamp, timestamp
from services.common.errors import field_violations
from tests.conference.conferences import (
    at,
    block,
    get,
    invited,
    key,
    participant,
    reaches,
    register,
    start_request,
    stub,
    working_day,
)
from tests.conftest import Platform
from tests.polling import eventually
from workflows.policy.working_days import NZ

BOOKED = conference_pb2.CONFERENCE_STAGE_BOOKED
PREPARING = conference_pb2.CONFERENCE_STAGE_PREPARING


def _by_role(conference: conference_pb2.Conference, role: int) -> conference_pb2.ConferenceParticipant:
    (found,) = [p for p in conference.participants if p.role == role]
    return found


async def _failure(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value


async def test_a_trigger_starts_one_conference_whatever_the_retries(platform: Platform) -> None:
    staff, _ = await register(platform, "hutt")
    request = start_request(staff)

    first = await stub(platform).StartConference(request)
    again = await stub(platform).StartConference(request)

    assert (first.replayed, again.replayed) == (False, True)
    assert again.conference_id == first.conference_id
    assert first.workflow_id == f"conference-{first.conference_id}"
    conference = await reaches(platform, first.conference_id, BOOKED)
    assert (conference.coordinator_id, conference.manager_id) == (staff.coordinator, staff.manager)
    assert conference.state.round == 1
    triggered = from_timestamp(request.trigger.triggered_at).astimezone(NZ).date()
    due = from_timestamp(conference.state.convening_due).astimezone(NZ)
    assert (due.date(), due.time()) == (triggered + dt.timedelta(days=22), dt.time(0))  # the end of day 21
    other = start_request(staff, idempotency_key=request.idempotency_key)
    assert (await _failure(stub(platform).StartConference(other))).code() == grpc.StatusCode.ALREADY_EXISTS


async def test_a_bad_trigger_names_every_field_and_starts_nothing(platform: Platform) -> None:
    staff, _ = await register(platform, "hutt")
    request = start_request(
        staff,
        idempotency_key="short",
        site="atlantis",
        trigger=conference_pb2.ConferenceTrigger(
            kind=conference_pb2.TRIGGER_KIND_TRIAGE_REFERRAL,
            triggered_at=timestamp(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)),
            reference="not a reference!",
        ),
    )
    del request.participants[0]  # the young person
    request.participants[3].required = True  # the victim: never required

    error = await _failure(stub(platform).StartConference(request))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(error)} == {
        "idempotency_key",
        "site",
        "trigger.kind",
        "trigger.triggered_at",
        "trigger.reference",
        "participants",
        "participants[3].required",
    }


async def test_a_site_without_a_coordinator_is_refused(platform: Platform) -> None:
    staff, _ = await register(platform, "hutt")
    request = start_request(staff, site="waitaki", coordinator_id="")
    error = await _failure(stub(platform).StartConference(request))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "no youth justice coordinator" in (error.details() or "")


async def test_find_slots_is_the_earliest_time_everyone_required_and_a_venue_are_free(platform: Platform) -> None:
    staff, (alpha, beta) = await register(platform, "taranaki", venues=("Alpha room", "Beta room"))
    started = await stub(platform).StartConference(start_request(staff))
    conference = await reaches(platform, started.conference_id, BOOKED)
    young = _by_role(conference, conference_pb2.PARTICIPANT_ROLE_YOUNG_PERSON)
    whanau = _by_role(conference, conference_pb2.PARTICIPANT_ROLE_WHANAU)
    day = working_day(dt.datetime.now(NZ).date() + dt.timedelta(days=4), "taranaki")
    following = working_day(day, "taranaki")

    async def busy(calendar: conference_pb2.CalendarRef, *blocks: conference_pb2.BusyBlock) -> None:
        await stub(platform).AddBusyBlocks(conference_pb2.AddBusyBlocksRequest(calendar=calendar, blocks=blocks))

    await busy(conference_pb2.CalendarRef(staff_id=staff.coordinator), block(day, (9, 0), (10, 30)))
    await busy(conference_pb2.CalendarRef(participant_id=young.participant_id), block(day, (10, 0), (12, 0)))
    await busy(conference_pb2.CalendarRef(staff_id=staff.police), block(day, (13, 0), (14, 0)))
    await busy(conference_pb2.CalendarRef(participant_id=whanau.participant_id), block(day, (12, 0), (17, 0)))
    await busy(conference_pb2.CalendarRef(venue_id=alpha), block(day, (12, 0), (16, 0)))
    await busy(conference_pb2.CalendarRef(venue_id=beta), block(day, (12, 0), (13, 15)))

    found = await stub(platform).FindSlots(
        conference_pb2.FindSlotsRequest(
            conference_id=started.conference_id, limit=6, not_before=timestamp(at(day, 0, 0))
        )
    )

    starts = [(from_timestamp(s.start).astimezone(NZ), s.venue_name) for s in found.slots]
    assert starts == [
        *((at(day, 14, m), "Beta room") for m in (0, 15, 30, 45)),
        (at(day, 15, 0), "Beta room"),
        (at(following, 9, 0), "Alpha room"),
    ]
    assert all(from_timestamp(s.end) - from_timestamp(s.start) == dt.timedelta(hours=2) for s in found.slots)
    assert from_timestamp(found.window_end) == from_timestamp(conference.state.convening_due)


async def test_a_decline_by_a_required_participant_reopens_scheduling_and_keeps_the_deadline(
    platform: Platform,
) -> None:
    staff, _ = await register(platform, "southland")
    started = await stub(platform).StartConference(start_request(staff))
    first = await invited(platform, started.conference_id, 1)
    assert all(p.invited for p in first.participants)
    police = _by_role(first, conference_pb2.PARTICIPANT_ROLE_POLICE_YOUTH_AID)
    whanau = _by_role(first, conference_pb2.PARTICIPANT_ROLE_WHANAU)

    def answer(p: conference_pb2.ConferenceParticipant, response: int) -> conference_pb2.RecordResponseRequest:
        return conference_pb2.RecordResponseRequest(
            idempotency_key=key("answer"),
            conference_id=started.conference_id,
            participant_id=p.participant_id,
            response=response,  # type: ignore[arg-type]
            recorded_by=staff.coordinator,
        )

    await stub(platform).RecordResponse(answer(whanau, conference_pb2.INVITATION_RESPONSE_DECLINED))
    still = await get(platform, started.conference_id)
    assert still.state.round == 1 and still.state.stage == BOOKED
    request = answer(police, conference_pb2.INVITATION_RESPONSE_DECLINED)
    await stub(platform).RecordResponse(request)
    assert (await stub(platform).RecordResponse(request)).replayed

    second = await invited(platform, started.conference_id, 2)
    declined = first.state.booking.slot
    moved = second.state.booking.slot
    assert from_timestamp(moved.start) >= from_timestamp(declined.end) or from_timestamp(moved.end) <= from_timestamp(
        declined.start
    ), "the declined time is the Police officer's busy time now"
    assert second.state.convening_due == first.state.convening_due
    assert all(p.invited and p.response == 0 for p in second.participants), "invited afresh to the new booking"

    rescheduled = await stub(platform).Reschedule(
        conference_pb2.RescheduleRequest(
            idempotency_key=key("reschedule"),
            conference_id=started.conference_id,
            requested_by=staff.coordinator,
            reason="The marae is closed for a tangihanga.",
        )
    )
    assert rescheduled.state.round == 2  # accepted; the workflow moves on
    third = await reaches(platform, started.conference_id, BOOKED, 3)
    assert third.state.convening_due == first.state.convening_due
    actions = [e.action for e in third.state.timeline]
    assert actions.count("booking.released") == 2 and actions.count("conference.booked") == 3


async def test_an_offence_of_ten_years_waits_for_the_youth_advocate(platform: Platform) -> None:
    staff, _ = await register(platform, "waikato")
    request = start_request(staff)
    request.trigger.offence_max_years = 10
    started = await stub(platform).StartConference(request)
    waiting = await reaches(platform, started.conference_id, PREPARING)
    assert (waiting.state.advocate_required, waiting.state.advocate_appointed) == (True, False)
    refused = await _failure(
        stub(platform).AddParticipant(
            conference_pb2.AddParticipantRequest(
                idempotency_key=key("add"),
                conference_id=started.conference_id,
                participant=participant(conference_pb2.PARTICIPANT_ROLE_YOUTH_ADVOCATE, "A", staff_id="adv.x"),
                added_by=staff.coordinator,
            )
        )
    )
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT

    advocate = f"adv.{uuid.uuid4().hex[:8]}"
    appointed = await stub(platform).AppointAdvocate(
        conference_pb2.AppointAdvocateRequest(
            idempotency_key=key("advocate"),
            conference_id=started.conference_id,
            staff_id=advocate,
            name="Tania Whaanga, barrister",
            appointed_by=staff.coordinator,
        )
    )
    assert appointed.state.advocate_appointed

    booked = await reaches(platform, started.conference_id, BOOKED)
    lawyer = _by_role(booked, conference_pb2.PARTICIPANT_ROLE_YOUTH_ADVOCATE)
    assert (lawyer.participant_id, lawyer.staff_id, lawyer.required) == (appointed.participant_id, advocate, True)
    again = await _failure(
        stub(platform).AppointAdvocate(
            conference_pb2.AppointAdvocateRequest(
                idempotency_key=key("advocate"),
                conference_id=started.conference_id,
                staff_id=f"adv.{uuid.uuid4().hex[:8]}",
                name="Someone else",
                appointed_by=staff.coordinator,
            )
        )
    )
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "already appointed" in (again.details() or "")
    names = [p.name for p in (await get(platform, started.conference_id)).participants]
    assert "Someone else" not in names, "a refused appointment leaves nothing behind"


async def test_a_required_participant_added_after_booking_is_booked_in_or_reschedules(platform: Platform) -> None:
    staff, _ = await register(platform, "northland")
    started = await stub(platform).StartConference(start_request(staff))
    first = await reaches(platform, started.conference_id, BOOKED, 1)
    slot = first.state.booking.slot
    social_worker = f"sw.{uuid.uuid4().hex[:8]}"
    await stub(platform).AddBusyBlocks(
        conference_pb2.AddBusyBlocksRequest(
            calendar=conference_pb2.CalendarRef(staff_id=social_worker),
            blocks=[conference_pb2.BusyBlock(start=slot.start, end=slot.end)],
        )
    )

    added = await stub(platform).AddParticipant(
        conference_pb2.AddParticipantRequest(
            idempotency_key=key("add"),
            conference_id=started.conference_id,
            participant=participant(conference_pb2.PARTICIPANT_ROLE_SOCIAL_WORKER, "Mereana", staff_id=social_worker),
            added_by=staff.coordinator,
        )
    )

    second = await invited(platform, started.conference_id, 2)
    assert from_timestamp(second.state.booking.slot.start) >= from_timestamp(slot.end)
    assert any(p.participant_id == added.participant_id and p.invited for p in second.participants)


async def test_a_victims_views_are_recorded_without_attending(platform: Platform) -> None:
    staff, _ = await register(platform, "hawkes-bay")
    started = await stub(platform).StartConference(start_request(staff))
    conference = await invited(platform, started.conference_id)
    victim = _by_role(conference, conference_pb2.PARTICIPANT_ROLE_VICTIM)
    young = _by_role(conference, conference_pb2.PARTICIPANT_ROLE_YOUNG_PERSON)
    assert not victim.required

    def views(p: conference_pb2.ConferenceParticipant) -> conference_pb2.RecordResponseRequest:
        return conference_pb2.RecordResponseRequest(
            idempotency_key=key("views"),
            conference_id=started.conference_id,
            participant_id=p.participant_id,
            response=conference_pb2.INVITATION_RESPONSE_VIEWS_ONLY,
            views="I would like the window paid for and an apology.",
            recorded_by=staff.coordinator,
        )

    assert (await _failure(stub(platform).RecordResponse(views(young)))).code() == grpc.StatusCode.INVALID_ARGUMENT
    answered = await stub(platform).RecordResponse(views(victim))
    assert answered.state.round == 1
    shown = _by_role(await get(platform, started.conference_id), conference_pb2.PARTICIPANT_ROLE_VICTIM)
    assert (shown.response, shown.views) == (
        conference_pb2.INVITATION_RESPONSE_VIEWS_ONLY,
        "I would like the window paid for and an apology.",
    )


def _payloads(message: Message) -> list[Payload]:
    """Every Payload anywhere in a history event."""
    if isinstance(message, Payload):
        return [message]
    found: list[Payload] = []
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None:
            continue
        if descriptor.message_type.GetOptions().map_entry:
            items = list(value.values())
        elif isinstance(value, Message):
            items = [value]
        else:  # a repeated field
            items = list(value)
        for item in items:
            if isinstance(item, Message):
                found.extend(_payloads(item))
    return found


async def test_names_contacts_and_views_never_reach_temporal(platform: Platform) -> None:
    staff, _ = await register(platform, "lakes")
    request = start_request(staff)
    started = await stub(platform).StartConference(request)
    conference = await invited(platform, started.conference_id)
    victim = _by_role(conference, conference_pb2.PARTICIPANT_ROLE_VICTIM)
    await stub(platform).RecordResponse(
        conference_pb2.RecordResponseRequest(
            idempotency_key=key("views"),
            conference_id=started.conference_id,
            participant_id=victim.participant_id,
            response=conference_pb2.INVITATION_RESPONSE_VIEWS_ONLY,
            views="Scared to walk past the shop at night.",
            recorded_by=staff.coordinator,
        )
    )

    async def answered() -> bool:
        state = (await get(platform, started.conference_id)).state
        return any(e.action == "invitation.answered" for e in state.timeline)

    await eventually(answered)
    handle = platform.temporal.get_workflow_handle(started.workflow_id)
    history = await handle.fetch_history()
    payloads = [p for event in history.events for p in _payloads(event)]
    decoded = await platform.temporal.data_converter.payload_codec.decode(payloads)  # type: ignore[union-attr]
    plain = b"".join(p.data for p in decoded)
    assert started.conference_id.encode() in plain, "the payloads were decoded"
    secrets = [p.name for p in request.participants] + [p.contact for p in request.participants if p.contact]
    for secret in [*secrets, "Scared to walk past the shop at night."]:
        assert secret.encode() not in plain, secret
    described = await handle.describe()
    assert described.id == f"conference-{started.conference_id}"


async def test_no_slot_tells_the_coordinators_manager_until_a_chosen_slot_is_booked(platform: Platform) -> None:
    staff, _ = await register(platform, "west-auckland", venues=())  # no venue at the site yet
    started = await stub(platform).StartConference(start_request(staff))
    conference_id = started.conference_id

    async def told() -> list[supervision_pb2.Escalation]:
        return await _on_queue(platform, conference_id)

    (escalation,) = await eventually(told)  # on the supervisors' queue, the one escalation subsystem
    assert (escalation.level, escalation.cycle, escalation.tier) == (supervision_pb2.ESCALATION_LEVEL_NO_SLOT, 1, 0)
    assert escalation.kind == common_pb2.DEADLINE_KIND_CONVENING
    assert (escalation.assignee, escalation.role, escalation.site) == (
        staff.manager,
        "coordinator_manager",
        "west-auckland",
    )
    assert escalation.workflow_id == started.workflow_id and escalation.case_id == ""
    assert (await get(platform, conference_id)).state.stage == conference_pb2.CONFERENCE_STAGE_SCHEDULING
    listed = await stub(platform).ListEscalations(conference_pb2.ListEscalationsRequest(manager_id=staff.manager))
    assert list(listed.escalations) == []  # the conference service's own list holds those from before only

    await stub(platform).RegisterVenue(conference_pb2.RegisterVenueRequest(site="west-auckland", name="Kōtuku room"))
    found = await stub(platform).FindSlots(conference_pb2.FindSlotsRequest(conference_id=conference_id, limit=3))
    choice = found.slots[1]
    booked = await stub(platform).Book(
        conference_pb2.BookRequest(
            idempotency_key=key("book"),
            conference_id=conference_id,
            start=choice.start,
            venue_id=choice.venue_id,
            booked_by=staff.coordinator,
        )
    )

    assert booked.state.stage == BOOKED
    assert (booked.state.booking.slot.start, booked.state.booking.booked_by) == (choice.start, staff.coordinator)
    assert booked.state.booking.slot.venue_name == "Kōtuku room"
    assert await eventually(lambda: _resolved(platform, conference_id))
    off_grid = conference_pb2.BookRequest(
        idempotency_key=key("book"),
        conference_id=conference_id,
        start=timestamp(from_timestamp(choice.start) + dt.timedelta(minutes=7)),
        venue_id=choice.venue_id,
        booked_by=staff.coordinator,
    )
    error = await _failure(stub(platform).Book(off_grid))
    assert [v.field for v in field_violations(error)] == ["start"]


async def _on_queue(platform: Platform, conference_id: str, **filters: object) -> list[supervision_pb2.Escalation]:
    page = await platform.supervision.ListQueue(
        supervision_pb2.ListQueueRequest(kind=common_pb2.DEADLINE_KIND_CONVENING, page_size=500, **filters)  # type: ignore[arg-type]
    )
    return [e for e in page.items if e.conference_id == conference_id]


async def _resolved(platform: Platform, conference_id: str) -> bool:
    escalations = await _on_queue(platform, conference_id, include_resolved=True)
    return bool(escalations) and all(e.resolved for e in escalations)
