"""No committed report without its workflow: a report taken while Temporal is unreachable
answers UNAVAILABLE, is kept, and the outbox starts its case; the same key then returns it."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack
from dataclasses import replace

import asyncpg
import grpc
import pytest
from temporalio.service import RPCError, RPCStatusCode

from kahu.v1 import intake_pb2_grpc
from services.common.config import Settings
from services.intake import app as intake_app
from tests.conftest import Platform, _serve, free_port
from tests.intake.reports import submit_request
from tests.polling import eventually


async def started_at(platform: Platform, case_id: str) -> object:
    connection = await asyncpg.connect(platform.database_url)
    try:
        return await connection.fetchval(
            "SELECT workflow_started_at FROM intake.cases WHERE case_id = $1", uuid.UUID(case_id)
        )
    finally:
        await connection.close()


async def workflow_exists(platform: Platform, workflow_id: str) -> bool:
    try:
        await platform.temporal.get_workflow_handle(workflow_id).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def test_a_report_taken_while_temporal_is_down_is_kept_and_its_case_started(
    platform: Platform, settings: Settings
) -> None:
    unreachable = replace(settings, temporal_address=f"127.0.0.1:{free_port()}")  # nothing listens there
    request = submit_request()
    async with AsyncExitStack() as stack:
        cut_off = intake_pb2_grpc.IntakeServiceStub(await _serve(stack, unreachable, intake_app.build, free_port()))
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await cut_off.SubmitReport(request, timeout=60)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "retry with the same idempotency_key" in (raised.value.details() or "")

    # the report was committed; the running intake's outbox starts its case
    connection = await asyncpg.connect(platform.database_url)
    try:
        case_id = str(
            await connection.fetchval(
                "SELECT case_id FROM intake.reports WHERE idempotency_key = $1", request.idempotency_key
            )
        )
    finally:
        await connection.close()
    await eventually(lambda: workflow_exists(platform, f"case-{case_id}"), timeout=60)
    await eventually(lambda: started_at(platform, case_id), timeout=30)

    again = await platform.intake.SubmitReport(request)
    assert again.case_id == case_id and again.replayed
