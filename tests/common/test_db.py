"""Migrations: versioned, applied once, safe when replicas start together."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from services.common.db import create_pool, migrate


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir()
    for name, sql in files.items():
        (directory / name).write_text(sql)
    return directory


async def test_concurrent_replicas_apply_each_migration_once(postgres_url: str, tmp_path: Path) -> None:
    migrations = _write(
        tmp_path / "m",
        {
            "0001_things.sql": "CREATE TABLE things (id int PRIMARY KEY);",
            "0002_more.sql": "INSERT INTO things VALUES (1); ALTER TABLE things ADD COLUMN label text;",
        },
    )
    pools = [await create_pool(postgres_url, max_size=2) for _ in range(6)]
    try:
        results = await asyncio.gather(*(migrate(pool, "race_test", migrations) for pool in pools))
        assert sorted(name for applied in results for name in applied) == [
            "0001_things.sql",
            "0002_more.sql",
            "common/audit",
        ]
        conn: asyncpg.Connection = await asyncpg.connect(postgres_url)
        try:
            assert await conn.fetchval("SELECT count(*) FROM race_test.things") == 1
            assert await conn.fetchval("SELECT count(*) FROM race_test.schema_migrations") == 2
        finally:
            await conn.close()
        assert await migrate(pools[0], "race_test", migrations) == []
    finally:
        for pool in pools:
            await pool.close()


async def test_a_failed_migration_leaves_nothing_behind(postgres_url: str, tmp_path: Path) -> None:
    migrations = _write(
        tmp_path / "m",
        {"0001_ok.sql": "CREATE TABLE ok (id int);", "0002_bad.sql": "CREATE TABLE half (id int); SELEC 1;"},
    )
    pool = await create_pool(postgres_url)
    try:
        with pytest.raises(asyncpg.PostgresSyntaxError):
            await migrate(pool, "failing_test", migrations)
        assert await pool.fetchval("SELECT to_regclass('failing_test.half')") is None
        versions = await pool.fetch("SELECT version FROM failing_test.schema_migrations")
        assert [r["version"] for r in versions] == [1]
    finally:
        await pool.close()


async def test_misnamed_migrations_are_refused(postgres_url: str, tmp_path: Path) -> None:
    migrations = _write(tmp_path / "m", {"1_init.sql": "SELECT 1;"})
    pool = await create_pool(postgres_url)
    try:
        with pytest.raises(ValueError, match=r"NNNN_name\.sql"):
            await migrate(pool, "misnamed_test", migrations)
    finally:
        await pool.close()
