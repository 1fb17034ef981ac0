"""The console against the in-process platform (tests/conftest.py): its own key beside the
session's, its app served to an HTTP client in this process, and people signed in through
its dev sign-in."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright
from starlette.applications import Starlette

from services.common.config import DOMAIN_SERVICES
from services.common.keys import CONSOLE_ROLES, SIGNING_KEY_FILE, new_signing_key
from services.console.app import application, serve_http
from services.console.settings import ConsoleSettings, load_console
from tests.conftest import Platform, free_port
from tests.console.browser import ARGS, CHROMIUM
from tests.console.html import form

#: The console's tests open cases at these sites only (their queues are theirs to read).
QUEUE_SITE = "tairawhiti"
TRIAGE_SITE = "waikato"
BROWSER_SITE = "hawkes-bay"


def console_env(platform: Platform, keys_dir: Path, **extra: str) -> dict[str, str]:
    """The console's environment for the session's platform (the development profile on)."""
    settings = platform.settings
    env = {f"{name.upper()}_PORT": str(settings.port(name)) for name in DOMAIN_SERVICES}
    env.update(KAHU_KEYS_DIR=str(keys_dir), KAHU_DEV_PROFILE="true", CONSOLE_PORT=str(free_port()))
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def console_key(keys_dir: Path) -> Path:
    """The console's development key, its public half published in the session's JWKS."""
    directory = keys_dir / "console"
    if not (directory / SIGNING_KEY_FILE).is_file():
        new_signing_key(directory, kid="dev-console-test", roles=list(CONSOLE_ROLES), jwks_dir=keys_dir / "signing")
    return directory


@pytest.fixture(scope="session")
def console_settings(platform: Platform, keys_dir: Path, console_key: Path) -> ConsoleSettings:
    return load_console(console_env(platform, keys_dir))


@asynccontextmanager
async def running(settings: ConsoleSettings) -> AsyncIterator[Starlette]:
    """The console app with its lifespan (its channels to the services) entered."""
    app = application(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="session")
async def console_app(console_settings: ConsoleSettings) -> AsyncIterator[Starlette]:
    async with running(console_settings) as app:
        yield app


@dataclass
class Browserless:
    """A person at the console without JavaScript: plain GETs and form POSTs."""

    http: httpx.AsyncClient

    async def sign_in(self, role: str, site: str, staff_id: str = "") -> httpx.Response:
        page = await self.http.get("/sign-in")
        fields = form(page.text, "dev").fields
        fields.update(role=role, site=site, staff_id=staff_id)
        answer = await self.http.post("/sign-in/dev", data=fields)
        assert answer.status_code == 303, answer.text
        return answer

    async def submit(self, page: httpx.Response, form_id: str, **changes: str) -> httpx.Response:
        """Submit the form `form_id` of `page` with `changes` to its fields."""
        found = form(page.text, form_id)
        return await self.http.post(found.action, data={**found.fields, **changes})


def client(app: Starlette, base_url: str = "http://127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


@pytest.fixture
async def person(console_app: Starlette) -> AsyncIterator[Browserless]:
    async with client(console_app) as http:
        yield Browserless(http)


# --- the browser tests: one Chromium and one console on a port, per session


@pytest.fixture(scope="session")
async def console_url(console_settings: ConsoleSettings) -> AsyncIterator[str]:
    """The console listening on loopback (the development profile: its dev sign-in)."""
    async with AsyncExitStack() as stack:
        port = await serve_http(application(console_settings), "127.0.0.1", free_port(), stack)
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.is_file() or shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser, console_url: str) -> AsyncIterator[Page]:
    """A fresh browser context (its own cookies) at the console."""
    context = await browser.new_context(base_url=console_url, viewport={"width": 1024, "height": 768})
    try:
        yield await context.new_page()
    finally:
        await context.close()
