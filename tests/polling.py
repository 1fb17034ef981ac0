"""Waiting on eventual state without sleeping blind: poll with a deadline.

`eventually` polls a probe until it gives a truthy answer. `answered` polls a call (a gRPC
stub's or a Temporal client's) until it answers, retrying only the errors the caller names
as "not yet" (a workflow not started yet: NOT_FOUND; a case not yet in the stage for an
action: FAILED_PRECONDITION): any other error fails at once, and at the deadline the
failure names the last answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection
from typing import TypeAlias, TypeVar

import grpc
from temporalio.service import RPCError, RPCStatusCode

T = TypeVar("T")

#: A code that means "not yet", or a (code, words in its details) pair that does.
NotYet: TypeAlias = grpc.StatusCode | RPCStatusCode | tuple[grpc.StatusCode | RPCStatusCode, str]

#: A workflow that has not started yet (a service answers NOT_FOUND), or has started but
#: not yet taken its input (its update validator refuses: "... has not started yet").
NOT_STARTED: frozenset[NotYet] = frozenset(
    {grpc.StatusCode.NOT_FOUND, (grpc.StatusCode.FAILED_PRECONDITION, "has not started yet")}
)
#: The same, from a Temporal client (updates, descriptions of a workflow).
WORKFLOW_NOT_STARTED: frozenset[NotYet] = frozenset({RPCStatusCode.NOT_FOUND})
#: A query of a workflow not started yet, or not ready to answer (its first workflow task
#: has not completed: FAILED_PRECONDITION).
QUERY_NOT_READY: frozenset[NotYet] = frozenset({RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION})
#: The same, or a query the time-skipping server left unanswered past its `rpc_timeout`
#: (seen once on a loaded machine: a query that met a run continuing as new).
QUERY_NOT_ANSWERED: frozenset[NotYet] = QUERY_NOT_READY | frozenset(
    {(RPCStatusCode.CANCELLED, "Timeout expired"), (RPCStatusCode.DEADLINE_EXCEEDED, "")}
)


async def eventually(probe: Callable[[], Awaitable[T | None]], *, timeout: float = 30.0, interval: float = 0.1) -> T:
    """Return the first truthy result of `probe`, or fail once `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


def _code(error: BaseException) -> grpc.StatusCode | RPCStatusCode | None:
    if isinstance(error, grpc.aio.AioRpcError):
        return error.code()
    if isinstance(error, RPCError):
        return error.status
    return None


def _details(error: BaseException) -> str:
    if isinstance(error, grpc.aio.AioRpcError):
        return error.details() or ""
    if isinstance(error, RPCError):
        return error.message
    return str(error)


def describe(error: BaseException) -> str:
    """An RPC error as `CODE: details`."""
    code = _code(error)
    return f"{code.name}: {_details(error)}" if code is not None else repr(error)


def _is_not_yet(error: BaseException, not_yet: Collection[NotYet]) -> bool:
    code = _code(error)
    return any(
        code == entry[0] and entry[1] in _details(error) if isinstance(entry, tuple) else code == entry
        for entry in not_yet
    )


async def answered(
    call: Callable[[], Awaitable[T]],
    *,
    not_yet: Collection[NotYet] = NOT_STARTED,
    until: Callable[[T], bool] | None = None,
    timeout: float = 30.0,
    interval: float = 0.1,
) -> T:
    """The first answer of `call` (that satisfies `until`, when given).

    An error `not_yet` names (by its code, or its code and words of its details) means
    "not yet": `call` is tried again. Any other error is raised at once. When `timeout`
    seconds pass first, the failure names the last answer or error."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while True:
        try:
            answer = await call()
        except (grpc.aio.AioRpcError, RPCError) as error:
            if not _is_not_yet(error, not_yet):
                raise
            last = describe(error)
        else:
            if until is None or until(answer):
                return answer
            last = f"{answer!r}"
        if time.monotonic() >= deadline:
            raise AssertionError(f"not answered as expected within {timeout}s; last: {last}")
        await asyncio.sleep(interval)
