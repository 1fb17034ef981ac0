"""Wiring of the assessment service: its store, its Temporal client, its servicer."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack

import grpc

from kahu.v1 import assessment_pb2, assessment_pb2_grpc, intake_pb2_grpc
from services.assessment.service import AssessmentServicer
from services.assessment.store import MIGRATIONS, SCHEMA, AssessmentStore
from services.common.caselookup import intake_lookup, open_channel
from services.common.config import Settings
from services.common.db import open_database
from services.common.server import Service
from services.common.temporal import connect_temporal

FULL_NAME = assessment_pb2.DESCRIPTOR.services_by_name["AssessmentService"].full_name


async def build(settings: Settings, stack: AsyncExitStack) -> Sequence[Service]:
    pool = await open_database(settings, stack, SCHEMA, MIGRATIONS)
    temporal = await connect_temporal(settings, "assessment", lazy=True)
    intake = await open_channel(settings, stack, "assessment", settings.address("intake"))
    lookup = intake_lookup(intake_pb2_grpc.IntakeServiceStub(intake))
    servicer = AssessmentServicer(AssessmentStore(pool), temporal, lookup)

    def add(server: grpc.aio.Server) -> None:
        assessment_pb2_grpc.add_AssessmentServiceServicer_to_server(servicer, server)

    return [Service(FULL_NAME, add)]
