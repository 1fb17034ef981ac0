"""Staff actions that become workflow updates, run exactly once per idempotency key.

`StaffActions.update` is the one way a service turns a staff member's request into an
update of a workflow: it records the action as pending in the service's own `actions`
table (`ActionLog.begin`), sends the update with the idempotency key as its update id,
stores the answer once the workflow accepted it (`finish`), and forgets the action when
the workflow rejected it (`abandon`). Each of those transactions carries the call's audit
record (PENDING, OK, or the rejection's status; a replayed answer is OK).

So a retry gets the first answer (and a pending one is re-sent, which Temporal
deduplicates), a reused key with a different request is refused, and a rejected action
leaves no row behind. Each schema has the same `actions` table (see any service's first
migration).
"""

from __future__ import annotations

import hashlib
import inspect
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

import asyncpg
from google.protobuf.message import Message
from temporalio.client import Client
from temporalio.workflow import UpdateMethodMultiParam

from services.common.authz import current, note_case
from services.common.errors import AlreadyExists, FailedPrecondition, NotFound
from services.common.updates import not_starting, send_update_once_started

_SCHEMA = re.compile(r"[a-z][a-z0-9_]{0,62}")

#: Rows a service writes in the same transaction as the action is recorded (they go when a
#: rejected action is abandoned, by the foreign key's cascade).
WrittenWithAction = Callable[[asyncpg.Connection], Awaitable[None]]

A = TypeVar("A")
V = TypeVar("V")
M = TypeVar("M", bound=Message)


class _Keyed(Protocol):
    idempotency_key: str


class _Replayable(Protocol):
    replayed: bool


def request_digest(request: Message) -> bytes:
    """The digest a retried request is recognised by (the same request, the same digest)."""
    return hashlib.sha256(request.SerializeToString(deterministic=True)).digest()


@dataclass(frozen=True)
class Action:
    """What a request asks, for the record: its kind, what it is about (a case or a
    conference id), who asks, and the request itself."""

    key: str
    action: str
    subject_id: str
    actor: str
    request: Message

    @property
    def digest(self) -> bytes:
        return request_digest(self.request)


class ActionLog:
    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        if not _SCHEMA.fullmatch(schema):
            raise ValueError(f"bad schema name {schema!r}")
        self._pool = pool
        self._table = f"{schema}.actions"

    async def begin(self, action: Action, written_with: WrittenWithAction | None = None) -> bytes | None:
        """Record `action` as pending (running `written_with` in the same transaction when it is new).

        Returns the stored answer when the key was answered before, None when the action is
        new or still pending; raises AlreadyExists when the key was used for another request.
        """
        digest = action.digest
        note_case(action.subject_id)
        async with self._pool.acquire() as conn, conn.transaction():
            inserted = await conn.fetchval(
                f"INSERT INTO {self._table} (idempotency_key, action, case_id, actor, request_digest, request)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING RETURNING true",
                action.key,
                action.action,
                uuid.UUID(action.subject_id),
                action.actor,
                digest,
                action.request.SerializeToString(),
            )
            if inserted:
                if written_with is not None:
                    await written_with(conn)
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

    async def answered(self, action: Action) -> bytes | None:
        """The stored answer to `action` (None when it is new or pending); AlreadyExists
        when its key was used for another request."""
        row = await self._pool.fetchrow(
            f"SELECT request_digest, response FROM {self._table} WHERE idempotency_key = $1", action.key
        )
        if row is None:
            return None
        if bytes(row["request_digest"]) != action.digest:
            raise AlreadyExists("idempotency_key was already used for a different request")
        return None if row["response"] is None else bytes(row["response"])

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
    written_with: WrittenWithAction | None = None,
) -> tuple[bytes, bool]:
    """Run `action` once: (the serialized answer, whether it was replayed from the log).

    `send` delivers the action to its workflow and builds the answer. When the workflow
    rejects it (FailedPrecondition, NotFound) the pending action is abandoned; any other
    failure (a timeout, say) leaves it pending for the caller's retry to finish.
    """
    stored = await log.begin(action, written_with)
    if stored is not None:
        return stored, True
    try:
        answer = await send()
    except (FailedPrecondition, NotFound) as rejected:
        await log.abandon(action.key, rejected.code.name)
        raise
    await log.finish(action.key, answer)
    return answer.SerializeToString(), False


class StaffActions:
    """A service's staff actions that become updates of a workflow (module docstring)."""

    def __init__(self, log: ActionLog, temporal: Client) -> None:
        self.log = log
        self._temporal = temporal

    async def update(
        self,
        request: Message,
        *,
        name: str,
        subject_id: str,
        actor: str,
        workflow_id: str,
        update: UpdateMethodMultiParam[[Any, A], V],
        arg: A,
        response: type[M],
        answer: Callable[[V], M | Awaitable[M]],
        written_with: WrittenWithAction | None = None,
        starting: Callable[[], Awaitable[bool]] = not_starting,
    ) -> M:
        """Send `update(arg)` to `workflow_id` once per `request.idempotency_key` and answer
        with `answer(view)`, the workflow's answer turned into the response; a retry gets
        the first `response` with `replayed` set. `name` is the action's kind in the log
        (`<service>.<action>`), `subject_id` the case or conference it is about. `starting`:
        whether a workflow that does not exist yet is on its way (the call then waits a
        little for it: services/common/updates.py `send_update_once_started`)."""
        key = cast(_Keyed, request).idempotency_key

        async def send() -> M:
            view = await send_update_once_started(self._temporal, workflow_id, update, arg, key=key, starting=starting)
            built = answer(view)
            return await built if inspect.isawaitable(built) else built

        action = Action(key, name, subject_id, actor, request)
        stored, replayed = await perform(self.log, action, send, written_with=written_with)
        return self._parsed(response, stored, replayed)

    async def answered(
        self, request: Message, *, name: str, subject_id: str, actor: str, response: type[M]
    ) -> M | None:
        """The first response to `request` when it was answered before, read before an
        action's checks of the current state (which may have moved on since), else None."""
        action = Action(cast(_Keyed, request).idempotency_key, name, subject_id, actor, request)
        stored = await self.log.answered(action)
        return None if stored is None else self._parsed(response, stored, True)

    @staticmethod
    def _parsed(response: type[M], stored: bytes, replayed: bool) -> M:
        parsed = response.FromString(stored)
        cast(_Replayable, parsed).replayed = replayed
        return parsed
