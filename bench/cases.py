"""Cases end to end on the dev stack, beside raw Temporal doing the same with no work.

In each of BENCH_ROUNDS rounds, ours then the baseline's: BENCH_REPORTS/rounds reports
through IntakeService.SubmitReport, beside as many raw `client.start_workflow` calls on the
same server; then BENCH_CASES/rounds of those cases triaged, allocated, completed and closed
through the domain services, beside as many of the no-work baseline workflows driven with
the same number of activities and updates (the rest stay open, waiting for triage). Each
phase starts once the one before has settled (the cases have their proposals, the baseline
workflows are ready for their decision). Rates are summed over the rounds; the
ratio of each round shows the spread.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from bench.baseline import BaselineCase
from bench.results import Comparison, Report, summary_ms
from bench.stack import READY_TIMEOUT, ROOT, Stack, cpu_delta, running_stack
from kahu.v1 import (
    assessment_pb2,
    assessment_pb2_grpc,
    common_pb2,
    intake_pb2,
    intake_pb2_grpc,
    triage_pb2,
    triage_pb2_grpc,
)
from services.common.channels import aio_channel
from services.common.config import Settings
from services.common.identity import Principal, Signer, StaticToken
from services.common.temporal import connect_temporal
from workflows.case.model import workflow_id

T = TypeVar("T")
RETRYABLE = (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAVAILABLE)
FIRST_RETRY = 0.02
LAST_RETRY = 0.5


def report(n: int) -> intake_pb2.SubmitReportRequest:
    """A synthetic report about a child no other report names."""
    return intake_pb2.SubmitReportRequest(
        idempotency_key=f"bench-{uuid.uuid4()}",
        report=common_pb2.Report(
            reporter=common_pb2.Reporter(kind=common_pb2.REPORTER_KIND_AGENCY, agency=common_pb2.AGENCY_EDUCATION),
            site="hutt",
            children=[common_pb2.Child(name=f"Tamaiti {uuid.uuid4().hex}", age_years=7)],
            concerns=[common_pb2.CONCERN_CATEGORY_NEGLECT],
            incidents=[
                common_pb2.Incident(occurred_on=common_pb2.Date(year=2026, month=1, day=5), description="synthetic")
            ],
            risk_reason=f"synthetic benchmark report {n}",
        ),
    )


async def bounded(n: int, concurrency: int, task: Callable[[int], Awaitable[T]]) -> tuple[list[T], list[float], float]:
    """Run task(0..n-1) with at most `concurrency` in flight; results, latencies, wall time."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(i: int) -> T:
        async with gate:
            started = time.perf_counter()
            result = await task(i)
            latencies.append(time.perf_counter() - started)
            return result

    started = time.perf_counter()
    results = await asyncio.gather(*(one(i) for i in range(n)))
    return list(results), latencies, time.perf_counter() - started


async def until_ok(call: Callable[[], Awaitable[T]]) -> T:
    """Retry, backing off, a call the case is not ready for yet (its workflow is a step behind)."""
    pause = FIRST_RETRY
    while True:
        try:
            return await call()
        except grpc.aio.AioRpcError as error:
            if error.code() not in RETRYABLE:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, LAST_RETRY)


async def update_when_ready(handle: WorkflowHandle[Any, Any], update: str) -> None:
    """The baseline's twin of `until_ok`: retry, backing off, until the update is taken."""
    pause = FIRST_RETRY
    while True:
        try:
            await handle.execute_update(update)
            return
        except (WorkflowUpdateFailedError, RPCError) as error:
            if isinstance(error, RPCError) and error.status != RPCStatusCode.NOT_FOUND:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, LAST_RETRY)


#: The one member of staff the benchmark acts as (the social worker it allocates is sw-bench).
BENCH_STAFF = "sup-bench"


def bench_token(settings: Settings) -> str:
    """A token for BENCH_STAFF, signed with the benchmark stack's development key."""
    principal = Principal(
        subject=BENCH_STAFF,
        roles=frozenset({"intake_social_worker", "supervisor"}),
        sites=frozenset({"hutt"}),
        dev=True,
    )
    signer = Signer.from_dir(settings.signing_keys_dir)
    return signer.mint(principal, issuer=settings.token_issuer, audience=settings.token_audience, ttl=6 * 3600)


@dataclass
class Phase:
    """One measured phase, ours or the baseline's, summed over the rounds."""

    calls: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)

    def add(self, n: int, latencies: list[float], wall: float, cpu: dict[str, float]) -> None:
        self.calls += n
        self.wall += wall
        self.latencies.extend(latencies)
        self.rates.append(n / wall)
        for part, seconds in cpu.items():
            self.cpu[part] = round(self.cpu.get(part, 0.0) + seconds, 2)

    @property
    def rate(self) -> float:
        return self.calls / self.wall


def by_round(ours: Phase, baseline: Phase) -> list[float]:
    """Ours' rate over the baseline's, round by round."""
    return [round(a / b, 2) for a, b in zip(ours.rates, baseline.rates, strict=True)]


@asynccontextmanager
async def twin_worker(settings: Settings, queue: str) -> AsyncIterator[None]:
    """The no-work twin's worker in a process of its own, as the Kahu worker is (sharing this
    process's event loop with the calls it is measured by would slow the baseline)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.baseline",
        settings.temporal_address,
        settings.temporal_namespace,
        queue,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        if await asyncio.wait_for(process.stdout.readline(), READY_TIMEOUT) != b"ready\n":
            raise RuntimeError(f"the baseline worker did not start (exit {process.returncode})")
        yield
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)


async def run(stack: Stack, n: int, driven: int, concurrency: int, rounds: int) -> Report:
    settings = stack.settings
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    kahu_client = await connect_temporal(settings, "bench")  # reads the cases' (encrypted) results
    tokens = StaticToken(bench_token(settings))
    per_round = n // rounds
    driven_per_round = min(per_round, driven // rounds)
    phases = {name: Phase() for name in ("submit_report", "raw_start_workflow", "cases", "baseline_cases")}
    queue = f"bench-baseline-{uuid.uuid4()}"
    async with (
        aio_channel(settings.address("intake"), settings, tokens, traced=False) as intake_channel,
        aio_channel(settings.address("triage"), settings, tokens, traced=False) as triage_channel,
        aio_channel(settings.address("assessment"), settings, tokens, traced=False) as assessment_channel,
        twin_worker(settings, queue),
    ):
        intake = intake_pb2_grpc.IntakeServiceStub(intake_channel)
        triage = triage_pb2_grpc.TriageServiceStub(triage_channel)
        assessment = assessment_pb2_grpc.AssessmentServiceStub(assessment_channel)

        async def measured(phase: str, task: Callable[[int], Awaitable[T]], count: int) -> list[T]:
            mark = stack.cpu_seconds()
            results, latencies, wall = await bounded(count, concurrency, task)
            phases[phase].add(count, latencies, wall, cpu_delta(mark, stack.cpu_seconds()))
            return results

        async def proposed(case_id: str) -> None:
            await until_ok(lambda: triage.GetProposal(triage_pb2.GetProposalRequest(case_id=case_id)))

        async def drive(case_id: str) -> None:
            await proposed(case_id)
            await until_ok(
                lambda: triage.RecordDecision(
                    triage_pb2.RecordDecisionRequest(
                        idempotency_key=f"decide-{case_id}",
                        case_id=case_id,
                        decided_by=BENCH_STAFF,
                        pathway=common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
                        timeframe=common_pb2.TIMEFRAME_URGENT,
                        reason="benchmark",
                    )
                )
            )
            await until_ok(
                lambda: assessment.Allocate(
                    assessment_pb2.AllocateRequest(
                        idempotency_key=f"allocate-{case_id}",
                        case_id=case_id,
                        social_worker="sw-bench",
                        site="hutt",
                        allocated_by=BENCH_STAFF,
                    )
                )
            )
            await until_ok(
                lambda: assessment.CompleteAssessment(
                    assessment_pb2.CompleteAssessmentRequest(
                        idempotency_key=f"complete-{case_id}",
                        case_id=case_id,
                        completed_by=BENCH_STAFF,
                        outcome=common_pb2.OUTCOME_FAMILY_SUPPORT_PLAN,
                        reason="benchmark",
                    )
                )
            )
            await kahu_client.get_workflow_handle(workflow_id(case_id)).result()

        async def start(i: int) -> WorkflowHandle[Any, Any]:
            return await client.start_workflow(BaselineCase.run, id=f"baseline-{uuid.uuid4()}", task_queue=queue)

        async def drive_baseline(handle: WorkflowHandle[Any, Any]) -> None:
            await update_when_ready(handle, "decide")
            child = client.get_workflow_handle(f"{handle.id}-assessment")
            await update_when_ready(child, "allocate")
            await update_when_ready(child, "complete")
            await handle.result()

        # warm up both sides (the first workflows each worker runs import their modules)
        warm = await bounded(concurrency, concurrency, lambda i: intake.SubmitReport(report(-i)))
        await asyncio.gather(*(proposed(s.case_id) for s in warm[0]))
        warm_handles = (await bounded(concurrency, concurrency, start))[0]
        await asyncio.gather(*(update_when_ready(h, "ready") for h in warm_handles))
        for _ in range(rounds):
            # ours, then the baseline, in every round: the machine's drift falls on both
            submitted = await measured("submit_report", lambda i: intake.SubmitReport(report(i)), per_round)
            case_ids = [s.case_id for s in submitted]
            await asyncio.gather(*(proposed(c) for c in case_ids))  # its opening done, before the next phase
            handles = await measured("raw_start_workflow", start, per_round)
            await asyncio.gather(*(update_when_ready(h, "ready") for h in handles))  # likewise
            await measured("cases", lambda i: drive(case_ids[i]), driven_per_round)  # noqa: B023 (awaited at once)
            await measured("baseline_cases", lambda i: drive_baseline(handles[i]), driven_per_round)  # noqa: B023

    submit, raw = phases["submit_report"], phases["raw_start_workflow"]
    cases, baseline = phases["cases"], phases["baseline_cases"]
    return Report(
        benchmark="cases",
        parameters={
            "reports": per_round * rounds,
            "cases_driven": driven_per_round * rounds,
            "rounds": rounds,
            "concurrency": concurrency,
        },
        comparisons=[
            Comparison("SubmitReport throughput", submit.rate, raw.rate, "calls/s", 0.9),
            Comparison("completed cases", cases.rate, baseline.rate, "cases/s", 0.75),
        ],
        figures={
            "submit_report": summary_ms(submit.latencies),
            "raw_start_workflow": summary_ms(raw.latencies),
            "case_to_closure": summary_ms(cases.latencies),
            "baseline_to_completion": summary_ms(baseline.latencies),
            "ratio_by_round": {"SubmitReport": by_round(submit, raw), "completed cases": by_round(cases, baseline)},
            "cpu_seconds_by_phase": {name: phase.cpu for name, phase in phases.items()},
        },
    )


async def main() -> Report:
    n = int(os.environ.get("BENCH_REPORTS", "800"))
    driven = int(os.environ.get("BENCH_CASES", "400"))
    concurrency = int(os.environ.get("BENCH_CONCURRENCY", "16"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "8"))
    async with running_stack() as stack:
        return await run(stack, n, driven, concurrency, rounds)
