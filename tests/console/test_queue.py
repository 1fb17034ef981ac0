"""The escalation queue against the real platform: an escalation appears when a shortened
triage deadline passes; acknowledging it acts once however often the form is sent; an
extension names a policy reason, and a refusal is shown in the service's words."""

from __future__ import annotations

import datetime as dt
import html
import re

import httpx

from kahu.v1 import common_pb2, supervision_pb2
from services.common.convert import timestamp
from services.common.sites import load_sites
from services.console.nztime import local_input
from services.console.pages.queue import PAGE_SIZE
from tests.conftest import Platform
from tests.console.conftest import QUEUE_SITE, Browserless
from tests.console.html import form, parse
from tests.intake.reports import actions, get_case, open_case, submit_request
from tests.polling import eventually

SUPERVISOR = "sup.console"


async def _escalated_case(platform: Platform) -> tuple[str, supervision_pb2.Escalation]:
    request = submit_request()
    request.report.site = QUEUE_SITE
    case_id = (await open_case(platform, request, fast=True)).case.case_id

    async def tier1() -> supervision_pb2.Escalation | None:
        page = await platform.supervision.ListQueue(supervision_pb2.ListQueueRequest(site=QUEUE_SITE, page_size=500))
        found = [e for e in page.items if e.case_id == case_id and e.tier == 1]
        return found[0] if found else None

    return case_id, await eventually(tier1)


async def _queue(person: Browserless) -> httpx.Response:
    page = await person.http.get("/queue", params={"site": QUEUE_SITE})
    assert page.status_code == 200, page.text
    return page


async def test_an_escalation_is_acknowledged_once_however_often_the_form_is_sent(
    platform: Platform, person: Browserless
) -> None:
    case_id, escalation = await _escalated_case(platform)
    await person.sign_in("supervisor", QUEUE_SITE, SUPERVISOR)

    async def at_tier_1() -> int:  # every page's count, not the shown page's
        listed = await platform.supervision.ListQueue(supervision_pb2.ListQueueRequest(site=QUEUE_SITE))
        return next(c.count for c in listed.tier_counts if c.tier == 1)

    before = await at_tier_1()
    page = await _queue(person)
    after = await at_tier_1()
    assert f"Case {case_id[:8]}" in page.text
    assert "Open escalations matching the filters, by tier" in page.text
    assert any(f'<span class="count">{n}</span> at tier 1' in page.text for n in {before, after})
    acknowledge = form(page.text, f"ack-{escalation.escalation_id}")
    assert acknowledge.fields["idempotency_key"].startswith("console-") and acknowledge.fields["csrf_token"]

    fields = {**acknowledge.fields, "note": "Looking now."}
    first = await person.http.post(acknowledge.action, data=fields)
    second = await person.http.post(acknowledge.action, data=fields)  # the same form again: a double submit
    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["location"] == f"/queue?site={QUEUE_SITE}"

    async def acknowledged() -> bool:
        return "escalation.acknowledged" in actions((await get_case(platform, case_id)).timeline)

    await eventually(acknowledged)
    timeline = (await get_case(platform, case_id)).timeline
    assert actions(timeline).count("escalation.acknowledged") == 1
    assert [e.actor for e in timeline if e.action == "escalation.acknowledged"] == [SUPERVISOR]
    shown = await person.http.get(first.headers["location"])
    assert "Escalation acknowledged." in shown.text


async def test_an_extension_needs_a_policy_reason_and_the_refusal_is_the_services(
    platform: Platform, person: Browserless
) -> None:
    case_id, escalation = await _escalated_case(platform)
    await person.sign_in("supervisor", QUEUE_SITE, SUPERVISOR)
    form_id = f"extend-{escalation.escalation_id}"
    new_due = local_input(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))

    queue = await _queue(person)
    link = re.search(rf'href="(/queue/extend\?[^"]*escalation_id={escalation.escalation_id}[^"]*)"', queue.text)
    assert link is not None, "the escalation has no link to extend its deadline"
    extend_page = await person.http.get(html.unescape(link[1]))
    assert extend_page.status_code == 200 and parse(extend_page.text).title == "Extend a deadline - Kahu"
    refused = await person.submit(extend_page, form_id, due_at=new_due, reason_code="", reason="Waiting on the family.")
    assert refused.status_code == 400
    page = parse(refused.text)
    assert page.title.startswith("Error: ")
    assert f"#{form_id}-reason_code" in page.summary_links
    assert 'aria-invalid="true"' in refused.text
    assert "deadline.extended" not in actions((await get_case(platform, case_id)).timeline)

    extended = await person.submit(
        refused, form_id, due_at=new_due, reason_code="FAMILY_REQUESTED", reason="Waiting on the family."
    )
    assert (extended.status_code, extended.headers["location"]) == (303, f"/queue?site={QUEUE_SITE}")

    async def on_record() -> bool:
        return "deadline.extended" in actions((await get_case(platform, case_id)).timeline)

    await eventually(on_record)


async def test_a_site_outside_the_persons_scope_is_refused_in_the_services_words(person: Browserless) -> None:
    await person.sign_in("supervisor", "northland", SUPERVISOR)
    page = await person.http.get("/queue", params={"site": QUEUE_SITE})
    assert page.status_code == 403
    assert "The service refused" in page.text
    assert "PERMISSION_DENIED" not in page.text  # words, not codes


async def test_the_queue_filters_by_kind_tier_and_age(platform: Platform, person: Browserless) -> None:
    case_id, _ = await _escalated_case(platform)
    await person.sign_in("supervisor", QUEUE_SITE, SUPERVISOR)
    by_kind = await person.http.get("/queue", params={"site": QUEUE_SITE, "kind": str(common_pb2.DEADLINE_KIND_TRIAGE)})
    assert f"Case {case_id[:8]}" in by_kind.text
    other = await person.http.get(
        "/queue", params={"site": QUEUE_SITE, "kind": str(common_pb2.DEADLINE_KIND_CONVENING)}
    )
    assert f"Case {case_id[:8]}" not in other.text
    tier1 = await person.http.get("/queue", params={"site": QUEUE_SITE, "tier": "1"})
    tiers = re.findall(r"· tier (\d)\b", tier1.text)
    assert tiers and set(tiers) == {"1"}
    week_old = await person.http.get("/queue", params={"site": QUEUE_SITE, "age": str(7 * 86400)})
    assert week_old.status_code == 200
    assert f"Case {case_id[:8]}" not in week_old.text  # raised moments ago
    assert '<option value="604800" selected>' in week_old.text


async def test_a_long_queue_is_paged_oldest_first(platform: Platform, person: Browserless) -> None:
    site = "east-auckland"  # only this test raises escalations here
    request = submit_request()
    request.report.site = site
    case_id = (await open_case(platform, request)).case.case_id
    region = load_sites()[site].region
    now = dt.datetime.now(dt.UTC)
    for cycle in range(1, PAGE_SIZE + 6):  # more than a page, each as the worker raises one
        due = now - dt.timedelta(minutes=200 - cycle)
        await platform.supervision.RaiseEscalation(
            supervision_pb2.RaiseEscalationRequest(
                case_id=case_id,
                workflow_id=f"case-{case_id}",
                kind=common_pb2.DEADLINE_KIND_TRIAGE,
                cycle=cycle,
                tier=1,
                role="site_supervisor",
                site=site,
                region=region,
                due_at=timestamp(due),
                raise_at=timestamp(due),
            )
        )
    await person.sign_in("supervisor", site, SUPERVISOR)
    first = await person.http.get("/queue", params={"site": site})
    cards = re.findall(r'id="escalation-([0-9a-f-]{36})"', first.text)
    assert len(cards) == PAGE_SIZE
    following = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert following is not None
    second = await person.http.get(html.unescape(following[1]))
    more = re.findall(r'id="escalation-([0-9a-f-]{36})"', second.text)
    assert len(more) == 5 and not set(more) & set(cards)
    assert 'rel="next"' not in second.text and "Back to the oldest" in second.text


async def test_a_cases_notifications_and_their_delivery_are_a_page_of_their_own(
    platform: Platform, person: Browserless
) -> None:
    case_id, _ = await _escalated_case(platform)
    await person.sign_in("supervisor", QUEUE_SITE, SUPERVISOR)
    case_page = await person.http.get(f"/cases/{case_id}")
    assert f'href="/cases/{case_id}/notifications"' in case_page.text

    async def listed() -> str | None:  # the tier 1 escalation's email, as supervision keeps it
        shown = await person.http.get(f"/cases/{case_id}/notifications")
        assert shown.status_code == 200, shown.text
        return shown.text if "<td>escalation</td>" in shown.text else None

    shown = await eventually(listed)
    delivery = await platform.supervision.ListNotifications(supervision_pb2.ListNotificationsRequest(case_id=case_id))
    assert delivery.notifications
    for notification in delivery.notifications:
        assert f"<td>{notification.channel}</td>" in shown
    assert re.search(r'class="tag tag-(green|yellow|red)">(delivered|pending|failed)<', shown)
    assert parse(shown).title.startswith(f"Notifications about case {case_id[:8]}")

    await person.sign_in("supervisor", "northland", SUPERVISOR)
    refused = await person.http.get(f"/cases/{case_id}/notifications")
    assert refused.status_code == 403 and "<td>escalation</td>" not in refused.text
