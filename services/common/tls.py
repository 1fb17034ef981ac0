"""Transport security: TLS with client certificates when configured, plaintext only on
loopback unless explicitly allowed (KAHU_ALLOW_PLAINTEXT).

Certificates are PEM files (KAHU_TLS_CERT_FILE, KAHU_TLS_KEY_FILE, and KAHU_TLS_CA_FILE
for the CA that signs peers). A server re-reads them when they change, on the next
handshake, so renewed certificates take effect without a restart; a client reads them
when it opens its channel.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import grpc

from services.common.config import ConfigError, Settings, TlsFiles, is_loopback


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
    """TLS for an HTTP server (the codec server), from the same files."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls.cert_file, tls.key_file)
    return context
