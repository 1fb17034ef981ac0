from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.workflows.scenarios import Harness, RecordedActivities, worker


@pytest.fixture
async def harness(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Harness]:
    activities = RecordedActivities()
    task_queue = f"case-{uuid.uuid4()}"
    async with worker(time_skipping_env.client, task_queue, activities):
        harness = Harness(time_skipping_env, activities, task_queue)
        yield harness
        await harness.terminate_running()
