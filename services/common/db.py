"""PostgreSQL access: one asyncpg pool per service, and versioned migrations per schema.

Each service has one schema and keeps its migrations as `NNNN_name.sql` files; they are
applied under a PostgreSQL advisory lock, so replicas starting together apply each
migration exactly once. Before them, every schema gets the migrations all services share
(the audit trail, services/common/audit.py), tracked in `<schema>.common_migrations`.

Two roles: the owner of the schemas applies the migrations (DATABASE_OWNER_URL, at
start-up or from `python -m services.migrate`) and grants the service's own role
(DATABASE_URL) what it needs to work: its tables' rows, and on the audit trail only
SELECT and INSERT. The service's role owns nothing, so it can neither drop the audit
trail's triggers nor alter its tables.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path

import asyncpg

from services.common.audit import common_migrations
from services.common.config import ConfigError, Settings

log = logging.getLogger(__name__)

_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_SCHEMA = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_BOOKKEEPING = ("schema_migrations", "common_migrations")
#: The pool each schema was opened with (`open_database`): the server that starts next for
#: a service whose schema it is writes that service's audit trail through it
#: (services/common/server.py), so every service gets its trail without wiring.
MIGRATED: dict[str, asyncpg.Pool] = {}


CONNECT_TIMEOUT = 5.0
"""Seconds to open a connection: PostgreSQL down answers UNAVAILABLE soon, not after a minute."""
COMMAND_TIMEOUT = 20.0
"""Seconds any statement may take from the client's side (the server's own limit is 15 s)."""


async def _keep_session(conn: asyncpg.Connection) -> None:
    """A released connection needs no reset query: Kahu keeps no session state (its settings
    are SET LOCAL, its advisory locks transaction-scoped), and asyncpg itself rolls back a
    transaction left open. One round trip fewer per acquire."""


async def create_pool(database_url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Open the service's connection pool (connections and statements time out rather than
    hang; a connection lost with PostgreSQL is replaced on the next acquire)."""
    pool = await asyncpg.create_pool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        timeout=CONNECT_TIMEOUT,
        command_timeout=COMMAND_TIMEOUT,
        server_settings={"statement_timeout": "15000", "application_name": "kahu"},
        reset=_keep_session,
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


async def migrate(pool: asyncpg.Pool, schema: str, directory: Path | None, *, grant_to: str | None = None) -> list[str]:
    """Apply the pending common migrations and those in `directory` (None: none of its own)
    to `schema`, then grant role `grant_to` (if any) the service's rights on it; return the
    names applied. A schema that is up to date gets no DDL, so a role that may not change
    it can call this to check it."""
    if not _SCHEMA.match(schema):
        raise ValueError(f"bad schema name {schema!r}")
    pending = [] if directory is None else _migrations(directory)
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"kahu.migrate.{schema}")
        try:
            books = [f"{schema}.{table}" for table in _BOOKKEEPING]
            missing = await conn.fetchval("SELECT bool_or(to_regclass(b) IS NULL) FROM unnest($1::text[]) b", books)
            if missing:
                await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                for book in books:
                    await conn.execute(
                        f"CREATE TABLE IF NOT EXISTS {book} ("
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
            if grant_to is not None and grant_to != await conn.fetchval("SELECT current_user"):
                await _grant(conn, schema, grant_to)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"kahu.migrate.{schema}")
    return applied


async def _grant(conn: asyncpg.Connection, schema: str, role: str) -> None:
    """What a service's own role may do in its schema: use it, read and write its rows,
    append to (never change) its audit trail, read (never write) the migration books."""
    who = await conn.fetchval("SELECT quote_ident($1)", role)
    async with conn.transaction():
        await conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {who}")
        await conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who}")
        await conn.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {who}")
        books = ", ".join(f"{schema}.{table}" for table in _BOOKKEEPING)
        await conn.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {books} FROM {who}")
        await conn.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {schema}.audit FROM {who}")


Schemas = Sequence[tuple[str, Path | None]]


async def migrate_as_owner(owner_url: str, schemas: Schemas, *, grant_to: str) -> list[str]:
    """Apply `schemas`' migrations (schema, migrations directory) as the owner role and
    grant `grant_to` the service's rights on them; return the names applied."""
    pool = await create_pool(owner_url, max_size=1)
    try:
        return [
            f"{schema}/{name}"
            for schema, directory in schemas
            for name in await migrate(pool, schema, directory, grant_to=grant_to)
        ]
    finally:
        await pool.close()


async def open_database(
    settings: Settings, stack: AsyncExitStack, schema: str, directory: Path | None, *, max_size: int = 10
) -> asyncpg.Pool:
    """The service's pool, as its own role, on its schema brought up to date (by the owner
    role when DATABASE_OWNER_URL is set); closed when `stack` closes."""
    pool = await create_pool(settings.database_url, max_size=max_size)
    stack.push_async_callback(pool.close)
    role = await pool.fetchval("SELECT current_user")
    if settings.database_owner_url is not None:
        await migrate_as_owner(settings.database_owner_url, [(schema, directory)], grant_to=role)
    try:
        await migrate(pool, schema, directory)
    except asyncpg.InsufficientPrivilegeError:
        raise ConfigError(
            f"schema {schema} has migrations to apply and role {role} may not apply them: set"
            " DATABASE_OWNER_URL, or run `python -m services.migrate` as the owner first"
        ) from None
    owner = await pool.fetchval("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = $1", schema)
    if owner == role:
        log.warning(
            "role %s owns schema %s, so it could drop the audit trail's triggers: give the service a role"
            " of its own (DATABASE_URL) and migrations the owner's (DATABASE_OWNER_URL)",
            role,
            schema,
        )
    MIGRATED[schema] = pool
    return pool
