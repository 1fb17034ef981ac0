"""Case workflow scenarios run against a real Temporal server with recording activities.

Tests assert on them; `python -m tests.workflows.scenarios` records their histories under
histories/ for the replay tests (re-record only for a deliberate, patched change).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from workflows.case.model import CaseInput, Stage, StageChange, workflow_id
from workflows.case.workflows import CaseWorkflow
from workflows.worker import WORKFLOWS, sandbox_runner

HISTORIES = Path(__file__).parent / "histories"


class RecordedActivities:
    """Stands in for the domain services' side of the activities, recording each call."""

    def __init__(self) -> None:
        self.stages: list[StageChange] = []

    @activity.defn(name="record_case_stage")
    async def record_case_stage(self, change: StageChange) -> None:
        self.stages.append(change)


def case_input() -> CaseInput:
    return CaseInput(
        case_id=str(uuid.uuid4()),
        site="hutt",
        region="greater-wellington",
        concerns=["CONCERN_CATEGORY_NEGLECT"],
        immediate_danger=False,
        child_count=1,
    )


def worker(client: Client, task_queue: str, activities: RecordedActivities) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[activities.record_case_stage],
        workflow_runner=sandbox_runner(),
    )


async def case_reaches_triage(client: Client, task_queue: str, activities: RecordedActivities) -> WorkflowHandle:
    case = case_input()
    handle = await client.start_workflow(CaseWorkflow.run, case, id=workflow_id(case.case_id), task_queue=task_queue)
    for _ in range(300):
        if await handle.query(CaseWorkflow.stage) == Stage.TRIAGE and activities.stages:
            return handle
        await asyncio.sleep(0.05)
    raise AssertionError("case did not reach triage")


SCENARIOS: dict[str, Callable[[Client, str, RecordedActivities], Awaitable[WorkflowHandle]]] = {
    "case_reaches_triage": case_reaches_triage,
}


async def record_all() -> None:
    from temporalio.testing import WorkflowEnvironment

    from devstack.temporal import test_server_path
    from workflows import search_attributes

    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(test_server_path()))
    async with env:
        await search_attributes.register(env.client)
        for name, scenario in SCENARIOS.items():
            activities = RecordedActivities()
            task_queue = f"record-{name}"
            async with worker(env.client, task_queue, activities):
                handle = await scenario(env.client, task_queue, activities)
                history = await handle.fetch_history()
            (HISTORIES / f"{name}.json").write_text(history.to_json())
            print(f"recorded {name}")


if __name__ == "__main__":
    asyncio.run(record_all())
