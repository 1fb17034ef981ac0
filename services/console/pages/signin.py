"""Signing in and out: OpenID Connect (authorization code with PKCE, Authlib) against the
configured issuer, roles and sites from the ID token's claims mapped to Kahu's roles; and,
only under the development profile with a development console key, a dev sign-in that
picks a role and a site."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.common.identity import Principal
from services.common.keys import CONSOLE_ROLES
from services.common.sites import load_sites, regions
from services.console.forms import Problem, submitted, text
from services.console.render import page
from services.console.session import sign_in, sign_out
from services.console.settings import OidcSettings

log = logging.getLogger(__name__)
STAFF_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
OIDC = "kahu"


def oauth_client(oidc: OidcSettings) -> OAuth:
    """The OpenID client: discovery from the issuer, PKCE (S256), the openid scope."""
    oauth = OAuth()
    oauth.register(
        OIDC,
        client_id=oidc.client_id,
        client_secret=oidc.client_secret or None,
        server_metadata_url=f"{oidc.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile", "code_challenge_method": "S256"},
    )
    return oauth


def _list(claims: Mapping[str, Any], name: str) -> list[str]:
    value = claims.get(name, [])
    if isinstance(value, str):
        value = value.split()
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def principal_from_oidc(claims: Mapping[str, Any], oidc: OidcSettings) -> Principal | None:
    """The person the ID token names, with the Kahu roles their groups map to, and their
    known sites and regions; None when no group maps to a role or the staff id is unusable."""
    staff_id = claims.get(oidc.staff_id_claim)
    roles = {oidc.role_map[g] for g in _list(claims, oidc.roles_claim) if g in oidc.role_map}
    if not isinstance(staff_id, str) or not STAFF_ID.fullmatch(staff_id) or not roles:
        return None
    return Principal(
        subject=staff_id,
        roles=frozenset(roles),
        sites=frozenset(s for s in _list(claims, oidc.sites_claim) if s in load_sites()),
        regions=frozenset(r for r in _list(claims, oidc.regions_claim) if r in regions()),
    )


def _options(request: Request) -> dict[str, Any]:
    state = request.app.state
    return {
        "title": "Sign in",
        "oidc": state.console.settings.oidc is not None,
        "dev": state.dev_signin,
        "roles": CONSOLE_ROLES,
        "sites": sorted(load_sites().values(), key=lambda s: s.name),
    }


async def form(request: Request) -> Response:
    return page(request, "signin.html", _options(request))


async def dev(request: Request) -> Response:
    if not request.app.state.dev_signin:
        return Response("Not found", status_code=404)
    submitted_form = await submitted(request)
    role, site = text(submitted_form, "role"), text(submitted_form, "site")
    staff_id = text(submitted_form, "staff_id") or f"dev.{role}"
    fields = {}
    if role not in CONSOLE_ROLES:
        fields["role"] = "Choose a role"
    if site not in load_sites():
        fields["site"] = "Choose a site"
    if not STAFF_ID.fullmatch(staff_id):
        fields["staff_id"] = "A staff id is up to 64 letters, digits, dots, dashes or underscores"
    if fields:
        values = {"role": role, "site": site, "staff_id": staff_id}
        wrong = Problem("dev", "Check the sign-in details", fields, values)
        return page(request, "signin.html", {**_options(request), "problem": wrong}, 400)
    region = load_sites()[site].region
    who = Principal(
        subject=staff_id,
        roles=frozenset({role}),
        sites=frozenset({site}),
        regions=frozenset({region}) if role in ("regional_manager", "ops") else frozenset(),
        dev=True,
    )
    sign_in(request, who, "dev")
    log.info("dev sign-in of %s (%s)", who.subject, role)
    return RedirectResponse("/", status_code=303)


def _redirect_uri(request: Request) -> str:
    base = request.app.state.console.settings.public_url
    return f"{base.rstrip('/')}/sign-in/callback" if base else str(request.url_for("oidc_callback"))


async def oidc_start(request: Request) -> Response:
    oauth: OAuth | None = request.app.state.oauth
    if oauth is None:
        return Response("Not found", status_code=404)
    client = oauth.create_client(OIDC)
    response: Response = await client.authorize_redirect(request, _redirect_uri(request))
    return response


async def oidc_callback(request: Request) -> Response:
    oauth: OAuth | None = request.app.state.oauth
    if oauth is None:
        return Response("Not found", status_code=404)
    client = oauth.create_client(OIDC)
    refused = "Your sign-in was not accepted. Try again, or ask your administrator for access to Kahu."
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as error:
        log.warning("OIDC sign-in failed: %s", error.error)
        return page(request, "signin.html", {**_options(request), "refused": refused}, 400)
    who = principal_from_oidc(token.get("userinfo") or {}, request.app.state.console.settings.oidc)
    if who is None:
        return page(request, "signin.html", {**_options(request), "refused": refused}, 403)
    sign_in(request, who, "oidc")
    log.info("OIDC sign-in of %s", who.subject)
    return RedirectResponse("/", status_code=303)


async def signout(request: Request) -> Response:
    await submitted(request)
    sign_out(request)
    return RedirectResponse("/sign-in?signed-out=1", status_code=303)
