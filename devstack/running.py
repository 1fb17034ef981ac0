"""The running stack as the supervisor keeps it: every part that dies (a service, the codec
server, the worker, PostgreSQL, the Temporal dev server) is restarted with backoff, each
restart said in one line with the part's log; a part in a crash loop stops the stack."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from devstack.children import Child, spawn
from devstack.postgres import EmbeddedPostgres
from devstack.record import Recorded, RunRecord
from devstack.restarts import CrashLoop, Restarts

POLL_SECONDS = 0.5


def say(message: str, *, error: bool = False) -> None:
    print(f"kahu: {message}", file=sys.stderr if error else sys.stdout, flush=True)


@dataclass(frozen=True)
class ChildSpec:
    """How a child process was started, to start it again the same way."""

    name: str
    args: list[str]
    address: str
    env: Mapping[str, str]
    cwd: Path
    log_dir: Path
    health_url: str | None = None

    async def spawn(self, *, append: bool = False) -> Child:
        """Start it; `append` keeps its log (a restart), otherwise the log starts anew."""
        return await spawn(
            self.name,
            self.args,
            address=self.address,
            env=self.env,
            cwd=self.cwd,
            log_dir=self.log_dir,
            health_url=self.health_url,
            append=append,
        )


@dataclass
class TemporalServer:
    """The Temporal dev server: how to start it, and the running one (None while down)."""

    start: Callable[[], Awaitable[WorkflowEnvironment]]
    log_path: Path
    env: WorkflowEnvironment | None = None

    async def shutdown(self) -> None:
        env, self.env = self.env, None
        if env is not None:
            with contextlib.suppress(Exception):  # already dead: nothing left to stop
                await env.shutdown()


@dataclass
class Running:
    """What runs: the child groups (lists the exit stack stops, so a restarted child is
    replaced in place), PostgreSQL and Temporal, and how each is restarted."""

    record: RunRecord
    groups: list[list[Child]]
    specs: dict[str, ChildSpec]
    postgres: EmbeddedPostgres
    postgres_matcher: Callable[[list[str]], bool]
    temporal: TemporalServer
    temporal_matcher: Callable[[list[str]], bool]
    restarts: dict[str, Restarts] = field(default_factory=dict)

    async def supervise(self, stop: asyncio.Event) -> int:
        """Keep every part up until a stop request (0) or a crash loop (1)."""
        try:
            while not stop.is_set():
                if self.postgres.pid is None:
                    await self._restart("postgres", self.postgres.log_path, self._start_postgres, stop)
                if not self._temporal_runs():
                    await self._restart("temporal", self.temporal.log_path, self._start_temporal, stop)
                await self._restart_dead_children(stop)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), POLL_SECONDS)
        except CrashLoop as loop_error:
            say(f"{loop_error}; stopping everything", error=True)
            return 1
        say("stopping")
        return 0

    async def _restart_dead_children(self, stop: asyncio.Event) -> None:
        for group in self.groups:
            for index, child in enumerate(group):
                if child.exit_code is None or stop.is_set():
                    continue
                say(f"{child.name} exited with code {child.exit_code}", error=True)
                spec = self.specs[child.name]

                async def respawn(group: list[Child] = group, index: int = index, spec: ChildSpec = spec) -> None:
                    group[index] = await self._spawn(spec)

                await self._restart(child.name, child.log_path, respawn, stop)

    def _temporal_runs(self) -> bool:
        recorded = self._recorded("temporal")
        return recorded is not None and recorded.find() is not None

    def _recorded(self, name: str) -> Recorded | None:
        return next((part for part in self.record.parts if part.name == name), None)

    async def _restart(
        self, part: str, log_path: Path, start: Callable[[], Awaitable[None]], stop: asyncio.Event
    ) -> None:
        """Restart `part` after its backoff, until it starts or the stack stops (a failed
        start counts as a restart; CrashLoop when there were too many)."""
        restarts = self.restarts.setdefault(part, Restarts(part))
        while not stop.is_set():
            delay = restarts.next_delay(asyncio.get_running_loop().time())
            say(f"restarting {part} in {delay:.0f} s (log: {log_path})", error=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                return
            try:
                await start()
            except Exception as error:
                say(f"{part} failed to restart: {str(error).splitlines()[0] if str(error) else error!r}", error=True)
                continue
            say(f"{part} restarted")
            return

    async def _spawn(self, spec: ChildSpec) -> Child:
        child = await spec.spawn(append=True)
        self.record.replace(spec.name, child.process.pid, spec.args)
        return child

    async def _start_postgres(self) -> None:
        self.record.forget("postgres")
        async with self.record.recording("postgres", self.postgres_matcher):
            await asyncio.to_thread(self.postgres.start)

    async def _start_temporal(self) -> None:
        await self.temporal.shutdown()
        self.record.forget("temporal")
        async with self.record.recording("temporal", self.temporal_matcher):
            self.temporal.env = await self.temporal.start()


def children_of(groups: Sequence[Sequence[Child]]) -> list[Child]:
    return [child for group in groups for child in group]
