"""Patch `fewer-round-trips` (workflows/deadline.py): a working-day deadline counted by a local
activity, falling back to an ordinary one; a case's stage carried to its record by the
record's own batches, with no call of its own."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from tests.case.test_workflow import decision
from tests.polling import eventually
from tests.workflows.scenarios import RecordedActivities, start_case, until_stage, worker
from workflows.case.model import DueRequest, Stage
from workflows.case.workflows import CaseWorkflow
from workflows.policy.model import Pathway, Timeframe
from workflows.policy.working_days import due_at


async def _calls(handle: WorkflowHandle) -> tuple[list[str], list[str]]:
    """The activities the workflow ran: (local ones, ordinary ones), by type, in order."""
    local: list[str] = []
    ordinary: list[str] = []
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            marker = event.marker_recorded_event_attributes
            if marker.marker_name == "core_local_activity":
                local.append(json.loads(marker.details["data"].payloads[0].data)["activity_type"])
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            ordinary.append(event.activity_task_scheduled_event_attributes.activity_type.name)
    return local, ordinary


async def _assessed(env: WorkflowEnvironment, activities: RecordedActivities) -> WorkflowHandle:
    """A case decided for an urgent assessment (due in working days) and in that stage."""
    task_queue = f"case-{uuid.uuid4()}"
    async with worker(env.client, task_queue, activities):
        handle = await start_case(env.client, task_queue)
        await handle.execute_update(
            CaseWorkflow.decide_triage, decision(Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "seen")
        )
        await until_stage(handle, Stage.ASSESSMENT)
        assessment = f"{handle.id}-assessment"

        async def recorded() -> bool:
            return bool(activities.workflow_events(assessment))

        await eventually(recorded)
        await handle.terminate("test over")
    return handle


async def test_a_working_day_deadline_is_counted_by_a_local_activity(time_skipping_env: WorkflowEnvironment) -> None:
    activities = RecordedActivities()
    handle = await _assessed(time_skipping_env, activities)
    local, ordinary = await _calls(handle)
    assert "compute_due_at" in local
    assert "compute_due_at" not in ordinary
    # the stage went with the record's batches: no call of its own, local or not
    assert "record_case_stage" not in local + ordinary
    case_id = handle.id.removeprefix("case-")
    assert [c.stage for c in activities.stages if c.case_id == case_id] == [Stage.TRIAGE, Stage.ASSESSMENT]
    assert "record_case_events" in local


class CountingFails(RecordedActivities):
    """Working days cannot be counted for the first `failures` attempts (a retryable error)."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.counted: list[DueRequest] = []

    @activity.defn(name="compute_due_at")
    async def compute_due_at(self, request: DueRequest) -> datetime:
        if self.failures > 0:
            self.failures -= 1
            raise ApplicationError("the holiday calendar is not loaded yet")
        self.counted.append(request)
        return due_at(request)


async def test_a_deadline_whose_local_count_fails_is_counted_by_an_ordinary_activity(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    activities = CountingFails(failures=3)  # every quick local attempt (workflows/common.py LOCAL_RETRY)
    handle = await _assessed(time_skipping_env, activities)
    local, ordinary = await _calls(handle)
    assert "compute_due_at" in local and "compute_due_at" in ordinary  # tried locally, went on durably
    assert activities.failures == 0 and len(activities.counted) == 1
    (request,) = activities.counted
    assessment = activities.standing(handle.id.removeprefix("case-"), "assessment")
    assert assessment is not None and getattr(assessment, "due_at", None) == due_at(request)
