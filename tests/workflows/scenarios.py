"""Case workflow scenarios against a real Temporal server, with recording activities.

Tests drive them; `python -m tests.workflows.scenarios` records their histories under
histories/ for the replay tests (re-record only for a deliberate, patched change).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import (
    Allocation,
    CaseFacts,
    CaseInput,
    Completion,
    DeadlineKind,
    DueRequest,
    Escalation,
    Outcome,
    Stage,
    StageChange,
    TriageDecision,
    TriageProposal,
    assessment_workflow_id,
    workflow_id,
)
from workflows.case.workflows import CaseWorkflow
from workflows.policy.loader import load_policy, shortened
from workflows.policy.model import CasePolicy, Pathway, Timeframe
from workflows.policy.working_days import due_at
from workflows.worker import WORKFLOWS, sandbox_runner

HISTORIES = Path(__file__).parent / "histories"
HOUR = 3600

#: The shipped policy with every elapsed span in whole hours, short enough to read.
POLICY: CasePolicy = shortened(
    load_policy(), triage_deadline=2 * HOUR, consent_deadline=3 * HOUR, tier2=HOUR, tier3=2 * HOUR
).case


class RecordedActivities:
    """The domain services' side of the activities, recording each call (exactly as the
    real services do, a repeated escalation key is recorded once)."""

    def __init__(self, proposal: TriageProposal | None = None) -> None:
        self.proposal = proposal or TriageProposal(Timeframe.URGENT, Pathway.CHILD_AND_FAMILY_ASSESSMENT, ["neglect"])
        self.stages: list[StageChange] = []
        self.escalations: dict[tuple[str, DeadlineKind, int, int], Escalation] = {}
        self.escalation_calls = 0
        self.police: list[str] = []
        self.resolved: list[tuple[str, DeadlineKind]] = []

    @activity.defn(name="record_case_stage")
    async def record_case_stage(self, change: StageChange) -> None:
        self.stages.append(change)

    @activity.defn(name="propose_triage")
    async def propose_triage(self, case_id: str, facts: CaseFacts | None) -> TriageProposal:
        return self.proposal

    @activity.defn(name="notify_police")
    async def notify_police(self, case_id: str, reason: str) -> None:
        self.police.append(case_id)

    @activity.defn(name="raise_escalation")
    async def raise_escalation(self, escalation: Escalation) -> None:
        self.escalation_calls += 1
        key = (escalation.case_id, escalation.kind, escalation.cycle, escalation.tier)
        self.escalations.setdefault(key, escalation)

    @activity.defn(name="resolve_escalations")
    async def resolve_escalations(self, case_id: str, kind: DeadlineKind) -> None:
        self.resolved.append((case_id, kind))

    @activity.defn(name="compute_due_at")
    async def compute_due_at(self, request: DueRequest) -> datetime:
        return due_at(request)

    def tiers(self, kind: DeadlineKind) -> list[tuple[int, int]]:
        """(cycle, tier) of each escalation of `kind`, in order raised."""
        return [(e.cycle, e.tier) for e in self.escalations.values() if e.kind == kind]

    def all(self) -> list[Callable[..., Awaitable[object]]]:
        return [
            self.record_case_stage,
            self.propose_triage,
            self.notify_police,
            self.raise_escalation,
            self.resolve_escalations,
            self.compute_due_at,
        ]


def case_input(policy: CasePolicy = POLICY, history_limit: int = 10_000, **facts: object) -> CaseInput:
    base = CaseFacts(
        concerns=["CONCERN_CATEGORY_NEGLECT"],
        immediate_danger=False,
        agency="AGENCY_EDUCATION",
        prior_involvement=False,
        youngest_child_age=6,
        child_safety_hub=False,
    )
    case_facts = dataclasses.replace(base, **facts)  # type: ignore[arg-type]
    return CaseInput(
        case_id=str(uuid.uuid4()),
        site="hutt",
        region="greater-wellington",
        concerns=case_facts.concerns,
        immediate_danger=case_facts.immediate_danger,
        child_count=1,
        facts=case_facts,
        policy=policy,
        history_limit=history_limit,
    )


def worker(client: Client, task_queue: str, activities: RecordedActivities) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities.all(),
        workflow_runner=sandbox_runner(),
    )


async def until_stage(handle: WorkflowHandle[CaseWorkflow, object], stage: Stage) -> None:
    for _ in range(400):
        if await handle.query(CaseWorkflow.stage) == stage:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"case did not reach {stage}; it is {await handle.query(CaseWorkflow.stage)}")


async def start_case(client: Client, task_queue: str, case: CaseInput | None = None) -> WorkflowHandle:
    case = case or case_input()
    handle = await client.start_workflow(CaseWorkflow.run, case, id=workflow_id(case.case_id), task_queue=task_queue)
    for _ in range(400):
        view = await handle.query(CaseWorkflow.state)
        if view.proposal is not None:
            return handle
        await asyncio.sleep(0.05)
    raise AssertionError("case did not reach its triage proposal")


class Harness:
    """A worker with recording activities on its own task queue of the time-skipping server;
    remembers the cases it started so that none outlives its test."""

    def __init__(self, env: WorkflowEnvironment, activities: RecordedActivities, task_queue: str) -> None:
        self.env = env
        self.activities = activities
        self.task_queue = task_queue
        self.started: list[WorkflowHandle] = []

    async def start(self, policy: CasePolicy = POLICY, history_limit: int = 10_000, **facts: object) -> WorkflowHandle:
        handle = await start_case(self.env.client, self.task_queue, case_input(policy, history_limit, **facts))
        self.started.append(handle)
        return handle

    def assessment(self, handle: WorkflowHandle) -> WorkflowHandle:
        return self.env.client.get_workflow_handle(assessment_workflow_id(handle.id.removeprefix("case-")))

    async def terminate_running(self) -> None:
        """Leave no timer behind: the shared test server stops skipping time while any
        workflow has work that no worker will pick up."""
        for handle in self.started:
            for running in (handle, self.assessment(handle)):
                with contextlib.suppress(RPCError):  # already closed, or never started
                    await running.terminate("test finished")

    async def skip_to(self, at: datetime) -> None:
        await self.env.sleep(at - await self.env.get_current_time())

    async def skip_to_due(self, handle: WorkflowHandle, offset: timedelta) -> None:
        """Advance the server's clock to the case's current deadline plus `offset`."""
        view = await handle.query(CaseWorkflow.state)
        assert view.deadline is not None and view.deadline.due_at is not None
        await self.skip_to(view.deadline.due_at + offset)


async def case_reaches_triage(client: Client, task_queue: str, activities: RecordedActivities) -> WorkflowHandle:
    return await start_case(client, task_queue)


async def case_assessed_and_closed(client: Client, task_queue: str, activities: RecordedActivities) -> WorkflowHandle:
    handle = await start_case(client, task_queue)
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "as proposed"),
    )
    await until_stage(handle, Stage.ASSESSMENT)
    child = client.get_workflow_handle_for(AssessmentWorkflow.run, f"{handle.id}-assessment")
    await child.execute_update(AssessmentWorkflow.allocate, Allocation("sw-2", "hutt", "sup-1"))
    await child.execute_update(
        AssessmentWorkflow.complete, Completion("sw-2", Outcome.FAMILY_SUPPORT_PLAN, "plan agreed with whānau")
    )
    await handle.result()
    return handle


SCENARIOS: dict[str, Callable[[Client, str, RecordedActivities], Awaitable[WorkflowHandle]]] = {
    "case_triage_proposed": case_reaches_triage,
    "case_assessed_and_closed": case_assessed_and_closed,
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
