"""A worker killed (SIGKILL) while a case waits on its SLA timer, and again between
escalation tiers: after each restart the case escalates once per tier and completes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path

import asyncpg
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from kahu.v1 import assessment_pb2, common_pb2, intake_pb2_grpc, triage_pb2
from services.common.channels import aio_channel
from services.common.config import Settings
from services.intake import app as intake_app
from tests import factories
from tests.conftest import Platform, _serve, free_port
from tests.intake.reports import closed_case
from tests.polling import answered, eventually
from workflows.policy.loader import POLICY_ENV, load_policy, shortened, write_policy

ROOT = Path(__file__).resolve().parents[2]
SLA = 8
TIER_INTERVAL = 6


@dataclasses.dataclass
class CrashRig:
    settings: Settings
    intake: intake_pb2_grpc.IntakeServiceStub
    env: dict[str, str]
    health_port: int


@pytest.fixture
async def rig(platform: Platform, tmp_path: Path) -> AsyncIterator[CrashRig]:
    """An intake whose cases go to a task queue that only the subprocess worker serves."""
    policy = write_policy(
        shortened(load_policy(), critical=SLA, triage_deadline=600, tier2=TIER_INTERVAL, tier3=TIER_INTERVAL),
        tmp_path / "policy.yaml",
    )
    settings = dataclasses.replace(platform.settings, task_queue=f"kahu-crash-{uuid.uuid4()}")
    async with AsyncExitStack() as stack:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(POLICY_ENV, str(policy))
            channel = await _serve(stack, settings, intake_app.build, free_port())
        health_port = free_port()
        env = dict(os.environ)
        env.update(
            TEMPORAL_ADDRESS=settings.temporal_address,
            KAHU_TASK_QUEUE=settings.task_queue,
            INTAKE_ADDRESS=settings.address("intake"),
            TRIAGE_ADDRESS=settings.address("triage"),
            SUPERVISION_ADDRESS=settings.address("supervision"),
            ASSESSMENT_ADDRESS=settings.address("assessment"),
            WORKER_HEALTH_PORT=str(health_port),
            DATABASE_URL=settings.database_url,
            KAHU_KEYS_DIR=settings.keys_dir,
        )
        yield CrashRig(settings, intake_pb2_grpc.IntakeServiceStub(channel), env, health_port)


@contextmanager
def worker_process(rig: CrashRig) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "workflows.worker"], cwd=ROOT, env=rig.env, stderr=subprocess.DEVNULL
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


async def serving(rig: CrashRig) -> bool:
    async with aio_channel(f"127.0.0.1:{rig.health_port}", rig.settings, traced=False) as channel:
        try:
            response = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
        except grpc.aio.AioRpcError:
            return False
    return response.status == health_pb2.HealthCheckResponse.SERVING


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


async def escalations(database_url: str, case_id: str) -> list[tuple[int, int]]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT cycle, tier FROM supervision.escalations WHERE case_id = $1 AND kind = 'ASSESSMENT' ORDER BY tier",
            uuid.UUID(case_id),
        )
    finally:
        await conn.close()
    return [(r["cycle"], r["tier"]) for r in rows]


#: Not yet: the case is not in triage yet (FAILED_PRECONDITION), its assessment has not
#: started (NOT_FOUND).
NOT_YET = (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND)


async def passed(instant: float) -> bool:
    return time.time() > instant


async def test_killed_worker_resumes_and_escalates_once_per_tier(platform: Platform, rig: CrashRig) -> None:
    with worker_process(rig) as first:
        await eventually(lambda: serving(rig), timeout=60)
        request = factories.submit_request()
        case_id = (await rig.intake.SubmitReport(request)).case_id
        await answered(
            lambda: platform.triage.RecordDecision(
                triage_pb2.RecordDecisionRequest(
                    idempotency_key=f"decide-{case_id}",
                    case_id=case_id,
                    decided_by="sw-1",
                    pathway=common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
                    timeframe=common_pb2.TIMEFRAME_CRITICAL,
                    reason="crash test",
                )
            ),
            not_yet=NOT_YET,
            timeout=60,
        )
        allocated = await answered(
            lambda: platform.assessment.Allocate(
                assessment_pb2.AllocateRequest(
                    idempotency_key=f"allocate-{case_id}",
                    case_id=case_id,
                    social_worker="sw-2",
                    site="hutt",
                    allocated_by="sup-1",
                )
            ),
            not_yet=NOT_YET,
            timeout=60,
        )
        # A Timestamp is UTC: read as local time, the deadline would be hours off east or west.
        due = allocated.assessment.due_at.ToDatetime(tzinfo=dt.UTC).timestamp()
        assert 0 < due - time.time() <= SLA, "the assessment is due within its SLA from now"
        kill(first)  # the case is waiting on its SLA timer
        assert time.time() < due, "the worker died before the deadline"

    assert await escalations(platform.database_url, case_id) == []
    await eventually(lambda: passed(due + 1), timeout=SLA + 10)
    with worker_process(rig) as second:
        await eventually(lambda: escalations_reach(platform, case_id, 1), timeout=60)
        kill(second)  # between tier 1 and tier 2
        tier1_at = time.time()

    await eventually(lambda: passed(tier1_at + TIER_INTERVAL + 1), timeout=TIER_INTERVAL + 10)
    with worker_process(rig) as third:
        await eventually(lambda: escalations_reach(platform, case_id, 3), timeout=60)
        await platform.assessment.CompleteAssessment(
            assessment_pb2.CompleteAssessmentRequest(
                idempotency_key=f"complete-{case_id}",
                case_id=case_id,
                completed_by="sw-2",
                outcome=common_pb2.OUTCOME_FAMILY_SUPPORT_PLAN,
                reason="plan agreed",
            )
        )

        case = await closed_case(platform, case_id, timeout=60)
        third.send_signal(signal.SIGTERM)
        assert third.wait(timeout=60) == 0

    assert await escalations(platform.database_url, case_id) == [(1, 1), (1, 2), (1, 3)]
    assert [e.action for e in case.timeline].count("escalation.raised") == 3


async def escalations_reach(platform: Platform, case_id: str, tiers: int) -> bool:
    return len(await escalations(platform.database_url, case_id)) >= tiers
