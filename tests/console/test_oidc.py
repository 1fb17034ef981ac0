"""Sign-in with OpenID Connect against a real provider over HTTP (tests/console/
oidc_provider.py, built from Authlib's server components): the authorization code flow
with PKCE (S256) and a nonce, the ID token verified against the provider's JWKS, roles
and sites from its claims mapped to Kahu's; a person with no mapped group is refused; a
callback cannot be replayed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from services.console.pages.signin import principal_from_oidc
from services.console.settings import OidcSettings, load_console
from tests.conftest import Platform
from tests.console.conftest import QUEUE_SITE, client, console_env, running
from tests.console.html import form
from tests.console.oidc_provider import Client, Person, Provider, serving

CONSOLE = "https://console.example"
CLIENT_ID, SECRET = "kahu-console", "console-secret-1"


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    async with serving() as running_provider:
        running_provider.clients[CLIENT_ID] = Client(CLIENT_ID, SECRET, f"{CONSOLE}/sign-in/callback")
        running_provider.people["mere"] = Person(
            "mere",
            "kōwhai-42",
            {
                "preferred_username": "sup.mere",
                "groups": ["ot-supervisors", "staff"],
                "sites": [QUEUE_SITE, "atlantis"],
            },
        )
        running_provider.people["guest"] = Person("guest", "pw-guest", {"preferred_username": "guest", "groups": []})
        yield running_provider


@pytest.fixture
async def oidc_console(
    platform: Platform, keys_dir: Path, console_key: Path, provider: Provider
) -> AsyncIterator[Starlette]:
    env = console_env(
        platform,
        keys_dir,
        KAHU_DEV_PROFILE="false",
        KAHU_CONSOLE_URL=CONSOLE,
        KAHU_OIDC_ISSUER=provider.issuer,
        KAHU_OIDC_CLIENT_ID=CLIENT_ID,
        KAHU_OIDC_CLIENT_SECRET=SECRET,
        KAHU_OIDC_ROLE_MAP="ot-supervisors=supervisor,ot-intake=intake_social_worker",
    )
    async with running(load_console(env)) as app:
        yield app


async def _through_provider(http: httpx.AsyncClient, username: str, password: str) -> str:
    """Start sign-in at the console, sign in at the provider; the callback URL it sends
    the browser back to."""
    start = await http.get("/sign-in/oidc")
    assert start.status_code == 302
    authorize = start.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["nonce"] and query["state"] and query["redirect_uri"] == [f"{CONSOLE}/sign-in/callback"]
    async with httpx.AsyncClient() as browser:
        login = await browser.get(authorize)
        assert login.status_code == 200, login.text
        action = form(login.text, "login").action
        base = f"{urlsplit(authorize).scheme}://{urlsplit(authorize).netloc}"
        granted = await browser.post(base + action, data={"username": username, "password": password})
    assert granted.status_code == 302, granted.text
    return str(granted.headers["location"])


async def test_a_person_signs_in_with_their_agency_account(oidc_console: Starlette, provider: Provider) -> None:
    async with client(oidc_console, CONSOLE) as http:
        page = await http.get("/sign-in")
        assert 'href="/sign-in/oidc"' in page.text and 'action="/sign-in/dev"' not in page.text
        callback = await _through_provider(http, "mere", "kōwhai-42")
        assert callback.startswith(f"{CONSOLE}/sign-in/callback?code=")
        signed_in = await http.get(callback)
        assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/")
        assert "secure" in signed_in.headers["set-cookie"].lower()
        assert provider.issued_id_tokens == 1
        queue = await http.get("/queue", params={"site": QUEUE_SITE})
        assert queue.status_code == 200
        assert "sup.mere (supervisor)" in queue.text

        replayed = await http.get(callback)  # the same code and state again
        assert replayed.status_code == 400


async def test_a_person_whose_groups_map_to_no_role_is_refused(oidc_console: Starlette) -> None:
    async with client(oidc_console, CONSOLE) as http:
        callback = await _through_provider(http, "guest", "pw-guest")
        refused = await http.get(callback)
        assert refused.status_code == 403
        assert "not accepted" in refused.text
        assert (await http.get("/queue")).status_code == 303


def test_claims_map_to_kahu_roles_sites_and_regions() -> None:
    oidc = OidcSettings("https://id.example", "c", "s", role_map={"ot-sup": "supervisor", "ot-rm": "regional_manager"})
    who = principal_from_oidc(
        {
            "preferred_username": "rm.hana",
            "groups": ["ot-rm", "ot-sup", "x"],
            "sites": ["hutt", "nowhere"],
            "regions": "southern",
        },
        oidc,
    )
    assert who is not None
    assert (who.subject, who.roles, who.sites, who.regions) == (
        "rm.hana",
        frozenset({"regional_manager", "supervisor"}),
        frozenset({"hutt"}),
        frozenset({"southern"}),
    )
    assert principal_from_oidc({"preferred_username": "a b", "groups": ["ot-sup"]}, oidc) is None
    assert principal_from_oidc({"preferred_username": "x", "groups": ["other"]}, oidc) is None
