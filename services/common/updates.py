"""Updates and queries of a running workflow (a case's, an assessment's, a placement
search's, a conference's), with Temporal's failures turned into the domain errors callers see."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import grpc
from temporalio.client import (
    Client,
    RPCTimeoutOrCancelledError,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from services.common.errors import DomainError, FailedPrecondition, NotFound
from workflows import search_attributes as sa
from workflows.common import AlreadyApplied

A = TypeVar("A")
R = TypeVar("R")

UPDATE_TIMEOUT = timedelta(seconds=15)
QUERY_TIMEOUT = timedelta(seconds=5)
#: Tries of an update that met a run as it continued as new (each next try reaches the next run).
CONTINUED_ATTEMPTS = 3


class AlreadyDone(FailedPrecondition):
    """The workflow refused the update because it already has its effect."""


class Unavailable(DomainError):
    """The workflow did not answer in time; the caller may retry with the same key."""

    code = grpc.StatusCode.UNAVAILABLE


def _reason(error: WorkflowUpdateFailedError) -> str:
    cause = error.cause
    return getattr(cause, "message", None) or str(cause) or "the update was rejected"


async def send_update(
    client: Client, workflow_id: str, update: UpdateMethodMultiParam[[Any, A], R], arg: A, *, key: str
) -> R:
    """Run `update` on the workflow with `key` as the update id (Temporal deduplicates a
    retry). A rejection is FAILED_PRECONDITION with the workflow's reason; a workflow that
    does not exist is NOT_FOUND, one that has finished FAILED_PRECONDITION."""
    handle = client.get_workflow_handle(workflow_id)
    attempt = 0
    while True:
        attempt += 1
        try:
            return await handle.execute_update(update, arg, id=key, rpc_timeout=UPDATE_TIMEOUT)
        except WorkflowUpdateFailedError as err:
            if getattr(err.cause, "type", None) == AlreadyApplied.type_name:
                raise AlreadyDone(_reason(err)) from None
            raise FailedPrecondition(_reason(err)) from None
        except RPCTimeoutOrCancelledError:
            raise Unavailable("the workflow did not answer in time; retry with the same idempotency_key") from None
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise _rpc_error(err) from None
            status = await _status(handle)
            if status is None:
                raise NotFound("no such workflow") from None
            if status != WorkflowExecutionStatus.RUNNING:
                raise FailedPrecondition("the workflow has finished") from None
            # the run it reached had just continued as new: the next run takes it (the same id)
            if attempt == CONTINUED_ATTEMPTS:
                raise Unavailable("the workflow was continuing as new; retry with the same idempotency_key") from None


#: How long a call waits for a workflow that is starting (the step before it has been taken),
#: asking again after a pause that doubles from FIRST_PAUSE up to MAX_PAUSE.
STARTING_WAIT = timedelta(seconds=5)
FIRST_PAUSE = 0.02
MAX_PAUSE = 0.2


async def send_update_once_started(
    client: Client,
    workflow_id: str,
    update: UpdateMethodMultiParam[[Any, A], R],
    arg: A,
    *,
    key: str,
    starting: Callable[[], Awaitable[bool]],
    still_starting: str = "the workflow is still starting; retry with the same idempotency_key",
) -> R:
    """`send_update`, to a workflow that may not have started yet: while it does not exist
    and `starting()` says it is on its way (asked once), ask again for up to STARTING_WAIT,
    then answer UNAVAILABLE with `still_starting` (the caller retries with the same key).
    Not on its way, NOT_FOUND at once, as `send_update` answers."""
    loop = asyncio.get_running_loop()
    until = loop.time() + STARTING_WAIT.total_seconds()
    pause = FIRST_PAUSE
    asked = False
    while True:
        try:
            return await send_update(client, workflow_id, update, arg, key=key)
        except NotFound:
            if not asked and not await starting():
                raise
            asked = True
            if loop.time() + pause > until:
                raise Unavailable(still_starting) from None
        await asyncio.sleep(pause)
        pause = min(pause * 2, MAX_PAUSE)


async def not_starting() -> bool:
    """For `send_update_once_started`: no workflow is on its way (a missing one is NOT_FOUND)."""
    return False


async def _described(handle: WorkflowHandle[Any, Any]) -> WorkflowExecutionDescription | None:
    """The workflow's latest run as Temporal describes it (None: no such workflow); no
    worker is asked."""
    try:
        return await handle.describe(rpc_timeout=QUERY_TIMEOUT)
    except RPCTimeoutOrCancelledError:
        raise Unavailable("the workflow did not answer in time; retry with the same idempotency_key") from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise _rpc_error(err) from None


async def _status(handle: WorkflowHandle[Any, Any]) -> WorkflowExecutionStatus | None:
    """The status of the workflow's latest run (None: no such workflow), as an update's
    NOT_FOUND does not say which, whatever its wording."""
    described = await _described(handle)
    return None if described is None else described.status


async def running_stage(client: Client, workflow_id: str) -> str | None:
    """The stage (search attribute KahuStage) of the workflow's latest run while it runs;
    None when it has finished or does not exist."""
    described = await _described(client.get_workflow_handle(workflow_id))
    if described is None or described.status != WorkflowExecutionStatus.RUNNING:
        return None
    return described.typed_search_attributes.get(sa.STAGE)


def _rpc_error(err: RPCError) -> DomainError:
    if err.status == RPCStatusCode.NOT_FOUND:
        if "completed" in err.message.lower():
            return FailedPrecondition("the workflow has finished")
        return NotFound("no such workflow")
    if err.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.UNAVAILABLE, RPCStatusCode.CANCELLED):
        return Unavailable("the workflow did not answer in time; retry")
    raise err


async def query(client: Client, workflow_id: str, method: Callable[[Any], R]) -> R | None:
    """The answer of a query on the workflow (its latest run); None when it does not exist."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        return await handle.query(method, rpc_timeout=QUERY_TIMEOUT)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise _rpc_error(err) from None
    except WorkflowQueryFailedError as err:
        raise Unavailable(f"the workflow cannot be read right now: {err.message}") from None
