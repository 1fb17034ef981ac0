"""The one way to build and run a Kahu gRPC server.

Every domain service (and the worker's health endpoint) runs through `GrpcServer`:
standard health service, reflection, OpenTelemetry, error mapping, deadlines, message
size limits, authentication, authorisation and audit of every call (the health service
alone is anonymous; services/common/authz.py), TLS when configured (plaintext only on
loopback unless KAHU_ALLOW_PLAINTEXT), and a graceful drain on stop.

Probes that cannot speak TLS (Kubernetes' native gRPC probes) get a port of their own,
KAHU_PROBE_PORT, in plaintext on any address: it serves grpc.health.v1 and nothing else,
with the main port's statuses, and the worker's health endpoint is such a server.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import aio_server_interceptor

from services.common import outages
from services.common.audit import Auditor
from services.common.authz import Authorisation, Guard
from services.common.config import Settings
from services.common.db import MIGRATED
from services.common.errors import DomainError
from services.common.metrics import record_rpc
from services.common.outages import is_outage
from services.common.tls import check_plaintext, server_credentials
from services.common.tracing import current_trace_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Service:
    """A servicer to mount: its full proto name and the generated `add_..._to_server`.

    Its calls are audited in its schema's `audit` table: the schema named after the
    service (`kahu.v1.PlacementService` -> `placement`) unless `schema` says otherwise,
    through the pool that migrated that schema last (`services.common.db.migrate`).
    """

    full_name: str
    add_to_server: Callable[[grpc.aio.Server], None]
    schema: str | None = None

    @property
    def audit_schema(self) -> str:
        return self.schema or self.full_name.rpartition(".")[2].removesuffix("Service").lower()


class _ErrorMapping(grpc.aio.ServerInterceptor):
    """Turns domain errors into rich statuses, an unreachable dependency into UNAVAILABLE
    (services/common/outages.py), anything else into a bare INTERNAL, bounds
    each call by the caller's deadline, and records its duration and final status code
    (services/common/metrics.py)."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        behaviour = handler.unary_unary
        method = handler_call_details.method

        async def guarded(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            remaining = context.time_remaining()
            limit = asyncio.timeout(remaining)
            try:
                if remaining is not None and remaining <= 0:
                    code = grpc.StatusCode.DEADLINE_EXCEEDED
                    await context.abort(code, "deadline exceeded")
                async with limit:
                    return await behaviour(request, context)
            except DomainError as err:
                code = err.code
                await context.abort_with_status(err.to_status())
            except TimeoutError:
                if limit.expired():
                    code = grpc.StatusCode.DEADLINE_EXCEEDED
                    await context.abort(code, "deadline exceeded")
                code = grpc.StatusCode.UNAVAILABLE  # a dependency timed out within the caller's time
                await context.abort(code, outages.MESSAGE)
            except asyncio.CancelledError:
                code = grpc.StatusCode.CANCELLED
                raise
            except Exception as err:
                if isinstance(err, grpc.aio.AbortError):
                    found = context.code()
                    code = found if isinstance(found, grpc.StatusCode) else grpc.StatusCode.UNKNOWN
                    raise
                if is_outage(err):
                    code = grpc.StatusCode.UNAVAILABLE
                    log.warning(
                        "%s: a dependency is unavailable (%s; trace %s)", method, type(err).__name__, current_trace_id()
                    )
                    await context.abort(code, outages.MESSAGE)
                code = grpc.StatusCode.INTERNAL
                log.exception("unexpected error in %s (trace %s)", method, current_trace_id())
                await context.abort(code, f"internal error; quote trace id {current_trace_id()}")
            finally:
                record_rpc(method, code, time.perf_counter() - started)

        return grpc.unary_unary_rpc_method_handler(
            guarded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class GrpcServer:
    """A grpc.aio server with Kahu's standard plumbing around the given services."""

    def __init__(
        self,
        services: Sequence[Service],
        *,
        host: str,
        port: int,
        settings: Settings,
        guard: Guard | None = None,
        health_only: bool = False,
    ) -> None:
        if health_only and services:
            raise ValueError("a health-only server serves no other service")
        self._services = services
        self._health_only = health_only
        self._host = host
        self._address = f"{host}:{port}"
        self._settings = settings
        self._drain_seconds = settings.drain_seconds
        self._notice_seconds = settings.drain_notice_seconds
        self.health = HealthServicer()
        self.guard = guard or Guard.from_settings(settings)
        self._server = grpc.aio.server(
            interceptors=[aio_server_interceptor(), _ErrorMapping(), Authorisation(self.guard)],
            options=[
                ("grpc.max_receive_message_length", settings.max_message_bytes),
                ("grpc.max_send_message_length", settings.max_message_bytes),
                ("grpc.so_reuseport", 0),
            ],
        )
        self.port = 0
        self._probe: grpc.aio.Server | None = None
        self.probe_port = 0

    async def start(self) -> int:
        """Bind, mark every service SERVING and return the bound port."""
        for service in self._services:
            schema = service.audit_schema
            if schema not in MIGRATED:
                raise RuntimeError(f"{service.full_name}: no audit trail: its schema {schema!r} was not migrated")
            self.guard.auditors[service.full_name] = Auditor(MIGRATED[schema], schema)
            missing = [
                f"{service.full_name}/{m}"
                for m in _method_names(service.full_name)
                if self.guard.table.entry(f"{service.full_name}/{m}") is None
            ]
            if missing:
                log.warning("not in the access table, so refused to every caller: %s", ", ".join(missing))
            service.add_to_server(self._server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        names = [s.full_name for s in self._services]
        if self._health_only:
            self.port = self._server.add_insecure_port(self._address)  # anonymous health, nothing else
        else:
            reflection.enable_server_reflection(
                [*names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME],
                self._server,
            )
            self.port = self._listen()
        if self.port == 0:
            raise OSError(f"cannot listen on {self._address}")
        if self._settings.probe_port is not None and not self._health_only:
            self._probe = grpc.aio.server()
            health_pb2_grpc.add_HealthServicer_to_server(self.health, self._probe)
            self.probe_port = self._probe.add_insecure_port(f"{self._host}:{self._settings.probe_port}")
            if self.probe_port == 0:
                raise OSError(f"cannot listen on {self._host}:{self._settings.probe_port} (KAHU_PROBE_PORT)")
            await self._probe.start()
        await self._server.start()
        for name in ["", *names]:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        return self.port

    def _listen(self) -> int:
        if self._settings.tls is not None:
            return int(self._server.add_secure_port(self._address, server_credentials(self._settings.tls)))
        check_plaintext(self._settings, self._address, listening=True)
        return int(self._server.add_insecure_port(self._address))

    async def stop(self) -> None:
        """Report NOT_SERVING while still serving for the notice period (so probes and load
        balancers turn traffic away), then refuse new calls and let in-flight ones finish
        for up to the drain time."""
        await self.health.enter_graceful_shutdown()
        await asyncio.sleep(self._notice_seconds)
        await self._server.stop(grace=self._drain_seconds)
        if self._probe is not None:
            await self._probe.stop(grace=None)

    async def wait(self) -> None:
        await self._server.wait_for_termination()


def _method_names(full_name: str) -> list[str]:
    try:
        return [m.name for m in descriptor_pool.Default().FindServiceByName(full_name).methods]
    except KeyError:
        return []


async def run_until_signalled(stop: Callable[[], Awaitable[None]]) -> None:
    """Block until SIGINT or SIGTERM, then await `stop`."""
    loop = asyncio.get_running_loop()
    signalled = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, signalled.set)
    await signalled.wait()
    log.info("stopping")
    await stop()
