from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kahu.v1 import conference_pb2_grpc
from services.common.channels import aio_channel
from services.common.config import Settings
from tests.tokens import ActingAs, staff


@pytest.fixture(scope="session")
async def fast_conference(
    fast_conference_address: str, settings: Settings
) -> AsyncIterator[conference_pb2_grpc.ConferenceServiceStub]:
    """The fast conference service (tests/conftest.py), called as staff or the worker."""
    async with aio_channel(fast_conference_address, settings, ActingAs(settings, staff()), traced=False) as channel:
        yield conference_pb2_grpc.ConferenceServiceStub(channel)
