"""Cases end to end on the dev stack, beside raw Temporal doing the same with no work.

Phase 1: N reports through IntakeService.SubmitReport, beside N raw
`client.start_workflow` calls on the same server. Phase 2: each case triaged, allocated,
completed and closed through the domain services, beside the no-work baseline workflow
driven with the same number of activities and updates.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from bench.baseline import BaselineAssessment, BaselineCase, noop
from bench.results import Comparison, Report, summary_ms
from bench.stack import Stack, cpu_delta, running_stack
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


async def run(stack: Stack, n: int, concurrency: int) -> Report:
    settings = stack.settings
    cpu: dict[str, dict[str, float]] = {}
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    kahu_client = await connect_temporal(settings, "bench")  # reads the cases' (encrypted) results
    tokens = StaticToken(bench_token(settings))
    async with (
        aio_channel(settings.address("intake"), settings, tokens, traced=False) as intake_channel,
        aio_channel(settings.address("triage"), settings, tokens, traced=False) as triage_channel,
        aio_channel(settings.address("assessment"), settings, tokens, traced=False) as assessment_channel,
    ):
        intake = intake_pb2_grpc.IntakeServiceStub(intake_channel)
        triage = triage_pb2_grpc.TriageServiceStub(triage_channel)
        assessment = assessment_pb2_grpc.AssessmentServiceStub(assessment_channel)
        await bounded(concurrency, concurrency, lambda i: intake.SubmitReport(report(-i)))  # warm up

        mark = stack.cpu_seconds()
        submitted, submit_latencies, submit_wall = await bounded(
            n, concurrency, lambda i: intake.SubmitReport(report(i))
        )
        cpu["submit_report"], mark = cpu_delta(mark, stack.cpu_seconds()), stack.cpu_seconds()

        async def drive(i: int) -> None:
            case_id = submitted[i].case_id
            await until_ok(lambda: triage.GetProposal(triage_pb2.GetProposalRequest(case_id=case_id)))
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

        _, case_latencies, case_wall = await bounded(n, concurrency, drive)
        cpu["cases"], mark = cpu_delta(mark, stack.cpu_seconds()), stack.cpu_seconds()

    queue = f"bench-baseline-{uuid.uuid4()}"
    async with Worker(client, task_queue=queue, workflows=[BaselineCase, BaselineAssessment], activities=[noop]):

        async def start(i: int) -> WorkflowHandle[Any, Any]:
            return await client.start_workflow(BaselineCase.run, id=f"baseline-{uuid.uuid4()}", task_queue=queue)

        handles, start_latencies, start_wall = await bounded(n, concurrency, start)
        cpu["raw_start_workflow"], mark = cpu_delta(mark, stack.cpu_seconds()), stack.cpu_seconds()

        async def drive_baseline(i: int) -> None:
            handle = handles[i]
            await update_when_ready(handle, "decide")
            child = client.get_workflow_handle(f"{handle.id}-assessment")
            await update_when_ready(child, "allocate")
            await update_when_ready(child, "complete")
            await handle.result()

        _, baseline_latencies, baseline_wall = await bounded(n, concurrency, drive_baseline)
        cpu["baseline_cases"] = cpu_delta(mark, stack.cpu_seconds())

    return Report(
        benchmark="cases",
        parameters={"cases": n, "concurrency": concurrency},
        comparisons=[
            Comparison("SubmitReport throughput", n / submit_wall, n / start_wall, "calls/s", 0.8),
            Comparison("completed cases", n / case_wall, n / baseline_wall, "cases/s", 0.5),
        ],
        figures={
            "submit_report": summary_ms(submit_latencies),
            "raw_start_workflow": summary_ms(start_latencies),
            "case_to_closure": summary_ms(case_latencies),
            "baseline_to_completion": summary_ms(baseline_latencies),
            "cpu_seconds_by_phase": cpu,
        },
    )


async def main() -> Report:
    n = int(os.environ.get("BENCH_CASES", "200"))
    concurrency = int(os.environ.get("BENCH_CONCURRENCY", "16"))
    async with running_stack() as stack:
        return await run(stack, n, concurrency)
