"""The console's list of plans against the real platform, without JavaScript: the person's
own plans by default, others by filter, each linked to its page with its open actions and
dates; no plan's words on the list; a refused filter shown beside it."""

from __future__ import annotations

import datetime as dt
import html
import uuid

from kahu.v1 import plan_pb2
from tests.conftest import Platform
from tests.console.conftest import QUEUE_SITE, Browserless
from tests.console.html import parse
from tests.intake.reports import open_case, submit_request
from tests.plan.plans import content

DAY = dt.timedelta(days=1)


async def _led_by(platform: Platform, lead: str) -> plan_pb2.Plan:
    assert platform.plan is not None
    request = submit_request()
    request.report.site = QUEUE_SITE
    case_id = (await open_case(platform, request)).case.case_id
    now = dt.datetime.now(dt.UTC)
    made = content(now, now + 3 * DAY)
    made.lead_professional = lead
    create = plan_pb2.CreatePlanRequest(
        idempotency_key=f"plan-{uuid.uuid4()}", case_id=case_id, created_by="sup.list", reason="r", content=made
    )
    return (await platform.plan.CreatePlan(create)).plan


async def test_a_lead_professional_sees_their_plans_and_filters_for_others(
    platform: Platform, person: Browserless
) -> None:
    lead = f"sup.{uuid.uuid4().hex[:8]}"
    mine = await _led_by(platform, lead)
    theirs = await _led_by(platform, f"sup.{uuid.uuid4().hex[:8]}")
    await person.sign_in("supervisor", QUEUE_SITE, lead)

    own = await person.http.get("/plans")
    assert own.status_code == 200, own.text
    assert parse(own.text).title.startswith("Plans")
    assert f'href="/cases/{mine.case_id}/plan"' in own.text
    assert theirs.case_id not in own.text  # another lead's: not by default
    page = html.unescape(own.text)
    assert "Open actions</dt><dd>2" in page and "Arrange transport" not in page  # no plan's words

    education = await person.http.get("/plans", params={"all": "1", "site": QUEUE_SITE, "agency": "education"})
    assert education.status_code == 200
    assert mine.case_id in education.text and theirs.case_id in education.text

    refused = await person.http.get("/plans", params={"all": "1", "lead": "not a staff id!"})
    assert refused.status_code == 400
    assert parse(refused.text).summary_links == ["#filter-lead"]
