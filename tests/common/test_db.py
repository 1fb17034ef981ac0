"""Migrations: versioned, applied once, safe when replicas start together; applied by the
schemas' owner, which grants the services' own role rows, not structure."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from contextlib import AsyncExitStack
from pathlib import Path

import asyncpg
import pytest

from services.common.audit import Auditor, Entry
from services.common.config import ConfigError, load
from services.common.db import create_pool, migrate, migrate_as_owner, open_database


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


def _as(url: str, role: str) -> str:
    return url.replace("//postgres@", f"//{role}@", 1)


@pytest.fixture
async def lowly(postgres_url: str) -> str:
    """A login role that owns nothing, like a service's own."""
    role = f"lowly_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute(f"CREATE ROLE {role} LOGIN")
    finally:
        await conn.close()
    return role


async def test_a_role_that_may_not_migrate_is_told_how_and_the_owner_grants_it_rows_only(
    postgres_url: str, lowly: str, tmp_path: Path
) -> None:
    migrations = _write(tmp_path / "m", {"0001_things.sql": "CREATE TABLE things (id serial PRIMARY KEY, v text);"})
    schema = f"own_{uuid.uuid4().hex[:8]}"
    settings = load({"DATABASE_URL": _as(postgres_url, lowly)})
    assert settings.database_owner_url is None
    async with AsyncExitStack() as stack:
        with pytest.raises(ConfigError, match=f"schema {schema} has migrations to apply and role {lowly}"):
            await open_database(settings, stack, schema, migrations)

    applied = await migrate_as_owner(postgres_url, [(schema, migrations)], grant_to=lowly)
    assert applied == [f"{schema}/common/audit", f"{schema}/0001_things.sql"]

    async with AsyncExitStack() as stack:
        pool = await open_database(settings, stack, schema, migrations)  # up to date: no DDL needed
        await pool.execute(f"INSERT INTO {schema}.things (v) VALUES ('a')")
        await pool.execute(f"UPDATE {schema}.things SET v = 'b'")
        await Auditor(pool, schema).append_alone(Entry("sw.x", "social_worker", "", "t/Read", "", "", "OK", "-"))
        for sql in (f"ALTER TABLE {schema}.things ADD COLUMN w text", f"UPDATE {schema}.audit SET actor = 'x'"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await pool.execute(sql)


def _migrate_command(env: dict[str, str], *services: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "services.migrate", *services]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "KAHU_"))}
    return subprocess.run(command, env={**clean, **env}, capture_output=True, text=True, timeout=120, check=False)


async def test_the_migrate_command_applies_as_the_owner_and_grants_the_services_role(
    postgres_url: str, lowly: str
) -> None:
    database = f"migrate_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(postgres_url)
    await conn.execute(f"CREATE DATABASE {database}")
    await conn.close()
    owner = postgres_url.rsplit("/", 1)[0] + f"/{database}"
    env = {"DATABASE_URL": _as(owner, lowly)}

    refused = await asyncio.to_thread(_migrate_command, env, "codec")
    assert refused.returncode == 2 and "DATABASE_OWNER_URL is not set" in refused.stderr

    done = await asyncio.to_thread(_migrate_command, {**env, "DATABASE_OWNER_URL": owner}, "codec", "triage")
    assert done.returncode == 0, done.stderr
    assert "codec/common/audit" in done.stdout and "triage/0001_" in done.stdout
    again = await asyncio.to_thread(_migrate_command, {**env, "DATABASE_OWNER_URL": owner}, "codec")
    assert again.returncode == 0 and again.stdout.strip().endswith("up to date")

    conn = await asyncpg.connect(_as(owner, lowly))
    try:
        assert await conn.fetchval("SELECT count(*) FROM codec.audit") == 0  # granted: it may read
        assert await conn.fetchval("SELECT has_schema_privilege('triage', 'CREATE')") is False
    finally:
        await conn.close()
