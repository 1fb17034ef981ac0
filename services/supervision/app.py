"""Wiring of the supervision service: its store, its Temporal client, its servicer."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack

import grpc

from kahu.v1 import supervision_pb2, supervision_pb2_grpc
from services.common.config import Settings
from services.common.db import open_database
from services.common.server import Service
from services.common.temporal import connect_temporal
from services.supervision.service import SupervisionServicer
from services.supervision.store import MIGRATIONS, SCHEMA, SupervisionStore

FULL_NAME = supervision_pb2.DESCRIPTOR.services_by_name["SupervisionService"].full_name


async def build(settings: Settings, stack: AsyncExitStack) -> Sequence[Service]:
    pool = await open_database(settings, stack, SCHEMA, MIGRATIONS)
    temporal = await connect_temporal(settings, "supervision", lazy=True)
    servicer = SupervisionServicer(SupervisionStore(pool), temporal)

    def add(server: grpc.aio.Server) -> None:
        supervision_pb2_grpc.add_SupervisionServiceServicer_to_server(servicer, server)

    return [Service(FULL_NAME, add)]
