"""Who is signed in, the CSRF token and one-shot messages, held in the signed session cookie.

The cookie (Starlette's SessionMiddleware: signed, HttpOnly, SameSite=Lax, Secure but on
loopback under the development profile) is re-signed on every response and refused once
older than the idle limit, so a session ends after that long without a request. It holds
the person's staff id, roles, sites and regions: no case data.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

from starlette.requests import Request

from services.common.identity import Principal

#: A session ends this long after sign-in whatever the activity.
MAX_SESSION_SECONDS = 12 * 3600


class NotSignedIn(Exception):
    """The page needs a person signed in."""


def sign_in(request: Request, principal: Principal, via: str) -> None:
    """Start a new session for `principal` (a fresh CSRF token: no fixation)."""
    request.session.clear()
    request.session.update(
        who={
            "sub": principal.subject,
            "roles": sorted(principal.roles),
            "sites": sorted(principal.sites),
            "regions": sorted(principal.regions),
            "dev": principal.dev,
            "at": int(time.time()),
            "via": via,
        }
    )
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()


def principal(request: Request) -> Principal:
    """The person signed in; NotSignedIn when nobody is (or the session is too old)."""
    who: dict[str, Any] | None = request.session.get("who")
    if not who or time.time() - who.get("at", 0) > MAX_SESSION_SECONDS:
        request.session.clear()
        raise NotSignedIn
    return Principal(
        subject=who["sub"],
        roles=frozenset(who["roles"]),
        sites=frozenset(who["sites"]),
        regions=frozenset(who["regions"]),
        dev=bool(who.get("dev")),
    )


def signed_in(request: Request) -> Principal | None:
    try:
        return principal(request)
    except NotSignedIn:
        return None


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, submitted: object) -> bool:
    expected = request.session.get("csrf")
    return isinstance(expected, str) and isinstance(submitted, str) and hmac.compare_digest(expected, submitted)


def flash(request: Request, message: str) -> None:
    """A message for the next page shown (after a redirect)."""
    request.session["flash"] = message


def take_flash(request: Request) -> str | None:
    message = request.session.pop("flash", None)
    return message if isinstance(message, str) else None
