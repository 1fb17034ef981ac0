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
from datetime import timedelta
from typing import Any, TypeAlias, TypeVar

import grpc
from temporalio.client import WorkflowHandle
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
#: What a time-skipping server's answer says when it dropped a call under load: left
#: unanswered past the call's timeout, or its stream reset.
DROPPED: frozenset[NotYet] = frozenset(
    {
        (RPCStatusCode.CANCELLED, "Timeout expired"),
        (RPCStatusCode.DEADLINE_EXCEEDED, ""),
        (RPCStatusCode.CANCELLED, "h2 protocol error"),
    }
)
#: A query not ready to answer, or one the time-skipping server dropped (seen on a loaded
#: machine: a query that met a run continuing as new).
QUERY_NOT_ANSWERED: frozenset[NotYet] = QUERY_NOT_READY | DROPPED


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


def is_dropped(error: BaseException) -> bool:
    """Whether a time-skipping server dropped the call that failed with `error` (DROPPED)."""
    return _is_not_yet(error, DROPPED)


async def finished(handle: WorkflowHandle[Any, T], *, timeout: float = 60.0) -> T:
    """The workflow's result, as `handle.result()` gives it; asked again, of the workflow's
    latest run, when the time-skipping server leaves the wait for it unanswered (under load
    it can leave a history long poll unanswered after the run has closed)."""
    deadline = time.monotonic() + timeout
    asking = handle
    while True:
        try:
            return await asking.result(rpc_timeout=timedelta(seconds=10))
        except RPCError as error:
            if not is_dropped(error) or time.monotonic() >= deadline:
                raise
        asking = handle._client.get_workflow_handle(handle.id, result_type=handle._result_type)
        if hasattr(handle, "env"):  # a time-skipping handle: its clock skips on while it waits
            asking.__class__ = type(handle)
            asking.env = handle.env  # type: ignore[attr-defined]
