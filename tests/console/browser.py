"""The browser tests' Chromium (Debian's `chromium`, driven by Playwright: its own browser
download cannot work here), axe-core, and signing in as a person would."""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_AXE = Axe()


async def assert_accessible(page: Page) -> None:
    """axe-core finds no violation on the page as it stands."""
    results = await _AXE.run(page)
    assert results.violations_count == 0, f"{page.url}:\n{results.generate_report()}"


async def sign_in(page: Page, role: str, site: str, staff_id: str) -> None:
    await page.goto("/sign-in")
    await page.select_option("#dev-role", role)
    await page.select_option("#dev-site", site)
    await page.fill("#dev-staff_id", staff_id)
    await page.click("#dev button[type=submit]")
    await page.wait_for_url(lambda url: "/sign-in" not in url)
