from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace

import pytest

from kahu.v1 import conference_pb2_grpc
from services.common.config import Settings
from services.conference import app as conference_app
from tests.conftest import Platform, _serve, free_port
from workflows.policy.loader import POLICY_ENV, load_policy, write_policy
from workflows.policy.model import ConferenceHours, Span


@pytest.fixture(scope="session")
async def fast_conference(
    platform: Platform, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[conference_pb2_grpc.ConferenceServiceStub]:
    """A conference service whose conferences are booked a second or two ahead (one-second
    notice, one-minute slots on a one-second grid, any hour of any day), so a test can
    watch one be held; the platform's worker runs them like any other."""
    policy = load_policy()
    assert policy.case.youth_justice is not None
    fast = replace(
        policy.case.youth_justice,
        minimum_notice=Span(seconds=1),
        conference_length=Span(seconds=60),
        slot_granularity=Span(seconds=1),
        conference_hours=ConferenceHours(
            weekdays=list(range(7)), start_minute=0, end_minute=1440, public_holidays=True
        ),
    )
    path = write_policy(
        replace(policy, case=replace(policy.case, youth_justice=fast)),
        tmp_path_factory.mktemp("policy") / "fast-conference.yaml",
    )
    async with AsyncExitStack() as stack:
        with pytest.MonkeyPatch.context() as env:
            env.setenv(POLICY_ENV, str(path))
            channel = await _serve(stack, settings, conference_app.build, free_port())
        yield conference_pb2_grpc.ConferenceServiceStub(channel)
