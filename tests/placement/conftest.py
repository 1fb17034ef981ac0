"""A placement service of a test module's own, on a database of its own: searches count
every caregiver in their pool, so they are asserted on a network no other test adds to."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from urllib.parse import urlparse, urlunparse

import asyncpg
import pytest

from kahu.v1 import placement_pb2_grpc
from services.common.config import Settings
from services.placement import app as placement_app
from tests.conftest import _serve, free_port


@dataclass(frozen=True)
class OwnPlacement:
    stub: placement_pb2_grpc.PlacementServiceStub
    database_url: str


def _on(url: str, database: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{database}"))


async def new_database(settings: Settings) -> str:
    """A new, empty database on the session's PostgreSQL server; its URL, as the owner."""
    assert settings.database_owner_url is not None
    name = f"placement_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(settings.database_owner_url)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return _on(settings.database_owner_url, name)


@dataclass
class Own:
    settings: Settings
    stack: AsyncExitStack

    async def serve(self, database_url: str) -> OwnPlacement:
        """A placement service on the database of `database_url` (an owner's URL from
        `new_database`), working as the services' own role."""
        database = urlparse(database_url).path.strip("/")
        settings = dataclasses.replace(
            self.settings, database_url=_on(self.settings.database_url, database), database_owner_url=database_url
        )
        channel = await _serve(self.stack, settings, placement_app.build, free_port())
        return OwnPlacement(placement_pb2_grpc.PlacementServiceStub(channel), database_url)


@pytest.fixture(scope="module")
async def own(settings: Settings) -> AsyncIterator[Own]:
    async with AsyncExitStack() as stack:
        yield Own(settings, stack)
