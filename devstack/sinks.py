"""`make run`'s notification receivers, real servers on loopback (and the tests'):

    python -m devstack.sinks smtp      # an SMTP server (aiosmtpd) on SMTP_SINK_PORT
    python -m devstack.sinks webhook   # an HTTP receiver of signed webhooks on WEBHOOK_SINK_PORT

Each keeps what it received in `<KAHU_STATE_DIR>/sinks/<smtp|webhook>.jsonl`, one JSON
object a line, the first delivery of each idempotency key once and a repeat of it marked
`duplicate` (a receiver deduplicates: at-least-once delivery is exactly-once here), and
`kahu notifications` lists them. The webhook receiver checks each delivery's signature
(services/common/notifications/signing.py) with the secret in
`<KAHU_KEYS_DIR>/notifications/police-webhook.secret` (`make run` creates it) and refuses a
bad one with 401, recording nothing; a repeat of a key is answered 200 like the first. The
SMTP sink offers STARTTLS when KAHU_TLS_CERT_FILE and KAHU_TLS_KEY_FILE are set.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email
import email.policy
import json
import logging
import secrets
import ssl
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.common.app import run_process
from services.common.config import ConfigError, Settings
from services.common.notifications import signing
from services.common.notifications.senders import EMAIL_KEY_HEADER
from services.common.server import run_until_signalled

log = logging.getLogger(__name__)

KINDS = ("smtp", "webhook")
#: Below KAHU_KEYS_DIR: the development webhook's signing secret (policy/notifications.yaml names it).
WEBHOOK_SECRET = Path("notifications") / "police-webhook.secret"
MAX_BODY = 1024 * 1024


def sinks_dir(settings: Settings) -> Path:
    return Path(settings.state_dir) / "sinks"


def ensure_webhook_secret(keys_dir: Path) -> Path | None:
    """Create the development webhook secret unless it exists; return its path if created."""
    path = keys_dir / WEBHOOK_SECRET
    if path.is_file():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def received(settings: Settings, kind: str) -> list[dict[str, Any]]:
    """What the `kind` sink has recorded, oldest first."""
    return list(read_records(sinks_dir(settings) / f"{kind}.jsonl"))


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        with contextlib.suppress(json.JSONDecodeError):  # a line cut short by a kill
            yield json.loads(line)


class _Journal:
    """An append-only JSON-lines file, and the keys already in it."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self.keys = {r["key"] for r in read_records(path) if r.get("key") and not r.get("duplicate")}

    def record(self, key: str, entry: dict[str, Any]) -> bool:
        """Append `entry` (marked a duplicate when `key` was seen); whether it was new."""
        new = key not in self.keys
        line = {"received_at": dt.datetime.now(dt.UTC).isoformat(), "key": key, "duplicate": not new, **entry}
        with self._path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, sort_keys=True) + "\n")
        self.keys.add(key)
        return new


# -- webhook ----------------------------------------------------------------------------


def webhook_app(journal: _Journal, secret: bytes) -> web.Application:
    async def deliver(request: web.Request) -> web.Response:
        body = await request.read()
        refused = signing.verify(
            secret,
            request.headers.get(signing.TIMESTAMP_HEADER, ""),
            request.headers.get(signing.SIGNATURE_HEADER, ""),
            body,
            now=time.time(),
        )
        if refused:
            log.warning("webhook refused on %s: %s", request.path, refused)
            return web.json_response({"error": refused}, status=401)
        key = request.headers.get(signing.IDEMPOTENCY_HEADER, "")
        if not key:
            return web.json_response({"error": f"{signing.IDEMPOTENCY_HEADER} is missing"}, status=400)
        try:
            parsed = json.loads(body)
        except json.JSONDecodeError:
            return web.json_response({"error": "the body is not JSON"}, status=400)
        new = journal.record(key, {"channel": request.path.strip("/"), "body": parsed})
        return web.json_response({"received": key, "duplicate": not new})

    async def health(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_get("/health", health)
    app.router.add_post("/{channel}", deliver)
    return app


async def serve_webhook(settings: Settings) -> None:
    secret_path = Path(settings.keys_dir) / WEBHOOK_SECRET
    try:
        secret = secret_path.read_text(encoding="utf-8").strip().encode()
    except OSError as error:
        raise ConfigError(f"the webhook receiver's secret {secret_path}: {error.strerror or error}") from None
    runner = web.AppRunner(webhook_app(_Journal(sinks_dir(settings) / "webhook.jsonl"), secret), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port("webhook_sink"))
        await site.start()
        log.info("webhook receiver on %s:%d", settings.host, settings.port("webhook_sink"))
        await run_until_signalled(_nothing)
    finally:
        await runner.cleanup()


# -- SMTP -------------------------------------------------------------------------------


class _Mailbox:
    """aiosmtpd's handler: each message's headers and text, once per idempotency key."""

    def __init__(self, journal: _Journal) -> None:
        self._journal = journal

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        key = str(message.get(EMAIL_KEY_HEADER) or message.get("Message-ID") or "").strip()  # a long one is folded
        body = message.get_body(("plain",))
        text = body.get_content().replace("\r\n", "\n") if body is not None else ""
        self._journal.record(
            key,
            {
                "mail_from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "subject": str(message.get("Subject", "")),
                "message_id": str(message.get("Message-ID", "")),
                "text": text,
            },
        )
        return "250 OK"


def _tls(settings: Settings) -> ssl.SSLContext | None:
    if settings.tls is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls.cert_file, settings.tls.key_file)
    return context


async def serve_smtp(settings: Settings) -> None:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's every command otherwise
    mailbox = _Mailbox(_Journal(sinks_dir(settings) / "smtp.jsonl"))
    tls = _tls(settings)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(mailbox, hostname="kahu-smtp-sink", tls_context=tls, data_size_limit=MAX_BODY),
        settings.host,
        settings.port("smtp_sink"),
    )
    try:
        log.info("SMTP sink on %s:%d%s", settings.host, settings.port("smtp_sink"), " (STARTTLS)" if tls else "")
        await run_until_signalled(_nothing)
    finally:
        server.close()
        await server.wait_closed()


async def _nothing() -> None:
    return None


def main(argv: list[str]) -> None:
    if len(argv) != 1 or argv[0] not in KINDS:
        print(f"usage: python -m devstack.sinks {'|'.join(KINDS)}", file=sys.stderr)
        sys.exit(2)
    kind = argv[0]
    run_process(f"{kind}-sink", serve_smtp if kind == "smtp" else serve_webhook)


if __name__ == "__main__":
    main(sys.argv[1:])
