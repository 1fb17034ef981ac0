"""The dev stack's child processes: output to a log file, readiness by the standard gRPC
health check, stop by SIGTERM and then, past a deadline, SIGKILL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.channels import aio_channel
from services.common.config import Settings


class StartError(RuntimeError):
    """A part of the stack failed to start: a one-line message, and lines that explain it."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = list(details)


class Interrupted(Exception):
    """A stop was requested while the stack was starting."""


@dataclass(frozen=True)
class Child:
    """A started process and the address of its gRPC health service."""

    name: str
    address: str
    process: asyncio.subprocess.Process
    log_path: Path
    #: Readiness by `GET <health_url>` instead of the gRPC health service (the codec server),
    #: or an SMTP greeting for an `smtp://HOST:PORT` one (the SMTP sink).
    health_url: str | None = None

    @property
    def exit_code(self) -> int | None:
        return self.process.returncode

    def log_tail(self, lines: int = 20) -> list[str]:
        """Last lines of its output."""
        try:
            return self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return []


async def spawn(
    name: str,
    args: Sequence[str],
    *,
    address: str,
    env: Mapping[str, str],
    cwd: Path,
    log_dir: Path,
    health_url: str | None = None,
    append: bool = False,
) -> Child:
    """Start `args` in its own session (a terminal's Ctrl-C is for the supervisor only),
    its output in `<log_dir>/<name>.log` (started anew, or appended to with `append`)."""
    log_path = log_dir / f"{name}.log"
    with log_path.open("ab" if append else "wb") as log:
        process = await asyncio.create_subprocess_exec(
            *args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    return Child(name, address, process, log_path, health_url)


async def is_serving(address: str, timeout: float, settings: Settings | None = None) -> bool:
    """Whether the server at `address` answers SERVING for the overall health check ("");
    the health service is anonymous, so no token is sent (TLS when `settings` says so)."""
    try:
        channel = (
            aio_channel(address, settings, traced=False) if settings is not None else grpc.aio.insecure_channel(address)
        )
        async with channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=timeout
            )
    except grpc.aio.AioRpcError:
        return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


async def is_http_serving(url: str, timeout: float) -> bool:
    try:
        async with aiohttp.ClientSession() as session, session.get(url, timeout=aiohttp.ClientTimeout(timeout)) as got:
            return got.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def is_smtp_serving(address: str, timeout: float) -> bool:
    """Whether an SMTP server at `address` greets a connection (220)."""
    host, _, port = address.rpartition(":")
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, int(port))
            try:
                greeting = await reader.readline()
            finally:
                writer.close()
    except (OSError, TimeoutError):
        return False
    return greeting.startswith(b"220")


async def _child_serving(child: Child, timeout: float, settings: Settings | None) -> bool:
    if child.health_url is not None and child.health_url.startswith("smtp://"):
        return await is_smtp_serving(child.health_url.removeprefix("smtp://"), timeout)
    if child.health_url is not None:
        return await is_http_serving(child.health_url, timeout)
    return await is_serving(child.address, timeout, settings)


async def wait_serving(
    children: Sequence[Child], *, timeout: float, stop: asyncio.Event, settings: Settings | None = None
) -> None:
    """Poll until every child is SERVING; raise `StartError` if one exits or time runs out,
    `Interrupted` if `stop` is set."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = list(children)
    while True:
        for child in children:
            if child.exit_code is not None:
                raise StartError(f"{child.name} exited with code {child.exit_code} while starting", child.log_tail())
        if stop.is_set():
            raise Interrupted
        remaining = deadline - loop.time()
        if remaining <= 0:
            late = pending[0]
            message = f"{late.name} did not report SERVING on {late.address} within {timeout:.0f} s"
            raise StartError(message, late.log_tail())
        answers = await asyncio.gather(*(_child_serving(child, min(1.0, remaining), settings) for child in pending))
        pending = [child for child, serving in zip(pending, answers, strict=True) if not serving]
        if not pending:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.1)


async def stop_all(children: Sequence[Child], timeout: float) -> None:
    """Stop `children` together: SIGTERM, then SIGKILL for those still running at `timeout`."""
    await asyncio.gather(*(_stop(child, timeout) for child in children))


async def _stop(child: Child, timeout: float) -> None:
    _signal(child, signal.SIGTERM)
    try:
        await asyncio.wait_for(child.process.wait(), timeout)
    except TimeoutError:
        _signal(child, signal.SIGKILL)
        await child.process.wait()


def _signal(child: Child, sig: signal.Signals) -> None:
    """Signal the child's process group (its session), only while the child runs."""
    if child.exit_code is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, sig)
