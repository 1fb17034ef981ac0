"""PlanService when Temporal does not answer, against real PostgreSQL: a change is answered
UNAVAILABLE and left pending, and the caller's retry with the same key, once Temporal is back,
takes that very change (the version it stored, once), never refused as made from a version
that moved on and never doubled. The outage is a second plan service on the same database
whose Temporal address has nothing listening."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import asyncpg
import grpc
import pytest

from kahu.v1 import plan_pb2, plan_pb2_grpc
from services.common.config import Settings
from services.plan import app as plan_app
from tests.conftest import Platform, _serve, free_port
from tests.intake.reports import open_case
from tests.plan.plans import planned


@pytest.fixture
async def cut_off(platform: Platform, settings: Settings) -> AsyncIterator[plan_pb2_grpc.PlanServiceStub]:
    """A plan service whose Temporal is unreachable (the platform's stays up for the retry)."""
    unreachable = dataclasses.replace(settings, temporal_address=f"127.0.0.1:{free_port()}")
    async with AsyncExitStack() as stack:
        yield plan_pb2_grpc.PlanServiceStub(await _serve(stack, unreachable, plan_app.build, free_port()))


async def _versions(platform: Platform, case_id: str) -> list[int]:
    assert platform.plan is not None
    plan = (await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))).plan
    return [v.version for v in (plan.current, *plan.history)]


async def _stored(platform: Platform, key: str) -> plan_pb2.PlanContent:
    """What a call left pending stored, read from PostgreSQL."""
    conn = await asyncpg.connect(platform.database_url)
    try:
        content = await conn.fetchval("SELECT content FROM plan.plan_versions WHERE idempotency_key = $1", key)
    finally:
        await conn.close()
    assert content is not None
    return plan_pb2.PlanContent.FromString(content)


async def _unavailable(call: object) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as outage:
        await call  # type: ignore[misc]
    assert outage.value.code() == grpc.StatusCode.UNAVAILABLE, outage.value.details()


async def test_changes_an_outage_left_pending_are_taken_once_by_their_retry(
    platform: Platform, cut_off: plan_pb2_grpc.PlanServiceStub
) -> None:
    assert platform.plan is not None
    case_id = (await open_case(platform)).case.case_id
    plan = await planned(platform, case_id, "sup.outage")

    done = plan_pb2.RecordActionStatusRequest(
        idempotency_key=f"outage-{uuid.uuid4()}",
        case_id=case_id,
        action_id="a1",
        status=plan_pb2.PLAN_ACTION_STATUS_DONE,
        recorded_by="sup.outage",
        note="transport booked",
    )
    await _unavailable(cut_off.RecordActionStatus(done))
    assert await _versions(platform, case_id) == [1]  # pending: not the plan's yet
    answer = await platform.plan.RecordActionStatus(done)
    assert answer.plan.current.version == 2
    assert answer.plan.current.content.actions[0].status == plan_pb2.PLAN_ACTION_STATUS_DONE

    review = plan_pb2.RecordReviewRequest(idempotency_key=f"outage-{uuid.uuid4()}", case_id=case_id, held_by="lp.one")
    await _unavailable(cut_off.RecordReview(review))
    pending = await _stored(platform, review.idempotency_key)
    answer = await platform.plan.RecordReview(review)
    assert answer.plan.current.version == 3
    assert answer.plan.current.content.review_due == pending.review_due  # the interval on from then, not now

    revision = plan_pb2.RevisePlanRequest(
        idempotency_key=f"outage-{uuid.uuid4()}",
        case_id=case_id,
        expected_version=3,
        revised_by="sup.outage",
        reason="the school takes the meeting",
        content=plan.current.content,
    )
    revision.content.actions[1].owner_id = "own.school"
    await _unavailable(cut_off.RevisePlan(revision))
    answer = await platform.plan.RevisePlan(revision)  # made from 3: its own pending 4 is no move
    assert answer.plan.current.version == 4 and not answer.replayed
    assert answer.plan.current.content.actions[1].owner_id == "own.school"
    again = await platform.plan.RevisePlan(revision)
    assert again.replayed and again.plan.current.version == 4

    assert await _versions(platform, case_id) == [4, 3, 2, 1]  # each change once
