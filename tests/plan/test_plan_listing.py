"""ListPlans against real PostgreSQL and Temporal: a lead professional's plans, most pressing
first, page by page; an owner's and an agency's plans with an open action only, as each
plan now stands; summaries without a plan's words; bad filters named field by field; versions
stored before the listing existed, listed as the service starts."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import grpc
import pytest

from kahu.v1 import plan_pb2
from services.common.convert import timestamp
from services.common.errors import field_violations
from services.plan.store import PlanStore
from tests.conftest import Platform
from tests.intake.reports import open_case
from tests.plan.plans import content

DAY = dt.timedelta(days=1)


async def _plan(platform: Platform, lead: str, owner: str, first_due: dt.timedelta) -> plan_pb2.Plan:
    assert platform.plan is not None
    case_id = (await open_case(platform)).case.case_id
    now = dt.datetime.now(dt.UTC)
    made = content(now, now + first_due)
    made.lead_professional = lead
    made.actions[0].owner_id = owner
    request = plan_pb2.CreatePlanRequest(
        idempotency_key=f"plan-list-{uuid.uuid4()}", case_id=case_id, created_by="sup.list", reason="r", content=made
    )
    return (await platform.plan.CreatePlan(request)).plan


async def _listed(platform: Platform, **filters: str) -> list[plan_pb2.PlanSummary]:
    assert platform.plan is not None
    found: list[plan_pb2.PlanSummary] = []
    token = ""
    while True:
        request = plan_pb2.ListPlansRequest(page_token=token)
        for name, value in filters.items():
            setattr(request, name, value)
        answer = await platform.plan.ListPlans(request)
        found.extend(answer.plans)
        if not answer.next_page_token:
            return found
        token = answer.next_page_token


async def test_a_lead_professionals_plans_most_pressing_first_page_by_page(platform: Platform) -> None:
    assert platform.plan is not None
    lead, owner = f"lp.{uuid.uuid4().hex[:8]}", f"own.{uuid.uuid4().hex[:8]}"
    later = await _plan(platform, lead, owner, 12 * DAY)
    soonest = await _plan(platform, lead, owner, 2 * DAY)
    middle = await _plan(platform, lead, f"own.{uuid.uuid4().hex[:8]}", 6 * DAY)

    first = await platform.plan.ListPlans(plan_pb2.ListPlansRequest(lead_professional=lead, page_size=2))
    assert [p.plan_id for p in first.plans] == [soonest.plan_id, middle.plan_id]
    assert first.next_page_token
    rest = await platform.plan.ListPlans(
        plan_pb2.ListPlansRequest(lead_professional=lead, page_size=2, page_token=first.next_page_token)
    )
    assert [p.plan_id for p in rest.plans] == [later.plan_id] and not rest.next_page_token

    summary = first.plans[0]
    actions = soonest.current.content.actions
    assert (summary.case_id, summary.version, summary.lead_professional) == (soonest.case_id, 1, lead)
    assert summary.open_actions == 2
    assert summary.next_action_due == min((a.due_at for a in actions), key=lambda t: t.ToDatetime())
    assert summary.review_due == soonest.current.content.review_due
    assert summary.next_due == summary.next_action_due  # the action, before the review
    assert summary.site and summary.region

    with pytest.raises(grpc.aio.AioRpcError) as elsewhere:  # a token for other filters
        await platform.plan.ListPlans(plan_pb2.ListPlansRequest(owner_id=owner, page_token=first.next_page_token))
    assert elsewhere.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(elsewhere.value)} == {"page_token"}


async def test_an_owner_and_an_agency_find_plans_with_an_open_action_as_each_stands(platform: Platform) -> None:
    assert platform.plan is not None
    lead, owner = f"lp.{uuid.uuid4().hex[:8]}", f"own.{uuid.uuid4().hex[:8]}"
    one = await _plan(platform, lead, owner, 3 * DAY)
    two = await _plan(platform, lead, owner, 4 * DAY)
    assert {p.plan_id for p in await _listed(platform, owner_id=owner)} == {one.plan_id, two.plan_id}

    done = plan_pb2.RecordActionStatusRequest(
        idempotency_key=f"plan-list-{uuid.uuid4()}",
        case_id=one.case_id,
        action_id="a1",
        status=plan_pb2.PLAN_ACTION_STATUS_DONE,
        recorded_by="sup.list",
    )
    await platform.plan.RecordActionStatus(done)
    assert [p.plan_id for p in await _listed(platform, owner_id=owner)] == [two.plan_id]
    (now_one,) = [p for p in await _listed(platform, lead_professional=lead) if p.plan_id == one.plan_id]
    assert (now_one.version, now_one.open_actions) == (2, 1)
    assert now_one.next_action_due == one.current.content.actions[1].due_at

    # the second action is education's in both: the agency finds both, and no more of this lead's
    education = await _listed(platform, lead_professional=lead, owner_agency="education")
    assert {p.plan_id for p in education} == {one.plan_id, two.plan_id}
    assert await _listed(platform, lead_professional=lead, owner_agency="police") == []

    revised = plan_pb2.RevisePlanRequest(
        idempotency_key=f"plan-list-{uuid.uuid4()}",
        case_id=two.case_id,
        expected_version=1,
        revised_by="sup.list",
        reason="the school takes it on",
        content=two.current.content,
    )
    revised.content.actions[0].owner_id = "own.school"
    revised.content.actions[0].owner_agency = "education"
    revised.content.review_due.CopyFrom(timestamp(dt.datetime.now(dt.UTC) + DAY))
    await platform.plan.RevisePlan(revised)
    assert await _listed(platform, owner_id=owner) == []
    (now_two,) = [p for p in await _listed(platform, lead_professional=lead) if p.plan_id == two.plan_id]
    assert now_two.next_due == revised.content.review_due  # the review, now before any action


async def test_bad_filters_are_refused_field_by_field(platform: Platform) -> None:
    assert platform.plan is not None
    bad = plan_pb2.ListPlansRequest(
        site="atlantis", region="nowhere", lead_professional="not a staff id!", owner_agency="Health NZ", page_size=1000
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await platform.plan.ListPlans(bad)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {v.field for v in field_violations(refused.value)}
    assert fields == {"site", "region", "lead_professional", "owner_agency", "page_size"}


async def test_versions_stored_before_the_listing_are_listed_as_the_service_starts(platform: Platform) -> None:
    lead, owner = f"lp.{uuid.uuid4().hex[:8]}", f"own.{uuid.uuid4().hex[:8]}"
    plan = await _plan(platform, lead, owner, 3 * DAY)
    pool = await asyncpg.create_pool(platform.database_url, min_size=1, max_size=2)
    try:
        await pool.execute(  # as migration 0002 leaves a version stored before it
            "UPDATE plan.plan_versions SET listed = false, lead_professional = '', review_due = NULL,"
            " open_actions = 0, next_action_due = NULL, next_due = NULL WHERE plan_id = $1",
            uuid.UUID(plan.plan_id),
        )
        await pool.execute("DELETE FROM plan.plan_version_owners WHERE plan_id = $1", uuid.UUID(plan.plan_id))
        assert await _listed(platform, lead_professional=lead) == []

        assert await PlanStore(pool).list_unlisted() >= 1
    finally:
        await pool.close()
    (listed,) = await _listed(platform, owner_id=owner)
    assert (listed.plan_id, listed.lead_professional, listed.open_actions) == (plan.plan_id, lead, 2)
