"""A screenshot of every page of the console, with real cases behind it: written to
docs/console/ by `make console-screenshots` (KAHU_CONSOLE_SCREENSHOTS names the folder),
and to a temporary folder otherwise, so every page is rendered in the browser, and checked
with axe-core, each run."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.async_api import Page

from kahu.v1 import placement_pb2, supervision_pb2
from tests.conference.conferences import invited, register, start_request, stub
from tests.conftest import Platform
from tests.console.browser import assert_accessible, sign_in
from tests.console.conftest import BROWSER_SITE
from tests.intake.reports import open_case, possible_duplicate, submit_request
from tests.placement.network import caregiver, placement, relate
from tests.placement.network import person as new_person
from tests.placement.test_case_placement import custody_approved
from tests.plan.plans import planned
from tests.polling import eventually

SCREENSHOTS = "KAHU_CONSOLE_SCREENSHOTS"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    chosen = Path(os.environ.get(SCREENSHOTS) or tmp_path)
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen


def _written(folder: Path) -> dict[str, int]:
    """The screenshots in `folder` and their sizes."""
    return {p.name: p.stat().st_size for p in folder.glob("*.png")}


async def _shoot(page: Page, folder: Path, name: str) -> None:
    await assert_accessible(page)
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


async def test_every_page_is_screenshotted_and_passes_axe(platform: Platform, page: Page, folder: Path) -> None:
    request = submit_request()
    request.report.site = BROWSER_SITE
    escalated = (await open_case(platform, request, fast=True)).case.case_id
    waiting = submit_request()
    waiting.report.site = BROWSER_SITE
    in_triage = (await open_case(platform, waiting)).case.case_id
    await possible_duplicate(platform, BROWSER_SITE)  # the inbox's possible duplicates, shown
    await planned(platform, escalated, "sup.screens")  # the case's plan, shown

    async def escalation() -> bool:
        queue = await platform.supervision.ListQueue(supervision_pb2.ListQueueRequest(site=BROWSER_SITE))
        return any(e.case_id == escalated for e in queue.items)

    await eventually(escalation)
    network = placement(platform)
    child = await new_person(network, "Mokopuna", address_area="Naenae")
    mum, nana = await new_person(network, "Mum"), await new_person(network, "Kuia")
    await relate(network, mum, placement_pb2.KINSHIP_PARENT, child)
    await relate(network, nana, placement_pb2.KINSHIP_PARENT, mum)
    await caregiver(network, nana, area="Naenae", capacity=1)
    await caregiver(network, None, area="Naenae", capacity=4)  # a residence, last
    placing = await custody_approved(platform, [child])  # at hutt
    staff, _ = await register(platform, "lakes")
    conference_id = (await stub(platform).StartConference(start_request(staff))).conference_id
    await invited(platform, conference_id, 1)
    await page.goto("/sign-in")
    await _shoot(page, folder, "sign-in")
    await sign_in(page, "supervisor", BROWSER_SITE, "sup.screens")
    shots = {
        "queue": f"/queue?site={BROWSER_SITE}",
        "case": f"/cases/{escalated}",
        "plan": f"/cases/{escalated}/plan",
        "plan-edit": f"/cases/{escalated}/plan/edit",
        "plans": f"/plans?all=1&site={BROWSER_SITE}",
        "notifications": f"/cases/{escalated}/notifications",
        "sla": f"/sla?site={BROWSER_SITE}",
    }
    for name, path in shots.items():
        await page.goto(path)
        await _shoot(page, folder, name)
    await page.goto(shots["queue"])
    await page.get_by_role("link", name=re.compile(f"Extend the deadline of case {escalated[:8]}")).first.click()
    await page.wait_for_url(re.compile(r"/queue/extend\?"))
    await _shoot(page, folder, "extend")
    await page.context.clear_cookies()
    await sign_in(page, "supervisor", "hutt", "sup.screens")
    await page.goto(f"/cases/{placing}/placement")
    await _shoot(page, folder, "placement")
    await page.context.clear_cookies()
    await sign_in(page, "site_manager", "lakes", staff.manager)
    await page.goto(f"/conferences/{conference_id}")
    await _shoot(page, folder, "conference")
    await page.context.clear_cookies()
    await sign_in(page, "intake_social_worker", BROWSER_SITE, "sw.screens")
    for name, path in {"triage": f"/triage?site={BROWSER_SITE}", "decide": f"/triage/{in_triage}"}.items():
        await page.goto(path)
        await _shoot(page, folder, name)
    written = _written(folder)
    assert {"sign-in.png", "queue.png", "case.png", "plan.png", "sla.png", "triage.png", "decide.png"} <= set(written)
    assert all(size > 5000 for size in written.values())
