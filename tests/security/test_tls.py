"""Transport: TLS with client certificates when configured, certificates re-read when they
change, and plaintext only on loopback unless explicitly allowed."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.channels import aio_channel
from services.common.config import ConfigError, Settings, TlsFiles, load
from services.common.server import GrpcServer
from tests.certs import Authority


async def _health(address: str, settings: Settings) -> int:
    async with aio_channel(address, settings, traced=False) as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return int(reply.status)


@pytest.fixture
def pki(tmp_path: Path) -> tuple[Authority, Authority, Path]:
    return Authority.new("kahu-ca-1"), Authority.new("kahu-ca-2"), tmp_path


def _settings(base: Settings, cert: Path, key: Path, ca: Path | None) -> Settings:
    return replace(base, tls=TlsFiles(str(cert), str(key), str(ca) if ca else None))


@pytest.fixture
async def tls_server(settings: Settings, pki: tuple[Authority, Authority, Path]) -> AsyncIterator[tuple[str, Path]]:
    ca1, ca2, tmp = pki
    cert, key = ca1.issue("intake", tmp / "server", "server")
    bundle = tmp / "cas.pem"
    bundle.write_bytes(ca1.pem() + ca2.pem())
    server = GrpcServer([], host="127.0.0.1", port=0, settings=_settings(settings, cert, key, bundle))
    port = await server.start()
    try:
        yield f"127.0.0.1:{port}", tmp
    finally:
        await server.stop()


async def test_callers_with_a_certificate_the_ca_signed_get_through(
    settings: Settings, pki: tuple[Authority, Authority, Path], tls_server: tuple[str, Path]
) -> None:
    ca1, _, tmp = pki
    address, _ = tls_server
    (tmp / "ca1.pem").write_bytes(ca1.pem())
    cert, key = ca1.issue("worker", tmp / "client", "client")
    assert (
        await _health(address, _settings(settings, cert, key, tmp / "ca1.pem"))
        == health_pb2.HealthCheckResponse.SERVING
    )


async def test_callers_without_a_client_certificate_or_in_plaintext_are_refused(
    settings: Settings, pki: tuple[Authority, Authority, Path], tls_server: tuple[str, Path]
) -> None:
    ca1, _, tmp = pki
    address, _ = tls_server
    stranger = Authority.new("someone-else")
    cert, key = stranger.issue("mallory", tmp / "mallory", "client")
    (tmp / "ca1.pem").write_bytes(ca1.pem())
    for attempt in (_settings(settings, cert, key, tmp / "ca1.pem"), settings):  # unknown CA; plaintext
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await _health(address, attempt)
        assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_renewed_certificates_are_served_without_a_restart(
    settings: Settings, pki: tuple[Authority, Authority, Path], tls_server: tuple[str, Path]
) -> None:
    ca1, ca2, tmp = pki
    address, _ = tls_server
    (tmp / "ca2.pem").write_bytes(ca2.pem())
    client_cert, client_key = ca1.issue("worker", tmp / "client", "client")
    trusts_ca2 = _settings(settings, client_cert, client_key, tmp / "ca2.pem")
    with pytest.raises(grpc.aio.AioRpcError):
        await _health(address, trusts_ca2)  # the server's certificate is CA 1's

    new_cert, new_key = ca2.issue("intake", tmp / "renewed", "server")  # renewed by CA 2
    for source, target in ((new_key, tmp / "server" / "server.key"), (new_cert, tmp / "server" / "server.crt")):
        shutil.copyfile(source, target)
        later = time.time_ns() + 10**9
        os.utime(target, ns=(later, later))
    assert await _health(address, trusts_ca2) == health_pb2.HealthCheckResponse.SERVING


async def test_plaintext_only_on_loopback_unless_allowed(settings: Settings) -> None:
    exposed = GrpcServer([], host="0.0.0.0", port=0, settings=settings)
    with pytest.raises(ConfigError, match=r"refusing to listen in plaintext on 0\.0\.0\.0"):
        await exposed.start()
    with pytest.raises(ConfigError, match="refusing to connect in plaintext"):
        aio_channel("intake.kahu.svc:50051", settings)

    allowed = replace(settings, allow_plaintext=True)
    server = GrpcServer([], host="0.0.0.0", port=0, settings=allowed)
    port = await server.start()
    try:
        assert await _health(f"127.0.0.1:{port}", settings) == health_pb2.HealthCheckResponse.SERVING
    finally:
        await server.stop()


def test_tls_settings_are_checked_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="go together"):
        load({"KAHU_TLS_CERT_FILE": str(tmp_path / "x.crt")})
    with pytest.raises(ConfigError, match="KAHU_TLS_KEY_FILE"):
        load({"KAHU_TLS_CERT_FILE": __file__, "KAHU_TLS_KEY_FILE": str(tmp_path / "missing.key")})
    with pytest.raises(ConfigError, match="KAHU_ALLOW_PLAINTEXT"):
        load({"KAHU_ALLOW_PLAINTEXT": "perhaps"})
    assert load({"KAHU_ALLOW_PLAINTEXT": "true"}).allow_plaintext
