"""A child's plan in the console against the real platform, without JavaScript: the plan as
PlanService keeps it (goals, actions with owners and due dates, the review, every version);
an action marked done as the person signed in, once however often the form is sent; a
refusal shown on its form in the service's words; a case without a plan says so; a
Children's Team plan's team, views and consent as summary lists, and the page passing
axe-core in Chromium."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid

from playwright.async_api import Page

from kahu.v1 import plan_pb2
from tests.conftest import Platform
from tests.console.browser import assert_accessible, sign_in
from tests.console.conftest import QUEUE_SITE, Browserless
from tests.console.html import form, parse
from tests.intake.reports import open_case, submit_request
from tests.plan.plans import planned, referred_case, team_content

SUPERVISOR = "sup.plans"


async def _case_with_plan(platform: Platform) -> tuple[str, plan_pb2.Plan]:
    request = submit_request()
    request.report.site = QUEUE_SITE
    case_id = (await open_case(platform, request)).case.case_id
    return case_id, await planned(platform, case_id, SUPERVISOR)


async def test_a_plan_is_shown_and_an_action_marked_done_once(platform: Platform, person: Browserless) -> None:
    case_id, plan = await _case_with_plan(platform)
    await person.sign_in("supervisor", QUEUE_SITE, SUPERVISOR)

    shown = await person.http.get(f"/cases/{case_id}/plan")
    assert shown.status_code == 200, shown.text
    page = html.unescape(shown.text)
    assert "Arrange transport to school" in page and "Meet the principal" in page
    assert "lp.one" in page and "own.one, oranga-tamariki" in page and "agreed with the whānau" in page
    assert parse(shown.text).title.startswith(f"Plan of case {case_id[:8]}")
    assert form(shown.text, "action-a1").action == f"/cases/{case_id}/plan/action"
    assert f'href="/cases/{case_id}/plan"' in (await person.http.get(f"/cases/{case_id}")).text

    marked = await person.submit(shown, "action-a1", status="PLAN_ACTION_STATUS_DONE", note="Transport booked.")
    assert (marked.status_code, marked.headers["location"]) == (303, f"/cases/{case_id}/plan"), marked.text
    again = await person.submit(shown, "action-a1", status="PLAN_ACTION_STATUS_DONE", note="Transport booked.")
    assert again.status_code == 303  # the same form again: acted once
    told = await person.http.get(marked.headers["location"])
    assert "Action a1 marked done." in told.text
    assert 'value="PLAN_ACTION_STATUS_OPEN"' in form_html(told.text, "action-a1")

    assert platform.plan is not None
    now = (await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))).plan
    assert now.current.version == plan.current.version + 1
    assert now.current.changed_by == SUPERVISOR
    (a1,) = [a for a in now.current.content.actions if a.action_id == "a1"]
    assert a1.status == plan_pb2.PLAN_ACTION_STATUS_DONE


def form_html(text: str, form_id: str) -> str:
    start = text.index(f'id="{form_id}"')
    return text[start : text.index("</form>", start)]


async def test_refusals_are_shown_on_their_form_and_change_nothing(platform: Platform, person: Browserless) -> None:
    case_id, plan = await _case_with_plan(platform)
    await person.sign_in("supervisor", QUEUE_SITE, SUPERVISOR)
    shown = await person.http.get(f"/cases/{case_id}/plan")

    unknown = await person.submit(shown, "action-a1", action_id="no-such-action", status="PLAN_ACTION_STATUS_DONE")
    assert unknown.status_code == 400, unknown.text
    assert parse(unknown.text).summary_links  # the service's words, linked from the summary

    late = await person.submit(shown, "review", note="Held with the whānau.", next_review_due="next month")
    assert late.status_code == 400
    assert "#review-next_review_due" in parse(late.text).summary_links
    assert platform.plan is not None
    now = (await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))).plan
    assert now.current.version == plan.current.version

    reviewed = await person.submit(shown, "review", note="Held with the whānau.")
    assert reviewed.status_code == 303
    now = (await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))).plan
    assert now.current.version == plan.current.version + 1
    assert now.current.content.review_due.ToDatetime() > plan.current.content.review_due.ToDatetime()


async def test_a_case_without_a_plan_says_so(platform: Platform, person: Browserless) -> None:
    request = submit_request()
    request.report.site = QUEUE_SITE
    case_id = (await open_case(platform, request)).case.case_id
    await person.sign_in("supervisor", QUEUE_SITE, SUPERVISOR)
    shown = await person.http.get(f"/cases/{case_id}/plan")
    assert shown.status_code == 200 and "no plan yet" in shown.text
    elsewhere = await person.http.get(f"/cases/{uuid.uuid4()}/plan")
    assert elsewhere.status_code == 403 and "no plan yet" not in elsewhere.text  # outside what the person may see


async def _team_plan(platform: Platform) -> str:
    """A Children's Team plan at the queue's site, the family's consent given to police
    (its own actions) and health (the goals and views)."""
    assert platform.plan is not None
    request = submit_request()
    request.report.site = QUEUE_SITE
    case_id = await referred_case(platform, request)
    await platform.plan.CreatePlan(
        plan_pb2.CreatePlanRequest(
            idempotency_key=f"console-{uuid.uuid4()}",
            case_id=case_id,
            created_by=SUPERVISOR,
            reason="agreed at the team hui",
            content=team_content(dt.datetime.now(dt.UTC)),
            kind=plan_pb2.PLAN_KIND_CHILDRENS_TEAM,
        )
    )
    await platform.plan.RecordSharingConsent(
        plan_pb2.RecordSharingConsentRequest(
            idempotency_key=f"console-{uuid.uuid4()}",
            case_id=case_id,
            recorded_by=SUPERVISOR,
            given_by="Aroha (Mere's mother)",
            shares=[
                plan_pb2.ConsentShare(agency="police"),
                plan_pb2.ConsentShare(agency="health", parts=[plan_pb2.SHARED_PART_GOALS, plan_pb2.SHARED_PART_VIEWS]),
            ],
        )
    )
    return case_id


async def test_a_childrens_team_plan_shows_its_team_views_and_consent(platform: Platform, person: Browserless) -> None:
    case_id = await _team_plan(platform)
    await person.sign_in("supervisor", QUEUE_SITE, SUPERVISOR)
    shown = await person.http.get(f"/cases/{case_id}/plan")
    assert shown.status_code == 200, shown.text
    team = _section(shown.text, "team")
    assert "Health nurse.hine, Well Child nurse (lead professional)" in team
    assert "Police pol.tama, youth aid officer" in team
    views = _section(shown.text, "views")
    assert "Mere wants to stay at her school" in views and "Her mother wants help with transport" in views
    consent = _section(shown.text, "consent")
    assert "Aroha (Mere's mother)" in consent
    assert "Shared with Police its own actions" in consent
    assert "Shared with Health its own actions, the goals, the child's and whānau's views" in consent
    # a case's plan has none of these
    other, _ = await _case_with_plan(platform)
    plain = (await person.http.get(f"/cases/{other}/plan")).text
    assert 'id="team"' not in plain and 'id="consent"' not in plain


async def test_a_childrens_team_plan_page_passes_axe(platform: Platform, page: Page) -> None:
    case_id = await _team_plan(platform)
    await sign_in(page, "supervisor", QUEUE_SITE, SUPERVISOR)
    await page.goto(f"/cases/{case_id}/plan")
    await assert_accessible(page)


def _section(text: str, list_id: str) -> str:
    """The words of the summary list `list_id`, tags dropped, spaces collapsed."""
    start = text.index(f'id="{list_id}"')
    words = re.sub(r"<[^>]+>", " ", text[start : text.index("</dl>", start)].partition(">")[2])
    return " ".join(html.unescape(words).split())
