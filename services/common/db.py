"""PostgreSQL access: one asyncpg pool per service, and versioned migrations per schema.

Each service owns one schema and keeps its migrations as `NNNN_name.sql` files; they are
applied at start-up under a PostgreSQL advisory lock, so replicas starting together apply
each migration exactly once. Before them, every schema gets the migrations all services
share (the audit trail, services/common/audit.py), tracked in `<schema>.common_migrations`.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import asyncpg

from services.common.audit import common_migrations

log = logging.getLogger(__name__)

_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_SCHEMA = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
#: The pool that most recently migrated each schema: the server that starts next for a
#: service whose schema it is writes that service's audit trail through it
#: (services/common/server.py), so every service gets its trail without wiring.
MIGRATED: dict[str, asyncpg.Pool] = {}


async def create_pool(database_url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Open the service's connection pool (statements time out rather than hang)."""
    pool = await asyncpg.create_pool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        server_settings={"statement_timeout": "15000", "application_name": "kahu"},
    )
    assert pool is not None
    return pool


def _migrations(directory: Path) -> list[tuple[int, str, str]]:
    found = []
    for path in sorted(directory.iterdir()):
        match = _MIGRATION.match(path.name)
        if match is None:
            if path.suffix == ".sql":
                raise ValueError(f"migration {path.name} is not named NNNN_name.sql")
            continue
        found.append((int(match.group(1)), path.name, path.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration versions in {directory}")
    return found


async def migrate(pool: asyncpg.Pool, schema: str, directory: Path | None) -> list[str]:
    """Apply the pending common migrations and those in `directory` (None: none of its own)
    to `schema`; return the names applied."""
    if not _SCHEMA.match(schema):
        raise ValueError(f"bad schema name {schema!r}")
    pending = [] if directory is None else _migrations(directory)
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"kahu.migrate.{schema}")
        try:
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {schema}.schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {schema}.common_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            common_done = {r["version"] for r in await conn.fetch(f"SELECT version FROM {schema}.common_migrations")}
            for version, name, sql in common_migrations(schema):
                if version in common_done:
                    continue
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute(
                        f"INSERT INTO {schema}.common_migrations (version, name) VALUES ($1, $2)", version, name
                    )
                applied.append(f"common/{name}")
                log.info("applied common migration %s.%s", schema, name)
            done = {r["version"] for r in await conn.fetch(f"SELECT version FROM {schema}.schema_migrations")}
            for version, name, sql in pending:
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL search_path TO {schema}")
                    await conn.execute(sql)
                    await conn.execute(
                        f"INSERT INTO {schema}.schema_migrations (version, name) VALUES ($1, $2)", version, name
                    )
                applied.append(name)
                log.info("applied migration %s.%s", schema, name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"kahu.migrate.{schema}")
    MIGRATED[schema] = pool
    return applied
