"""Wiring of the triage service: the policy, its store, its Temporal client, its servicer,
and the delivery of its Police notifications (a failed one is told to supervision)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack

import grpc

from kahu.v1 import intake_pb2_grpc, supervision_pb2_grpc, triage_pb2, triage_pb2_grpc
from services.common.audit import Auditor
from services.common.caselookup import intake_lookup, open_channel
from services.common.config import Settings
from services.common.db import open_database
from services.common.notifications.attention import raise_in_supervision
from services.common.notifications.outbox import Outbox
from services.common.notifications.routing import load_routing
from services.common.server import Service
from services.common.tasks import in_background
from services.common.temporal import connect_temporal
from services.triage.service import TriageServicer
from services.triage.store import MIGRATIONS, SCHEMA, TriageStore
from workflows.policy.loader import load_policy

FULL_NAME = triage_pb2.DESCRIPTOR.services_by_name["TriageService"].full_name


async def build(settings: Settings, stack: AsyncExitStack) -> Sequence[Service]:
    policy = load_policy()  # a bad policy file stops start-up here, naming the place
    routing = load_routing(settings)  # so does a bad routing file (KAHU_NOTIFICATIONS_FILE)
    pool = await open_database(settings, stack, SCHEMA, MIGRATIONS)
    temporal = await connect_temporal(settings, "triage", lazy=True)
    supervision = await open_channel(settings, stack, "triage", settings.address("supervision"))
    intake = await open_channel(settings, stack, "triage", settings.address("intake"))
    notifications = Outbox(
        pool,
        SCHEMA,
        routing,
        service="triage",
        auditor=Auditor(pool, SCHEMA),
        on_failed=raise_in_supervision(supervision_pb2_grpc.SupervisionServiceStub(supervision)),
    )
    lookup = intake_lookup(intake_pb2_grpc.IntakeServiceStub(intake))
    servicer = TriageServicer(TriageStore(pool, notifications), temporal, policy, lookup)
    in_background(stack, notifications.run())

    def add(server: grpc.aio.Server) -> None:
        triage_pb2_grpc.add_TriageServiceServicer_to_server(servicer, server)

    return [Service(FULL_NAME, add)]
