"""A no-work twin of a case: the same activities, child workflow and updates as a case
that is triaged, assessed and closed, with nothing done in any of them."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

NOOP_TIMEOUT = timedelta(seconds=30)


@activity.defn
async def noop(step: str) -> None:
    """Does nothing."""


async def _steps(*names: str) -> None:
    for name in names:
        await workflow.execute_activity(noop, name, start_to_close_timeout=NOOP_TIMEOUT)


@workflow.defn
class BaselineAssessment:
    def __init__(self) -> None:
        self._allocated = False
        self._completed = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self._completed)
        await _steps("resolve")

    @workflow.update
    async def allocate(self) -> None:
        self._allocated = True

    @workflow.update
    async def complete(self) -> None:
        self._completed = True

    @complete.validator
    def _check_complete(self) -> None:
        if not self._allocated:
            raise ApplicationError("not allocated")


@workflow.defn
class BaselineCase:
    def __init__(self) -> None:
        self._ready = False
        self._decided = False

    @workflow.run
    async def run(self) -> None:
        await _steps("stage", "propose")
        self._ready = True
        await workflow.wait_condition(lambda: self._decided)
        await _steps("resolve", "stage")
        await workflow.execute_child_workflow(BaselineAssessment.run, id=f"{workflow.info().workflow_id}-assessment")
        await _steps("stage", "stage")

    @workflow.update
    async def decide(self) -> None:
        self._decided = True

    @workflow.update
    async def ready(self) -> None:
        """Answers once the case's opening steps are done (the benchmark waits for it between phases)."""
        await workflow.wait_condition(lambda: self._ready)

    @decide.validator
    def _check_decide(self) -> None:
        if not self._ready:
            raise ApplicationError("no proposal yet")


@workflow.defn
class BareTimers:
    """A minimal history of a chosen length: `n` one-second timers, one after another (five
    events each), for the history benchmark's replay baseline."""

    @workflow.run
    async def run(self, n: int) -> None:
        for _ in range(n):
            await workflow.sleep(1)


@activity.defn
async def fired(key: str) -> None:
    """The bare deadline's twin of raising an escalation: does nothing (the benchmark's
    worker wraps it to note when it ran)."""


@workflow.defn
class BareDeadline:
    """A deadline and nothing else: a timer until `due`, then one activity (as a case's
    clock raises its tier 1 escalation), for the timer storm benchmark's baseline."""

    @workflow.run
    async def run(self, due: float, key: str) -> None:
        """`due`: seconds since the epoch."""
        remaining = due - workflow.now().timestamp()
        if remaining > 0:
            await workflow.sleep(remaining)
        await workflow.execute_activity(fired, key, start_to_close_timeout=NOOP_TIMEOUT)


@workflow.defn
class BarePlan:
    """A plan's clocks and nothing else, for the plans benchmark's baseline: per clock a
    timer to its reminder and one activity, then a timer to its due moment and one activity
    (as a plan's action reminds its owner, then escalates to its tier 1); the `done` update
    ends a clock (as an action recorded done). The clocks are `[reminder, due]` pairs in
    seconds since the epoch; the activity's key is `<key>:<clock>:<0 reminder, 1 due>`."""

    @workflow.init
    def __init__(self, key: str, clocks: list[list[float]]) -> None:
        self._done: set[int] = set()

    @workflow.run
    async def run(self, key: str, clocks: list[list[float]]) -> None:
        await asyncio.gather(*(self._clock(key, i, moments) for i, moments in enumerate(clocks)))

    async def _clock(self, key: str, clock: int, moments: list[float]) -> None:
        for step, at in enumerate(moments):
            remaining = at - workflow.now().timestamp()
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(lambda: clock in self._done, timeout=remaining)
            if clock in self._done:
                return
            await workflow.execute_activity(fired, f"{key}:{clock}:{step}", start_to_close_timeout=NOOP_TIMEOUT)

    @workflow.update
    async def done(self, clock: int) -> None:
        self._done.add(clock)


async def serve_case_twin(address: str, namespace: str, task_queue: str) -> None:
    """Run the case's no-work twin's worker until SIGTERM: `python -m bench.baseline ADDRESS
    NAMESPACE TASK_QUEUE` (a process of its own, as the Kahu worker is)."""
    client = await Client.connect(address, namespace=namespace)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with Worker(client, task_queue=task_queue, workflows=[BaselineCase, BaselineAssessment], activities=[noop]):
        print("ready", flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(serve_case_twin(*sys.argv[1:4]))
