"""Transport: TLS with client certificates when configured, certificates re-read when they
change (or, for the worker's client certificate, a restart), plaintext only on loopback
unless explicitly allowed, and plaintext health alone for probes."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import ssl
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from services.codec import app as codec_app
from services.common import tls as tls_module
from services.common.channels import aio_channel
from services.common.config import ConfigError, Settings, TlsFiles, load
from services.common.server import GrpcServer
from tests.certs import Authority
from tests.conftest import free_port
from tests.polling import eventually
from workflows.worker import serve as worker_serve


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


async def test_probes_get_plaintext_health_alone_beside_the_tls_port(
    settings: Settings, pki: tuple[Authority, Authority, Path]
) -> None:
    ca1, _, tmp = pki
    cert, key = ca1.issue("intake", tmp / "server", "server")
    (tmp / "ca1.pem").write_bytes(ca1.pem())
    secured = replace(_settings(settings, cert, key, tmp / "ca1.pem"), probe_port=free_port(), drain_notice_seconds=3)
    server = GrpcServer([], host="0.0.0.0", port=0, settings=secured)  # not loopback, no KAHU_ALLOW_PLAINTEXT
    port = await server.start()
    probe = f"127.0.0.1:{server.probe_port}"
    stopping = None
    try:
        assert server.probe_port == secured.probe_port
        assert await _health(probe, settings) == health_pb2.HealthCheckResponse.SERVING  # plaintext
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await _health(f"127.0.0.1:{port}", settings)  # the main port is TLS only
        assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
        async with aio_channel(probe, settings, traced=False) as channel:
            stream = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")])
            )
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                async for _ in stream:
                    pass
            assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED, "health, and nothing else"

        stopping = asyncio.create_task(server.stop())

        async def draining() -> bool:
            return await _health(probe, settings) == health_pb2.HealthCheckResponse.NOT_SERVING

        await eventually(draining)  # within the notice period
    finally:
        await (stopping if stopping is not None else server.stop())


async def test_a_health_only_server_listens_in_plaintext_anywhere(settings: Settings) -> None:
    server = GrpcServer([], host="0.0.0.0", port=0, settings=settings, health_only=True)  # the worker's
    port = await server.start()
    try:
        assert await _health(f"127.0.0.1:{port}", settings) == health_pb2.HealthCheckResponse.SERVING
    finally:
        await server.stop()


def _renew(source: tuple[Path, Path], target: tuple[Path, Path]) -> None:
    """Replace the certificate files in `target` (cert, key) with `source`'s, as a renewal does."""
    for new, old in zip(source, target, strict=True):
        shutil.copyfile(new, old)
        later = time.time_ns() + 10**9
        os.utime(old, ns=(later, later))


async def _served_certificate_issuer(port: int) -> str:
    """The common name of the issuer of the certificate served on `port`."""
    loop = asyncio.get_running_loop()

    def handshake() -> str:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            context.wrap_socket(raw) as tls_socket,
        ):
            der = tls_socket.getpeercert(binary_form=True)
        assert der is not None
        issuer = x509.load_der_x509_certificate(der).issuer
        return str(issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)

    return await loop.run_in_executor(None, handshake)


async def test_the_codec_server_serves_a_renewed_certificate_without_a_restart(
    settings: Settings, pki: tuple[Authority, Authority, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tls_module, "CHECK_SECONDS", 0.05)
    ca1, ca2, tmp = pki
    served = ca1.issue("codec", tmp / "codec", "server")
    secured = _settings(settings, *served, None)
    async with AsyncExitStack() as stack:
        port = await codec_app.start(secured, stack, port=free_port())
        assert await _served_certificate_issuer(port) == "kahu-ca-1"

        _renew(ca2.issue("codec", tmp / "renewed", "server"), served)

        async def renewed() -> bool:
            return await _served_certificate_issuer(port) == "kahu-ca-2"

        await eventually(renewed)


async def test_the_worker_restarts_to_present_a_renewed_client_certificate(
    settings: Settings, pki: tuple[Authority, Authority, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its channels present the certificate they opened with, so it stops (cleanly, and
    its orchestrator starts it again) once the files change."""
    monkeypatch.setattr(tls_module, "CHECK_SECONDS", 0.05)
    ca1, ca2, tmp = pki
    client = ca1.issue("worker", tmp / "worker", "client")
    (tmp / "ca1.pem").write_bytes(ca1.pem())
    secured = replace(
        _settings(settings, *client, tmp / "ca1.pem"),
        task_queue=f"renewal-{uuid.uuid4().hex[:8]}",
        ports={**settings.ports, "worker_health": free_port()},
        drain_notice_seconds=0.1,
    )
    running = asyncio.create_task(worker_serve(secured))
    health = f"127.0.0.1:{secured.port('worker_health')}"

    async def serving() -> bool:
        try:
            return await _health(health, settings) == health_pb2.HealthCheckResponse.SERVING
        except grpc.aio.AioRpcError:
            return False

    try:
        await eventually(serving)
        assert not running.done()
        _renew(ca2.issue("worker", tmp / "renewed", "client"), client)
        await asyncio.wait_for(running, timeout=60)  # returns: a clean stop, not a crash
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
