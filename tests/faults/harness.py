"""What the fault tests share: `make run`'s stack started and stopped, reports submitted as an
agency system would, and a part killed (SIGKILL) as the supervisor recorded it."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import grpc
import psutil
from temporalio.client import Client

from kahu.v1 import intake_pb2, intake_pb2_grpc
from services.common.codec import EncryptionCodec, data_converter
from tests.devstack.test_devstack import ROOT, Stack, assert_all_gone, tree

IN_FLIGHT = 8
#: Codes a client retries with the same key: the call may or may not have been taken.
RETRY = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}
#: Seconds a killed part has to be restarted (its backoff, then its start).
RESTART_TIMEOUT = 90


@asynccontextmanager
async def running(state_dir: Path, extra: dict[str, str] | None = None) -> AsyncIterator[Stack]:
    """`make run`'s stack, ready; stopped with SIGINT afterwards, leaving no process behind."""
    stack = Stack(state_dir, extra=extra)
    try:
        await asyncio.to_thread(stack.wait_ready)
        yield stack
    finally:
        try:
            if stack.process.poll() is None:
                stack.processes = tree(stack.process.pid)
                stack.process.send_signal(signal.SIGINT)
                await asyncio.to_thread(stack.process.wait, 90)
                assert_all_gone(stack.processes)
        finally:
            stack.clean_up()


def database_url(stack: Stack) -> str:
    return f"postgresql://postgres@127.0.0.1:{stack.ports['postgres']}/kahu"


async def temporal_client(stack: Stack) -> Client:
    """A client of the stack's Temporal that reads its payloads (query answers) with its keys."""
    codec = EncryptionCodec.from_dir(stack.state_dir / "keys" / "payload")
    return await Client.connect(f"127.0.0.1:{stack.ports['temporal']}", data_converter=data_converter(codec))


def token(stack: Stack) -> str:
    env = dict(stack.env, KAHU_KEYS_DIR=str(stack.state_dir / "keys"))
    command = [sys.executable, "-m", "cli.main", "token", "--role", "intake-social-worker", "--site", "hutt"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=True)
    return done.stdout.strip()


def kill(stack: Stack, part: str) -> int:
    """SIGKILL the part as the supervisor recorded it; its PID."""
    parts = json.loads(stack.record.read_text())["parts"]
    (pid,) = [p["pid"] for p in parts if p["name"] == part]
    psutil.Process(pid).send_signal(signal.SIGKILL)
    return int(pid)


async def kill_and_await_restart(stack: Stack, part: str) -> int:
    """SIGKILL the part, then wait until the supervisor says it restarted; its PID."""
    since = len(stack.output.lines)
    pid = kill(stack, part)
    await asyncio.to_thread(stack.output.wait_for, f"kahu: {part} restarted", RESTART_TIMEOUT, since)
    return pid


class Submitter:
    """Submits reports as an agency system would: every fifth first attempt abandoned after
    a few milliseconds, every retry with the same key until the report is accepted."""

    def __init__(self, stack: Stack, bearer: str) -> None:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{stack.ports['intake']}")
        self._stub = intake_pb2_grpc.IntakeServiceStub(channel)
        self._metadata = (("authorization", f"Bearer {bearer}"),)
        self.retries = 0
        self.refused: list[str] = []

    async def submit(self, index: int, request: intake_pb2.SubmitReportRequest) -> str:
        deadline = time.monotonic() + 300
        timeout = 0.005 if index % 5 == 0 else 15.0
        while True:
            try:
                answer = await self._stub.SubmitReport(request, timeout=timeout, metadata=self._metadata)
                return str(answer.case_id)
            except grpc.aio.AioRpcError as error:
                if error.code() not in RETRY:
                    self.refused.append(f"{error.code().name}: {error.details()}")
                    raise
                assert time.monotonic() < deadline, f"report {index} not accepted: {error.code().name}"
                self.retries += 1
                timeout = 15.0
                await asyncio.sleep(0.5)  # a client's backoff, not a wait for state

    async def submit_all(
        self, stack: Stack, requests: list[intake_pb2.SubmitReportRequest], kills: Mapping[int, str] | None = None
    ) -> tuple[dict[str, str], list[str]]:
        """Submit `requests` IN_FLIGHT at a time, SIGKILLing `kills[n]` while the batch holding
        report n is in flight; the case id by each report's key, and the parts killed."""
        pending = dict(sorted((kills or {}).items()))
        killed: list[str] = []
        case_of: dict[str, str] = {}
        for start in range(0, len(requests), IN_FLIGHT):
            batch = list(enumerate(requests))[start : start + IN_FLIGHT]
            calls = [asyncio.create_task(self.submit(i, r)) for i, r in batch]
            due = [at for at in pending if at < start + IN_FLIGHT]
            if due:  # kill while the rest of this batch is in flight
                await asyncio.wait(calls, return_when=asyncio.FIRST_COMPLETED)
            for at in due:
                part = pending.pop(at)
                killed.append(f"{part} (PID {kill(stack, part)})")
            for (_, request), case_id in zip(batch, await asyncio.gather(*calls), strict=True):
                case_of[request.idempotency_key] = case_id
        return case_of, killed
