"""Wiring of the triage service: the policy, its store, its Temporal client, its servicer."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack

import grpc

from kahu.v1 import triage_pb2, triage_pb2_grpc
from services.common.config import Settings
from services.common.db import open_database
from services.common.server import Service
from services.common.temporal import connect_temporal
from services.triage.service import TriageServicer
from services.triage.store import MIGRATIONS, SCHEMA, TriageStore
from workflows.policy.loader import load_policy

FULL_NAME = triage_pb2.DESCRIPTOR.services_by_name["TriageService"].full_name


async def build(settings: Settings, stack: AsyncExitStack) -> Sequence[Service]:
    policy = load_policy()  # a bad policy file stops start-up here, naming the place
    pool = await open_database(settings, stack, SCHEMA, MIGRATIONS)
    temporal = await connect_temporal(settings, "triage", lazy=True)
    servicer = TriageServicer(TriageStore(pool), temporal, policy)

    def add(server: grpc.aio.Server) -> None:
        triage_pb2_grpc.add_TriageServiceServicer_to_server(servicer, server)

    return [Service(FULL_NAME, add)]
