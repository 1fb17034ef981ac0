"""The assessment's part of its case's record, kept by the assessment service
(RecordAssessment) and read back by GetAssessment without Temporal: each event once however
often it is sent, where the assessment stands replaced only by a newer version."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import grpc
import pytest

from kahu.v1 import assessment_pb2, common_pb2, intake_pb2
from services.common.convert import timestamp
from services.common.errors import field_violations
from tests.conftest import Platform
from workflows.case.model import assessment_workflow_id

AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _request(
    case_id: str, first: int, count: int, version: int = 0, worker: str = ""
) -> assessment_pb2.RecordAssessmentRequest:
    request = assessment_pb2.RecordAssessmentRequest(
        case_id=case_id,
        site="hutt",
        region="greater-wellington",
        events=[
            intake_pb2.CaseEvent(
                event_id=f"{assessment_workflow_id(case_id)}:{n}",
                entry=common_pb2.TimelineEntry(
                    at=timestamp(AT + dt.timedelta(minutes=n)), actor="sw.tama", action="assessment.findings"
                ),
            )
            for n in range(first, first + count)
        ],
    )
    if version:
        request.standing.CopyFrom(
            intake_pb2.AssessmentStanding(
                version=version,
                assessment=common_pb2.Assessment(
                    case_id=case_id, social_worker=worker, due_at=timestamp(AT + dt.timedelta(days=10))
                ),
            )
        )
    return request


async def test_the_assessment_is_recorded_once_and_read_back_without_its_workflow(platform: Platform) -> None:
    case_id = str(uuid.uuid4())  # no workflow runs for it: what GetAssessment shows is the record
    get = assessment_pb2.GetAssessmentRequest(case_id=case_id)
    assert (await platform.assessment.RecordAssessment(_request(case_id, 0, 2))).recorded == 2
    with pytest.raises(grpc.aio.AioRpcError) as raised:  # events, but nothing yet says where it stands
        await platform.assessment.GetAssessment(get)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND

    batch = _request(case_id, 1, 2, version=3, worker="sw.tama")
    assert (await platform.assessment.RecordAssessment(batch)).recorded == 1
    assert (await platform.assessment.RecordAssessment(batch)).recorded == 0  # the activity retried
    await platform.assessment.RecordAssessment(_request(case_id, 0, 0, version=2, worker="sw.late"))  # older

    shown = (await platform.assessment.GetAssessment(get)).assessment
    assert (shown.case_id, shown.social_worker, shown.due_at) == (
        case_id,
        "sw.tama",
        timestamp(AT + dt.timedelta(days=10)),
    )
    assert [e.at.ToDatetime(tzinfo=dt.UTC) for e in shown.timeline] == [AT + dt.timedelta(minutes=n) for n in range(3)]

    conn = await asyncpg.connect(platform.settings.database_url)  # the service's own role
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM assessment.assessment_events WHERE case_id = $1", uuid.UUID(case_id))
    finally:
        await conn.close()


async def test_a_bad_record_is_refused_naming_the_field(platform: Platform) -> None:
    case_id = str(uuid.uuid4())
    request = _request(case_id, 0, 1, version=1)
    request.region = "canterbury"
    request.events[0].event_id = f"case-{case_id}:0"  # the case's own workflow's, not its assessment's
    request.standing.version = 0
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.assessment.RecordAssessment(request)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(raised.value)} == {"region", "events[0].event_id", "standing.version"}
