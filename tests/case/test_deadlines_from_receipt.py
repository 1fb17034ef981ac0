"""The triage deadline runs from receipt whatever is down, and every breach of it escalates
on its own cycle (time-skipping server)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from tests.polling import eventually, finished
from tests.workflows.scenarios import POLICY, RecordedActivities, case_input, skip, until_stage, worker
from workflows.case.model import (
    CaseFacts,
    CaseView,
    ConsentResponse,
    DeadlineKind,
    Stage,
    StageChange,
    TriageDecision,
    TriageProposal,
    workflow_id,
)
from workflows.case.workflows import CaseWorkflow
from workflows.policy.model import Pathway

HOUR = timedelta(hours=1)
TRIAGE_DEADLINE = timedelta(seconds=POLICY.triage_deadline.seconds)


class TriageDown(RecordedActivities):
    """Triage answers UNAVAILABLE (a retryable failure) until `up` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.up = False
        self.attempts = 0

    @activity.defn(name="propose_triage")
    async def propose_triage(self, case_id: str, facts: CaseFacts | None) -> TriageProposal:
        self.attempts += 1
        if not self.up:
            raise ApplicationError("triage is unavailable")
        return self.proposal


async def start_received(env: WorkflowEnvironment, task_queue: str, received_ago: timedelta) -> WorkflowHandle:
    """A case as intake starts it: received `received_ago`, triage due 24 h after receipt."""
    received = await env.get_current_time() - received_ago
    case = dataclasses.replace(case_input(), received_at=received, triage_due_at=received + TRIAGE_DEADLINE)
    return await env.client.start_workflow(CaseWorkflow.run, case, id=workflow_id(case.case_id), task_queue=task_queue)


async def state(handle: WorkflowHandle) -> CaseView:
    view: CaseView = await handle.query(CaseWorkflow.state)
    return view


async def test_the_triage_deadline_escalates_while_triage_is_down(time_skipping_env: WorkflowEnvironment) -> None:
    activities = TriageDown()
    task_queue = f"case-{uuid.uuid4()}"
    async with worker(time_skipping_env.client, task_queue, activities):
        handle = await start_received(time_skipping_env, task_queue, received_ago=timedelta(hours=23))
        view = await eventually(lambda: _with_deadline(handle))
        assert view.stage == Stage.TRIAGE and view.proposal is None
        assert view.deadline is not None and view.deadline.due_at is not None
        received_due = view.deadline.due_at

        # an hour after receipt's 24 h, triage still down: breached, and tier 1 raised at once
        await skip(time_skipping_env.client, HOUR + timedelta(seconds=1))
        assert activities.attempts > 1 and (await state(handle)).proposal is None
        # (the server may skip on through the activity's retries: later tiers may be up too)
        tiers = activities.tiers(DeadlineKind.TRIAGE)
        assert tiers == [(1, 1), (1, 2), (1, 3)][: len(tiers)] and tiers
        assert next(iter(activities.escalations.values())).due_at == received_due
        refused = await _decision_refused(handle)
        assert "proposal is not ready" in refused

        activities.up = True
        await skip(time_skipping_env.client, timedelta(seconds=31))  # past the next retry (at most 30 s apart)
        await eventually(lambda: _proposed(handle), timeout=60)
        await handle.execute_update(
            CaseWorkflow.decide_triage, TriageDecision("sw-1", Pathway.NO_FURTHER_ACTION, None, "unfounded")
        )
        result = await finished(handle)
    assert result.stage == Stage.CLOSED
    assert activities.resolved == [(result.case_id, DeadlineKind.TRIAGE)]
    actions = [entry.action for entry in result.timeline]
    assert actions.index("timer.expired") < actions.index("triage.proposed")


async def test_a_reopened_triage_deadline_escalates_on_a_cycle_of_its_own(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    activities = RecordedActivities()
    task_queue = f"case-{uuid.uuid4()}"
    async with worker(time_skipping_env.client, task_queue, activities):
        handle = await start_received(time_skipping_env, task_queue, received_ago=timedelta(0))
        await eventually(lambda: _proposed(handle))
        await skip(time_skipping_env.client, TRIAGE_DEADLINE + timedelta(seconds=1))
        assert activities.tiers(DeadlineKind.TRIAGE) == [(1, 1)]

        await handle.execute_update(
            CaseWorkflow.decide_triage,
            TriageDecision("sw-1", Pathway.REFER_COMMUNITY_PARTNER, None, "family support"),
        )
        await until_stage(handle, Stage.AWAITING_CONSENT)
        await handle.execute_update(CaseWorkflow.record_consent, ConsentResponse("sw-1", False, "declined"))
        await until_stage(handle, Stage.TRIAGE)

        # the second breach of the triage deadline: its own cycle, each tier once
        await skip(time_skipping_env.client, TRIAGE_DEADLINE + timedelta(seconds=1))
        await skip(time_skipping_env.client, 3 * HOUR)
        assert activities.tiers(DeadlineKind.TRIAGE) == [(1, 1), (2, 1), (2, 2), (2, 3)]
        assert activities.escalation_calls == 4
        raised = [e for e in (await state(handle)).timeline if e.action == "escalation.raised"]
        assert len(raised) == 4
        await handle.terminate("test over")  # no timer of it outlives its worker on the shared server


async def _with_deadline(handle: WorkflowHandle) -> CaseView | None:
    view = await state(handle)
    return view if view.deadline is not None else None


async def _proposed(handle: WorkflowHandle) -> CaseView | None:
    view = await state(handle)
    return view if view.proposal is not None else None


async def _decision_refused(handle: WorkflowHandle) -> str:
    try:
        await handle.execute_update(
            CaseWorkflow.decide_triage,
            TriageDecision("sw-1", Pathway.NO_FURTHER_ACTION, None, "unfounded"),
        )
    except WorkflowUpdateFailedError as error:
        return str(error.cause)
    raise AssertionError("a decision before the proposal was accepted")


class IntakeDown(RecordedActivities):
    """Intake records nothing, the stage nor events (a retryable failure), until `up` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.record_down = True

    @property
    def up(self) -> bool:
        return not self.record_down

    @up.setter
    def up(self, value: bool) -> None:
        self.record_down = not value

    @activity.defn(name="record_case_stage")
    async def record_case_stage(self, change: StageChange) -> None:
        if not self.up:
            raise ApplicationError("intake is unavailable")
        await super().record_case_stage(change)


async def test_police_are_told_of_immediate_danger_while_intake_is_down(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    activities = IntakeDown()
    task_queue = f"case-{uuid.uuid4()}"
    async with worker(time_skipping_env.client, task_queue, activities):
        received = await time_skipping_env.get_current_time()
        case = dataclasses.replace(
            case_input(immediate_danger=True), received_at=received, triage_due_at=received + TRIAGE_DEADLINE
        )
        handle = await time_skipping_env.client.start_workflow(
            CaseWorkflow.run, case, id=workflow_id(case.case_id), task_queue=task_queue
        )

        async def told() -> bool:
            return case.case_id in activities.police

        await eventually(told)
        assert activities.stages == []  # intake still down: the Police did not wait for it
        activities.up = True
        await skip(time_skipping_env.client, timedelta(seconds=31))  # past the stage call's next retry
        await eventually(lambda: _proposed(handle), timeout=60)
        assert activities.police == [case.case_id]  # told once
        await handle.terminate("test over")
