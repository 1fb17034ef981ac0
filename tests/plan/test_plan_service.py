"""PlanService against real PostgreSQL and Temporal: a plan made once per key and once per
case, an action's reminder and lapse on the supervisors' queue by tier (acknowledged there),
done and resolved, versions with who and why (a stale one refused, a retry answered once),
a review, the plan's events on its case's record, and bad input named field by field."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TypeVar

import asyncpg
import grpc
import pytest
from google.protobuf.message import Message

from kahu.v1 import plan_pb2, plan_pb2_grpc, supervision_pb2
from services.common.convert import timestamp
from services.common.errors import field_violations
from tests.conftest import Platform
from tests.intake.reports import open_case
from tests.plan.plans import content
from tests.polling import eventually

M = TypeVar("M", bound=Message)
SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)


def _key() -> str:
    return f"plan-test-{uuid.uuid4()}"


async def _escalations(conn: asyncpg.Connection, case_id: str) -> list[tuple[str, int, int, str, bool]]:
    rows = await conn.fetch(
        "SELECT kind, cycle, tier, assignee, resolved_at IS NOT NULL AS resolved FROM supervision.escalations"
        " WHERE case_id = $1 AND kind LIKE 'PLAN_%' ORDER BY cycle, tier",
        uuid.UUID(case_id),
    )
    return [(r["kind"], r["cycle"], r["tier"], r["assignee"], r["resolved"]) for r in rows]


async def test_a_plan_lapses_escalates_by_tier_and_keeps_every_version(platform: Platform, fast_plans: object) -> None:

    assert isinstance(fast_plans, plan_pb2_grpc.PlanServiceStub)
    plans = fast_plans
    case_id = (await open_case(platform)).case.case_id
    now = dt.datetime.now(dt.UTC)
    create = plan_pb2.CreatePlanRequest(
        idempotency_key=_key(),
        case_id=case_id,
        created_by="sup.plan",
        reason="agreed at the family group conference",
        content=content(now, now + 3 * SECOND),
    )
    made = await plans.CreatePlan(create)
    assert (made.replayed, made.plan.current.version, made.plan.case_id) == (False, 1, case_id)
    assert made.plan.workflow_id == f"plan-{made.plan.plan_id}"
    again = await plans.CreatePlan(create)
    assert (again.replayed, again.plan.plan_id) == (True, made.plan.plan_id)
    with pytest.raises(grpc.aio.AioRpcError) as second:
        await plans.CreatePlan(_with_key(create, _key()))
    assert second.value.code() == grpc.StatusCode.ALREADY_EXISTS

    conn = await asyncpg.connect(platform.database_url)
    try:
        # a1 (cycle 1): reminded to its owner, then to the lead professional, then the
        # owner's manager; each once, on the one supervisors' queue
        expected = [
            ("PLAN_ACTION", 1, 0, "own.one", False),
            ("PLAN_ACTION", 1, 1, "lp.one", False),
            ("PLAN_ACTION", 1, 2, "mgr.one", False),
        ]

        async def escalated() -> bool:
            return await _escalations(conn, case_id) == expected

        await eventually(escalated, timeout=30)
        tier1 = await conn.fetchval(
            "SELECT escalation_id FROM supervision.escalations WHERE case_id = $1 AND kind = 'PLAN_ACTION'"
            " AND tier = 1",
            uuid.UUID(case_id),
        )
        acked = await platform.supervision.Acknowledge(
            supervision_pb2.AcknowledgeRequest(
                idempotency_key=_key(), escalation_id=str(tier1), acknowledged_by="sup.plan", note="on it"
            )
        )
        assert acked.escalation.acknowledged_by == "sup.plan"

        done = await plans.RecordActionStatus(
            plan_pb2.RecordActionStatusRequest(
                idempotency_key=_key(),
                case_id=case_id,
                action_id="a1",
                status=plan_pb2.PLAN_ACTION_STATUS_DONE,
                recorded_by="sup.plan",
                note="transport arranged",
            )
        )
        assert done.plan.current.version == 2
        assert done.plan.current.content.actions[0].status == plan_pb2.PLAN_ACTION_STATUS_DONE

        async def resolved() -> bool:
            return all(found[4] for found in await _escalations(conn, case_id))

        await eventually(resolved)

        revised_content = plan_pb2.PlanContent()
        revised_content.CopyFrom(done.plan.current.content)
        revised_content.actions[1].due_at.CopyFrom(timestamp(now + 40 * DAY))
        stale = plan_pb2.RevisePlanRequest(
            idempotency_key=_key(),
            case_id=case_id,
            expected_version=1,
            revised_by="sup.plan",
            reason="the principal is away",
            content=revised_content,
        )
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await plans.RevisePlan(stale)
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "at version 2" in (refused.value.details() or "")
        revise = _with_key(stale, _key())
        revise.expected_version = 2
        revised = await plans.RevisePlan(revise)
        replayed = await plans.RevisePlan(revise)
        assert (revised.plan.current.version, revised.replayed) == (3, False)
        assert (replayed.plan.current.version, replayed.replayed) == (3, True)

        reviewed = await plans.RecordReview(
            plan_pb2.RecordReviewRequest(idempotency_key=_key(), case_id=case_id, held_by="sup.plan", note="going well")
        )
        review_due = reviewed.plan.current.content.review_due.ToDatetime(tzinfo=dt.UTC)
        assert now + 89 * DAY < review_due < now + 91 * DAY  # the policy's 90 days

        got = await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))  # type: ignore[union-attr]
        versions = [got.plan.current, *got.plan.history]
        assert [(v.version, v.changed_by) for v in versions] == [(n, "sup.plan") for n in (4, 3, 2, 1)]
        assert [v.reason for v in versions] == [
            "review held: going well",
            "the principal is away",
            "action a1 DONE: transport arranged",
            "agreed at the family group conference",
        ]

        async def on_the_record() -> set[str] | None:
            rows = await conn.fetch(
                "SELECT action FROM intake.case_events WHERE case_id = $1 AND event_id LIKE 'plan-%'",
                uuid.UUID(case_id),
            )
            found = {r["action"] for r in rows}
            wanted = {"plan.created", "escalation.raised", "escalation.acknowledged", "plan.action_status"}
            return found if wanted | {"plan.revised", "plan.reviewed"} <= found else None

        await eventually(on_the_record)
    finally:
        await conn.close()


def _with_key(request: M, key: str) -> M:
    """A copy of `request` under another idempotency key."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.idempotency_key = key  # type: ignore[attr-defined]
    return copy


async def test_bad_plans_are_refused_field_by_field(platform: Platform) -> None:
    assert platform.plan is not None
    case_id = (await open_case(platform)).case.case_id
    now = dt.datetime.now(dt.UTC)
    bad = content(now, now + DAY)
    del bad.goals[:]
    bad.actions[0].owner_id = ""
    bad.actions[1].action_id = "a1"
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await platform.plan.CreatePlan(
            plan_pb2.CreatePlanRequest(
                idempotency_key=_key(), case_id=case_id, created_by="sup.plan", reason="", content=bad
            )
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {v.field for v in field_violations(refused.value)}
    assert {
        "reason",
        "content.goals",
        "content.actions[0].goal_id",
        "content.actions[0].owner_id",
        "content.actions[1].action_id",
    } <= fields
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
