"""ListPlans against real PostgreSQL and Temporal: the plans a lead professional leads or an
agency owns open actions in, of a kind, at a site, as their current versions stand, in
pages whose tokens are bound to their filters; a caller's sites bound what it sees
(tests/plan/test_plan_listing.py: the order, owners, and versions stored before)."""

from __future__ import annotations

import datetime as dt
import uuid

import grpc
import pytest

from kahu.v1 import plan_pb2
from services.common.errors import field_violations
from tests.conftest import Platform
from tests.intake.reports import open_case, submit_request
from tests.plan.plans import content, referred_case, team_content
from tests.tokens import staff


def _key() -> str:
    return f"list-test-{uuid.uuid4()}"


async def _plan(platform: Platform, site: str, lead: str, agency: str, *, team: bool = False) -> str:
    assert platform.plan is not None
    request = submit_request()
    request.report.site = site
    now = dt.datetime.now(dt.UTC)
    if team:
        case_id = await referred_case(platform, request)
        made = team_content(now)
        made.team[0].member_id = made.lead_professional = made.actions[0].owner_id = lead
    else:
        case_id = (await open_case(platform, request)).case.case_id
        made = content(now, now + dt.timedelta(days=10))
        made.lead_professional = lead
        made.actions[1].owner_agency = agency
    await platform.plan.CreatePlan(
        plan_pb2.CreatePlanRequest(
            idempotency_key=_key(),
            case_id=case_id,
            created_by="sup.list",
            reason="listed",
            content=made,
            kind=plan_pb2.PLAN_KIND_CHILDRENS_TEAM if team else plan_pb2.PLAN_KIND_CASE,
        )
    )
    return case_id


async def test_plans_are_listed_by_lead_agency_and_kind_in_pages_within_the_callers_sites(
    platform: Platform,
) -> None:
    assert platform.plan is not None
    plans = platform.plan
    tag = uuid.uuid4().hex[:8]
    lead, other_lead, agency = f"lp.{tag}", f"lp2.{tag}", f"ag-{tag}"
    first = await _plan(platform, "hutt", lead, agency)
    second = await _plan(platform, "canterbury", lead, agency)
    third = await _plan(platform, "hutt", lead, "health", team=True)
    fourth = await _plan(platform, "hutt", other_lead, agency)

    page = await plans.ListPlans(plan_pb2.ListPlansRequest(lead_professional=lead, page_size=2))
    assert len(page.plans) == 2 and page.next_page_token
    rest = await plans.ListPlans(
        plan_pb2.ListPlansRequest(lead_professional=lead, page_size=2, page_token=page.next_page_token)
    )
    assert len(rest.plans) == 1 and not rest.next_page_token
    assert {p.case_id for p in [*page.plans, *rest.plans]} == {first, second, third}
    (summary,) = [p for p in [*page.plans, *rest.plans] if p.case_id == third]
    assert (summary.kind, summary.version, summary.lead_professional, summary.open_actions) == (
        plan_pb2.PLAN_KIND_CHILDRENS_TEAM,
        1,
        lead,
        3,
    )
    # a token is for its own filters only
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await plans.ListPlans(plan_pb2.ListPlansRequest(owner_agency=agency, page_token=page.next_page_token))
    assert [v.field for v in field_violations(refused.value)] == ["page_token"]

    by_agency = await plans.ListPlans(plan_pb2.ListPlansRequest(owner_agency=agency))
    assert {p.case_id for p in by_agency.plans} == {first, second, fourth}
    teams = await plans.ListPlans(
        plan_pb2.ListPlansRequest(lead_professional=lead, kind=plan_pb2.PLAN_KIND_CHILDRENS_TEAM)
    )
    assert [p.case_id for p in teams.plans] == [third]
    at_hutt = await plans.ListPlans(plan_pb2.ListPlansRequest(owner_agency=agency, site="hutt"))
    assert {p.case_id for p in at_hutt.plans} == {first, fourth}

    # as the current version stands: a new lead professional lists it under them
    current = (await plans.GetPlan(plan_pb2.GetPlanRequest(case_id=first))).plan.current
    revised = plan_pb2.PlanContent()
    revised.CopyFrom(current.content)
    revised.lead_professional = other_lead
    await plans.RevisePlan(
        plan_pb2.RevisePlanRequest(
            idempotency_key=_key(),
            case_id=first,
            expected_version=1,
            revised_by="sup.list",
            reason="a new lead professional",
            content=revised,
        )
    )
    led = await plans.ListPlans(plan_pb2.ListPlansRequest(lead_professional=other_lead))
    assert {(p.case_id, p.version) for p in led.plans} == {(first, 2), (fourth, 1)}

    # a supervisor at hutt sees hutt's plans, and may not ask for canterbury's
    hutt = (await platform.as_(staff("sup.hutt", roles=frozenset({"supervisor"}), sites=frozenset({"hutt"})))).plan
    assert hutt is not None
    seen = await hutt.ListPlans(plan_pb2.ListPlansRequest(owner_agency=agency))
    assert {p.case_id for p in seen.plans} == {first, fourth}
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await hutt.ListPlans(plan_pb2.ListPlansRequest(site="canterbury"))
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED

    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await plans.ListPlans(plan_pb2.ListPlansRequest(owner_agency="Not An Agency", site="atlantis", page_size=501))
    assert {v.field for v in field_violations(bad.value)} == {"owner_agency", "site", "page_size"}
