"""Wiring of the placement service: the policy, its store, its Temporal client, its servicer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AsyncExitStack

import grpc

from kahu.v1 import intake_pb2_grpc, placement_pb2, placement_pb2_grpc
from services.common.audit import Auditor
from services.common.caselookup import intake_lookup, open_channel
from services.common.config import Settings
from services.common.db import open_database
from services.common.server import Service
from services.common.tasks import in_background
from services.common.temporal import connect_temporal
from services.placement import sweeper
from services.placement.iwi import load_iwi
from services.placement.service import PlacementServicer
from services.placement.store import MIGRATIONS, SCHEMA, PlacementStore
from workflows.policy.loader import PolicyError, load_policy

FULL_NAME = placement_pb2.DESCRIPTOR.services_by_name["PlacementService"].full_name


async def build(settings: Settings, stack: AsyncExitStack) -> Sequence[Service]:
    placement = load_policy().case.placement  # a bad file stops start-up here
    if placement is None:
        raise PolicyError("the policy has no placement section")
    load_iwi()  # and so does bad reference data
    pool = await open_database(settings, stack, SCHEMA, MIGRATIONS)
    temporal = await connect_temporal(settings, "placement", lazy=True)
    store = PlacementStore(pool)
    intake = await open_channel(settings, stack, "placement", settings.address("intake"))
    lookup = intake_lookup(intake_pb2_grpc.IntakeServiceStub(intake))
    servicer = PlacementServicer(store, temporal, placement, lookup)
    after = dt.timedelta(seconds=placement.release_abandoned_holds_after.seconds)
    in_background(stack, sweeper.run(store.caregivers, Auditor(pool, SCHEMA), after))

    def add(server: grpc.aio.Server) -> None:
        placement_pb2_grpc.add_PlacementServiceServicer_to_server(servicer, server)

    return [Service(FULL_NAME, add)]
