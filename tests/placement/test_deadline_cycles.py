"""Every breach of the selection deadline escalates on a cycle of its own: an extension
followed by a new selection cycle never takes the extension's cycle again."""

from __future__ import annotations

from datetime import timedelta

from tests.placement.test_workflow import start_search, tiers, view
from tests.polling import eventually
from tests.workflows.scenarios import Harness
from workflows.case.model import Extension
from workflows.placement.model import PlacementView, SearchRerun
from workflows.placement.workflows import PlacementSearchWorkflow

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


async def test_an_extended_cycle_then_a_new_search_escalate_on_cycles_of_their_own(harness: Harness) -> None:
    handle = await start_search(harness)
    state = await view(handle)
    assert state.deadline is not None and state.deadline.due_at is not None
    await harness.skip_to(state.deadline.due_at + SECOND)
    assert tiers(harness) == [(1, 1)]

    now = await harness.env.get_current_time()
    await handle.execute_update(
        PlacementSearchWorkflow.extend_deadline, Extension("sup-1", now + HOUR, "whānau hui tonight")
    )
    await harness.skip_to(now + HOUR + SECOND)
    assert tiers(harness) == [(1, 1), (2, 1)]

    await handle.execute_update(PlacementSearchWorkflow.search_again, SearchRerun("sw-1", "koro approved"))

    async def new_cycle() -> PlacementView | None:
        found = await view(handle)
        return found if found.deadline is not None and not found.deadline.breached else None

    rerun = await eventually(new_cycle)
    assert rerun.deadline is not None and rerun.deadline.due_at is not None
    await harness.skip_to(rerun.deadline.due_at + SECOND)
    assert tiers(harness) == [(1, 1), (2, 1), (3, 1)]
    assert harness.activities.escalation_calls == 3
    raised = [e for e in (await view(handle)).timeline if e.action == "escalation.raised"]
    assert len(raised) == 3
