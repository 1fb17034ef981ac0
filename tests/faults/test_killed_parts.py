"""Fault tests: reports submitted to `make run`'s stack while its real processes are killed
(SIGKILL) one after another, with clients that give up on calls and retry with the same key.
Afterwards every accepted report has exactly one case, its workflow started once and
waiting in triage on a running deadline, counted independently from PostgreSQL and from
Temporal. KAHU_FAULT_CASES sets how many reports (`make test-faults`: 200)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import grpc
import psutil
import pytest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from kahu.v1 import intake_pb2, intake_pb2_grpc
from tests import factories
from tests.devstack.test_devstack import ROOT, Stack, assert_all_gone, tree
from workflows import search_attributes as sa

CASES = int(os.environ.get("KAHU_FAULT_CASES", "40"))
IN_FLIGHT = 8
#: Codes a client retries with the same key: the call may or may not have been taken.
RETRY = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}
#: Which part is killed once this share of the reports has been submitted.
FAULTS = {0.2: "intake", 0.4: "temporal", 0.6: "postgres", 0.8: "worker"}


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


class Submitter:
    """Submits reports as an agency system would: every fifth first attempt abandoned after
    a few milliseconds, every retry with the same key until the report is accepted."""

    def __init__(self, stub: intake_pb2_grpc.IntakeServiceStub, bearer: str) -> None:
        self._stub = stub
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


async def recovered(database: str, temporal: Client, case_ids: set[str]) -> tuple[int, int, int]:
    """(cases in PostgreSQL, of those with their workflow marked started, workflows in
    Temporal waiting in triage on a deadline)."""
    connection = await asyncpg.connect(database)
    try:
        rows = await connection.fetch(
            "SELECT case_id::text AS id, workflow_started_at IS NOT NULL AS started FROM intake.cases"
            " WHERE case_id::text = ANY($1::text[])",
            sorted(case_ids),
        )
    finally:
        await connection.close()
    waiting = 0
    for case_id in case_ids:
        try:
            described = await temporal.get_workflow_handle(f"case-{case_id}").describe()
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                continue
            raise
        attributes = described.typed_search_attributes
        if attributes.get(sa.STAGE) == "TRIAGE" and attributes.get(sa.DUE_AT) is not None:
            waiting += 1
    return len(rows), sum(1 for row in rows if row["started"]), waiting


@pytest.mark.integration
async def test_every_report_survives_parts_killed_while_it_is_submitted(tmp_path: Path) -> None:
    stack = Stack(tmp_path / "state")
    try:
        await asyncio.to_thread(stack.wait_ready)
        submitter = Submitter(
            intake_pb2_grpc.IntakeServiceStub(grpc.aio.insecure_channel(f"127.0.0.1:{stack.ports['intake']}")),
            await asyncio.to_thread(token, stack),
        )
        requests = [factories.submit_request() for _ in range(CASES)]
        pending = dict(sorted((int(share * CASES), part) for share, part in FAULTS.items()))
        killed: list[str] = []
        case_of: dict[str, str] = {}
        for start in range(0, CASES, IN_FLIGHT):
            batch = list(enumerate(requests))[start : start + IN_FLIGHT]
            calls = [asyncio.create_task(submitter.submit(i, r)) for i, r in batch]
            due = [at for at in pending if at < start + IN_FLIGHT]
            if due:  # kill while the rest of this batch is in flight
                await asyncio.wait(calls, return_when=asyncio.FIRST_COMPLETED)
            for at in due:
                part = pending.pop(at)
                killed.append(f"{part} (PID {kill(stack, part)})")
            for (_, request), case_id in zip(batch, await asyncio.gather(*calls), strict=True):
                case_of[request.idempotency_key] = case_id

        case_ids = set(case_of.values())
        database = f"postgresql://postgres@127.0.0.1:{stack.ports['postgres']}/kahu"
        temporal = await Client.connect(f"127.0.0.1:{stack.ports['temporal']}")
        deadline = time.monotonic() + 180
        figures = await recovered(database, temporal, case_ids)
        while figures != (CASES, CASES, CASES) and time.monotonic() < deadline:
            await asyncio.sleep(1)  # recovery is the system's own work: poll it with a deadline
            figures = await recovered(database, temporal, case_ids)

        print(
            f"\nfaults: {CASES} reports, killed {', '.join(killed)};"
            f" {submitter.retries} retries with the same key; {len(case_ids)} distinct cases;"
            f" in PostgreSQL {figures[0]} cases, {figures[1]} marked started;"
            f" in Temporal {figures[2]} waiting in triage on a deadline"
        )
        assert submitter.refused == []
        assert len(case_ids) == CASES  # one case per report: none lost, none doubled
        assert figures == (CASES, CASES, CASES)
        for part in ("intake", "temporal", "postgres", "worker"):
            await asyncio.to_thread(stack.output.wait_for, f"kahu: {part} restarted", 60)
    finally:
        if stack.process.poll() is None:
            stack.processes = tree(stack.process.pid)
            stack.process.send_signal(signal.SIGINT)
            await asyncio.to_thread(stack.process.wait, 90)
            assert_all_gone(stack.processes)
        stack.clean_up()
