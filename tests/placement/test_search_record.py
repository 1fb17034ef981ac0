"""A case's placement search's part of its record, kept by the placement service
(RecordPlacementSearch, the worker's) and read back by GetPlacementSearch from PostgreSQL
alone: each event once however often it is sent, where the search stands replaced only by a
newer version; the answer is the workflow's own view, and stays the same after the
workflows are deleted from Temporal and with the Temporal server stopped."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import grpc
import pytest

from kahu.v1 import common_pb2, placement_pb2
from services.common.config import Settings
from services.common.convert import timestamp
from services.common.errors import field_violations
from services.placement.convert import view_to_proto
from tests.conftest import Platform
from tests.intake.reports import actions, open_case
from tests.own_temporal import OwnTemporal, own_temporal
from tests.placement.network import caregiver, person, placement, relate
from tests.placement.test_case_placement import custody_approved, key
from tests.polling import finished
from tests.tokens import workload
from workflows.case.model import assessment_workflow_id, placement_workflow_id, workflow_id
from workflows.placement.workflows import PlacementSearchWorkflow

P = placement_pb2
AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def own(settings: Settings, platform: Platform, fast_conference_policy: Path) -> AsyncIterator[OwnTemporal]:
    async with own_temporal(settings, platform.database_url, fast_conference_policy) as rig:
        yield rig


def _request(
    case_id: str,
    first: int,
    count: int,
    version: int = 0,
    stage: P.PlacementSearchStage = P.PLACEMENT_SEARCH_STAGE_UNSPECIFIED,
) -> P.RecordPlacementSearchRequest:
    request = P.RecordPlacementSearchRequest(
        case_id=case_id,
        site="hutt",
        region="greater-wellington",
        events=[
            P.PlacementSearchEvent(
                event_id=f"{placement_workflow_id(case_id)}:{n}",
                entry=common_pb2.TimelineEntry(
                    at=timestamp(AT + dt.timedelta(minutes=n)), actor="kahu", action="placement.searched"
                ),
            )
            for n in range(first, first + count)
        ],
    )
    if version:
        request.standing.CopyFrom(
            P.PlacementSearchStanding(
                version=version,
                search=P.PlacementSearch(case_id=case_id, stage=stage, search_id=str(uuid.uuid4())),
            )
        )
    return request


async def test_the_search_is_recorded_once_and_read_back_without_its_workflow(platform: Platform) -> None:
    case_id = (await open_case(platform)).case.case_id  # at hutt, with no placement search
    stub = placement(platform)
    worker = await platform.as_(workload())
    assert worker.placement is not None
    record = worker.placement.RecordPlacementSearch
    get = P.GetPlacementSearchRequest(case_id=case_id)
    assert (await record(_request(case_id, 0, 2))).recorded == 2
    with pytest.raises(grpc.aio.AioRpcError) as raised:  # events, but nothing yet says where it stands
        await stub.GetPlacementSearch(get)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert raised.value.details() == "the case has no placement search"

    batch = _request(case_id, 1, 2, version=3, stage=P.PLACEMENT_SEARCH_STAGE_AWAITING_CAREGIVER)
    assert (await record(batch)).recorded == 1
    assert (await record(batch)).recorded == 0  # the activity retried
    late = _request(case_id, 0, 0, version=2, stage=P.PLACEMENT_SEARCH_STAGE_AWAITING_SELECTION)
    assert (await record(late)).recorded == 0  # an older standing, arriving late

    shown = (await stub.GetPlacementSearch(get)).search
    assert (shown.case_id, shown.stage, shown.search_id) == (
        case_id,
        P.PLACEMENT_SEARCH_STAGE_AWAITING_CAREGIVER,
        batch.standing.search.search_id,
    )
    assert [e.at.ToDatetime(tzinfo=dt.UTC) for e in shown.timeline] == [AT + dt.timedelta(minutes=n) for n in range(3)]

    conn = await asyncpg.connect(platform.settings.database_url)  # the service's own role
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM placement.placement_search_events WHERE case_id = $1", uuid.UUID(case_id))
    finally:
        await conn.close()


async def test_a_bad_record_is_refused_naming_the_field(platform: Platform) -> None:
    case_id = str(uuid.uuid4())
    request = _request(case_id, 0, 2, version=1, stage=P.PLACEMENT_SEARCH_STAGE_PLACED)
    request.region = "canterbury"
    request.events[0].event_id = f"case-{case_id}:0"  # the case's own workflow's, not its search's
    request.events[1].entry.action = "Placement Searched"
    request.standing.version = 0
    request.standing.search.case_id = str(uuid.uuid4())
    request.standing.search.timeline.add(action="placement.searched")  # the events carry it
    worker = await platform.as_(workload())
    assert worker.placement is not None
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await worker.placement.RecordPlacementSearch(request)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(raised.value)} == {
        "region",
        "events[0].event_id",
        "events[1].entry.action",
        "standing.version",
        "standing.search.case_id",
        "standing.search.timeline",
    }


async def test_the_search_answers_from_postgresql_after_deletion_and_with_temporal_stopped(own: OwnTemporal) -> None:
    platform = own.platform
    stub = placement(platform)
    child = await person(stub, f"Mokopuna {uuid.uuid4().hex[:8]}", address_area="Naenae")
    mum = await person(stub, "Mum")
    nana = await person(stub, "Nana")
    await relate(stub, mum, P.KINSHIP_PARENT, child)
    await relate(stub, nana, P.KINSHIP_PARENT, mum)
    carer = await caregiver(stub, nana, area="Naenae", capacity=1)
    case_id = await custody_approved(platform, [child])
    await stub.SelectCandidate(
        P.SelectCandidateRequest(
            idempotency_key=key("select"), case_id=case_id, caregiver_id=carer, selected_by="sw.mere"
        )
    )
    await stub.RecordCaregiverAnswer(
        P.RecordCaregiverAnswerRequest(
            idempotency_key=key("answer"), case_id=case_id, accepted=True, recorded_by="sw.mere", note="Nana agrees."
        )
    )
    search = platform.temporal.get_workflow_handle(placement_workflow_id(case_id))
    await finished(search)  # it returns only once its record is complete
    await platform.temporal.get_workflow_handle(workflow_id(case_id)).result()

    async def read() -> P.GetPlacementSearchResponse:
        return await stub.GetPlacementSearch(P.GetPlacementSearchRequest(case_id=case_id))

    before = await read()
    shown = before.search
    assert (shown.stage, shown.placed_caregiver_id) == (P.PLACEMENT_SEARCH_STAGE_PLACED, carer)
    assert (shown.hold.caregiver_id, shown.hold.status) == (carer, P.HOLD_STATUS_CONFIRMED)
    best = shown.candidates[0]
    assert (best.caregiver_id, best.tier, best.kinship_degree) == (carer, P.PLACEMENT_TIER_WHANAU, 2)
    assert best.reasons and best.name == "Household"  # from the recorded search
    steps = actions(shown.timeline)
    assert steps[:2] == ["placement.started", "placement.searched"]
    assert steps.index("placement.selected") < steps.index("hold.placed") < steps.index("placement.confirmed")
    view = await search.query(PlacementSearchWorkflow.state)  # what GetPlacementSearch answered before
    assert shown == view_to_proto(view, {c.caregiver_id: c for c in shown.candidates})

    for workflow in (placement_workflow_id(case_id), assessment_workflow_id(case_id), workflow_id(case_id)):
        await own.delete(workflow)
    assert await read() == before

    await own.stop()
    with pytest.raises(Exception):  # noqa: B017 (whatever the client says, the server is gone)
        await search.describe(rpc_timeout=dt.timedelta(seconds=2))
    assert await read() == before
