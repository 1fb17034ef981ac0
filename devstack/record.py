"""What the supervisor started, in `<state>/run/supervisor.json`, so that the next `make run`
can stop what a supervisor killed by SIGKILL (or the OOM killer) left running.

The services, the codec server and the worker stop by themselves when the supervisor dies
(services/common/app.py); PostgreSQL and the Temporal dev server, in sessions of their own,
would go on holding their ports and data. A recorded process is only ever signalled while
its PID, creation time and command line are still those recorded: a PID reused since is
left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

TITLES = {"postgres": "PostgreSQL", "temporal": "Temporal"}
#: How a left-over part is stopped: signals in turn, each with seconds to wait, then SIGKILL.
STOPS: dict[str, tuple[tuple[signal.Signals, float], ...]] = {
    "postgres": ((signal.SIGINT, 15.0), (signal.SIGQUIT, 5.0)),  # fast, then immediate shutdown
    "temporal": ((signal.SIGTERM, 10.0),),
}
CHILD_STOP = ((signal.SIGTERM, 30.0),)
"""Services, codec server and worker: normally already stopping by themselves."""
_CREATE_TIME_TOLERANCE = 2.0
"""Seconds: psutil's creation time moves with the boot time Linux reports, which clock steps
shift by whole seconds (a PID reused with the same command line that soon is not a risk)."""


class AlreadyRunning(RuntimeError):
    """The recorded supervisor still runs; the message is one line."""


@dataclass(frozen=True)
class Recorded:
    """One process as started: enough to tell it from a later process with its PID."""

    name: str
    pid: int
    create_time: float
    cmdline: list[str]

    @classmethod
    def of(cls, name: str, process: psutil.Process) -> Recorded:
        with process.oneshot():
            return cls(name, process.pid, process.create_time(), process.cmdline())

    def find(self) -> psutil.Process | None:
        """The process, while it runs (a zombie does not) as recorded."""
        try:
            process = psutil.Process(self.pid)
            with process.oneshot():
                same = (
                    abs(process.create_time() - self.create_time) < _CREATE_TIME_TOLERANCE
                    and process.cmdline() == self.cmdline
                    and process.status() != psutil.STATUS_ZOMBIE
                )
        except psutil.Error:
            return None
        return process if same else None


class RunRecord:
    """The record of this supervisor and the parts it started, rewritten on each change."""

    def __init__(self, path: Path, supervisor: Recorded) -> None:
        self.path = path
        self.supervisor = supervisor
        self.parts: list[Recorded] = []

    @classmethod
    def claim(cls, path: Path, say: Callable[[str], None]) -> RunRecord:
        """Raise `AlreadyRunning` if the supervisor recorded at `path` still runs; otherwise
        stop what it left running, saying so, and record this process as the supervisor."""
        previous = _read(path)
        if previous is not None:
            supervisor, parts = previous
            if supervisor.find() is not None:
                state = path.parent.parent
                raise AlreadyRunning(f"another `make run` is running on {state} (PID {supervisor.pid})")
            stop_left_over(parts, say)
        record = cls(path, Recorded.of("supervisor", psutil.Process()))
        record._write()
        return record

    def add(self, name: str, pid: int, cmdline: Sequence[str]) -> None:
        """Record a process started with `cmdline` (unless it is gone already): as passed,
        for /proc can show an empty one just after the exec."""
        with contextlib.suppress(psutil.Error):
            self.parts.append(Recorded(name, pid, psutil.Process(pid).create_time(), list(cmdline)))
            self._write()

    def forget(self, name: str) -> None:
        """Drop the record of `name` (it died; its restart is recorded anew)."""
        self.parts = [part for part in self.parts if part.name != name]
        self._write()

    def replace(self, name: str, pid: int, cmdline: Sequence[str]) -> None:
        """Record a restarted process in place of the one of that name that died."""
        self.forget(name)
        self.add(name, pid, cmdline)

    @contextlib.asynccontextmanager
    async def recording(self, name: str, match: Callable[[list[str]], bool]) -> AsyncIterator[None]:
        """Meanwhile, record the child of this process whose command line `match`es as soon
        as it runs (so that it is recorded while it is still starting)."""

        async def poll() -> None:
            while True:  # a child process's exec, no event to wait for
                if self._add_child(name, match):
                    return
                await asyncio.sleep(0.02)

        task = asyncio.create_task(poll())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._add_child(name, match)  # started since the last poll

    def remove(self) -> None:
        """Forget the record: everything stopped."""
        self.path.unlink(missing_ok=True)

    def _add_child(self, name: str, match: Callable[[list[str]], bool]) -> bool:
        if any(part.name == name for part in self.parts):
            return True
        for child in psutil.Process().children():
            try:
                cmdline = child.cmdline()
            except psutil.Error:
                continue
            if match(cmdline):
                self.add(name, child.pid, cmdline)
                return True
        return False

    def _write(self) -> None:
        content = {"supervisor": asdict(self.supervisor), "parts": [asdict(part) for part in self.parts]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(content, indent=2) + "\n")
        os.replace(temporary, self.path)


def stop_left_over(parts: Sequence[Recorded], say: Callable[[str], None]) -> None:
    """Stop the recorded parts that still run as recorded, in the order the supervisor stops
    them: services, codec server and worker together, then Temporal, then PostgreSQL."""
    for group in (
        [part for part in parts if part.name not in STOPS],
        [part for part in parts if part.name == "temporal"],
        [part for part in parts if part.name == "postgres"],
    ):
        found = [(part, process) for part in group if (process := part.find()) is not None]
        if not found:
            continue
        _stop([process for _, process in found], STOPS.get(found[0][0].name, CHILD_STOP))
        for part, process in found:
            title = TITLES.get(part.name, part.name)
            if _gone(process):
                say(f"stopped {title} (PID {part.pid}) left by a supervisor that died")
            else:
                say(f"could not stop {title} (PID {part.pid}) left by a supervisor that died")


def _stop(processes: Sequence[psutil.Process], steps: Sequence[tuple[signal.Signals, float]]) -> None:
    for sig, wait in (*steps, (signal.SIGKILL, 5.0)):
        running = [process for process in processes if not _gone(process)]
        if not running:
            return
        for process in running:
            with contextlib.suppress(psutil.Error):  # gone, or not ours to signal
                process.send_signal(sig)  # psutil refuses a PID reused since
        deadline = time.monotonic() + wait
        while not all(_gone(process) for process in running) and time.monotonic() < deadline:
            time.sleep(0.05)


def _gone(process: psutil.Process) -> bool:
    """Exited: no such process, or a zombie (an orphan's, if nothing reaps it)."""
    try:
        return bool(process.status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def _read(path: Path) -> tuple[Recorded, list[Recorded]] | None:
    """The recorded supervisor and parts; None if there is no (readable) record."""
    try:
        content = json.loads(path.read_text())
        return Recorded(**content["supervisor"]), [Recorded(**part) for part in content["parts"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
