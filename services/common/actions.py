"""Staff actions recorded exactly once per idempotency key, in the owning service's schema.

A service records an action as pending (`begin`) before it sends the action to the case's
workflow as an update with the key as the update id, stores the answer once the workflow
has accepted it (`finish`), and forgets the action when the workflow rejected it
(`abandon`). Each of those transactions carries the call's audit record (PENDING, OK, or
the rejection's status; a replayed answer is OK).

So a retry gets the first answer (and a pending one is re-sent, which Temporal
deduplicates), a reused key with a different request is refused, and a rejected action
leaves no row behind. Each schema has the same `actions` table (see any service's first
migration).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
from google.protobuf.message import Message

from services.common.authz import current, note_case
from services.common.errors import AlreadyExists, FailedPrecondition, NotFound

_SCHEMA = re.compile(r"[a-z][a-z0-9_]{0,62}")

Also = Callable[[asyncpg.Connection], Awaitable[None]]


@dataclass(frozen=True)
class Action:
    """What a request asks, for the record: its kind, the case, who, and the request itself."""

    key: str
    action: str
    case_id: str
    actor: str
    request: Message

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.request.SerializeToString(deterministic=True)).digest()


class ActionLog:
    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        if not _SCHEMA.fullmatch(schema):
            raise ValueError(f"bad schema name {schema!r}")
        self._pool = pool
        self._table = f"{schema}.actions"

    async def begin(self, action: Action, also: Also | None = None) -> bytes | None:
        """Record `action` as pending (running `also` in the same transaction when it is new).

        Returns the stored answer when the key was answered before, None when the action is
        new or still pending; raises AlreadyExists when the key was used for another request.
        """
        digest = action.digest
        note_case(action.case_id)
        async with self._pool.acquire() as conn, conn.transaction():
            inserted = await conn.fetchval(
                f"INSERT INTO {self._table} (idempotency_key, action, case_id, actor, request_digest, request)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING RETURNING true",
                action.key,
                action.action,
                uuid.UUID(action.case_id),
                action.actor,
                digest,
                action.request.SerializeToString(),
            )
            if inserted:
                if also is not None:
                    await also(conn)
                await current().audit_in(conn, "PENDING")
                return None
            row = await conn.fetchrow(
                f"SELECT request_digest, response FROM {self._table} WHERE idempotency_key = $1", action.key
            )
            if bytes(row["request_digest"]) == digest and row["response"] is not None:
                await current().audit_in(conn, "OK")
        if bytes(row["request_digest"]) != digest:
            raise AlreadyExists("idempotency_key was already used for a different request")
        response = row["response"]
        return None if response is None else bytes(response)

    async def finish(self, key: str, response: Message) -> None:
        """Store the answer to a pending action (the first answer stands)."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                f"UPDATE {self._table} SET response = $2, completed_at = now()"
                " WHERE idempotency_key = $1 AND response IS NULL",
                key,
                response.SerializeToString(),
            )
            await current().audit_in(conn, "OK")

    async def abandon(self, key: str, result: str) -> None:
        """Forget a pending action the workflow rejected (rows that cascade from it go too)."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(f"DELETE FROM {self._table} WHERE idempotency_key = $1 AND response IS NULL", key)
            await current().audit_in(conn, result)


async def perform(
    log: ActionLog,
    action: Action,
    send: Callable[[], Awaitable[Message]],
    *,
    also: Also | None = None,
) -> tuple[bytes, bool]:
    """Run `action` once: (the serialized answer, whether it was replayed from the log).

    `send` delivers the action to its workflow and builds the answer. When the workflow
    rejects it (FailedPrecondition, NotFound) the pending action is abandoned; any other
    failure (a timeout, say) leaves it pending for the caller's retry to finish.
    """
    stored = await log.begin(action, also)
    if stored is not None:
        return stored, True
    try:
        answer = await send()
    except (FailedPrecondition, NotFound) as rejected:
        await log.abandon(action.key, rejected.code.name)
        raise
    await log.finish(action.key, answer)
    return answer.SerializeToString(), False
