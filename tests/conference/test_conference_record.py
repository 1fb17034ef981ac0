"""A conference's own record, kept by the conference service (RecordConference, the
worker's) with a case or without one, and read back by GetConference from PostgreSQL alone:
each event once however often it is sent, where the conference stands replaced only by a
newer version; the answer's state is the workflow's own, and stays the same after the
workflow is deleted from Temporal and with the Temporal server stopped."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import grpc
import pytest

from kahu.v1 import common_pb2, conference_pb2, intake_pb2
from services.common.config import Settings
from services.common.convert import timestamp
from services.common.errors import field_violations
from services.conference.convert import state_to_proto
from services.conference.ids import derived_id
from tests.conference.conferences import get, invited, key, register, start_request, stub
from tests.conftest import Platform
from tests.own_temporal import OwnTemporal, own_temporal
from tests.polling import eventually, finished
from tests.tokens import workload
from workflows.conference.model import case_conference_id, conference_workflow_id
from workflows.conference.workflows import YouthJusticeConferenceWorkflow

C = conference_pb2
AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
#: Only this module holds conferences at this site.
SITE = "west-coast"


@pytest.fixture
async def own(settings: Settings, platform: Platform, fast_conference_policy: Path) -> AsyncIterator[OwnTemporal]:
    async with own_temporal(settings, platform.database_url, fast_conference_policy) as rig:
        yield rig


def _request(
    conference_id: str,
    first: int,
    count: int,
    version: int = 0,
    stage: C.ConferenceStage = C.CONFERENCE_STAGE_UNSPECIFIED,
    case_id: str = "",
) -> C.RecordConferenceRequest:
    request = C.RecordConferenceRequest(
        conference_id=conference_id,
        case_id=case_id,
        site="hutt",
        region="greater-wellington",
        events=[
            intake_pb2.CaseEvent(
                event_id=f"{conference_workflow_id(conference_id)}:{n}",
                entry=common_pb2.TimelineEntry(
                    at=timestamp(AT + dt.timedelta(minutes=n)), actor="kahu", action="conference.booked"
                ),
            )
            for n in range(first, first + count)
        ],
    )
    if version:
        request.standing.CopyFrom(
            C.ConferenceStanding(
                version=version, state=C.ConferenceState(conference_id=conference_id, stage=stage, round=version)
            )
        )
    return request


async def _recorded(platform: Platform, conference_id: str) -> tuple[int, C.ConferenceStanding, list[str]]:
    """The version and standing kept for the conference, and its events' ids in order."""
    conn = await asyncpg.connect(platform.database_url)
    try:
        row = await conn.fetchrow(
            "SELECT version, standing FROM conference.conference_records WHERE conference_id = $1",
            uuid.UUID(conference_id),
        )
        ids = await conn.fetch(
            "SELECT event_id FROM conference.conference_events WHERE conference_id = $1 ORDER BY seq",
            uuid.UUID(conference_id),
        )
    finally:
        await conn.close()
    assert row is not None
    return row["version"], C.ConferenceStanding.FromString(row["standing"]), [r["event_id"] for r in ids]


@pytest.mark.parametrize("with_case", [False, True], ids=["police-started", "a-cases"])
async def test_the_conference_is_recorded_once_with_or_without_a_case(platform: Platform, with_case: bool) -> None:
    case_id = str(uuid.uuid4()) if with_case else ""
    conference_id = case_conference_id(case_id) if with_case else str(uuid.uuid4())
    worker = await platform.as_(workload())
    assert worker.conference is not None
    record = worker.conference.RecordConference
    assert (await record(_request(conference_id, 0, 2, case_id=case_id))).recorded == 2
    batch = _request(conference_id, 1, 2, version=3, stage=C.CONFERENCE_STAGE_BOOKED, case_id=case_id)
    assert (await record(batch)).recorded == 1
    assert (await record(batch)).recorded == 0  # the activity retried
    late = _request(conference_id, 0, 0, version=2, stage=C.CONFERENCE_STAGE_SCHEDULING, case_id=case_id)
    assert (await record(late)).recorded == 0  # an older standing, arriving late

    version, standing, ids = await _recorded(platform, conference_id)
    assert (version, standing.state.stage, standing.state.round) == (3, C.CONFERENCE_STAGE_BOOKED, 3)
    assert ids == [f"{conference_workflow_id(conference_id)}:{n}" for n in range(3)]

    conn = await asyncpg.connect(platform.settings.database_url)  # the service's own role
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(
                "DELETE FROM conference.conference_events WHERE conference_id = $1", uuid.UUID(conference_id)
            )
    finally:
        await conn.close()


async def test_a_bad_record_is_refused_naming_the_field(platform: Platform) -> None:
    conference_id = str(uuid.uuid4())
    request = _request(conference_id, 0, 2, version=1, stage=C.CONFERENCE_STAGE_BOOKED, case_id=str(uuid.uuid4()))
    request.region = "canterbury"
    request.events[0].event_id = f"conference-{uuid.uuid4()}:0"  # another conference's
    request.events[1].entry.ClearField("at")
    request.standing.version = 0
    request.standing.state.conference_id = str(uuid.uuid4())
    request.standing.state.timeline.add(action="conference.booked")  # the events carry it
    worker = await platform.as_(workload())
    assert worker.conference is not None
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await worker.conference.RecordConference(request)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(raised.value)} == {
        "case_id",  # not the case whose conference this is
        "region",
        "events[0].event_id",
        "events[1].entry.at",
        "standing.version",
        "standing.state.conference_id",
        "standing.state.timeline",
    }


async def test_the_conference_answers_from_postgresql_after_deletion_and_with_temporal_stopped(
    own: OwnTemporal,
) -> None:
    platform = own.platform
    staff, _ = await register(platform, SITE, hours=[])  # any time: it is held a second from now
    service = stub(platform)
    started = await service.StartConference(start_request(staff))  # Police's: no case
    conference_id = started.conference_id
    await invited(platform, conference_id)
    held = C.RecordHeldRequest(idempotency_key=key("held"), conference_id=conference_id, recorded_by=staff.coordinator)

    async def recorded_held() -> C.RecordHeldResponse | None:
        try:
            return await service.RecordHeld(held)
        except grpc.aio.AioRpcError as error:  # booked a second or two ahead: not started yet
            assert error.code() == grpc.StatusCode.FAILED_PRECONDITION, error
            return None

    await eventually(recorded_held)
    await service.RecordOutcome(
        C.RecordOutcomeRequest(
            idempotency_key=key("outcome"),
            conference_id=conference_id,
            recorded_by=staff.coordinator,
            agreed=True,
            plan_actions=["Apologise to the dairy owner in person."],
        )
    )
    workflow = platform.temporal.get_workflow_handle(conference_workflow_id(conference_id))
    await finished(workflow)  # it returns only once its record is complete

    async def read() -> C.Conference:
        return await get(platform, conference_id)

    before = await read()
    state = before.state
    assert (state.stage, state.round) == (C.CONFERENCE_STAGE_CLOSED, 1)
    venue = state.booking.slot  # the site's earliest free venue (other tests' venues at the site included)
    assert venue.venue_id == derived_id("venue", SITE, venue.venue_name)
    steps = [e.action for e in state.timeline]
    assert steps[0] == "conference.triggered" and steps[-2:] == ["outcome.recorded", "conference.closed"]
    assert before.outcome.agreed and before.participants
    expected = state_to_proto(await workflow.query(YouthJusticeConferenceWorkflow.state))  # what it answered before
    expected.booking.slot.venue_name = venue.venue_name
    assert state == expected

    await own.delete(conference_workflow_id(conference_id))
    assert await read() == before

    await own.stop()
    with pytest.raises(Exception):  # noqa: B017 (whatever the client says, the server is gone)
        await workflow.describe(rpc_timeout=dt.timedelta(seconds=2))
    assert await read() == before
