"""A conference held and its outcome, through real gRPC, PostgreSQL and the workflow (a
conference booked a second ahead): the plan agreed, or not and referred back; the plan's
text stays in the conference service."""

from __future__ import annotations

import asyncpg
import grpc
import pytest

from kahu.v1 import conference_pb2, conference_pb2_grpc
from tests.conference.conferences import get, invited, key, register, start_request
from tests.conftest import Platform
from tests.polling import eventually

CLOSED = conference_pb2.CONFERENCE_STAGE_CLOSED


async def _held(platform: Platform, fast: conference_pb2_grpc.ConferenceServiceStub, site: str) -> tuple[str, str]:
    """A conference (started through `fast`) that has been held: (its id, its coordinator)."""
    staff, _ = await register(platform, site, hours=[])  # any time: it is held a second from now
    started = await fast.StartConference(start_request(staff))
    await invited(platform, started.conference_id)
    request = conference_pb2.RecordHeldRequest(
        idempotency_key=key("held"), conference_id=started.conference_id, recorded_by=staff.coordinator
    )

    async def held() -> conference_pb2.RecordHeldResponse | None:
        try:
            return await fast.RecordHeld(request)
        except grpc.aio.AioRpcError as error:  # booked a second or two ahead: not started yet
            assert error.code() == grpc.StatusCode.FAILED_PRECONDITION, error
            return None

    answer = await eventually(held)
    assert answer.state.stage == conference_pb2.CONFERENCE_STAGE_HELD
    return started.conference_id, staff.coordinator


async def _closed(platform: Platform, conference_id: str) -> conference_pb2.Conference:
    async def closed() -> conference_pb2.Conference | None:
        found = await get(platform, conference_id)
        return found if found.state.stage == CLOSED else None

    return await eventually(closed)


async def test_a_plan_agreed_closes_the_conference_with_its_actions(
    platform: Platform, fast_conference: conference_pb2_grpc.ConferenceServiceStub
) -> None:
    conference_id, coordinator = await _held(platform, fast_conference, "midcentral")
    actions = ["Apologise to the dairy owner in person.", "Twenty hours' community work at the marae."]
    request = conference_pb2.RecordOutcomeRequest(
        idempotency_key=key("outcome"),
        conference_id=conference_id,
        recorded_by=coordinator,
        agreed=True,
        plan_actions=actions,
    )

    recorded = await fast_conference.RecordOutcome(request)
    again = await fast_conference.RecordOutcome(request)

    assert (recorded.replayed, again.replayed) == (False, True)
    closed = await _closed(platform, conference_id)
    assert closed.outcome.agreed and list(closed.outcome.plan_actions) == actions
    assert not closed.outcome.referred_back
    timeline = [e.action for e in closed.state.timeline]
    assert timeline[-2:] == ["outcome.recorded", "conference.closed"]
    assert timeline.index("conference.held") < timeline.index("outcome.recorded")
    plan_entry = next(e for e in closed.state.timeline if e.action == "outcome.recorded")
    assert "agreed, 2 actions" in plan_entry.detail and actions[0] not in plan_entry.detail


async def test_no_plan_agreed_refers_the_young_person_back(
    platform: Platform, fast_conference: conference_pb2_grpc.ConferenceServiceStub
) -> None:
    conference_id, coordinator = await _held(platform, fast_conference, "bay-of-plenty")

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await fast_conference.RecordOutcome(
            conference_pb2.RecordOutcomeRequest(
                idempotency_key=key("outcome"), conference_id=conference_id, recorded_by=coordinator, agreed=False
            )
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    await fast_conference.RecordOutcome(
        conference_pb2.RecordOutcomeRequest(
            idempotency_key=key("outcome"),
            conference_id=conference_id,
            recorded_by=coordinator,
            agreed=False,
            reason="The young person denies the charge; the matter goes back to the Youth Court.",
        )
    )

    closed = await _closed(platform, conference_id)
    assert not closed.outcome.agreed and closed.outcome.referred_back
    assert "Youth Court" in closed.outcome.reason
    conn = await asyncpg.connect(platform.database_url)
    try:
        referrals = await conn.fetchval(
            "SELECT count(*) FROM conference.referrals WHERE conference_id = $1::uuid", conference_id
        )
    finally:
        await conn.close()
    assert referrals == 1
