"""The Kahu worker: runs every workflow and activity; `python -m workflows.worker`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from datetime import timedelta

import grpc
from temporalio.client import Client
from temporalio.worker import Interceptor, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from services.common.app import run_process
from services.common.channels import aio_channel
from services.common.config import Settings
from services.common.identity import TokenSource
from services.common.server import GrpcServer, run_until_signalled
from services.common.tasks import in_background
from services.common.temporal import connect_temporal, workload_tokens
from services.common.tls import watch
from workflows.applied_updates import AppliedUpdates
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.activities import CaseActivities
from workflows.case.workflows import CaseWorkflow
from workflows.conference.activities import ConferenceActivities
from workflows.conference.workflows import YouthJusticeConferenceWorkflow
from workflows.placement.activities import PlacementActivities
from workflows.placement.workflows import PlacementSearchWorkflow
from workflows.plan.activities import PlanActivities
from workflows.plan.workflows import PlanWorkflow
from workflows.refusals import Refusals

log = logging.getLogger(__name__)

#: Modules the workflow sandbox shares with the host instead of re-importing: pure data
#: and generated code, deterministic to use, costly to reload per workflow run.
PASSTHROUGH_MODULES: Sequence[str] = (
    "kahu",
    "grpc",
    "google.protobuf",
    "workflows.search_attributes",
    "workflows.case.model",
    "workflows.conference.model",
    "workflows.placement.model",
    "workflows.plan.model",
    "workflows.policy.model",
    "workflows.record_model",
)
GRACEFUL_SHUTDOWN = timedelta(seconds=20)
CALLED_SERVICES = ("intake", "triage", "supervision", "assessment", "conference", "placement", "plan")
WORKFLOWS = [CaseWorkflow, AssessmentWorkflow, YouthJusticeConferenceWorkflow, PlacementSearchWorkflow, PlanWorkflow]
#: The identity the worker's activities call the domain services as.
WORKLOAD_NAME = "worker"


def sandbox_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    )


def interceptors() -> list[Interceptor]:
    """Every Kahu worker's: staff actions applied once across continue-as-new, and a
    service's refusal failing its activity for good (told to a person, not retried)."""
    return [AppliedUpdates(), Refusals()]


def service_channel(settings: Settings, service: str, tokens: TokenSource | None = None) -> grpc.aio.Channel:
    """A traced channel to one of the domain services, every call carrying the worker's own
    workload identity (`workload:worker`), never a user's."""
    return aio_channel(settings.address(service), settings, tokens or workload_tokens(settings, WORKLOAD_NAME))


def build_worker(client: Client, task_queue: str, channels: Mapping[str, grpc.aio.Channel]) -> Worker:
    """A worker for every Kahu workflow and activity on `task_queue`; `channels` reach the
    domain services by name."""
    case_activities = CaseActivities(
        channels["intake"],
        channels["triage"],
        channels["supervision"],
        channels["assessment"],
        channels["placement"],
        channels["conference"],
    )
    conference_activities = ConferenceActivities(channels["conference"], channels["plan"])
    placement_activities = PlacementActivities(channels["placement"])
    plan_activities = PlanActivities(channels["supervision"])
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[
            *case_activities.all(),
            *conference_activities.all(),
            *placement_activities.all(),
            *plan_activities.all(),
        ],
        workflow_runner=sandbox_runner(),
        interceptors=interceptors(),
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
    )


async def serve(settings: Settings) -> None:
    client = await connect_temporal(settings, WORKLOAD_NAME, worker=True)
    tokens = workload_tokens(settings, WORKLOAD_NAME)
    async with AsyncExitStack() as stack:
        channels = {
            name: await stack.enter_async_context(service_channel(settings, name, tokens)) for name in CALLED_SERVICES
        }
        worker = build_worker(client, settings.task_queue, channels)
        health = GrpcServer(
            [], host=settings.host, port=settings.port("worker_health"), settings=settings, health_only=True
        )
        run = asyncio.create_task(worker.run())
        await health.start()
        log.info("worker polling %s; health on %s:%d", settings.task_queue, settings.host, health.port)

        async def stop() -> None:
            await health.stop()
            await worker.shutdown()

        stopper = asyncio.create_task(run_until_signalled(stop))
        renewed = asyncio.Event()
        if settings.tls is not None:
            in_background(stack, watch(settings.tls, renewed.set))
        renewal = asyncio.create_task(renewed.wait())
        done, _ = await asyncio.wait({run, stopper, renewal}, return_when=asyncio.FIRST_COMPLETED)
        renewal.cancel()
        if renewal in done and not stopper.done():
            # The channels present the certificate read when they opened: stop, and the
            # restarted worker presents the renewed one (running workflows carry on).
            log.warning("client certificate renewed: stopping to restart with it")
            stopper.cancel()
            await stop()
        elif run in done and not stopper.done():
            stopper.cancel()
            await health.stop()
        await run


if __name__ == "__main__":
    run_process("worker", serve)
