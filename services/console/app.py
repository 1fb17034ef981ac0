"""The console's Starlette app and its server.

`application(settings)` builds the app: the security headers, the signed session cookie,
the static files, the pages, and what a failure shows (sign in again; the service's
refusal; a 503 page when a service is unavailable: nothing was changed). `start` serves it
with uvicorn on the console's port until `stop`; `serve` is the process's entry point.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from services.common.config import Settings
from services.common.identity import Signer
from services.common.keys import DEV_PREFIX, SIGNING_KEY_FILE
from services.common.server import run_until_signalled
from services.common.sites import load_sites
from services.common.tasks import in_background
from services.common.tls import check_plaintext, http_server_context, reload_http, watch
from services.console.backend import Backend, Refusal, SignInAgain, Unavailable
from services.console.forms import BadForm
from services.console.headers import SecurityHeaders
from services.console.pages import (
    cases,
    conference,
    placement,
    plan_edit,
    plan_list,
    plans,
    queue,
    signin,
    sla,
    triage,
)
from services.console.pages.common import Context
from services.console.render import HERE, page
from services.console.session import NotSignedIn, sign_out, signed_in
from services.console.settings import ConsoleSettings, load_console
from workflows.policy.loader import load_policy

log = logging.getLogger(__name__)
COOKIE = "kahu_console"
#: The roles whose start page is the escalation queue (others start at the triage inbox).
QUEUE_ROLES = frozenset({"supervisor", "site_manager", "regional_manager"})


def console_key_dir(settings: Settings) -> Path:
    """Where the console's own key is: `console/signing-key.jwk` under the keys directory."""
    return Path(settings.keys_dir) / "console"


def _session_secret(key_dir: Path) -> str:
    """The cookie's signing secret, derived from the console's private key (one key to
    keep; a new console key signs everyone out)."""
    private = (key_dir / SIGNING_KEY_FILE).read_bytes()
    return hashlib.sha256(b"kahu console session\0" + private).hexdigest()


async def home(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return RedirectResponse("/sign-in", status_code=303)
    return RedirectResponse("/queue" if who.roles & QUEUE_ROLES else "/triage", status_code=303)


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


async def _not_signed_in(request: Request, exc: Exception) -> Response:
    return RedirectResponse("/sign-in", status_code=303)


async def _sign_in_again(request: Request, exc: Exception) -> Response:
    sign_out(request)
    return RedirectResponse("/sign-in", status_code=303)


async def _unavailable(request: Request, exc: Exception) -> Response:
    return page(request, "unavailable.html", {"title": "Service unavailable"}, 503)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refusal)
    return page(request, "refused.html", {"title": "Refused", "refusal": exc}, 403)


async def _bad_form(request: Request, exc: Exception) -> Response:
    message = "This form was not sent from this session's page, or your session has ended. Nothing was changed."
    return page(request, "message.html", {"title": "The form could not be used", "message": message}, 400)


def application(settings: ConsoleSettings) -> Starlette:
    """The console app (its channels to the services opened by its lifespan)."""
    signer_dir = console_key_dir(settings.kahu)
    signer = Signer.from_dir(signer_dir)
    dev_signin = settings.kahu.dev_profile and signer.kid.startswith(DEV_PREFIX)
    policy = load_policy().case
    reasons = dict(policy.extension_reasons)
    tiers = {t.tier: (t.role, None if t.after.working_days else t.after.seconds) for t in policy.escalation}
    load_sites()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            backend = await Backend.open(settings.kahu, signer, stack)
            app.state.console = Context(settings, backend, reasons, tiers)
            yield

    routes = [
        Route("/", home),
        Route("/health", health),
        Route("/sign-in", signin.form),
        Route("/sign-in/dev", signin.dev, methods=["POST"]),
        Route("/sign-in/oidc", signin.oidc_start),
        Route("/sign-in/callback", signin.oidc_callback, name="oidc_callback"),
        Route("/sign-out", signin.signout, methods=["POST"]),
        Route("/queue", queue.show),
        Route("/queue/acknowledge", queue.acknowledge, methods=["POST"]),
        Route("/queue/extend", queue.extend_form),
        Route("/queue/extend", queue.extend, methods=["POST"]),
        Route("/queue/reassign", queue.reassign_form),
        Route("/queue/reassign", queue.reassign, methods=["POST"]),
        Route("/queue/attention", queue.resolve_attention, methods=["POST"]),
        Route("/triage", triage.inbox),
        Route("/triage/duplicates", triage.resolve_duplicate, methods=["POST"]),
        Route("/triage/{case_id:uuid}", triage.decision_form),
        Route("/triage/{case_id:uuid}", triage.decide, methods=["POST"]),
        Route("/cases/{case_id:uuid}", cases.show),
        Route("/cases/{case_id:uuid}/approval", cases.decide_approval, methods=["POST"]),
        Route("/cases/{case_id:uuid}/duplicates", cases.resolve_duplicate, methods=["POST"]),
        Route("/cases/{case_id:uuid}/notifications", cases.notifications),
        Route("/plans", plan_list.show),
        Route("/cases/{case_id:uuid}/plan", plans.show),
        Route("/cases/{case_id:uuid}/plan/edit", plan_edit.show),
        Route("/cases/{case_id:uuid}/plan/edit", plan_edit.save, methods=["POST"]),
        Route("/cases/{case_id:uuid}/plan/action", plans.action_status, methods=["POST"]),
        Route("/cases/{case_id:uuid}/plan/review", plans.review, methods=["POST"]),
        Route("/cases/{case_id:uuid}/placement", placement.show),
        Route("/cases/{case_id:uuid}/placement/select", placement.select, methods=["POST"]),
        Route("/cases/{case_id:uuid}/placement/answer", placement.answer, methods=["POST"]),
        Route("/cases/{case_id:uuid}/placement/rerun", placement.rerun, methods=["POST"]),
        Route("/conferences/{conference_id:uuid}", conference.show),
        Route("/conferences/{conference_id:uuid}/book", conference.book, methods=["POST"]),
        Route("/conferences/{conference_id:uuid}/respond", conference.respond, methods=["POST"]),
        Route("/sla", sla.show),
        Route("/sla.csv", sla.export),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=_session_secret(signer_dir),
            session_cookie=COOKIE,
            max_age=settings.idle_seconds,
            same_site="lax",
            https_only=settings.secure_cookies,
        ),
    ]
    handlers: dict[Any, Any] = {
        NotSignedIn: _not_signed_in,
        SignInAgain: _sign_in_again,
        Unavailable: _unavailable,
        Refusal: _refused,
        BadForm: _bad_form,
    }
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers, lifespan=lifespan)
    app.state.dev_signin = dev_signin
    app.state.oauth = signin.oauth_client(settings.oidc) if settings.oidc is not None else None
    return app


class _Server(uvicorn.Server):
    """uvicorn, leaving the signals to its caller."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_http(app: Any, host: str, port: int, stack: AsyncExitStack, tls: ssl.SSLContext | None = None) -> int:
    """Serve an ASGI app with uvicorn on `host:port` (0: a free port; HTTPS with `tls`)
    until `stack` closes; return the bound port once it listens."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        ssl_context_factory=None if tls is None else (lambda config, default: tls),
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve())

    async def stop() -> None:
        server.should_exit = True
        await task

    stack.push_async_callback(stop)
    while not server.started:  # startup takes a few milliseconds; a failure ends the task
        if task.done():
            task.result()
            raise RuntimeError("the HTTP server stopped while starting")
        await asyncio.sleep(0.01)
    return int(server.servers[0].sockets[0].getsockname()[1])


async def start(settings: ConsoleSettings, stack: AsyncExitStack, *, port: int | None = None) -> int:
    """Serve the console (stopped when `stack` closes): HTTPS with the pod's certificate
    when TLS is configured (renewed files picked up, as the codec server does), plain HTTP
    only on loopback unless allowed; return the bound port."""
    kahu = settings.kahu
    port = kahu.port("console") if port is None else port
    context = None
    if kahu.tls is not None:
        tls = kahu.tls
        context = http_server_context(tls)
        in_background(stack, watch(tls, lambda: reload_http(context, tls)))
    else:
        check_plaintext(kahu, f"{kahu.host}:{port}", listening=True)
    return await serve_http(application(settings), kahu.host, port, stack, context)


async def serve(settings: Settings) -> None:
    console = load_console()
    async with AsyncExitStack() as stack:
        port = await start(console, stack)
        log.info("console on http://%s:%d", settings.host, port)
        await run_until_signalled(_nothing)


async def _nothing() -> None:
    return None
