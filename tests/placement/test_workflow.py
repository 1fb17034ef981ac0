"""PlacementSearchWorkflow on the time-skipping test server: every timer path (the selection
deadline and its escalations, a search with no candidate, the hold's expiry), holds
released exactly once, the rules of selection, and the placement recorded on the case."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from tests.placement.workflow_fakes import AUNTIE, FOSTER, KORO, PLACEMENT_POLICY, candidates
from tests.polling import QUERY_NOT_READY, answered, eventually, finished
from tests.workflows.scenarios import POLICY, Harness, current_time, running_placement, until_stage
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import (
    Acknowledgement,
    Allocation,
    ApprovalDecision,
    ClockState,
    Completion,
    DeadlineKind,
    Extension,
    Outcome,
    Stage,
    TriageDecision,
    placement_workflow_id,
)
from workflows.case.workflows import CaseWorkflow
from workflows.placement.model import (
    CaregiverAnswer,
    HoldStatus,
    PlacementInput,
    PlacementResult,
    PlacementSnapshot,
    PlacementView,
    ReleaseReason,
    SearchOutcome,
    SearchRerun,
    SearchStage,
    Selection,
)
from workflows.placement.workflows import PlacementSearchWorkflow
from workflows.policy.model import Pathway, PlacementPolicy, Timeframe

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
SELECT = timedelta(seconds=PLACEMENT_POLICY.selection_deadline.seconds)


def search_input(policy: PlacementPolicy | None = PLACEMENT_POLICY, **fields: Any) -> PlacementInput:
    """A placement search's input as a case gives it, for a new case."""
    return PlacementInput(
        case_id=str(uuid.uuid4()),
        site="hutt",
        region="greater-wellington",
        policy=policy,
        escalation=POLICY.escalation,
        **fields,
    )


async def start_search(
    harness: Harness, policy: PlacementPolicy | None = PLACEMENT_POLICY, history_limit: int = 10_000
) -> WorkflowHandle:
    """A placement search on its own (as a case starts it), once it has searched."""
    request = search_input(policy, history_limit=history_limit)
    handle = await harness.env.client.start_workflow(
        PlacementSearchWorkflow.run,
        request,
        id=placement_workflow_id(request.case_id),
        task_queue=harness.task_queue,
    )
    harness.started.append(handle)

    async def searched() -> PlacementView | None:
        found = await view(handle)
        return found if found.search_id is not None and found.deadline is not None else None

    await eventually(searched)
    return handle


async def view(handle: WorkflowHandle) -> PlacementView:
    return await handle.query(PlacementSearchWorkflow.state)


async def due(handle: WorkflowHandle) -> datetime:
    """The selection deadline running now."""
    deadline = (await view(handle)).deadline
    assert deadline is not None and deadline.due_at is not None
    return deadline.due_at


async def rejected(handle: WorkflowHandle, update: object, arg: object) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(update, arg)  # type: ignore[call-overload]
    return str(raised.value.cause)


def select(caregiver_id: str, reason: str = "") -> Selection:
    return Selection("sw-1", caregiver_id, reason)


def tiers(harness: Harness) -> list[tuple[int, int]]:
    return harness.activities.tiers(DeadlineKind.PLACEMENT)


async def test_no_selection_by_the_deadline_escalates_tier_by_tier_until_a_place_is_held(harness: Harness) -> None:
    handle = await start_search(harness)
    state = await view(handle)
    assert state.stage == SearchStage.AWAITING_SELECTION
    assert [c.caregiver_id for c in state.candidates] == [AUNTIE, KORO, FOSTER]
    assert state.deadline is not None and state.deadline.due_at is not None
    due = state.deadline.due_at

    await harness.skip_to(due - SECOND)
    assert tiers(harness) == []
    await harness.skip_to(due + SECOND)
    assert tiers(harness) == [(1, 1)]
    await harness.skip_to(due + HOUR + SECOND)
    assert tiers(harness) == [(1, 1), (1, 2)]
    assert "no tier 3" in await rejected(
        handle, PlacementSearchWorkflow.acknowledge_escalation, Acknowledgement("s", 3)
    )
    await handle.execute_update(PlacementSearchWorkflow.acknowledge_escalation, Acknowledgement("sup-1", 2, "on it"))

    held = await handle.execute_update(PlacementSearchWorkflow.select, select(AUNTIE))
    assert held.stage == SearchStage.AWAITING_CAREGIVER and held.hold is not None and held.deadline is None
    await eventually(lambda: _resolved(harness))
    await harness.skip(2 * HOUR)  # tier 3 was due an hour after tier 2: the hold stopped it
    assert tiers(harness) == [(1, 1), (1, 2)]

    await handle.execute_update(PlacementSearchWorkflow.answer, CaregiverAnswer("sw-1", True, "aunt says yes"))
    result = await finished(handle)
    assert result.placement.caregiver_id == AUNTIE and result.placement.tier == "WHANAU"
    assert harness.activities.placement.confirmed == [result.placement.hold_id]
    assert harness.activities.placement.releases == []


async def _resolved(harness: Harness) -> bool:
    return any(kind == DeadlineKind.PLACEMENT for _, kind in harness.activities.resolved)


async def test_no_suitable_candidate_escalates_at_once_and_a_new_search_starts_a_new_cycle(
    harness: Harness,
) -> None:
    harness.activities.placement.candidates = []
    handle = await start_search(harness)

    async def escalated() -> bool:
        return tiers(harness) == [(1, 1)]

    await eventually(escalated)
    state = await view(handle)
    assert state.deadline is not None and state.deadline.breached and state.deadline.tier == 1
    assert any(e.action == "placement.no_candidate" for e in state.timeline)
    await harness.skip(HOUR + SECOND)
    assert tiers(harness) == [(1, 1), (1, 2)]

    harness.activities.placement.candidates = candidates()  # the aunt was approved meanwhile
    assert "reason" in await rejected(handle, PlacementSearchWorkflow.search_again, SearchRerun("sw-1", " "))
    await handle.execute_update(PlacementSearchWorkflow.search_again, SearchRerun("sw-1", "aunt approved"))
    started = await harness.env.get_current_time()

    async def new_cycle() -> PlacementView | None:
        found = await view(handle)
        return found if found.deadline is not None and not found.deadline.breached else None

    state = await eventually(new_cycle)
    assert state.deadline is not None and state.deadline.due_at is not None
    assert state.deadline.due_at >= started + SELECT - SECOND
    assert len(harness.activities.placement.searches) == 2
    await harness.skip(SELECT - HOUR)
    assert tiers(harness) == [(1, 1), (1, 2)]  # the old cycle's tier 3 never comes
    await handle.execute_update(PlacementSearchWorkflow.select, select(AUNTIE))
    await handle.execute_update(PlacementSearchWorkflow.answer, CaregiverAnswer("sw-1", True))
    assert (await finished(handle)).placement.caregiver_id == AUNTIE


async def test_a_hold_that_expires_is_released_exactly_once_and_selection_starts_again(harness: Harness) -> None:
    handle = await start_search(harness)
    held = await handle.execute_update(PlacementSearchWorkflow.select, select(AUNTIE))
    assert held.hold is not None
    first = held.hold
    assert harness.activities.placement.free[AUNTIE] == 0

    await harness.skip_to(first.expires_at - SECOND)
    assert harness.activities.placement.releases == []
    await harness.skip_to(first.expires_at + SECOND)
    assert harness.activities.placement.release_calls() == {first.hold_id: 1}
    assert harness.activities.placement.releases[0][1] == ReleaseReason.EXPIRED
    assert harness.activities.placement.free[AUNTIE] == 1
    state = await view(handle)
    assert state.stage == SearchStage.AWAITING_SELECTION and state.hold is None
    assert state.deadline is not None and not state.deadline.breached
    actions = [e.action for e in state.timeline]
    assert actions.index("hold.expired") < actions.index("hold.released")
    assert "no place is held" in await rejected(handle, PlacementSearchWorkflow.answer, CaregiverAnswer("sw-1", True))

    await harness.skip(3 * HOUR)
    assert harness.activities.placement.release_calls() == {first.hold_id: 1}
    second = await handle.execute_update(PlacementSearchWorkflow.select, select(AUNTIE))
    assert second.hold is not None and second.hold.hold_id != first.hold_id
    await handle.execute_update(PlacementSearchWorkflow.answer, CaregiverAnswer("sw-1", True))
    result = await finished(handle)
    assert result.placement.hold_id == second.hold.hold_id
    assert harness.activities.placement.confirmed == [second.hold.hold_id]
    assert harness.activities.placement.release_calls() == {first.hold_id: 1}
    assert tiers(harness) == []


@pytest.mark.parametrize(("offset", "placed"), [(-SECOND, True), (SECOND, False)])
async def test_a_confirmation_racing_the_hold_expiry(harness: Harness, offset: timedelta, placed: bool) -> None:
    handle = await start_search(harness)
    held = await handle.execute_update(PlacementSearchWorkflow.select, select(AUNTIE))
    assert held.hold is not None
    await harness.skip_to(held.hold.expires_at + offset)
    if placed:
        await handle.execute_update(PlacementSearchWorkflow.answer, CaregiverAnswer("sw-1", True))
        assert (await finished(handle)).placement.caregiver_id == AUNTIE
        assert harness.activities.placement.releases == []
    else:
        await rejected(handle, PlacementSearchWorkflow.answer, CaregiverAnswer("sw-1", True))
        assert harness.activities.placement.release_calls() == {held.hold.hold_id: 1}
        assert harness.activities.placement.confirmed == []


async def test_a_declined_hold_is_released_once_and_the_caregiver_is_not_offered_again(harness: Harness) -> None:
    handle = await start_search(harness)
    held = await handle.execute_update(PlacementSearchWorkflow.select, select(AUNTIE))
    assert held.hold is not None
    declined = await handle.execute_update(
        PlacementSearchWorkflow.answer, CaregiverAnswer("sw-1", False, "cannot take a baby now")
    )
    assert declined.hold is not None and declined.hold.status == HoldStatus.DECLINED

    async def released() -> PlacementView | None:
        found = await view(handle)
        return found if found.hold is None else None

    state = await eventually(released)
    assert harness.activities.placement.releases == [(held.hold.hold_id, ReleaseReason.DECLINED)]
    assert AUNTIE in state.unavailable
    assert "declined" in await rejected(handle, PlacementSearchWorkflow.select, select(AUNTIE, "asked again"))
    await handle.execute_update(PlacementSearchWorkflow.select, select(KORO))  # now the best left: no reason needed
    await harness.skip(7 * HOUR)  # that hold expires too
    assert harness.activities.placement.release_calls() == {held.hold.hold_id: 1, _hold_of(harness, KORO): 1}


def _hold_of(harness: Harness, caregiver_id: str) -> str:
    return next(h for h, r in harness.activities.placement.holds.items() if r.caregiver_id == caregiver_id)


async def test_a_caregiver_with_no_place_left_is_refused_and_with_none_left_it_escalates_at_once(
    harness: Harness,
) -> None:
    harness.activities.placement.free = {AUNTIE: 0, KORO: 0, FOSTER: 0}  # taken since the search
    handle = await start_search(harness)
    assert "cannot take" in await rejected(handle, PlacementSearchWorkflow.select, select(AUNTIE))
    assert "no place left" in await rejected(handle, PlacementSearchWorkflow.select, select(AUNTIE))
    assert "cannot take" in await rejected(handle, PlacementSearchWorkflow.select, select(KORO))
    assert tiers(harness) == []
    assert "cannot take" in await rejected(handle, PlacementSearchWorkflow.select, select(FOSTER))

    async def escalated() -> bool:
        return tiers(harness) == [(2, 1)]  # a new cycle, due at once: nobody is left to select

    await eventually(escalated)
    state = await view(handle)
    assert set(state.unavailable) == {AUNTIE, KORO, FOSTER}
    assert [e.action for e in state.timeline].count("placement.unavailable") == 3


async def test_selection_rules(harness: Harness) -> None:
    handle = await start_search(harness)
    before = await view(handle)
    deadline = await due(handle)
    assert "not a candidate" in await rejected(handle, PlacementSearchWorkflow.select, select(str(uuid.uuid4()), "x"))
    assert "needs a reason" in await rejected(handle, PlacementSearchWorkflow.select, select(KORO))
    assert "no place is held" in await rejected(handle, PlacementSearchWorkflow.answer, CaregiverAnswer("sw-1", True))
    assert await view(handle) == before
    await handle.execute_update(PlacementSearchWorkflow.select, select(KORO, "koro lives by the kura"))
    assert "already held" in await rejected(handle, PlacementSearchWorkflow.select, select(AUNTIE))
    assert "held" in await rejected(handle, PlacementSearchWorkflow.search_again, SearchRerun("sw-1", "again"))
    assert "no running selection deadline" in await rejected(
        handle,
        PlacementSearchWorkflow.extend_deadline,
        Extension("sup-1", deadline + HOUR, "x"),
    )
    selected = next(e for e in (await view(handle)).timeline if e.action == "placement.selected")
    assert selected.actor == "sw-1" and "IWI, rank 2" in selected.detail and "kura" in selected.detail


async def test_a_supervisor_extends_the_selection_deadline(harness: Harness) -> None:
    handle = await start_search(harness)
    state = await view(handle)
    assert state.deadline is not None and state.deadline.due_at is not None
    due = state.deadline.due_at
    await harness.skip_to(due + SECOND)
    assert tiers(harness) == [(1, 1)]
    now = await harness.env.get_current_time()
    assert "future" in await rejected(
        handle, PlacementSearchWorkflow.extend_deadline, Extension("sup-1", now - HOUR, "whānau hui")
    )
    extended = await handle.execute_update(
        PlacementSearchWorkflow.extend_deadline, Extension("sup-1", now + 10 * HOUR, "whānau hui on Friday")
    )
    assert extended.deadline is not None and not extended.deadline.breached and extended.deadline.tier == 0
    await harness.skip_to(now + 10 * HOUR - SECOND)
    assert tiers(harness) == [(1, 1)]
    await harness.skip_to(now + 10 * HOUR + SECOND)
    assert tiers(harness) == [(1, 1), (2, 1)]


async def test_a_case_started_before_the_placement_policy_reads_the_policy_in_force(harness: Harness) -> None:
    handle = await start_search(harness, policy=None)
    state = await view(handle)
    assert harness.activities.placement.policy_reads == 1
    started = next(e.at for e in state.timeline if e.action == "timer.started")
    assert state.deadline is not None and state.deadline.due_at == started + SELECT


async def test_a_long_wait_continues_as_new_and_keeps_the_search(harness: Harness) -> None:
    handle = await start_search(harness, history_limit=40)
    first_run = (await handle.describe()).run_id
    await harness.skip_to(await due(handle) + 4 * HOUR)  # all three tiers raised, each a few events

    async def continued() -> bool:
        return (await handle.describe()).run_id != first_run

    await eventually(continued)
    state = await view(handle)
    assert [c.caregiver_id for c in state.candidates] == [AUNTIE, KORO, FOSTER]
    assert tiers(harness) == [(1, 1), (1, 2), (1, 3)]
    await handle.execute_update(PlacementSearchWorkflow.select, select(AUNTIE))
    await handle.execute_update(PlacementSearchWorkflow.answer, CaregiverAnswer("sw-1", True))
    result: PlacementResult = await finished(
        harness.env.client.get_workflow_handle(handle.id, result_type=PlacementResult)
    )
    assert result.placement.caregiver_id == AUNTIE
    assert [e.action for e in result.timeline].count("escalation.raised") == 3


async def test_seeking_custody_is_followed_by_a_placement_recorded_on_the_case(harness: Harness) -> None:
    handle = await harness.start()
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.CRITICAL, "needs assessing"),
    )
    await until_stage(handle, Stage.ASSESSMENT)
    assessment = harness.assessment(handle)

    await answered(lambda: assessment.query(AssessmentWorkflow.state), not_yet=QUERY_NOT_READY)
    await assessment.execute_update(AssessmentWorkflow.allocate, Allocation("sw-2", "hutt", "sup-1"))
    await assessment.execute_update(AssessmentWorkflow.complete, Completion("sw-2", Outcome.SEEK_CUSTODY, "unsafe"))
    await assessment.execute_update(AssessmentWorkflow.decide_approval, ApprovalDecision("sup-1", True, "agreed"))
    await until_stage(handle, Stage.PLACEMENT)
    placement = await running_placement(harness.env.client, handle)

    async def placement_deadline_on_the_case() -> bool:
        case = await handle.query(CaseWorkflow.state)
        shown = await harness.shown_clock(handle, DeadlineKind.PLACEMENT)
        return case.placement_workflow_id == placement.id and shown is not None and shown.due_at is not None

    await eventually(placement_deadline_on_the_case)
    await placement.execute_update(PlacementSearchWorkflow.select, select(AUNTIE))
    await placement.execute_update(PlacementSearchWorkflow.answer, CaregiverAnswer("sw-2", True, "aunt agrees"))
    result = await finished(handle)

    assert result.stage == Stage.CLOSED and result.outcome == Outcome.SEEK_CUSTODY
    assert result.placement is not None and result.placement.caregiver_id == AUNTIE
    assert result.placement.confirmed_by == "sw-2"
    actions = [e.action for e in result.timeline]
    assert (
        actions.index("placement.started") < actions.index("placement.confirmed") < actions.index("placement.recorded")
    )
    assert actions[-2:] == ["case.closed", "stage.entered"]
    entered = [e.detail for e in result.timeline if e.action == "stage.entered"]
    assert entered[-3:] == [Stage.OUTCOME, Stage.PLACEMENT, Stage.CLOSED]
    # the record's stage moves with its batches: the outcome passes within one workflow task
    stages = [change.stage for change in harness.activities.stages if change.case_id == result.case_id]
    assert stages[-3:] == [Stage.ASSESSMENT, Stage.PLACEMENT, Stage.CLOSED]
    assert result.deadline is None and dataclasses.asdict(result.placement)["tier"] == "WHANAU"


async def test_an_update_in_a_continued_runs_first_activation_finds_the_search(harness: Harness) -> None:
    """An update sent as the run before continued as new can reach the new run's first
    activation, before its `run` has begun: it finds the search as it stood (update-with-start
    delivers one there, as the server may)."""
    now = await current_time(harness.env.client)
    clock = ClockState(due_at=now + SELECT, cycle=1)
    resumed = PlacementSnapshot(
        policy=PLACEMENT_POLICY, search=SearchOutcome("search-1", candidates(), {}, 1), searches=1, clock=clock
    )
    request = search_input(resumed=resumed)
    selected = await harness.update_with_start(
        PlacementSearchWorkflow.run,
        request,
        placement_workflow_id(request.case_id),
        PlacementSearchWorkflow.select,
        select(AUNTIE),
    )
    assert selected.hold is not None and selected.hold.caregiver_id == AUNTIE
