"""The audit trail: who read or changed what, in each service's own schema.

Every service's schema has an `audit` table (created for every schema by `migrate`, see
`COMMON_MIGRATIONS`). A record says who (subject, roles, agency), what (the RPC), which
case, for what purpose, with what result, in which trace, and when. The database itself
keeps the trail honest:

- append-only: a trigger refuses UPDATE, DELETE and TRUNCATE, for every role;
- chained: a BEFORE INSERT trigger takes a transaction-scoped advisory lock (appends are
  serialised, so the chain is linear), numbers the record (`seq`), stamps it, and sets
  `prev_hash` to the previous record's `record_hash` and `record_hash` to
  SHA-256(prev_hash || canonical(record)); whatever the inserting client sent for those
  is overwritten.

`verify_chain` recomputes the chain from the first record and reports the first broken
link (`kahu audit verify`).

A record is written in the same transaction as the read or change it records: stores
open their transactions with `transaction(pool)`, which appends the call's record just
before commit. A call that touched no table still gets its record (the server's
authorisation writes it, in its own transaction, before the answer goes back).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

GENESIS = bytes(32)
CANONICAL_VERSION = "kahu-audit-v1"
_SCHEMA = re.compile(r"[a-z][a-z0-9_]{0,62}")
#: The fields a record's hash covers, in order.
FIELDS = ("seq", "at", "actor", "roles", "agency", "action", "case_id", "purpose", "result", "trace_id")

#: Migrations every service schema gets (tracked in <schema>.common_migrations); `{schema}`
#: stands for the schema's name.
COMMON_MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "audit",
        r"""
CREATE TABLE {schema}.audit (
    seq bigint PRIMARY KEY,
    at timestamptz NOT NULL,
    actor text NOT NULL,
    roles text NOT NULL,
    agency text NOT NULL,
    action text NOT NULL,
    case_id text NOT NULL,
    purpose text NOT NULL,
    result text NOT NULL,
    trace_id text NOT NULL,
    prev_hash bytea NOT NULL,
    record_hash bytea NOT NULL
);
CREATE INDEX audit_case ON {schema}.audit (case_id) WHERE case_id <> '';

COMMENT ON TABLE {schema}.audit IS
    'Append-only, hash-chained audit trail (services/common/audit.py); verify with `kahu audit verify`.';

CREATE FUNCTION {schema}.audit_field(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT octet_length(value) || ':' || value || E'\n' $$;

CREATE FUNCTION {schema}.audit_append() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $$
DECLARE
    last record;
    canonical text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('kahu.audit.{schema}'));
    SELECT a.seq, a.record_hash INTO last FROM {schema}.audit a ORDER BY a.seq DESC LIMIT 1;
    IF last IS NULL THEN
        NEW.seq := 1;
        NEW.prev_hash := decode(repeat('00', 32), 'hex');
    ELSE
        NEW.seq := last.seq + 1;
        NEW.prev_hash := last.record_hash;
    END IF;
    NEW.at := clock_timestamp();
    canonical := 'kahu-audit-v1' || E'\n'
        || {schema}.audit_field(NEW.seq::text)
        || {schema}.audit_field(to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        || {schema}.audit_field(NEW.actor)
        || {schema}.audit_field(NEW.roles)
        || {schema}.audit_field(NEW.agency)
        || {schema}.audit_field(NEW.action)
        || {schema}.audit_field(NEW.case_id)
        || {schema}.audit_field(NEW.purpose)
        || {schema}.audit_field(NEW.result)
        || {schema}.audit_field(NEW.trace_id);
    NEW.record_hash := sha256(NEW.prev_hash || convert_to(canonical, 'UTF8'));
    RETURN NEW;
END
$$;

CREATE FUNCTION {schema}.audit_refuse() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_append BEFORE INSERT ON {schema}.audit
    FOR EACH ROW EXECUTE FUNCTION {schema}.audit_append();
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON {schema}.audit
    FOR EACH ROW EXECUTE FUNCTION {schema}.audit_refuse();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {schema}.audit
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.audit_refuse();
REVOKE UPDATE, DELETE, TRUNCATE ON {schema}.audit FROM PUBLIC;
""",
    ),
)


def common_migrations(schema: str) -> list[tuple[int, str, str]]:
    if not _SCHEMA.fullmatch(schema):
        raise ValueError(f"bad schema name {schema!r}")
    return [(version, name, sql.replace("{schema}", schema)) for version, name, sql in COMMON_MIGRATIONS]


@dataclass(frozen=True)
class Entry:
    """What a record says, before the database numbers, stamps and chains it."""

    actor: str
    roles: str
    agency: str
    action: str
    case_id: str
    purpose: str
    result: str
    trace_id: str


class Auditor:
    """Appends records to one schema's audit trail."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        if not _SCHEMA.fullmatch(schema):
            raise ValueError(f"bad schema name {schema!r}")
        self.pool = pool
        self.schema = schema

    async def append(self, conn: asyncpg.Connection, entry: Entry) -> None:
        """Append `entry` within `conn`'s transaction (the lock is held until it ends)."""
        await conn.execute(
            f"INSERT INTO {self.schema}.audit (seq, at, actor, roles, agency, action, case_id, purpose, result,"
            " trace_id, prev_hash, record_hash) VALUES (0, now(), $1, $2, $3, $4, $5, $6, $7, $8, '', '')",
            entry.actor,
            entry.roles,
            entry.agency,
            entry.action,
            entry.case_id,
            entry.purpose,
            entry.result,
            entry.trace_id,
        )

    async def append_alone(self, entry: Entry) -> None:
        """Append `entry` in a transaction of its own."""
        async with self.pool.acquire() as conn, conn.transaction():
            await self.append(conn, entry)


@asynccontextmanager
async def transaction(pool: asyncpg.Pool, *, result: str = "OK") -> AsyncIterator[asyncpg.Connection]:
    """A transaction on `pool` that, when its block succeeds, also appends the current
    call's audit record (with `result`) before it commits; nothing is recorded if the
    block fails, since nothing it did is kept."""
    from services.common.authz import current

    call = current()
    async with pool.acquire() as conn, conn.transaction():
        yield conn
        await call.audit_in(conn, result)


# -- verification ----------------------------------------------------------------------


def _field(value: str) -> bytes:
    raw = value.encode("utf-8")
    return str(len(raw)).encode() + b":" + raw + b"\n"


def canonical(record: asyncpg.Record | dict[str, object]) -> bytes:
    at = record["at"]
    assert isinstance(at, dt.datetime)
    values = [
        str(record["seq"]),
        at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        *(str(record[name]) for name in FIELDS[2:]),
    ]
    return CANONICAL_VERSION.encode() + b"\n" + b"".join(_field(v) for v in values)


def record_hash(prev_hash: bytes, record: asyncpg.Record | dict[str, object]) -> bytes:
    return hashlib.sha256(prev_hash + canonical(record)).digest()


@dataclass(frozen=True)
class ChainReport:
    schema: str
    records: int
    head_seq: int
    head_hash: bytes
    broken_at: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


async def audited_schemas(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = 'audit'"
        " AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY table_schema"
    )
    return [r["table_schema"] for r in rows]


async def verify_chain(conn: asyncpg.Connection, schema: str, *, batch: int = 5000) -> ChainReport:
    """Walk `schema`'s trail from its first record; stop at the first broken link: a gap
    or reordering in the numbering, a `prev_hash` that is not the previous record's hash,
    or a `record_hash` that does not match the record."""
    if not _SCHEMA.fullmatch(schema):
        raise ValueError(f"bad schema name {schema!r}")
    expected_seq, prev, count = 1, GENESIS, 0
    after = 0
    while True:
        rows = await conn.fetch(
            f"SELECT * FROM {schema}.audit WHERE seq > $1 ORDER BY seq LIMIT $2",
            after,
            batch,
        )
        if not rows:
            break
        for row in rows:
            seq = row["seq"]
            if seq != expected_seq:
                problem = f"record {expected_seq} is missing (the next is {seq})"
                return ChainReport(schema, count, expected_seq - 1, prev, expected_seq, problem)
            if bytes(row["prev_hash"]) != prev:
                problem = "its prev_hash is not the hash of the record before it"
                return ChainReport(schema, count, seq - 1, prev, seq, problem)
            digest = record_hash(prev, row)
            if bytes(row["record_hash"]) != digest:
                problem = "its contents do not match its record_hash (changed after it was written)"
                return ChainReport(schema, count, seq - 1, prev, seq, problem)
            prev, expected_seq, count, after = digest, seq + 1, count + 1, seq
    return ChainReport(schema, count, expected_seq - 1, prev)
