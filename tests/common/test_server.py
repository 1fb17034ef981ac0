"""The shared server plumbing: health, draining, error mapping, deadlines, size limits."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.access import parse_access
from services.common.authz import Guard
from services.common.channels import aio_channel
from services.common.config import load
from services.common.db import open_database
from services.common.errors import FieldViolation, InvalidArgument, NotFound, field_violations
from services.common.identity import StaticToken
from services.common.server import GrpcServer, Service, _ErrorMapping
from tests.conftest import METRICS
from tests.polling import eventually
from tests.tokens import mint, workload

SERVICE = "kahu.test.Probe"


class Probe:
    """A raw-bytes service whose methods misbehave on purpose."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = asyncio.Event()
        self.hang_cancelled = asyncio.Event()

    async def echo(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return request

    async def slow(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        self.entered.set()
        await self.release.wait()
        return b"finished"

    async def boom(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        raise RuntimeError("secret table name intake.reports")

    async def invalid(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        raise InvalidArgument([FieldViolation("report.site", "is required")])

    async def missing(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        raise NotFound("no such case")

    async def hang(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.hang_cancelled.set()  # the server stopped it
            raise
        return b""

    def add(self, server: grpc.aio.Server) -> None:
        handlers = {
            name: grpc.unary_unary_rpc_method_handler(getattr(self, name))
            for name in ("echo", "slow", "boom", "invalid", "missing", "hang")
        }
        server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(SERVICE, handlers)])


#: The probe's methods in an access table of their own: the workload identity may call them.
PROBE_TABLE = parse_access(
    {
        "version": 1,
        "roles": {"workload": "Kahu's own processes."},
        "rpcs": {
            f"{SERVICE}/{name}": {"target": "case", "allow": {"workload": {"scope": "any"}}}
            for name in ("echo", "slow", "boom", "invalid", "missing", "hang")
        },
    },
    Path("probe-access.yaml"),
    check_methods=False,
)


@pytest.fixture
async def probe(postgres_url: str, keys_dir: Path) -> AsyncIterator[tuple[Probe, GrpcServer, grpc.aio.Channel]]:
    settings = load(
        {
            "KAHU_DRAIN_SECONDS": "5",
            "KAHU_DRAIN_NOTICE_SECONDS": "2",
            "KAHU_MAX_MESSAGE_MIB": "1",
            "KAHU_KEYS_DIR": str(keys_dir),
            "DATABASE_URL": postgres_url,
        }
    )
    stack = AsyncExitStack()
    await open_database(settings, stack, "probe", None, max_size=2)  # its audit trail
    probe = Probe()
    guard = replace(Guard.from_settings(settings), table=PROBE_TABLE)
    server = GrpcServer([Service(SERVICE, probe.add)], host="127.0.0.1", port=0, settings=settings, guard=guard)
    port = await server.start()
    async with aio_channel(f"127.0.0.1:{port}", settings, StaticToken(mint(settings, workload()))) as channel:
        yield probe, server, channel
    probe.release.set()
    await server.stop()
    await stack.aclose()


def call(channel: grpc.aio.Channel, method: str) -> grpc.aio.UnaryUnaryMultiCallable:
    return channel.unary_unary(f"/{SERVICE}/{method}")


async def _health(channel: grpc.aio.Channel, service: str = "") -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return (await stub.Check(health_pb2.HealthCheckRequest(service=service))).status


async def test_health_serves_each_service_and_drains_on_stop(probe) -> None:
    p, server, channel = probe
    assert await _health(channel) == health_pb2.HealthCheckResponse.SERVING
    assert await _health(channel, SERVICE) == health_pb2.HealthCheckResponse.SERVING

    in_flight = asyncio.ensure_future(call(channel, "slow")(b""))
    await p.entered.wait()
    stopping = asyncio.create_task(server.stop())
    await eventually(lambda: _is_not_serving(channel), timeout=5, interval=0.02)
    p.release.set()

    assert await in_flight == b"finished"
    await stopping
    with pytest.raises(grpc.aio.AioRpcError):
        await call(channel, "echo")(b"after stop")


async def _is_not_serving(channel: grpc.aio.Channel) -> bool:
    return await _health(channel) == health_pb2.HealthCheckResponse.NOT_SERVING


async def test_unexpected_errors_are_internal_without_details(probe, caplog: pytest.LogCaptureFixture) -> None:
    _, _, channel = probe
    with caplog.at_level(logging.ERROR), pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(channel, "boom")(b"")
    assert raised.value.code() == grpc.StatusCode.INTERNAL
    assert "intake.reports" not in (raised.value.details() or "")
    assert "secret table name" in caplog.text


async def test_domain_errors_keep_their_code_and_details(probe) -> None:
    _, _, channel = probe
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(channel, "invalid")(b"")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(raised.value) == [FieldViolation("report.site", "is required")]

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(channel, "missing")(b"")
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


def _calls_recorded(method: str, code: str) -> int:
    """How many calls of `method` the server recorded with status `code`
    (services/common/metrics.py: `kahu.rpc.server.duration`, one point per call)."""
    data = METRICS.get_metrics_data()
    labels = {"rpc.method": method, "rpc.grpc.status_code": code}
    return sum(
        int(getattr(point, "count", 0))
        for resource in (data.resource_metrics if data else ())
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == "kahu.rpc.server.duration"
        for point in metric.data.data_points
        if dict(point.attributes or {}) == labels
    )


class _Context:
    """What the server's interceptor reads of a call: the time left before its deadline."""

    def __init__(self, remaining: float) -> None:
        self.remaining = remaining
        self.status: tuple[grpc.StatusCode, str] | None = None

    def time_remaining(self) -> float:
        return self.remaining

    async def abort(self, code: grpc.StatusCode, details: str = "") -> None:
        self.status = (code, details)
        raise grpc.aio.AbortError()

    def code(self) -> grpc.StatusCode | None:
        return None if self.status is None else self.status[0]


async def test_deadline_is_honoured(probe) -> None:
    """The server bounds each call by the caller's deadline, by itself: the handler is
    stopped when the time runs out and the call recorded as DEADLINE_EXCEEDED."""
    p, _, channel = probe
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(channel, "hang")(b"", timeout=0.3)
    assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    await asyncio.wait_for(p.hang_cancelled.wait(), timeout=5)  # the handler did not run on
    assert await call(channel, "echo")(b"still serving") == b"still serving"

    # The transport cancels a call whose deadline passed too (racing the server's own limit),
    # so the limit is shown apart from it: the server's interceptor, given a call with 0.3 s
    # left and no transport to cancel it, stops the handler then and records the status.
    p.hang_cancelled.clear()
    method = f"/{SERVICE}/hang-bounded"

    async def handler(details: object) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(p.hang)

    bounded = await _ErrorMapping().intercept_service(handler, SimpleNamespace(method=method))
    context = _Context(remaining=0.3)
    before = _calls_recorded(method, "DEADLINE_EXCEEDED")
    started = time.monotonic()
    with pytest.raises(grpc.aio.AbortError):
        await asyncio.wait_for(bounded.unary_unary(b"", context), timeout=5)
    assert 0.25 < time.monotonic() - started < 3
    assert context.status == (grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded")
    assert p.hang_cancelled.is_set()
    assert _calls_recorded(method, "DEADLINE_EXCEEDED") == before + 1


async def test_oversized_messages_are_refused(probe) -> None:
    _, _, channel = probe
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(channel, "echo")(b"x" * (1024 * 1024 + 1))
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
