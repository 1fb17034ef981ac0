"""Every domain service and a worker on a Temporal server of a test's own, which the test may
stop, and whose workflows it may delete: for the reads that must answer from PostgreSQL
alone. The services are the platform's (`tests.conftest.Platform`, so the tests' helpers
take them), on ports of their own, with the session's PostgreSQL; the conference service
books a second or two ahead (as `fast_conference_address`), so a conference can be held."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.testing import WorkflowEnvironment

from devstack.temporal import temporal_cli_path
from kahu.v1 import (
    assessment_pb2_grpc,
    conference_pb2_grpc,
    intake_pb2_grpc,
    placement_pb2_grpc,
    supervision_pb2_grpc,
    triage_pb2_grpc,
)
from services.assessment import app as assessment_app
from services.common.config import Settings
from services.common.temporal import connect_temporal
from services.conference import app as conference_app
from services.intake import app as intake_app
from services.placement import app as placement_app
from services.supervision import app as supervision_app
from services.triage import app as triage_app
from tests.conftest import Platform, _serve, free_port
from tests.polling import WORKFLOW_NOT_STARTED, eventually
from workflows.policy.loader import POLICY_ENV
from workflows.search_attributes import ALL
from workflows.worker import CALLED_SERVICES, build_worker, service_channel

SERVICES = ("intake", "triage", "assessment", "supervision", "conference", "placement")


@dataclasses.dataclass
class OwnTemporal:
    """The services (`platform`) and the Temporal server they and the worker use."""

    platform: Platform
    server: WorkflowEnvironment
    start_worker: Callable[[], asyncio.Task[None]]
    working: asyncio.Task[None] | None = None
    stopped: bool = False

    async def stop_worker(self) -> None:
        """Stop the worker (and wait until it has)."""
        if self.working is not None:
            self.working.cancel()
            await asyncio.gather(self.working, return_exceptions=True)
            self.working = None

    async def restart_worker(self) -> None:
        """A fresh worker in place of the one running (its cache empty: each run replays)."""
        await self.stop_worker()
        self.working = self.start_worker()

    async def stop(self) -> None:
        """Stop the worker, then the Temporal server (its handle is the test's own)."""
        await self.stop_worker()
        self.stopped = True
        await self.server.shutdown()

    async def delete(self, workflow_id: str) -> None:
        """Delete a workflow from Temporal (its history with it), once it is gone."""
        client = self.platform.temporal
        await client.workflow_service.delete_workflow_execution(
            DeleteWorkflowExecutionRequest(
                namespace=client.namespace, workflow_execution=WorkflowExecution(workflow_id=workflow_id)
            )
        )

        async def gone() -> bool:
            try:
                await client.get_workflow_handle(workflow_id).describe()
            except Exception as error:
                return getattr(error, "status", None) in WORKFLOW_NOT_STARTED
            return False

        await eventually(gone)


@asynccontextmanager
async def own_temporal(
    settings: Settings, database_url: str, fast_conference_policy: Path
) -> AsyncIterator[OwnTemporal]:
    """See the module's docstring; `fast_conference_policy` is the conference service's policy file."""
    port = free_port()
    server = await WorkflowEnvironment.start_local(
        port=port,
        ui=False,
        search_attributes=ALL,
        dev_server_existing_path=str(temporal_cli_path()),
        dev_server_log_level="warn",
        # a deleted workflow is gone at once, not a minute later (when the server has made
        # sure visibility saw it close)
        dev_server_extra_args=[
            *("--http-port", str(free_port()), "--metrics-port", str(free_port())),
            *("--dynamic-config-value", "history.transferProcessorEnsureCloseBeforeDelete=false"),
        ],
    )
    ports = {**settings.ports, **{name: free_port() for name in SERVICES}}
    own = dataclasses.replace(
        settings, temporal_address=f"127.0.0.1:{port}", task_queue=f"kahu-own-{uuid.uuid4()}", ports=ports
    )
    rig: OwnTemporal | None = None

    async def stop_server() -> None:
        if rig is None or not rig.stopped:
            await server.shutdown()

    async with AsyncExitStack() as stack:
        stack.push_async_callback(stop_server)
        intake = await _serve(stack, own, intake_app.build, ports["intake"])
        triage = await _serve(stack, own, triage_app.build, ports["triage"])
        assessment = await _serve(stack, own, assessment_app.build, ports["assessment"])
        supervision = await _serve(stack, own, supervision_app.build, ports["supervision"])
        placement = await _serve(stack, own, placement_app.build, ports["placement"])
        with pytest.MonkeyPatch.context() as env:
            env.setenv(POLICY_ENV, str(fast_conference_policy))
            conference = await _serve(stack, own, conference_app.build, ports["conference"])
        temporal = await connect_temporal(own)
        channels = {name: await stack.enter_async_context(service_channel(own, name)) for name in CALLED_SERVICES}

        async def run_worker() -> None:
            worker = build_worker(temporal, own.task_queue, channels)
            running = asyncio.create_task(worker.run())
            try:
                await asyncio.Event().wait()  # until cancelled
            finally:
                await worker.shutdown()
                await running

        def start_worker() -> asyncio.Task[None]:
            return asyncio.create_task(run_worker())

        platform = Platform(
            own,
            temporal,
            intake_pb2_grpc.IntakeServiceStub(intake),
            database_url,
            triage_pb2_grpc.TriageServiceStub(triage),
            assessment_pb2_grpc.AssessmentServiceStub(assessment),
            supervision_pb2_grpc.SupervisionServiceStub(supervision),
            intake_pb2_grpc.IntakeServiceStub(intake),
            stack,
            conference=conference_pb2_grpc.ConferenceServiceStub(conference),
            placement=placement_pb2_grpc.PlacementServiceStub(placement),
        )
        rig = OwnTemporal(platform, server, start_worker, start_worker())
        stack.push_async_callback(rig.stop_worker)
        yield rig
