"""CaseWorkflow on the time-skipping test server."""

from __future__ import annotations

import uuid

from temporalio.testing import WorkflowEnvironment

from tests.workflows.scenarios import RecordedActivities, case_reaches_triage, worker
from workflows import search_attributes as sa
from workflows.case.model import Stage, StageChange
from workflows.case.workflows import CaseWorkflow


async def test_new_case_enters_triage_and_records_it_once(time_skipping_env: WorkflowEnvironment) -> None:
    activities = RecordedActivities()
    task_queue = f"case-{uuid.uuid4()}"
    async with worker(time_skipping_env.client, task_queue, activities):
        handle = await case_reaches_triage(time_skipping_env.client, task_queue, activities)
        description = await handle.describe()
        assert await handle.query(CaseWorkflow.stage) == Stage.TRIAGE

    case_id = handle.id.removeprefix("case-")
    assert activities.stages == [StageChange(case_id=case_id, stage=Stage.TRIAGE)]
    assert description.typed_search_attributes.get(sa.STAGE) == "TRIAGE"
