"""The console in a real browser (Chromium from Debian, driven by Playwright) against the
real platform: every page passes axe-core; a supervisor sees an escalation appear when a
shortened timer expires and acknowledges it by keyboard alone, and the case's timeline
changes; a refused triage decision shows the service's message; a double-submitted
decision acts once; a possible duplicate is refused without a reason and linked with one;
the queue's filters, an extension, a plan's action, review and revision, signing out and a triage
decision are done by keyboard alone too."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import Browser, Page, expect

from kahu.v1 import common_pb2, conference_pb2, intake_pb2, placement_pb2, plan_pb2, supervision_pb2
from tests.conference.conferences import get as get_conference
from tests.conference.conferences import invited, register, start_request
from tests.conference.conferences import stub as conferences
from tests.conftest import Platform
from tests.console.browser import assert_accessible, sign_in
from tests.console.conftest import BROWSER_SITE
from tests.intake.reports import (
    actions,
    assessed,
    closed_case,
    decide,
    get_case,
    open_case,
    possible_duplicate,
    submit_request,
)
from tests.placement.network import caregiver, placement, relate
from tests.placement.network import person as new_person
from tests.placement.test_case_placement import custody_approved
from tests.plan.plans import planned
from tests.polling import eventually


async def _open_case(platform: Platform, *, fast: bool) -> str:
    request = submit_request()
    request.report.site = BROWSER_SITE
    return (await open_case(platform, request, fast=fast)).case.case_id


async def _escalation(platform: Platform, case_id: str) -> supervision_pb2.Escalation:
    async def tier1() -> supervision_pb2.Escalation | None:
        page = await platform.supervision.ListQueue(supervision_pb2.ListQueueRequest(site=BROWSER_SITE, page_size=500))
        found = [e for e in page.items if e.case_id == case_id and e.tier == 1]
        return found[0] if found else None

    return await eventually(tier1)


async def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element `selector` names has the focus (as a keyboard user would)."""
    target = page.locator(selector)
    for _ in range(limit):
        if await target.evaluate("el => el === document.activeElement"):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"{selector} not reached in {limit} presses of Tab")


async def test_a_supervisor_sees_an_escalation_appear_and_acknowledges_it_by_keyboard_alone(
    platform: Platform, page: Page
) -> None:
    case_id = await _open_case(platform, fast=True)  # its triage deadline passes in seconds

    await page.goto("/sign-in")
    await assert_accessible(page)
    await page.keyboard.press("Tab")  # the skip link first
    await expect(page.locator(".skip-link")).to_be_focused()
    await tab_to(page, "#dev-role")
    await page.keyboard.type("supervisor")  # a select takes typed letters
    await page.keyboard.press("Tab")
    await expect(page.locator("#dev-site")).to_be_focused()
    await page.keyboard.type("Hawkes Bay")
    await page.keyboard.press("Tab")
    await page.keyboard.type("sup.keyboard")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/queue$"))

    async def escalated() -> bool:  # the supervisor reloads the queue until it is there
        await page.goto(f"/queue?site={BROWSER_SITE}")
        return await page.locator(".results .card", has_text=f"Case {case_id[:8]}").count() > 0

    await eventually(escalated)
    await assert_accessible(page)
    escalation = await _escalation(platform, case_id)
    card = page.locator(f"#escalation-{escalation.escalation_id}")
    await expect(card.locator(".tag")).to_have_text("breached")

    await tab_to(page, f"#ack-{escalation.escalation_id}-note")
    await page.keyboard.type("Seen; calling the social worker.")
    await page.keyboard.press("Tab")
    await expect(card.locator(f"#ack-{escalation.escalation_id} button")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator(".banner-success")).to_contain_text("Escalation acknowledged.")

    async def on_timeline() -> bool:
        return "escalation.acknowledged" in actions((await get_case(platform, case_id)).timeline)

    await eventually(on_timeline)
    await tab_to(page, f'#escalation-{escalation.escalation_id} a[href="/cases/{case_id}"]')
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(f"/cases/{case_id}$"))
    await assert_accessible(page)
    await expect(page.locator("table")).to_contain_text("escalation.acknowledged")
    await expect(page.locator("table")).to_contain_text("sup.keyboard")
    assert await page.title() == f"Case {case_id[:8]} - Kahu"


async def test_a_refused_decision_shows_the_services_message_and_a_double_submit_acts_once(
    platform: Platform, page: Page
) -> None:
    case_id = await _open_case(platform, fast=False)
    proposal = (await get_case(platform, case_id)).proposal
    await sign_in(page, "intake_social_worker", BROWSER_SITE, "sw.browser")
    await page.goto(f"/triage?site={BROWSER_SITE}")
    await assert_accessible(page)
    await page.click(f'a[href="/triage/{case_id}"]')
    await assert_accessible(page)

    other = next(
        p
        for p in (common_pb2.PATHWAY_NO_FURTHER_ACTION, common_pb2.PATHWAY_JOINT_INVESTIGATION)
        if p != proposal.pathway
    )
    await page.select_option("#decision-pathway", common_pb2.Pathway.Name(other))
    await page.select_option("#decision-timeframe", "")
    await page.click("#decision button[type=submit]")
    summary = page.locator(".error-summary")
    await expect(summary).to_be_visible()
    await expect(summary).to_be_focused()
    assert (await page.title()).startswith("Error: ")
    await assert_accessible(page)
    assert (await get_case(platform, case_id)).decision.decided_by == ""

    await page.select_option("#decision-pathway", common_pb2.Pathway.Name(proposal.pathway))
    if proposal.timeframe:
        await page.select_option("#decision-timeframe", common_pb2.Timeframe.Name(proposal.timeframe))
    await page.fill("#decision-reason", "As the rules propose.")
    # The form as it stands, sent twice at once (a double click on a slow connection:
    # Chromium folds a double click into one submission, so the page sends both itself).
    statuses = await page.evaluate(
        """async () => {
            const form = document.querySelector("#decision");
            const send = () => fetch(form.action, {method: "POST", body: new FormData(form), redirect: "manual"});
            const answers = await Promise.all([send(), send()]);
            return answers.map((a) => a.type === "opaqueredirect" ? 303 : a.status);
        }"""
    )
    assert statuses == [303, 303]

    async def decided() -> str:
        return (await get_case(platform, case_id)).decision.decided_by

    assert await eventually(decided) == "sw.browser"

    async def recorded() -> list[str] | None:
        timeline = actions((await get_case(platform, case_id)).timeline)
        return timeline if "triage.decided" in timeline else None

    assert (await eventually(recorded)).count("triage.decided") == 1


async def test_a_possible_duplicate_is_refused_without_a_reason_then_linked_with_one(
    platform: Platform, page: Page
) -> None:
    first, flagged = await possible_duplicate(platform, BROWSER_SITE)
    listing = await platform.intake.ListPossibleDuplicates(
        intake_pb2.ListPossibleDuplicatesRequest(site=BROWSER_SITE, page_size=500)
    )
    (duplicate,) = [d for d in listing.possible_duplicates if d.case_id == flagged]
    fid = f"duplicate-{duplicate.duplicate_id}"
    await sign_in(page, "intake_social_worker", BROWSER_SITE, "sw.duplicates")
    await page.goto(f"/triage?site={BROWSER_SITE}")
    await assert_accessible(page)
    await expect(page.locator(f"#{fid}")).to_be_visible()

    await page.click(f"#{fid} button[value=DUPLICATE_DECISION_SEPARATE]")
    summary = page.locator(".error-summary")
    await expect(summary).to_be_focused()
    assert (await page.title()).startswith("Error: ")
    await assert_accessible(page)
    await page.set_viewport_size({"width": 320, "height": 640})  # the refused form, narrow
    await assert_accessible(page)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the triage inbox scrolls sideways ({width} px)"
    await summary.locator(f'a[href="#{fid}-reason"]').click()
    await expect(page.locator(f"#{fid}-reason")).to_be_focused()

    await page.fill(f"#{fid}-reason", "The same child: the school confirmed the age.")
    await page.click(f"#{fid}-decision")
    await expect(page.locator(".banner-success")).to_contain_text(f"Case {flagged[:8]} is linked to case {first[:8]}")
    await expect(page.locator(f"#{fid}")).to_have_count(0)
    await assert_accessible(page)
    assert "possible_duplicate.linked" in actions((await get_case(platform, first)).timeline)
    await page.goto(f"/cases/{first}#related")  # the related cases on the case page, narrow
    await expect(page.locator("#related")).to_be_visible()
    await assert_accessible(page)


async def test_the_sla_dashboard_and_the_queue_pass_axe_at_320_px(platform: Platform, page: Page) -> None:
    await page.set_viewport_size({"width": 320, "height": 640})
    await sign_in(page, "supervisor", BROWSER_SITE, "sup.narrow")
    for path in (f"/queue?site={BROWSER_SITE}", f"/sla?site={BROWSER_SITE}"):
        await page.goto(path)
        await assert_accessible(page)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path}: scrolls sideways ({width} px)"


async def test_pages_reflow_at_200_percent_zoom(platform: Platform, browser: Browser, console_url: str) -> None:
    """A 1280 px wide window zoomed to 200% lays pages out in 640 CSS pixels at twice the
    density: nothing scrolls sideways and the pages still pass axe."""
    case_id = await _open_case(platform, fast=False)
    context = await browser.new_context(
        base_url=console_url, viewport={"width": 640, "height": 400}, device_scale_factor=2
    )
    try:
        zoomed = await context.new_page()
        await sign_in(zoomed, "supervisor", BROWSER_SITE, "sup.zoomed")
        for path in (f"/queue?site={BROWSER_SITE}", f"/triage?site={BROWSER_SITE}", f"/cases/{case_id}"):
            await zoomed.goto(path)
            await assert_accessible(zoomed)
            width = await zoomed.evaluate("document.documentElement.scrollWidth")
            assert width <= 640, f"{path}: scrolls sideways at 200% ({width} CSS px)"
    finally:
        await context.close()


async def _choose_first(page: Page, selector: str) -> None:
    """Move a focused select from its placeholder to its first choice, by arrow key."""
    await expect(page.locator(selector)).to_be_focused()
    await page.keyboard.press("ArrowDown")


async def test_the_other_actions_are_done_by_keyboard_alone(platform: Platform, page: Page) -> None:
    escalated = await _open_case(platform, fast=True)
    escalation = await _escalation(platform, escalated)
    await planned(platform, escalated, "sup.keys")
    waiting = await _open_case(platform, fast=False)
    await sign_in(page, "supervisor", BROWSER_SITE, "sup.keys")

    # filter the queue by age
    await page.goto(f"/queue?site={BROWSER_SITE}")
    await tab_to(page, "#filter-age")
    await _choose_first(page, "#filter-age")  # an hour ago or more
    await tab_to(page, ".filter-form button")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"age=3600"))

    # extend a deadline with a policy reason
    await page.goto(f"/queue?site={BROWSER_SITE}")
    await tab_to(page, f"#escalation-{escalation.escalation_id} .actions a")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/queue/extend\?"))
    fid = f"extend-{escalation.escalation_id}"
    await tab_to(page, f"#{fid}-reason_code")
    await _choose_first(page, f"#{fid}-reason_code")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Whānau asked for Monday.")
    await tab_to(page, f"#{fid} button")
    await page.keyboard.press("Enter")
    await expect(page.locator(".banner-success")).to_contain_text("Deadline extended.")

    # mark a plan's action done, then record a review
    await page.goto(f"/cases/{escalated}/plan")
    await tab_to(page, "#action-a1-note")
    await page.keyboard.type("Transport booked.")
    await tab_to(page, "#action-a1-status")
    await page.keyboard.press("Enter")
    await expect(page.locator(".banner-success")).to_contain_text("Action a1 marked done.")
    await tab_to(page, "#review-note")
    await page.keyboard.type("Held with the whānau.")
    await tab_to(page, "#review button")
    await page.keyboard.press("Enter")
    await expect(page.locator(".banner-success")).to_contain_text("Review recorded.")
    assert platform.plan is not None
    plan = (await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=escalated))).plan
    assert plan.current.version == 3 and plan.current.changed_by == "sup.keys"

    # revise the plan: an action's words and the reason
    await tab_to(page, f'a[href="/cases/{escalated}/plan/edit"]')
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/plan/edit$"))
    await tab_to(page, "#plan-action-1-description")
    await page.keyboard.press("End")
    await page.keyboard.type(" before term starts")
    await tab_to(page, "#plan-reason")
    await page.keyboard.type("The principal is away until term starts.")
    await tab_to(page, "#plan button:not([name=more])")
    await page.keyboard.press("Enter")
    await expect(page.locator(".banner-success")).to_contain_text("Plan revised.")
    plan = (await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=escalated))).plan
    assert (plan.current.version, plan.current.reason) == (4, "The principal is away until term starts.")
    assert plan.current.content.actions[1].description == "Meet the principal before term starts"

    # sign out, and in as an intake social worker who records a triage decision
    await tab_to(page, ".signout button")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/sign-in"))
    await sign_in(page, "intake_social_worker", BROWSER_SITE, "sw.keys")
    await page.goto(f"/triage/{waiting}")
    await tab_to(page, "#decision-reason")
    await page.keyboard.type("As the rules propose.")
    await tab_to(page, "#decision button[type=submit]")
    await page.keyboard.press("Enter")
    await expect(page.locator(".banner-success")).to_be_visible()
    await eventually(lambda: _decided(platform, waiting))  # the record shows the decision


async def _decided(platform: Platform, case_id: str) -> bool:
    return "triage.decided" in actions((await get_case(platform, case_id)).timeline)


async def test_placement_conference_and_duplicate_actions_are_done_by_keyboard_alone(
    platform: Platform, page: Page
) -> None:
    network = placement(platform)
    child = await new_person(network, f"Mokopuna {uuid.uuid4().hex[:8]}", address_area="Naenae")
    mum, nana = await new_person(network, "Mum"), await new_person(network, f"Kuia {uuid.uuid4().hex[:8]}")
    await relate(network, mum, placement_pb2.KINSHIP_PARENT, child)
    await relate(network, nana, placement_pb2.KINSHIP_PARENT, mum)
    nana_carer = await caregiver(network, nana, area="Naenae", capacity=1)
    placing = await custody_approved(platform, [child])  # at hutt, awaiting a selection

    # select a caregiver, then record their answer
    await sign_in(page, "supervisor", "hutt", "sup.keys")
    await page.goto(f"/cases/{placing}/placement")
    await tab_to(page, f"#select-{nana_carer}-reason")
    await page.keyboard.type("Kuia is close and has room.")
    await tab_to(page, f"#select-{nana_carer} button")
    await page.keyboard.press("Enter")
    await expect(page.locator(".banner-success")).to_contain_text("Candidate selected")
    await tab_to(page, "#answer-yes")
    await page.keyboard.press("Space")
    await tab_to(page, "#answer-note")
    await page.keyboard.type("Kuia agrees.")
    await tab_to(page, "#answer button")
    await page.keyboard.press("Enter")
    await expect(page.locator(".banner-success")).to_be_visible()
    await closed_case(platform, placing)

    # record a participant's answer to a conference, then book a slot
    staff, _ = await register(platform, "lakes")
    conference_id = (await conferences(platform).StartConference(start_request(staff))).conference_id
    booked = await invited(platform, conference_id, 1)
    young = next(p for p in booked.participants if p.role == conference_pb2.PARTICIPANT_ROLE_YOUNG_PERSON)
    await page.context.clear_cookies()
    await sign_in(page, "site_manager", "lakes", staff.manager)
    await page.goto(f"/conferences/{conference_id}")
    fid = f"respond-{young.participant_id}"
    await tab_to(page, f"#{fid}-response")
    await _choose_first(page, f"#{fid}-response")
    await tab_to(page, f"#{fid} button")
    await page.keyboard.press("Enter")
    await expect(page.locator(".banner-success")).to_be_visible()

    async def answered() -> bool:
        found = await get_conference(platform, conference_id)
        return any(p.participant_id == young.participant_id and p.response for p in found.participants)

    await eventually(answered)

    # keep a possible duplicate separate
    first, flagged = await possible_duplicate(platform, BROWSER_SITE)
    listing = await platform.intake.ListPossibleDuplicates(
        intake_pb2.ListPossibleDuplicatesRequest(site=BROWSER_SITE, page_size=500)
    )
    (duplicate,) = [d for d in listing.possible_duplicates if d.case_id == flagged]
    fid = f"duplicate-{duplicate.duplicate_id}"
    await page.context.clear_cookies()
    await sign_in(page, "intake_social_worker", BROWSER_SITE, "sw.keys")
    await page.goto(f"/triage?site={BROWSER_SITE}")
    await tab_to(page, f"#{fid}-reason")
    await page.keyboard.type("Not the same child: the dates of birth differ.")
    await tab_to(page, f"#{fid} button[value=DUPLICATE_DECISION_SEPARATE]")
    await page.keyboard.press("Enter")
    await expect(page.locator(".banner-success")).to_contain_text(f"Case {flagged[:8]} is kept separate")
    assert "possible_duplicate.separated" in actions((await get_case(platform, first)).timeline)


async def test_a_supervisor_approves_seeking_custody_by_keyboard_alone(platform: Platform, page: Page) -> None:
    case_id = await _open_case(platform, fast=False)
    await decide(platform, case_id)

    await assessed(
        platform,
        case_id,
        common_pb2.OUTCOME_SEEK_CUSTODY,
        social_worker="sw.keys",
        site=BROWSER_SITE,
        allocated_by="sup.keys",
        reason="No safe caregiver at home.",
    )
    await sign_in(page, "supervisor", BROWSER_SITE, "sup.keys")

    async def awaiting() -> bool:
        await page.goto(f"/cases/{case_id}")
        return await page.locator("#approval-seek_custody").count() == 1

    await eventually(awaiting)
    await tab_to(page, "#approval-seek_custody-yes")
    await page.keyboard.press("Space")
    await tab_to(page, "#approval-seek_custody-reason")
    await page.keyboard.type("Agreed: seek custody.")
    await tab_to(page, "#approval-seek_custody button")
    await page.keyboard.press("Enter")
    await expect(page.locator(".banner-success")).to_contain_text("Approved.")

    async def granted() -> bool:
        return "approval.granted" in actions((await get_case(platform, case_id)).timeline)

    await eventually(granted)
