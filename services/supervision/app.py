"""Wiring of the supervision service: its store, its Temporal client, its servicer, and
the delivery of its notifications (escalations, steps that need attention)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack

import grpc

from kahu.v1 import conference_pb2_grpc, intake_pb2_grpc, supervision_pb2, supervision_pb2_grpc
from services.common.audit import Auditor
from services.common.caselookup import open_channel
from services.common.config import Settings
from services.common.db import open_database
from services.common.notifications.outbox import Outbox
from services.common.notifications.routing import load_routing
from services.common.server import Service
from services.common.tasks import in_background
from services.common.temporal import connect_temporal
from services.supervision.notices import raise_here
from services.supervision.service import SupervisionServicer
from services.supervision.store import MIGRATIONS, SCHEMA, SupervisionStore
from workflows.policy.loader import load_policy

FULL_NAME = supervision_pb2.DESCRIPTOR.services_by_name["SupervisionService"].full_name


async def build(settings: Settings, stack: AsyncExitStack) -> Sequence[Service]:
    policy = load_policy()  # a bad policy file stops start-up here, naming the place
    routing = load_routing(settings)  # a bad routing file (KAHU_NOTIFICATIONS_FILE) stops start-up here
    pool = await open_database(settings, stack, SCHEMA, MIGRATIONS)
    temporal = await connect_temporal(settings, "supervision", lazy=True)
    notifications = Outbox(pool, SCHEMA, routing, service="supervision", auditor=Auditor(pool, SCHEMA))
    store = SupervisionStore(pool, notifications)
    notifications.on_failed = raise_here(store.attention)
    intake = await open_channel(settings, stack, "supervision", settings.address("intake"))
    conference = await open_channel(settings, stack, "supervision", settings.address("conference"))
    servicer = SupervisionServicer(
        store,
        temporal,
        intake_pb2_grpc.IntakeServiceStub(intake),
        conference_pb2_grpc.ConferenceServiceStub(conference),
        policy.case.extension_reasons,
    )
    in_background(stack, notifications.run())

    def add(server: grpc.aio.Server) -> None:
        supervision_pb2_grpc.add_SupervisionServiceServicer_to_server(servicer, server)

    return [Service(FULL_NAME, add)]
