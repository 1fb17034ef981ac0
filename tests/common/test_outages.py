"""Which failures count as a dependency being down (UNAVAILABLE), read off real failures."""

from __future__ import annotations

import asyncpg
import pytest

from services.common.outages import is_outage
from tests.conftest import free_port
from tests.polling import eventually


async def test_postgres_refusing_connections_is_an_outage() -> None:
    with pytest.raises(OSError) as raised:
        await asyncpg.connect(f"postgresql://kahu@127.0.0.1:{free_port()}/kahu", timeout=5)
    assert is_outage(raised.value)


async def test_a_connection_postgres_dropped_is_an_outage(postgres_url: str) -> None:
    victim = await asyncpg.connect(postgres_url)
    killer = await asyncpg.connect(postgres_url)
    try:
        await killer.execute("SELECT pg_terminate_backend($1)", victim.get_server_pid())

        async def gone() -> bool:  # the server has closed it (the client hears of it on its next read)
            count = await killer.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", victim.get_server_pid()
            )
            return bool(count == 0)

        await eventually(gone)
        with pytest.raises(Exception) as raised:
            await victim.fetchval("SELECT 1")
    finally:
        await killer.close()
        victim.terminate()
    assert is_outage(raised.value), type(raised.value)


async def test_a_refusal_of_the_database_is_not_an_outage(postgres_url: str) -> None:
    connection = await asyncpg.connect(postgres_url)
    try:
        await connection.execute("CREATE TEMPORARY TABLE once (id int PRIMARY KEY)")
        await connection.execute("INSERT INTO once VALUES (1)")
        with pytest.raises(asyncpg.UniqueViolationError) as raised:
            await connection.execute("INSERT INTO once VALUES (1)")
    finally:
        await connection.close()
    assert not is_outage(raised.value)
    assert not is_outage(ValueError("a bug"))
    assert not is_outage(FileNotFoundError(2, "No such file"))
