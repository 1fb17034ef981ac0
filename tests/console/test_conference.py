"""The conference page against the real platform: a Police intention-to-charge conference,
booked by its workflow, shows its convening clock, its booking and who is invited; the site
manager records the young person's answer, and the earliest free slots are offered."""

from __future__ import annotations

import datetime as dt

import grpc

from kahu.v1 import conference_pb2, conference_pb2_grpc, plan_pb2
from services.common.convert import timestamp
from tests.conference.conferences import get, invited, key, reaches, register, start_request, stub
from tests.conftest import Platform
from tests.console.conftest import Browserless
from tests.console.html import parse
from tests.polling import eventually

SITE = "lakes"


async def test_a_site_manager_sees_the_clocks_and_records_an_answer(platform: Platform, person: Browserless) -> None:
    staff, _ = await register(platform, SITE)
    started = await stub(platform).StartConference(start_request(staff))
    booked = await invited(platform, started.conference_id, 1)
    young = next(p for p in booked.participants if p.role == conference_pb2.PARTICIPANT_ROLE_YOUNG_PERSON)

    await person.sign_in("site_manager", SITE, staff.manager)
    shown = await person.http.get(f"/conferences/{started.conference_id}")
    assert shown.status_code == 200, shown.text
    assert "Convene by" in shown.text and "Te Whare Hui" in shown.text and "Intention to charge" in shown.text
    assert parse(shown.text).title == f"Conference {started.conference_id[:8]} - Kahu"
    assert "The earliest free slots" in shown.text

    refused = await person.submit(shown, f"respond-{young.participant_id}", response="")
    assert refused.status_code == 400  # the service names what is missing
    assert parse(refused.text).summary_links

    recorded = await person.submit(refused, f"respond-{young.participant_id}", response="INVITATION_RESPONSE_ACCEPTED")
    assert recorded.status_code == 303, recorded.text

    async def accepted() -> bool:
        found = await get(platform, started.conference_id)
        answer = next(p for p in found.participants if p.participant_id == young.participant_id)
        return answer.response == conference_pb2.INVITATION_RESPONSE_ACCEPTED

    await eventually(accepted)


async def test_a_care_and_protection_coordinator_sees_the_whanau_consultation_private_time_and_plan(
    platform: Platform, person: Browserless, fast_conference: conference_pb2_grpc.ConferenceServiceStub
) -> None:
    site = "west-coast"
    staff, (venue, _) = await register(platform, site, venues=("Arahura Marae", "Hokitika office"), hours=[])
    now = dt.datetime.now(dt.UTC)
    request = start_request(
        staff,
        trigger=conference_pb2.ConferenceTrigger(
            kind=conference_pb2.TRIGGER_KIND_CARE_AND_PROTECTION_COURT_DIRECTION,
            triggered_at=timestamp(now),
            court_report_by=timestamp(now + dt.timedelta(days=28)),
        ),
    )
    del request.participants[3:]  # no Police, no victim
    started = await fast_conference.StartConference(request)
    conference_id = started.conference_id
    await reaches(platform, conference_id, conference_pb2.CONFERENCE_STAGE_CONSULTING)

    await person.sign_in("care_and_protection_coordinator", site, staff.coordinator)
    shown = await person.http.get(f"/conferences/{conference_id}")
    assert shown.status_code == 200, shown.text
    assert "Care and protection family group conference" in shown.text
    assert "no slot is booked before the whānau are consulted" in shown.text
    assert "the court" in shown.text and "Youth advocate" not in shown.text

    await fast_conference.RecordConsultation(
        conference_pb2.RecordConsultationRequest(
            idempotency_key=key("consult"),
            conference_id=conference_id,
            recorded_by=staff.coordinator,
            consultation=conference_pb2.ConferenceConsultation(venue_id=venue, notes="At the marae, please."),
        )
    )
    await invited(platform, conference_id, 1)
    held = conference_pb2.RecordHeldRequest(
        idempotency_key=key("held"),
        conference_id=conference_id,
        recorded_by=staff.coordinator,
        private_time=conference_pb2.PrivateTime(minutes=35),
    )

    async def recorded() -> bool:
        try:
            await fast_conference.RecordHeld(held)
        except grpc.aio.AioRpcError as error:  # booked a second or two ahead: not started yet
            assert error.code() == grpc.StatusCode.FAILED_PRECONDITION, error
            return False
        return True

    await eventually(recorded)
    await fast_conference.RecordOutcome(
        conference_pb2.RecordOutcomeRequest(
            idempotency_key=key("outcome"),
            conference_id=conference_id,
            recorded_by=staff.coordinator,
            agreed=True,
            plan=plan_pb2.PlanContent(
                lead_professional="sw.mere",
                lead_manager_id="sup.tui",
                review_due=timestamp(now + dt.timedelta(days=60)),
                goals=[plan_pb2.PlanGoal(goal_id="safe", description="Safe at home")],
                actions=[
                    plan_pb2.PlanAction(
                        action_id="visit",
                        goal_id="safe",
                        description="A home visit every fortnight",
                        owner_agency="oranga-tamariki",
                        owner_id="sw.mere",
                        owner_manager_id="sup.tui",
                        due_at=timestamp(now + dt.timedelta(days=14)),
                    )
                ],
            ),
        )
    )
    await reaches(platform, conference_id, conference_pb2.CONFERENCE_STAGE_CLOSED)
    shown = await person.http.get(f"/conferences/{conference_id}")
    assert shown.status_code == 200, shown.text
    for expected in ("At the marae, please.", "35 minutes", "A plan was agreed", "A home visit every fortnight"):
        assert expected in shown.text, expected
