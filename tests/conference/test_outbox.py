"""No stored trigger without its workflow: a conference triggered while Temporal is
unreachable answers UNAVAILABLE, is kept, and the outbox starts its workflow; the same key
then returns it."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack
from dataclasses import replace

import asyncpg
import grpc
import pytest

from kahu.v1 import conference_pb2_grpc
from services.common.config import Settings
from services.conference import app as conference_app
from tests.conference.conferences import register, start_request, stub
from tests.conftest import Platform, _serve, free_port
from tests.intake.test_outbox import workflow_exists
from tests.polling import eventually


async def test_a_conference_triggered_while_temporal_is_down_is_kept_and_started(
    platform: Platform, settings: Settings
) -> None:
    staff, _ = await register(platform, "hutt")
    request = start_request(staff)
    unreachable = replace(settings, temporal_address=f"127.0.0.1:{free_port()}")  # nothing listens there
    async with AsyncExitStack() as stack:
        cut_off = conference_pb2_grpc.ConferenceServiceStub(
            await _serve(stack, unreachable, conference_app.build, free_port())
        )
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await cut_off.StartConference(request, timeout=60)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE

    connection = await asyncpg.connect(platform.database_url)
    try:
        conference_id = str(
            await connection.fetchval(
                "SELECT conference_id FROM conference.conferences WHERE idempotency_key = $1", request.idempotency_key
            )
        )

        async def started() -> object:
            return await connection.fetchval(
                "SELECT workflow_started_at FROM conference.conferences WHERE conference_id = $1",
                uuid.UUID(conference_id),
            )

        await eventually(lambda: workflow_exists(platform, f"conference-{conference_id}"), timeout=60)
        await eventually(started, timeout=30)
    finally:
        await connection.close()

    again = await stub(platform).StartConference(request)
    assert again.conference_id == conference_id and again.replayed
