"""The platform as `make run` starts it, on free ports and a scratch state directory."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from services.common.config import DEFAULT_PORTS, Settings, load

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(n: int) -> list[int]:
    """`n` different free ports (each socket held open until all are chosen, so the kernel
    never hands the same port out twice)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass(frozen=True)
class Stack:
    settings: Settings
    pid: int

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by each part of the stack, this benchmark process and any
        other process it started (a baseline's worker)."""
        used: dict[str, float] = {}
        parts = [psutil.Process(self.pid), *psutil.Process(self.pid).children(recursive=True)]
        others = [child for child in psutil.Process().children() if child.pid != self.pid]
        for part in [*parts, psutil.Process(), *others]:
            try:
                name = _name(part)
                times = part.cpu_times()
            except psutil.NoSuchProcess:
                continue
            used[name] = used.get(name, 0.0) + times.user + times.system
        return used


def _name(process: psutil.Process) -> str:
    if process.pid == os.getpid():
        return "bench"
    cmdline: list[str] = process.cmdline()
    if cmdline and cmdline[0].startswith("postgres"):
        return "postgres"
    if "-m" in cmdline:
        return cmdline[cmdline.index("-m") + 1].removeprefix("services.").removeprefix("workflows.")
    return Path(cmdline[0]).name if cmdline else str(process.name())


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: round(after[name] - before.get(name, 0.0), 2) for name in sorted(after)}


@asynccontextmanager
async def running_stack(extra_env: Mapping[str, str] | None = None) -> AsyncIterator[Stack]:
    """Run `python -m devstack` until the block ends."""
    with tempfile.TemporaryDirectory(prefix="kahu-bench-") as state:
        env = dict(os.environ)
        ports = free_ports(len(DEFAULT_PORTS))
        env.update({f"{part.upper()}_PORT": str(port) for part, port in zip(DEFAULT_PORTS, ports, strict=True)})
        env.update(KAHU_STATE_DIR=state, **(extra_env or {}))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "devstack", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
        )
        try:
            await asyncio.wait_for(_ready(process), READY_TIMEOUT)
            yield Stack(load(env), process.pid)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
                await asyncio.wait_for(process.wait(), 90)


async def _ready(process: asyncio.subprocess.Process) -> None:
    assert process.stdout is not None
    while line := await process.stdout.readline():
        if line.strip() == b"kahu: ready":
            return
    raise RuntimeError(f"the stack stopped before it was ready (exit {await process.wait()})")
