"""The outbox loop every service with one runs: rows committed before their workflow heard of
them (a Temporal outage, a caller that gave up, a crash between the commit and the start)
are finished every few seconds, idempotently, whatever the call that stored them did."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from services.common.outages import is_outage
from services.common.updates import Unavailable
from workflows import search_attributes as sa

log = logging.getLogger(__name__)
_MARKING: set[asyncio.Task[None]] = set()

#: What the outbox leaves to the call that is still working on it.
GRACE = dt.timedelta(seconds=5)
INTERVAL = 2.0
BATCH = 100
#: How long a workflow start may take before the call answers UNAVAILABLE (the outbox goes on).
START_TIMEOUT = dt.timedelta(seconds=10)


async def run_outbox(
    name: str,
    drain: Callable[[dt.datetime], Awaitable[int]],
    *,
    interval: float = INTERVAL,
    grace: dt.timedelta = GRACE,
    wake: asyncio.Event | None = None,
    finished_what: str = "left by calls",
) -> None:
    """Every `interval` seconds until cancelled (or sooner, when `wake` is set):
    `drain(before)` finishes what rows stored before `before` (`grace` ago) still need and
    returns how many it finished."""
    while True:
        if wake is not None:
            wake.clear()
        try:
            finished = await drain(dt.datetime.now(dt.UTC) - grace)
        except Exception as error:
            log.warning("%s outbox: not drained this round (%s)", name, type(error).__name__)
        else:
            if finished:
                log.info("%s outbox: finished %d %s", name, finished, finished_what)
        if wake is None:
            await asyncio.sleep(interval)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), interval)


async def attempt(what: str, work: Awaitable[object]) -> bool:
    """Run one item of a drain: False (logged unless an outage) when it fails, for the next round."""
    try:
        await work
    except Exception as error:
        if not is_outage(error) and not isinstance(error, Unavailable):
            log.error("outbox: could not %s: %s", what, type(error).__name__)
        return False
    return True


async def start_once(
    temporal: Client, run: Any, arg: Any, *, workflow_id: str, task_queue: str, stage: str, site: str, region: str
) -> None:
    """Start the workflow a stored row names, once whoever asks (its call, a retry, the
    outbox): an id already running is used, one that has finished is left finished."""
    with contextlib.suppress(WorkflowAlreadyStartedError):  # started and already finished
        await temporal.start_workflow(
            run,
            arg,
            id=workflow_id,
            task_queue=task_queue,
            rpc_timeout=START_TIMEOUT,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(sa.STAGE, stage),
                    SearchAttributePair(sa.SITE, site),
                    SearchAttributePair(sa.REGION, region),
                ]
            ),
        )


def mark_in_background(mark: Awaitable[None], what: str) -> None:
    """Record in the outbox that a workflow started, without making the caller wait for it:
    if the mark fails, or the process dies first, the outbox's next round repeats the
    (idempotent) start and marks it then."""

    async def marking() -> None:
        if not await attempt(f"mark {what} started", mark):
            log.warning("outbox: %s not marked started; the next round will", what)

    task = asyncio.create_task(marking())
    _MARKING.add(task)
    task.add_done_callback(_MARKING.discard)
