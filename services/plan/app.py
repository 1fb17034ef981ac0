"""Wiring of the plan service: the policy, its store, its Temporal client, the case lookup,
its servicer and its outbox."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AsyncExitStack

import grpc

from kahu.v1 import intake_pb2_grpc, plan_pb2, plan_pb2_grpc
from services.common.caselookup import intake_lookup, open_channel
from services.common.config import Settings
from services.common.db import open_database
from services.common.outbox import run_outbox
from services.common.server import Service
from services.common.tasks import in_background
from services.common.temporal import connect_temporal
from services.plan.service import PlanServicer
from services.plan.store import MIGRATIONS, SCHEMA, PlanStore
from workflows.policy.loader import PolicyError, load_policy, policy_path

log = logging.getLogger(__name__)
FULL_NAME = plan_pb2.DESCRIPTOR.services_by_name["PlanService"].full_name


async def build(settings: Settings, stack: AsyncExitStack) -> Sequence[Service]:
    policy = load_policy()  # new plans take a snapshot of it; a bad file stops start-up here
    if policy.plans is None:
        raise PolicyError(f"{policy_path()}: plans: missing")
    pool = await open_database(settings, stack, SCHEMA, MIGRATIONS)
    store = PlanStore(pool)
    temporal = await connect_temporal(settings, "plan", lazy=True)
    intake = await open_channel(settings, stack, "plan", settings.address("intake"))
    servicer = PlanServicer(
        store,
        temporal,
        settings.task_queue,
        intake_lookup(intake_pb2_grpc.IntakeServiceStub(intake)),
        policy.plans,
        policy.case.attention_after,
    )
    in_background(stack, run_outbox("plan", servicer.drain_outbox))
    in_background(stack, _fill_listing(store))

    def add(server: grpc.aio.Server) -> None:
        plan_pb2_grpc.add_PlanServiceServicer_to_server(servicer, server)

    return [Service(FULL_NAME, add)]


async def _fill_listing(store: PlanStore) -> None:
    """What ListPlans reads of versions stored before it was kept (services/plan/store.py)."""
    try:
        filled = await store.list_unlisted()
    except Exception:  # the listing misses those plans until the next start
        log.exception("could not fill the plan listing's columns")
        return
    if filled:
        log.info("filled the listing columns of %d plan versions", filled)
