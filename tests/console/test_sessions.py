"""Sessions and the doors around every page: sign-in needed, CSRF on every form, cookie
flags, the dev sign-in only under the development profile, sign-out, idle expiry, a strict
Content-Security-Policy, and a 503 page that says nothing was changed when a service is down."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
from starlette.applications import Starlette

from services.console.settings import ConsoleSettings, load_console
from tests.conftest import Platform, free_port
from tests.console.conftest import QUEUE_SITE, Browserless, client, console_env, running
from tests.console.html import form, parse
from tests.polling import eventually


async def test_pages_need_a_person_signed_in(person: Browserless) -> None:
    for path in ("/queue", "/triage", "/sla", "/cases/0b0e4d5c-1111-4c6e-9a53-2a0c5b1a2b3c"):
        answer = await person.http.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in"), path


async def test_a_form_without_the_sessions_csrf_token_is_refused(person: Browserless, console_app: Starlette) -> None:
    page = await person.http.get("/sign-in")
    fields = {**form(page.text, "dev").fields, "role": "supervisor", "site": QUEUE_SITE}
    forged = await person.http.post("/sign-in/dev", data={**fields, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert (await person.http.get("/queue")).status_code == 303  # not signed in
    async with client(console_app) as other:
        cross = await other.post("/sign-in/dev", data=fields)  # another session's token
        assert cross.status_code == 400


async def test_the_session_cookie_is_httponly_and_samesite_and_sign_out_ends_it(person: Browserless) -> None:
    signed_in = await person.sign_in("supervisor", QUEUE_SITE, "sup.cookie")
    attributes = [a.strip().lower() for a in signed_in.headers["set-cookie"].split(";")]
    assert attributes[0].startswith("kahu_console=")
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    assert "secure" not in attributes  # loopback under the development profile only
    queue = await person.http.get("/queue", params={"site": QUEUE_SITE})
    assert queue.status_code == 200
    signed_out = await person.submit(queue, "form-0")  # the header's sign-out form
    assert (signed_out.status_code, signed_out.headers["location"]) == (303, "/sign-in?signed-out=1")
    assert (await person.http.get("/queue")).status_code == 303


async def test_without_the_development_profile_there_is_no_dev_sign_in_and_cookies_are_secure(
    platform: Platform, keys_dir: Path, console_key: Path
) -> None:
    settings = load_console(console_env(platform, keys_dir, KAHU_DEV_PROFILE="false"))
    assert settings.secure_cookies
    async with running(settings) as app, client(app, "https://console.example") as http:
        page = await http.get("/sign-in")
        assert 'action="/sign-in/dev"' not in page.text
        assert "No way to sign in is configured" in page.text
        assert "secure" in page.headers["set-cookie"].lower()
        fields = {"csrf_token": "x", "idempotency_key": "console-x", "role": "supervisor", "site": QUEUE_SITE}
        assert (await http.post("/sign-in/dev", data=fields)).status_code == 404


async def test_a_session_ends_after_the_idle_limit(console_settings: ConsoleSettings) -> None:
    async with running(dataclasses.replace(console_settings, idle_seconds=1)) as app, client(app) as http:
        person = Browserless(http)
        await person.sign_in("supervisor", QUEUE_SITE, "sup.idle")
        assert (await http.get("/queue", params={"site": QUEUE_SITE})).status_code == 200

        async def ended() -> bool:
            return (await http.get("/sign-in")).text.count('action="/sign-out"') == 0

        await eventually(ended, timeout=10, interval=0.5)
        assert (await http.get("/queue")).status_code == 303


async def test_every_page_has_a_strict_csp_and_no_inline_code(person: Browserless) -> None:
    await person.sign_in("supervisor", QUEUE_SITE, "sup.csp")
    for path in ("/sign-in", f"/queue?site={QUEUE_SITE}", "/triage", "/sla"):
        answer = await person.http.get(path)
        csp = answer.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-frame-options"] == "DENY"
        scripts = parse(answer.text).scripts
        assert scripts and all((s.get("src") or "").startswith("/static/") for s in scripts), path
        assert " style=" not in answer.text and "<style" not in answer.text, path
        assert " on" + "click=" not in answer.text
    static = await person.http.get("/static/console.js")
    assert static.status_code == 200 and "countdown" in static.text


async def test_a_service_down_gives_a_503_page_that_says_nothing_was_changed(
    platform: Platform, keys_dir: Path, console_key: Path
) -> None:
    down = {f"{name.upper()}_PORT": str(free_port()) for name in ("intake", "triage", "assessment", "supervision")}
    settings = load_console(console_env(platform, keys_dir, **down))
    async with running(settings) as app, client(app) as http:
        person = Browserless(http)
        await person.sign_in("supervisor", QUEUE_SITE, "sup.down")
        answer = await http.get("/queue", params={"site": QUEUE_SITE})
        assert answer.status_code == 503
        assert "Nothing was changed" in answer.text and parse(answer.text).title == "Service unavailable - Kahu"


async def test_no_personal_data_reaches_the_logs(
    platform: Platform, person: Browserless, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.intake.reports import open_case, submit_request

    request = submit_request()
    request.report.site = QUEUE_SITE
    case_id = (await open_case(platform, request)).case.case_id
    caplog.set_level(logging.DEBUG)
    await person.sign_in("supervisor", QUEUE_SITE, "sup.logs")
    shown = await person.http.get(f"/cases/{case_id}")
    assert request.report.children[0].name in shown.text
    assert request.report.children[0].name not in caplog.text
    assert request.report.reporter.name not in caplog.text or not request.report.reporter.name
