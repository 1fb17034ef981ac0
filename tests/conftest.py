"""Session-wide real servers: embedded PostgreSQL, the Temporal dev server and the
time-skipping test server, each on a free port and stopped by the handle that started it."""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import grpc
import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from devstack.postgres import EmbeddedPostgres
from devstack.temporal import start_dev_server, test_server_path
from kahu.v1 import (
    assessment_pb2_grpc,
    conference_pb2_grpc,
    intake_pb2_grpc,
    placement_pb2_grpc,
    plan_pb2_grpc,
    reporting_pb2_grpc,
    supervision_pb2_grpc,
    triage_pb2_grpc,
)
from services.assessment import app as assessment_app
from services.common.app import Build
from services.common.channels import aio_channel
from services.common.config import APP_ROLE, OWNER_ROLE, Settings, load
from services.common.identity import Principal, StaticToken
from services.common.server import GrpcServer
from services.common.temporal import connect_temporal, stop_renewals
from services.common.tracing import instrument_asyncpg
from services.conference import app as conference_app
from services.intake import app as intake_app
from services.placement import app as placement_app
from services.plan import app as plan_app
from services.supervision import app as supervision_app
from services.triage import app as triage_app
from tests.policies import SHIPPED, testing_policy, use_test_policy
from tests.sinks import Sinks
from tests.tokens import ActingAs, make_keys, mint, staff
from tests.workflows.scenarios import Harness, RecordedActivities, worker
from workflows import search_attributes
from workflows.policy.loader import POLICY_ENV, load_policy, shortened, write_policy
from workflows.policy.model import ConferenceHours, Policy, Span
from workflows.worker import CALLED_SERVICES, build_worker, service_channel

#: Every span this test run produces, for the tracing tests.
SPANS = InMemorySpanExporter()
_provider = TracerProvider()
_provider.add_span_processor(SimpleSpanProcessor(SPANS))
trace.set_tracer_provider(_provider)
#: Every metric this process records (the services run in it).
METRICS = InMemoryMetricReader()
metrics.set_meter_provider(MeterProvider(metric_readers=[METRICS]))
instrument_asyncpg()


def pytest_configure(config: pytest.Config) -> None:
    """Every service a test starts runs under the test policy (tests/policies.py), unless
    KAHU_POLICY_FILE names another."""
    if not os.environ.get(POLICY_ENV):
        use_test_policy(Path(tempfile.mkdtemp(prefix="kahu-policy-")))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "data", free_port())
    server.start()
    try:
        yield server.url()
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def temporal_port() -> AsyncIterator[int]:
    port = free_port()
    env = await start_dev_server(port=port, ui_port=None, db_filename=None)
    try:
        yield port
    finally:
        await env.shutdown()


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of each test's own, starting today. Shared, one test's
    leftovers would stall the next: its clock skips on only while no workflow has work
    that no worker will take, and tests skip it on by years (past the holiday calendars'
    range, 2100, and 32-bit seconds, 2106)."""
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(test_server_path()))
    await search_attributes.register(env.client)
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
async def harness(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Harness]:
    """A worker with recording activities on its own task queue of the time-skipping server."""
    async with _running_harness(time_skipping_env) as running:
        yield running


@pytest.fixture
async def live_harness(temporal_port: int) -> AsyncIterator[Harness]:
    """The same worker on its own task queue of the session's dev server, whose timers run
    on the wall clock: for updates racing a continue-as-new, which the time-skipping server
    answers unreliably under load (a history long poll it never answers after the workflow
    has closed; "invalid history builder state" for a task)."""
    env = WorkflowEnvironment.from_client(await Client.connect(f"127.0.0.1:{temporal_port}"))
    await search_attributes.register(env.client)
    async with _running_harness(env) as running:
        yield running


@asynccontextmanager
async def _running_harness(env: WorkflowEnvironment) -> AsyncIterator[Harness]:
    """A Harness on its own task queue of `env`, its worker running; no case outlives it."""
    activities = RecordedActivities()
    task_queue = f"case-{uuid.uuid4()}"
    async with worker(env.client, task_queue, activities):
        running = Harness(env, activities, task_queue)
        yield running
        await running.terminate_running()


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This session's signing and payload keys (never the repository's: it has none)."""
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
async def sinks(keys_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Sinks]:
    """The notification sinks (devstack/sinks.py: an SMTP server, a signed-webhook
    receiver) the platform's triage and supervision deliver to, processes of this session."""
    running = Sinks(tmp_path_factory.mktemp("sinks"), keys_dir, {"smtp": free_port(), "webhook": free_port()})
    try:
        await running.start("smtp")
        await running.start("webhook")
        yield running
    finally:
        running.stop_all()


@pytest.fixture(scope="session")
def settings(
    postgres_url: str, temporal_port: int, keys_dir: Path, sinks: Sinks, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    routing = sinks.routing(tmp_path_factory.mktemp("routing") / "notifications.yaml", unreachable_port=free_port())
    return load(
        {
            "KAHU_NOTIFICATIONS_FILE": str(routing),
            "KAHU_KEYS_DIR": str(keys_dir),
            "DATABASE_URL": postgres_url.replace(f"//{OWNER_ROLE}@", f"//{APP_ROLE}@", 1),
            "DATABASE_OWNER_URL": postgres_url,
            "TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
            "INTAKE_PORT": str(free_port()),
            "TRIAGE_PORT": str(free_port()),
            "ASSESSMENT_PORT": str(free_port()),
            "SUPERVISION_PORT": str(free_port()),
            "CONFERENCE_PORT": str(free_port()),
            "PLACEMENT_PORT": str(free_port()),
            "PLAN_PORT": str(free_port()),
            "WORKER_HEALTH_PORT": str(free_port()),
            "KAHU_TASK_QUEUE": "kahu-test",
            "KAHU_DRAIN_SECONDS": "2",
        }
    )


#: Timings of the cases opened through `Platform.fast_intake`, in seconds: short enough
#: for a test to watch a deadline pass and escalate (the rest of the policy as shipped).
FAST_POLICY = {
    "triage_deadline": 3,
    "critical": 6,
    "very_urgent": 6,
    "urgent": 6,
    "child_safety_hub_assessment": 6,
    "consent_deadline": 6,
    "tier2": 3,
    "tier3": 3,
}


@dataclass
class Platform:
    """Every domain service with a part in a case (intake, triage, assessment, supervision)
    and the worker, running in this process against real servers. Cases opened through
    `fast_intake` run under a policy shortened to seconds (FAST_POLICY)."""

    settings: Settings
    temporal: Client
    intake: intake_pb2_grpc.IntakeServiceStub
    #: The database as its owner, for tests that inspect or arrange rows (the services
    #: themselves work as `settings.database_url`'s role).
    database_url: str
    triage: triage_pb2_grpc.TriageServiceStub
    assessment: assessment_pb2_grpc.AssessmentServiceStub
    supervision: supervision_pb2_grpc.SupervisionServiceStub
    fast_intake: intake_pb2_grpc.IntakeServiceStub
    stack: AsyncExitStack | None = None
    conference: conference_pb2_grpc.ConferenceServiceStub | None = None
    placement: placement_pb2_grpc.PlacementServiceStub | None = None
    plan: plan_pb2_grpc.PlanServiceStub | None = None

    async def as_(self, caller: Principal | str | None) -> Stubs:
        """Stubs of every service whose calls carry `caller`'s token (a principal, a raw
        token, or None for no token at all)."""
        assert self.stack is not None
        token = mint(self.settings, caller) if isinstance(caller, Principal) else caller
        tokens = None if token is None else StaticToken(token)

        async def channel(service: str) -> grpc.aio.Channel:
            assert self.stack is not None
            address = f"{self.settings.host}:{self.settings.port(service)}"
            return await self.stack.enter_async_context(aio_channel(address, self.settings, tokens, traced=False))

        return Stubs(
            intake_pb2_grpc.IntakeServiceStub(await channel("intake")),
            triage_pb2_grpc.TriageServiceStub(await channel("triage")),
            assessment_pb2_grpc.AssessmentServiceStub(await channel("assessment")),
            supervision_pb2_grpc.SupervisionServiceStub(await channel("supervision")),
            conference_pb2_grpc.ConferenceServiceStub(await channel("conference")),
            placement_pb2_grpc.PlacementServiceStub(await channel("placement")),
            reporting_pb2_grpc.ReportingServiceStub(await channel("intake")),  # served by intake
            plan_pb2_grpc.PlanServiceStub(await channel("plan")),
        )


@dataclass(frozen=True)
class Stubs:
    """The services, called as one caller (`Platform.as_`)."""

    intake: intake_pb2_grpc.IntakeServiceStub
    triage: triage_pb2_grpc.TriageServiceStub
    assessment: assessment_pb2_grpc.AssessmentServiceStub
    supervision: supervision_pb2_grpc.SupervisionServiceStub
    conference: conference_pb2_grpc.ConferenceServiceStub | None = None
    placement: placement_pb2_grpc.PlacementServiceStub | None = None
    reporting: reporting_pb2_grpc.ReportingServiceStub | None = None
    plan: plan_pb2_grpc.PlanServiceStub | None = None


async def _serve(stack: AsyncExitStack, settings: Settings, build: Build, port: int) -> grpc.aio.Channel:
    """Build and start one service on `port`; return a channel to it whose calls carry the
    tokens of `tests.tokens.ActingAs` (staff at every site, or the workload identity)."""
    server = GrpcServer(await build(settings, stack), host=settings.host, port=port, settings=settings)
    await server.start()
    stack.push_async_callback(server.stop)
    return await stack.enter_async_context(
        aio_channel(f"{settings.host}:{port}", settings, ActingAs(settings, staff()), traced=False)
    )


@pytest.fixture(scope="session")
async def platform(
    settings: Settings, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Platform]:
    async with AsyncExitStack() as stack:
        stack.push_async_callback(stop_renewals)
        intake = await _serve(stack, settings, intake_app.build, settings.port("intake"))
        triage = await _serve(stack, settings, triage_app.build, settings.port("triage"))
        assessment = await _serve(stack, settings, assessment_app.build, settings.port("assessment"))
        supervision = await _serve(stack, settings, supervision_app.build, settings.port("supervision"))
        conference = await _serve(stack, settings, conference_app.build, settings.port("conference"))
        placement = await _serve(stack, settings, placement_app.build, settings.port("placement"))
        plan = await _serve(stack, settings, plan_app.build, settings.port("plan"))
        fast_policy = write_policy(
            shortened(load_policy(), **FAST_POLICY), tmp_path_factory.mktemp("policy") / "fast.yaml"
        )
        with pytest.MonkeyPatch.context() as env:
            env.setenv(POLICY_ENV, str(fast_policy))
            fast_intake = await _serve(stack, settings, intake_app.build, free_port())
        temporal = await connect_temporal(settings)
        channels = {name: await stack.enter_async_context(service_channel(settings, name)) for name in CALLED_SERVICES}
        worker = build_worker(temporal, settings.task_queue, channels)
        running = asyncio.create_task(worker.run())
        stack.push_async_callback(lambda: running)
        stack.push_async_callback(worker.shutdown)
        yield Platform(
            settings,
            temporal,
            intake_pb2_grpc.IntakeServiceStub(intake),
            postgres_url,
            triage_pb2_grpc.TriageServiceStub(triage),
            assessment_pb2_grpc.AssessmentServiceStub(assessment),
            supervision_pb2_grpc.SupervisionServiceStub(supervision),
            intake_pb2_grpc.IntakeServiceStub(fast_intake),
            stack,
            conference=conference_pb2_grpc.ConferenceServiceStub(conference),
            placement=placement_pb2_grpc.PlacementServiceStub(placement),
            plan=plan_pb2_grpc.PlanServiceStub(plan),
        )


@pytest.fixture(scope="session")
async def approving_intake(
    platform: Platform, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[intake_pb2_grpc.IntakeServiceStub]:
    """An intake whose cases run under the shipped policy, supervisors' approval of triage
    decisions included (tests/policies.py), its spans shortened to seconds (FAST_POLICY; an
    approval due in 4 seconds); the platform's worker runs them like any other."""
    policy = shortened(load_policy(SHIPPED), **FAST_POLICY, approval_deadline=4)
    path = write_policy(policy, tmp_path_factory.mktemp("policy") / "approving.yaml")
    async with AsyncExitStack() as stack:
        with pytest.MonkeyPatch.context() as env:
            env.setenv(POLICY_ENV, str(path))
            channel = await _serve(stack, settings, intake_app.build, free_port())
        yield intake_pb2_grpc.IntakeServiceStub(channel)


def fast_conferences(policy: Policy) -> Policy:
    """`policy` with its conferences (youth justice, care and protection) booked a second or
    two ahead (one-second notice, one-minute slots on a one-second grid, any hour of any day)."""
    second, minute = Span(seconds=1), Span(seconds=60)
    hours = ConferenceHours(weekdays=list(range(7)), start_minute=0, end_minute=1440, public_holidays=True)
    case = policy.case
    assert case.youth_justice is not None and case.care_and_protection is not None
    youth = replace(
        case.youth_justice,
        minimum_notice=second,
        conference_length=minute,
        slot_granularity=second,
        conference_hours=hours,
    )
    care = replace(
        case.care_and_protection,
        minimum_notice=second,
        conference_length=minute,
        slot_granularity=second,
        conference_hours=hours,
    )
    return replace(policy, case=replace(case, youth_justice=youth, care_and_protection=care))


@pytest.fixture(scope="session")
def fast_conference_policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A policy file whose conferences are booked a second or two ahead (`fast_conferences`)."""
    return write_policy(fast_conferences(load_policy()), tmp_path_factory.mktemp("policy") / "fast-conference.yaml")


@pytest.fixture(scope="session")
async def fast_conference(
    fast_conference_address: str, settings: Settings
) -> AsyncIterator[conference_pb2_grpc.ConferenceServiceStub]:
    """The fast conference service (`fast_conference_address`), called as staff or the worker."""
    async with aio_channel(fast_conference_address, settings, ActingAs(settings, staff()), traced=False) as channel:
        yield conference_pb2_grpc.ConferenceServiceStub(channel)


@pytest.fixture(scope="session")
async def care_intake(
    platform: Platform, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[intake_pb2_grpc.IntakeServiceStub]:
    """An intake whose cases run under the test policy with their conferences booked a second
    or two ahead (`fast_conferences`), so a test can watch a case's care and protection
    conference be held; the platform's worker runs them like any other."""
    path = write_policy(fast_conferences(testing_policy()), tmp_path_factory.mktemp("policy") / "care.yaml")
    async with AsyncExitStack() as stack:
        with pytest.MonkeyPatch.context() as env:
            env.setenv(POLICY_ENV, str(path))
            channel = await _serve(stack, settings, intake_app.build, free_port())
        yield intake_pb2_grpc.IntakeServiceStub(channel)


@pytest.fixture(scope="session")
async def fast_conference_address(
    platform: Platform, settings: Settings, fast_conference_policy: Path
) -> AsyncIterator[str]:
    """The address of a conference service whose conferences are booked a second or two
    ahead (`fast_conference_policy`), so a test can watch one be held; the platform's worker
    runs them like any other."""
    port = free_port()
    async with AsyncExitStack() as stack:
        with pytest.MonkeyPatch.context() as env:
            env.setenv(POLICY_ENV, str(fast_conference_policy))
            await _serve(stack, settings, conference_app.build, port)
        yield f"{settings.host}:{port}"
