"""Wiring of the conference service: the policy, its stores, its Temporal client, its servicer."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack

import grpc

from kahu.v1 import conference_pb2, conference_pb2_grpc
from services.common.config import Settings
from services.common.db import open_database
from services.common.outbox import run_outbox
from services.common.server import Service
from services.common.tasks import in_background
from services.common.temporal import connect_temporal
from services.conference.bookings import BookingStore
from services.conference.calendars import CalendarStore
from services.conference.service import ConferenceServicer
from services.conference.store import MIGRATIONS, SCHEMA, ConferenceStore
from workflows.policy.loader import PolicyError, load_policy, policy_path

FULL_NAME = conference_pb2.DESCRIPTOR.services_by_name["ConferenceService"].full_name


async def build(settings: Settings, stack: AsyncExitStack) -> Sequence[Service]:
    policy = load_policy()  # new conferences take a snapshot of it; a bad file stops start-up here
    if policy.case.youth_justice is None:
        raise PolicyError(f"{policy_path()}: youth_justice: missing")
    pool = await open_database(settings, stack, SCHEMA, MIGRATIONS)
    temporal = await connect_temporal(settings, "conference", lazy=True)
    servicer = ConferenceServicer(
        ConferenceStore(pool),
        BookingStore(pool),
        CalendarStore(pool),
        temporal,
        settings.task_queue,
        policy.case,
    )

    in_background(stack, run_outbox("conference", servicer.drain_outbox))

    def add(server: grpc.aio.Server) -> None:
        conference_pb2_grpc.add_ConferenceServiceServicer_to_server(servicer, server)

    return [Service(FULL_NAME, add)]
