"""Extensions are recorded, not hidden: each names its reason from the policy's list, the
deadline the first one moved stays on the record however often it is extended, and work
done after it is noted late against the original timeframe, the extension beside it."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import WorkflowHandle

from tests.case.test_workflow import HOUR, decision
from tests.polling import eventually
from tests.workflows.scenarios import Harness
from workflows.case.model import Extension, TimelineEntry
from workflows.case.workflows import CaseWorkflow
from workflows.policy.model import Pathway


async def _met(handle: WorkflowHandle) -> TimelineEntry:
    async def met() -> TimelineEntry | None:
        view = await handle.query(CaseWorkflow.state)
        return next((e for e in view.timeline if e.action == "timer.met"), None)

    return await eventually(met)


async def test_the_original_deadline_stays_on_the_record(harness: Harness) -> None:
    handle = await harness.start()
    first = await handle.query(CaseWorkflow.state)
    assert first.deadline is not None and first.deadline.original_due_at is None  # never extended
    original = first.deadline.due_at
    assert original is not None
    await harness.skip_to_due(handle, timedelta(seconds=1))
    now = await harness.env.get_current_time()

    once = await handle.execute_update(
        CaseWorkflow.extend_deadline,
        Extension("sup-1", now + 2 * HOUR, "the family asked for Monday", reason_code="FAMILY_REQUESTED"),
    )
    assert once.deadline is not None and once.deadline.original_due_at == original
    extended = next(e for e in (await handle.query(CaseWorkflow.state)).timeline if e.action == "deadline.extended")
    assert "FAMILY_REQUESTED: the family asked for Monday" in extended.detail
    assert original.isoformat() in extended.detail

    twice = await handle.execute_update(
        CaseWorkflow.extend_deadline,
        Extension("sup-1", now + 3 * HOUR, "interpreter booked", reason_code="INTERPRETER_NEEDED"),
    )
    assert twice.deadline is not None and twice.deadline.original_due_at == original  # the first's, kept

    await harness.skip(HOUR)  # in time for the extended deadline, late for the original
    await handle.execute_update(
        CaseWorkflow.decide_triage, decision(Pathway.NO_FURTHER_ACTION, None, "resolved with the family")
    )
    met = await _met(handle)
    assert f"late against the original deadline {original.isoformat()}, extended 2x" in met.detail


async def test_work_done_before_the_original_deadline_is_not_late(harness: Harness) -> None:
    handle = await harness.start()
    now = await harness.env.get_current_time()
    await handle.execute_update(
        CaseWorkflow.extend_deadline,
        Extension("sup-1", now + 10 * HOUR, "awaiting records", reason_code="SPECIALIST_ASSESSMENT"),
    )
    await handle.execute_update(CaseWorkflow.decide_triage, decision(Pathway.NO_FURTHER_ACTION, None, "resolved"))
    met = await _met(handle)
    assert "late" not in met.detail
