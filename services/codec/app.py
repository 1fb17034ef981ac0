"""The codec server: lets permitted staff read Kahu's encrypted payloads in the Temporal UI.

HTTP, as the Temporal UI calls it (https://docs.temporal.io/production-deployment/data-encryption):
`POST /decode` and `POST /encode` take and give `{"payloads": [...]}` (temporal.api.common.v1.
Payloads in proto JSON). The UI calls it from the user's browser, so it answers CORS for the
UI's origins only (KAHU_CODEC_CORS_ORIGINS). Its own authorisation: a Kahu bearer token
(`Authorization: Bearer …`, which the UI passes when TEMPORAL_CODEC_PASS_ACCESS_TOKEN is
set), verified like the gRPC services' and checked against `kahu.codec/Decode` and
`kahu.codec/Encode` in the access table; every call, allowed or not, is audited in the
`codec` schema before the answer goes back. `GET /health` is anonymous.

For the development UI, which has no login to pass a token from, `make run` points the UI
at `/t/<token>/` with a development token in the path (accepted only when
KAHU_CODEC_PATH_TOKENS is set, which only the dev stack sets).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

from aiohttp import web
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from services.common.access import AccessTable, load_access
from services.common.audit import Auditor
from services.common.audit import Entry as AuditEntry
from services.common.codec import EncryptionCodec, PayloadKeyError
from services.common.config import Settings
from services.common.db import open_database
from services.common.identity import InvalidToken, Principal, TokenVerifier, bearer
from services.common.server import run_until_signalled
from services.common.tasks import in_background
from services.common.tls import check_plaintext, http_server_context, reload_http, watch
from services.common.tracing import current_trace_id

log = logging.getLogger(__name__)
SCHEMA = "codec"
ALLOWED_HEADERS = "Authorization, Content-Type, X-Namespace"


@dataclass
class Codec:
    settings: Settings
    codec: EncryptionCodec
    verifier: TokenVerifier
    table: AccessTable
    auditor: Auditor

    # -- CORS ----------------------------------------------------------------------------

    def cors(self, request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin and origin in self.settings.codec_cors_origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Vary"] = "Origin"
        return response

    async def preflight(self, request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin not in self.settings.codec_cors_origins:
            return web.Response(status=403, text="origin not allowed")
        response = web.Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
        return self.cors(request, response)

    # -- the codec -----------------------------------------------------------------------

    async def _audit(self, principal: Principal, action: str, result: str) -> None:
        await self.auditor.append_alone(
            AuditEntry(
                actor=principal.subject,
                roles=",".join(sorted(principal.roles)),
                agency=principal.agency,
                action=action,
                case_id="",
                purpose=principal.purpose,
                result=result,
                trace_id=current_trace_id(),
            )
        )

    def handler(
        self, action: str, apply: Callable[[list[object]], Awaitable[list[object]]]
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            return self.cors(request, await self._handle(request, action, apply))

        return handle

    async def _handle(
        self, request: web.Request, action: str, apply: Callable[[list[object]], Awaitable[list[object]]]
    ) -> web.Response:
        token = request.match_info.get("token") or bearer(request.headers.items())
        if request.match_info.get("token") and not self.settings.codec_path_tokens:
            return web.Response(status=404)
        try:
            principal = self.verifier.verify(token)
        except InvalidToken as error:
            return web.Response(status=401, text=str(error), headers={"WWW-Authenticate": "Bearer"})
        namespace = request.headers.get("X-Namespace")
        if not self.table.rules(action, principal.roles) or namespace not in (None, self.settings.temporal_namespace):
            await self._audit(principal, action, "PERMISSION_DENIED")
            return web.Response(status=403, text="not permitted")
        try:
            body = Payloads()
            json_format.Parse(await request.text(), body)
            payloads = await apply(list(body.payloads))
        except (json_format.ParseError, UnicodeDecodeError, ValueError) as error:
            await self._audit(principal, action, "INVALID_ARGUMENT")
            message = str(error) if isinstance(error, PayloadKeyError) else "not a JSON Payloads message"
            return web.Response(status=400, text=message)
        await self._audit(principal, action, "OK")  # before any payload leaves
        answer = json_format.MessageToJson(Payloads(payloads=payloads), indent=None)  # type: ignore[arg-type]
        return web.Response(text=answer, content_type="application/json")


async def health(request: web.Request) -> web.Response:
    return web.Response(text="SERVING")


def application(codec: Codec) -> web.Application:
    app = web.Application(client_max_size=codec.settings.max_message_bytes)
    decode = codec.handler("kahu.codec/Decode", codec.codec.decode)  # type: ignore[arg-type]
    encode = codec.handler("kahu.codec/Encode", codec.codec.encode)  # type: ignore[arg-type]
    for prefix in ("", "/t/{token}"):
        app.router.add_post(f"{prefix}/decode", decode)
        app.router.add_post(f"{prefix}/encode", encode)
        app.router.add_route("OPTIONS", f"{prefix}/decode", codec.preflight)
        app.router.add_route("OPTIONS", f"{prefix}/encode", codec.preflight)
    app.router.add_get("/health", health)
    return app


async def start(settings: Settings, stack: AsyncExitStack, *, port: int | None = None) -> int:
    """Start the codec server (its pool, schema and listener registered on `stack`); return
    the bound port."""
    pool = await open_database(settings, stack, SCHEMA, None, max_size=4)
    codec = Codec(
        settings,
        EncryptionCodec.from_dir(settings.payload_keys_dir),
        TokenVerifier.from_dir(
            settings.signing_keys_dir, issuer=settings.token_issuer, audience=settings.token_audience
        ),
        load_access(settings.access_file),
        Auditor(pool, SCHEMA),
    )
    runner = web.AppRunner(application(codec), access_log=None)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    port = settings.port("codec") if port is None else port
    address = f"{settings.host}:{port}"
    ssl_context = None
    if settings.tls is not None:
        tls = settings.tls
        ssl_context = context = http_server_context(tls)
        in_background(stack, watch(tls, lambda: reload_http(context, tls)))
    else:
        check_plaintext(settings, address, listening=True)
    site = web.TCPSite(runner, settings.host, port, ssl_context=ssl_context, reuse_address=True)
    await site.start()
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    return int(sockets[0].getsockname()[1]) if sockets else port


async def serve(settings: Settings) -> None:
    async with AsyncExitStack() as stack:
        port = await start(settings, stack)
        log.info("codec server on %s:%d", settings.host, port)
        await run_until_signalled(_nothing)


async def _nothing() -> None:
    return None
