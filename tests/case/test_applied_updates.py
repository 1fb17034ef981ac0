"""A staff action retried after the case continued as new is neither applied twice nor
refused: the new run knows the update ids the earlier one applied."""

from __future__ import annotations

from datetime import timedelta

from tests.polling import eventually
from tests.workflows.scenarios import Harness
from workflows.case.model import Extension
from workflows.case.workflows import CaseWorkflow

HOUR = timedelta(hours=1)


async def test_an_extension_retried_after_continue_as_new_is_applied_once(harness: Harness) -> None:
    handle = await harness.start(history_limit=40)
    first_run = (await handle.describe()).run_id
    await harness.skip_to_due(handle, timedelta(seconds=1))
    now = await harness.env.get_current_time()
    extension = Extension("sup-1", now + HOUR, "waiting on the school")
    await handle.execute_update(CaseWorkflow.extend_deadline, extension, id="extend-once")

    await harness.skip_to(now + 5 * HOUR)  # the extended deadline passes, every tier is raised

    async def continued() -> bool:
        return (await handle.describe()).run_id != first_run

    await eventually(continued)
    retried = await handle.execute_update(CaseWorkflow.extend_deadline, extension, id="extend-once")
    assert [e.action for e in retried.timeline].count("deadline.extended") == 1
    assert retried.deadline is not None and retried.deadline.due_at == extension.due_at
