"""Wiring of the intake service: the policy, its store, its Temporal client, its servicer."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack

import grpc

from kahu.v1 import intake_pb2, intake_pb2_grpc, reporting_pb2_grpc
from services.common.audit import Auditor
from services.common.config import Settings
from services.common.db import open_database
from services.common.outbox import run_outbox
from services.common.server import Service
from services.common.tasks import in_background
from services.common.temporal import connect_temporal
from services.intake.delivery import CaseOutbox
from services.intake.duplicates import Rekey
from services.intake.matching import match_key
from services.intake.record import RecordStore
from services.intake.reporting import FULL_NAME as REPORTING_NAME
from services.intake.reporting import ReportingServicer
from services.intake.service import IntakeServicer
from services.intake.store import MIGRATIONS, SCHEMA, IntakeStore
from workflows.policy.loader import load_policy

FULL_NAME = intake_pb2.DESCRIPTOR.services_by_name["IntakeService"].full_name


async def build(settings: Settings, stack: AsyncExitStack) -> Sequence[Service]:
    policy = load_policy()  # new cases take a snapshot of it; a bad file stops start-up here
    key = match_key()
    pool = await open_database(settings, stack, SCHEMA, MIGRATIONS)
    temporal = await connect_temporal(settings, "intake", lazy=True)
    store = IntakeStore(pool)
    servicer = IntakeServicer(store, RecordStore(pool), temporal, settings.task_queue, policy, key)
    in_background(stack, CaseOutbox(store, servicer.delivery, Auditor(pool, SCHEMA)).run())
    # the matching keys of open cases stored before them, from their reports (once each)
    rekey = Rekey(pool, key, Auditor(pool, SCHEMA))
    in_background(stack, run_outbox("intake rekey", rekey.drain, finished_what="cases given their matching keys"))

    # SLA reporting, from the case record this service keeps; its gauges refreshed in the background
    reporting = ReportingServicer(pool, policy.case.seen_within_timeframe_target)
    in_background(stack, reporting.run_gauges())

    def add(server: grpc.aio.Server) -> None:
        intake_pb2_grpc.add_IntakeServiceServicer_to_server(servicer, server)

    def add_reporting(server: grpc.aio.Server) -> None:
        reporting_pb2_grpc.add_ReportingServiceServicer_to_server(reporting, server)

    return [Service(FULL_NAME, add), Service(REPORTING_NAME, add_reporting, schema=SCHEMA)]
