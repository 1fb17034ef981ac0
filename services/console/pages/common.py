"""What the pages share: the backend and policy of the app, the person acting, sites to
filter by, and the redirect after an action."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse

from services.common.identity import Principal
from services.common.sites import Site, load_sites
from services.console.backend import Backend
from services.console.session import flash, principal
from services.console.settings import ConsoleSettings


@dataclass(frozen=True)
class Context:
    """The app's state that pages use (on `request.app.state.console`)."""

    settings: ConsoleSettings
    backend: Backend
    #: The policy's reasons for extending a deadline: code → what it means.
    extension_reasons: dict[str, str]
    #: The policy's escalation tiers: tier → (whom it goes to, seconds after the tier
    #: before); None for a tier counted in working days.
    tiers: dict[int, tuple[str, int | None]]


def context(request: Request) -> tuple[Context, Principal]:
    """The app's state and the person signed in (NotSignedIn otherwise)."""
    return request.app.state.console, principal(request)


def sites_of(who: Principal) -> list[Site]:
    """The sites a person may filter by: theirs, and those of their regions."""
    return [s for s in load_sites().values() if s.code in who.sites or s.region in who.regions]


def done(request: Request, message: str, to: str) -> RedirectResponse:
    """After an action: say what happened on the next page (POST, redirect, GET)."""
    flash(request, message)
    return RedirectResponse(to, status_code=303)
