"""Transport security: TLS with client certificates when configured, plaintext only on
loopback unless explicitly allowed (KAHU_ALLOW_PLAINTEXT).

Certificates are PEM files (KAHU_TLS_CERT_FILE, KAHU_TLS_KEY_FILE, and KAHU_TLS_CA_FILE
for the CA that signs peers). A gRPC server re-reads them when they change, on the next
handshake, and the codec server's HTTPS context is reloaded by `watch`, so renewed
certificates take effect without a restart. A gRPC client reads them when it opens its
channel; the worker, whose channels live as long as it does, restarts when they change
(`watch` again), which Temporal makes safe.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from collections.abc import Callable
from pathlib import Path

import grpc

from services.common.config import ConfigError, Settings, TlsFiles, is_loopback

log = logging.getLogger(__name__)
#: How often `watch` looks at the certificate files (cert-manager renews weeks ahead).
CHECK_SECONDS = 30.0


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def _stamp(tls: TlsFiles) -> tuple[tuple[int, int], ...]:
    stamps = []
    for path in (tls.cert_file, tls.key_file, tls.ca_file):
        if path is None:
            continue
        try:
            st = os.stat(path)
            stamps.append((st.st_mtime_ns, st.st_size))
        except OSError:
            stamps.append((0, 0))
    return tuple(stamps)


def _certificate_configuration(tls: TlsFiles) -> grpc.ServerCertificateConfiguration:
    return grpc.ssl_server_certificate_configuration(
        [(_read(tls.key_file), _read(tls.cert_file))],
        root_certificates=_read(tls.ca_file) if tls.ca_file else None,
    )


def server_credentials(tls: TlsFiles) -> grpc.ServerCredentials:
    """TLS server credentials that require client certificates when a CA is configured and
    pick up changed certificate files on the next handshake."""
    seen = {"stamp": _stamp(tls)}

    def fetch() -> grpc.ServerCertificateConfiguration | None:
        stamp = _stamp(tls)
        if stamp == seen["stamp"]:
            return None
        try:
            configuration = _certificate_configuration(tls)
        except OSError:
            return None  # half-replaced files: keep serving with the previous ones
        seen["stamp"] = stamp
        return configuration

    return grpc.dynamic_ssl_server_credentials(
        _certificate_configuration(tls), fetch, require_client_authentication=tls.ca_file is not None
    )


def channel_credentials(tls: TlsFiles) -> grpc.ChannelCredentials:
    """Client credentials: verify the server against the CA, present our certificate."""
    return grpc.ssl_channel_credentials(
        root_certificates=_read(tls.ca_file) if tls.ca_file else None,
        private_key=_read(tls.key_file),
        certificate_chain=_read(tls.cert_file),
    )


def host_of(address: str) -> str:
    host = address.rpartition(":")[0] if ":" in address else address
    return host.strip("[]")


def check_plaintext(settings: Settings, address: str, *, listening: bool) -> None:
    """Refuse plaintext to or from anything but loopback unless explicitly allowed."""
    if settings.tls is not None or settings.allow_plaintext or is_loopback(host_of(address)):
        return
    verb = "listen" if listening else "connect"
    raise ConfigError(
        f"refusing to {verb} in plaintext on {address}: set KAHU_TLS_CERT_FILE and KAHU_TLS_KEY_FILE"
        " (and KAHU_TLS_CA_FILE for client certificates), or KAHU_ALLOW_PLAINTEXT=true"
    )


def http_server_context(tls: TlsFiles) -> ssl.SSLContext:
    """TLS for an HTTP server (the codec server), from the same files; `reload_http` puts
    renewed ones into it for the handshakes that follow."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls.cert_file, tls.key_file)
    return context


def reload_http(context: ssl.SSLContext, tls: TlsFiles) -> None:
    try:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    except (OSError, ssl.SSLError) as err:
        log.warning("renewed certificate not loaded, keeping the previous one: %s", err)


async def watch(tls: TlsFiles, on_change: Callable[[], None]) -> None:
    """Call `on_change` each time the certificate files change (checked every
    CHECK_SECONDS), once they read as a whole again; runs until cancelled."""
    seen = _stamp(tls)
    while True:
        await asyncio.sleep(CHECK_SECONDS)
        stamp = _stamp(tls)
        if stamp == seen:
            continue
        try:
            _certificate_configuration(tls)  # half-replaced files: wait for the rest
        except (OSError, ValueError):
            continue
        seen = stamp
        log.info("certificate files changed")
        on_change()
