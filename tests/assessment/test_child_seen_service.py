"""AssessmentService.RecordChildSeen through real gRPC, PostgreSQL and the case workflows:
once per idempotency key, on the case's record, refused when out of order or bad."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import asyncpg
import grpc
import pytest

from kahu.v1 import assessment_pb2, common_pb2
from services.common.errors import field_violations
from tests.assessment.test_assessment_service import _allocate, _assessing_case, _key
from tests.conftest import Platform
from tests.intake.reports import get_case
from tests.polling import eventually

PLACE = "At the child's kura, with the principal present"


def _seen(case_id: str, seen_at: dt.datetime, **fields: object) -> assessment_pb2.RecordChildSeenRequest:
    request = assessment_pb2.RecordChildSeenRequest(
        idempotency_key=_key("seen"), case_id=case_id, seen_by="sw.mere", place=PLACE
    )
    request.seen_at.FromDatetime(seen_at)
    for name, value in fields.items():
        setattr(request, name, value)
    return request


async def test_the_child_seen_is_recorded_once_and_reaches_the_case_record(platform: Platform) -> None:
    case_id = await _assessing_case(platform)
    await _allocate(platform, case_id)
    seen_at = dt.datetime.now(dt.UTC)
    request = _seen(case_id, seen_at)

    first = await platform.assessment.RecordChildSeen(request)
    again = await platform.assessment.RecordChildSeen(request)

    assert (first.replayed, again.replayed) == (False, True)
    assert first.assessment.child_seen.seen_by == "sw.mere"
    assert first.assessment.child_seen.seen_at.ToDatetime(tzinfo=dt.UTC) == seen_at
    assert again.assessment == first.assessment

    async def on_the_record() -> list[str]:
        timeline = (await get_case(platform, case_id)).timeline
        return [e.detail for e in timeline if e.action == "child.seen"]

    assert await eventually(on_the_record) == [f"{seen_at.isoformat()} at {PLACE}"]

    async def completion_running() -> assessment_pb2.GetAssessmentResponse | None:
        shown = await platform.assessment.GetAssessment(assessment_pb2.GetAssessmentRequest(case_id=case_id))
        return shown if shown.assessment.deadline_kind == common_pb2.DEADLINE_KIND_ASSESSMENT_COMPLETION else None

    shown = (await eventually(completion_running)).assessment
    assert shown.child_seen.place == PLACE
    actions = [e.action for e in shown.timeline]
    assert actions.count("child.seen") == 1 and "timer.met" in actions

    conn = await asyncpg.connect(platform.database_url)
    try:
        events = await conn.fetchval(
            "SELECT count(*) FROM intake.case_events WHERE case_id = $1 AND action = 'child.seen'", uuid.UUID(case_id)
        )
        kept = await conn.fetchval(
            "SELECT count(*) FROM assessment.actions WHERE case_id = $1 AND action = 'assessment.child_seen'",
            uuid.UUID(case_id),
        )
    finally:
        await conn.close()
    assert (events, kept) == (1, 1)

    with pytest.raises(grpc.aio.AioRpcError) as raised:  # a second sighting, another key
        await platform.assessment.RecordChildSeen(_seen(case_id, seen_at))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "already recorded" in (raised.value.details() or "")


async def test_out_of_order_sightings_are_refused(platform: Platform) -> None:
    case_id = await _assessing_case(platform)  # not allocated yet
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.assessment.RecordChildSeen(_seen(case_id, now))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "not been allocated" in (raised.value.details() or "")

    await _allocate(platform, case_id)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.assessment.RecordChildSeen(_seen(case_id, now - dt.timedelta(days=3)))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "before the triage decision" in (raised.value.details() or "")


def _clear_seen_at(request: assessment_pb2.RecordChildSeenRequest) -> None:
    request.ClearField("seen_at")


def _future(request: assessment_pb2.RecordChildSeenRequest) -> None:
    request.seen_at.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))


BAD_SIGHTINGS: list[tuple[Callable[[assessment_pb2.RecordChildSeenRequest], None], str]] = [
    (_clear_seen_at, "seen_at"),
    (_future, "seen_at"),
    (lambda r: setattr(r, "place", " "), "place"),
    (lambda r: setattr(r, "place", "x" * 201), "place"),
    (lambda r: setattr(r, "place", "line\nbreak"), "place"),
    (lambda r: setattr(r, "seen_by", "not a staff id!"), "seen_by"),
    (lambda r: setattr(r, "case_id", "nope"), "case_id"),
    (lambda r: setattr(r, "idempotency_key", "x"), "idempotency_key"),
]


@pytest.mark.parametrize(("change", "field"), BAD_SIGHTINGS)
async def test_a_bad_sighting_names_the_field(
    platform: Platform, change: Callable[[assessment_pb2.RecordChildSeenRequest], None], field: str
) -> None:
    request = _seen(str(uuid.uuid4()), dt.datetime.now(dt.UTC))
    change(request)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.assessment.RecordChildSeen(request)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(raised.value)} == {field}
