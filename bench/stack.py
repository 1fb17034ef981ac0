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
from pathlib import Path

from services.common.config import DEFAULT_PORTS, Settings, load

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running_stack(extra_env: Mapping[str, str] | None = None) -> AsyncIterator[Settings]:
    """Run `python -m devstack` until the block ends; yield the settings that reach it."""
    with tempfile.TemporaryDirectory(prefix="kahu-bench-") as state:
        env = dict(os.environ)
        env.update({f"{part.upper()}_PORT": str(free_port()) for part in DEFAULT_PORTS})
        env.update(KAHU_STATE_DIR=state, **(extra_env or {}))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "devstack", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
        )
        try:
            await asyncio.wait_for(_ready(process), READY_TIMEOUT)
            yield load(env)
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
