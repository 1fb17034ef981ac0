"""Record the runs that began before the record did: `python -m workflows.backfill`.

A run that started before `record-in-postgres` (or, for a placement search or a conference,
before `standing-recorded`) records from its next run on, and one that never continues as
new would never be recorded. After deploying those patches, run this once against the
namespace: it asks every running Kahu workflow, through its `record_backfill` update, to
record itself from now on, its timeline so far first. A run that records already answers
False and changes nothing, so running it again is safe; a run that closes meanwhile is
skipped. Prints how many runs were asked and how many began recording.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from services.common import config
from services.common.temporal import connect_temporal
from services.common.visibility import all_of, literal
from workflows.worker import WORKFLOWS

#: Each update's own deadline; the client retries an unreachable server within it.
UPDATE_TIMEOUT = timedelta(seconds=30)
#: Runs asked at once.
CONCURRENCY = 16


@dataclass
class Backfilled:
    asked: int = 0
    began: int = 0
    closed: int = 0


def running_query() -> str:
    """The visibility query for every running run of Kahu's workflows."""
    types = " OR ".join(f"WorkflowType = {literal(w.__name__)}" for w in WORKFLOWS)
    return all_of("ExecutionStatus = 'Running'", f"({types})")


async def backfill(client: Client, *, concurrency: int = CONCURRENCY) -> Backfilled:
    """Ask every running run to record itself (see the module's docstring)."""
    done = Backfilled()
    invocation = uuid.uuid4().hex  # a retried update within it is applied once; a later backfill asks anew
    gate = asyncio.Semaphore(concurrency)

    async def ask(workflow_id: str, run_id: str | None) -> None:
        handle = client.get_workflow_handle(workflow_id, run_id=run_id)
        async with gate:
            try:
                began = await handle.execute_update(
                    "record_backfill", id=f"record-backfill-{invocation}", result_type=bool, rpc_timeout=UPDATE_TIMEOUT
                )
            except (RPCError, WorkflowUpdateFailedError) as error:
                if isinstance(error, RPCError) and error.status != RPCStatusCode.NOT_FOUND:
                    raise
                done.closed += 1  # it closed (or continued as new: its next run records) meanwhile
                return
        done.asked += 1
        done.began += began

    async with asyncio.TaskGroup() as group:
        async for execution in client.list_workflows(running_query()):
            group.create_task(ask(execution.id, execution.run_id))
    return done


async def main() -> None:
    client = await connect_temporal(config.load(), "backfill")
    done = await backfill(client)
    print(
        f"backfill: {done.asked} running workflows asked, {done.began} began recording, {done.closed} closed meanwhile"
    )


if __name__ == "__main__":
    asyncio.run(main())
