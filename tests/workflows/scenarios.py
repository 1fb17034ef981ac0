"""Case workflow scenarios against a real Temporal server, with recording activities.

Tests drive them; `python -m tests.workflows.scenarios [NAME...]` records their histories
(the named ones, or all) under histories/ for the replay tests (re-record only for a
deliberate, patched change; record a new scenario by its name alone).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from google.protobuf.empty_pb2 import Empty
from temporalio import activity
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest, DescribeWorkflowExecutionResponse
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.common.convert import child_clock
from tests.conference.workflow_fakes import RecordedConferenceActivities, conference_input, start_conference
from tests.placement.workflow_fakes import AUNTIE, KORO, RecordedPlacementActivities
from tests.policies import SHIPPED, testing_policy
from tests.polling import (
    QUERY_NOT_ANSWERED,
    QUERY_NOT_READY,
    WORKFLOW_NOT_STARTED,
    answered,
    eventually,
    finished,
    is_dropped,
)
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import (
    Acknowledgement,
    AdditionalInformation,
    Allocation,
    ApprovalDecision,
    AttentionItem,
    CaseFacts,
    CaseInput,
    CaseStanding,
    ChildSeen,
    Completion,
    ConsentResponse,
    DeadlineKind,
    DeadlineStatus,
    DueRequest,
    Escalation,
    EscalationLevel,
    Extension,
    Outcome,
    Stage,
    StageChange,
    TimelineEntry,
    TriageDecision,
    TriageProposal,
    assessment_workflow_id,
    placement_workflow_id,
    workflow_id,
)
from workflows.case.workflows import CaseWorkflow
from workflows.common import REFUSED
from workflows.conference.model import (
    ConferenceOutcome,
    ConferenceStage,
    ConferenceView,
    Consultation,
    Held,
    InvitationResponse,
    NoAgreementRoute,
    ParticipantAdded,
    ParticipantRole,
    ResponseRecord,
    care_conference_id,
    case_conference_id,
    conference_workflow_id,
)
from workflows.conference.workflows import YouthJusticeConferenceWorkflow
from workflows.placement.model import CaregiverAnswer, Selection
from workflows.placement.workflows import PlacementSearchWorkflow
from workflows.plan.model import (
    ActionStatus,
    ActionStatusChange,
    ActionTerms,
    ConsentChange,
    PlanChange,
    PlanInput,
    PlanTerms,
    PlanView,
    ReviewHeld,
    plan_id_of,
    plan_workflow_id,
)
from workflows.plan.workflows import PlanWorkflow
from workflows.policy.loader import load_policy, shortened
from workflows.policy.model import CasePolicy, Pathway, PlansPolicy, Span, Timeframe
from workflows.policy.working_days import add_span, due_at
from workflows.record_model import RecordBatch
from workflows.worker import WORKFLOWS, interceptors, sandbox_runner

HISTORIES = Path(__file__).parent / "histories"
HOUR = 3600

#: The test policy (tests/policies.py) with every elapsed span in whole hours, short enough
#: to read.
POLICY: CasePolicy = shortened(
    testing_policy(),
    triage_deadline=2 * HOUR,
    consent_deadline=3 * HOUR,
    tier2=HOUR,
    tier3=2 * HOUR,
    selection_deadline=4 * HOUR,
    hold_expiry=6 * HOUR,
).case
_PLANS = shortened(testing_policy(), plan_tier2=2 * 24 * HOUR).plans
assert _PLANS is not None
PLANS_POLICY: PlansPolicy = _PLANS


class RecordedActivities:
    """The domain services' side of the activities, recording each call (exactly as the
    real services do, a repeated escalation key is recorded once)."""

    def __init__(self, proposal: TriageProposal | None = None) -> None:
        self.conference = RecordedConferenceActivities()
        self.placement = RecordedPlacementActivities()
        self.proposal = proposal or TriageProposal(Timeframe.URGENT, Pathway.CHILD_AND_FAMILY_ASSESSMENT, ["neglect"])
        self.stages: list[StageChange] = []
        #: The case's recorded events' actions as each stage was recorded (by case, stage).
        self.recorded_at_stage: dict[tuple[str, str], list[str]] = {}
        #: The clock each case's assessment or placement search last sent with its batches.
        self.child_clocks: dict[str, tuple[str, DeadlineStatus]] = {}
        self.escalations: dict[tuple[str, DeadlineKind, int, int, EscalationLevel], Escalation] = {}
        self.escalation_calls = 0
        self.police: list[str] = []
        #: The facts each proposal was asked for, in order.
        self.proposed_for: list[CaseFacts | None] = []
        self.resolved: list[tuple[str, DeadlineKind]] = []
        #: A plan's clocks whose escalations were resolved: (case, kind, cycle).
        self.plan_resolved: list[tuple[str, DeadlineKind, int]] = []
        self.triage_failures = 0
        #: Activities the services refuse (a non-retryable `Refused`, as workflows/refusals.py
        #: makes of a refusing status), by name: how many calls.
        self.refusals: dict[str, int] = {}
        self.attention: dict[str, AttentionItem] = {}
        #: The case record (workflows/record.py) as intake and the services that keep a
        #: workflow's own record keep it: each event once by its id (with its case, "" for a
        #: conference without one), and each workflow's newest standing with its version.
        self.events: dict[str, tuple[str, TimelineEntry]] = {}
        self.record_calls = 0
        #: Intake is down: recording fails (and is retried) while this is set.
        self.record_down = False
        self.standings: dict[tuple[str, str], tuple[int, object]] = {}
        #: The workflows whose own service was sent their record (a placement search's, a
        #: conference's: patch standing-recorded).
        self.own: set[str] = set()

    def _refuse(self, name: str) -> None:
        if self.refusals.get(name, 0) > 0:
            self.refusals[name] -= 1
            raise ApplicationError(f"FAILED_PRECONDITION: {name} refused", "trace-1", type=REFUSED, non_retryable=True)

    @activity.defn(name="record_case_stage")
    async def record_case_stage(self, change: StageChange) -> None:
        self._refuse("record_case_stage")
        self._stage_recorded(change)

    def _stage_recorded(self, change: StageChange) -> None:
        """The case's recorded stage moved (by RecordCaseStage, or by a case standing newer
        than the last: patch `fewer-round-trips`), with what was recorded of it by then."""
        before = [c.stage for c in self.stages if c.case_id == change.case_id]
        if before and before[-1] == change.stage:
            return
        self.stages.append(change)
        so_far = [entry.action for _, entry in self.recorded(change.case_id)]
        self.recorded_at_stage[(change.case_id, str(change.stage))] = so_far

    @activity.defn(name="record_case_events")
    async def record_case_events(self, batch: RecordBatch) -> None:
        self.record_calls += 1
        if self.record_down:
            raise ApplicationError("intake is unavailable")
        self._refuse("record_case_events")
        for event in batch.events:
            self.events.setdefault(event.event_id, (batch.case_id, event.entry))
        if batch.own:
            self.own.add(batch.workflow_id)
        kinds = (
            ("case", batch.case),
            ("assessment", batch.assessment),
            ("placement", batch.placement),
            ("conference", batch.conference),
        )
        clock = child_clock(batch)
        if clock is not None:
            self.child_clocks[batch.case_id] = (batch.workflow_id, clock)
        for kind, standing in kinds:
            subject = batch.workflow_id if kind == "conference" else batch.case_id
            known = self.standings.get((subject, kind))
            if standing is not None and (known is None or known[0] < batch.version):
                self.standings[(subject, kind)] = (batch.version, standing)
                if isinstance(standing, CaseStanding):
                    self._stage_recorded(StageChange(batch.case_id, standing.stage))

    def recorded(self, case_id: str) -> list[tuple[str, TimelineEntry]]:
        """The case's recorded events (event id, entry), oldest first, as GetCase merges them."""
        found = [(event_id, entry) for event_id, (case, entry) in self.events.items() if case == case_id]
        return sorted(found, key=lambda e: (e[1].at, e[0].rpartition(":")[0], int(e[0].rpartition(":")[2])))

    def shown_clock(self, case_id: str) -> DeadlineStatus | None:
        """The clock intake shows for the case (services/intake/record.py): in its assessment's
        or placement search's stage, that child's as its own batches last sent it; else the
        case's own standing's."""
        case = self.standing(case_id)
        if not isinstance(case, CaseStanding):
            return None
        child = {
            Stage.ASSESSMENT: assessment_workflow_id(case_id),
            Stage.INVESTIGATION: assessment_workflow_id(case_id),
            Stage.PLACEMENT: placement_workflow_id(case_id),
        }.get(case.stage)
        sent = self.child_clocks.get(case_id)
        if child is not None and sent is not None and sent[0] == child:
            return sent[1]
        return case.deadline

    def standing(self, case_id: str, kind: str = "case") -> object:
        """The newest standing of `kind` recorded for the case (for a conference: by its
        workflow id, case or none)."""
        known = self.standings.get((case_id, kind))
        return None if known is None else known[1]

    def workflow_events(self, workflow_id: str) -> list[TimelineEntry]:
        """A workflow's recorded events, in its order."""
        numbered = [
            (int(event_id.rpartition(":")[2]), entry)
            for event_id, (_, entry) in self.events.items()
            if event_id.rpartition(":")[0] == workflow_id
        ]
        return [entry for _, entry in sorted(numbered, key=lambda found: found[0])]

    @activity.defn(name="propose_triage")
    async def propose_triage(self, case_id: str, facts: CaseFacts | None) -> TriageProposal:
        if self.triage_failures > 0:  # triage is down for that many calls
            self.triage_failures -= 1
            raise ApplicationError("triage is unavailable")
        self._refuse("propose_triage")
        self.proposed_for.append(facts)
        return self.proposal

    @activity.defn(name="notify_police")
    async def notify_police(self, case_id: str, reason: str) -> None:
        self._refuse("notify_police")
        self.police.append(case_id)

    @activity.defn(name="raise_escalation")
    async def raise_escalation(self, escalation: Escalation) -> None:
        self.escalation_calls += 1
        self._refuse("raise_escalation")
        subject = escalation.conference_id or escalation.case_id
        key = (subject, escalation.kind, escalation.cycle, escalation.tier, escalation.level)
        self.escalations.setdefault(key, escalation)

    @activity.defn(name="resolve_escalations")
    async def resolve_escalations(
        self,
        case_id: str,
        kind: DeadlineKind,
        conference_id: str | None = None,
        level: EscalationLevel | None = None,
    ) -> None:
        self.resolved.append((conference_id or case_id, DeadlineKind(kind)))  # see CaseActivities

    @activity.defn(name="resolve_plan_escalations")
    async def resolve_plan_escalations(self, case_id: str, kind: DeadlineKind, cycle: int) -> None:
        self.plan_resolved.append((case_id, DeadlineKind(kind), cycle))

    @activity.defn(name="raise_attention")
    async def raise_attention(self, item: AttentionItem) -> None:
        self.attention.setdefault(item.item_key, item)

    @activity.defn(name="compute_due_at")
    async def compute_due_at(self, request: DueRequest) -> datetime:
        return due_at(request)

    def tiers(self, kind: DeadlineKind) -> list[tuple[int, int]]:
        """(cycle, tier) of each escalation of `kind`, in order raised."""
        return [(e.cycle, e.tier) for e in self.escalations.values() if e.kind == kind]

    def all(self) -> list[Callable[..., Awaitable[object]]]:
        return [
            *self.conference.all(),
            *self.placement.all(),
            self.record_case_stage,
            self.record_case_events,
            self.propose_triage,
            self.notify_police,
            self.raise_escalation,
            self.resolve_escalations,
            self.resolve_plan_escalations,
            self.raise_attention,
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


async def received_now(client: Client, case: CaseInput) -> CaseInput:
    """`case` as intake sends it (unless it says otherwise): received at the server's now,
    with the triage deadline of its policy counted from then."""
    if case.triage_due_at is not None or case.policy is None:
        return case
    received = await current_time(client)
    due = add_span(received, case.policy.triage_deadline, case.site)
    return dataclasses.replace(case, received_at=received, triage_due_at=due)


def worker(client: Client, task_queue: str, activities: RecordedActivities) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities.all(),
        workflow_runner=sandbox_runner(),
        interceptors=interceptors(),  # as workflows/worker.py registers them
    )


async def until_stage(handle: WorkflowHandle[CaseWorkflow, object], stage: Stage) -> None:
    """Wait until the case is in `stage` (failing with the stage it is in), asking its latest
    run: the case may have continued as new since `handle` was got (the time-skipping server
    can leave a query across that unanswered until it times out: asked again)."""
    latest = handle._client.get_workflow_handle(handle.id)
    await answered(
        lambda: latest.query(CaseWorkflow.stage, rpc_timeout=timedelta(seconds=5)),
        not_yet=QUERY_NOT_ANSWERED,
        until=lambda found: found == stage,
        interval=0.05,
        timeout=60,
    )


async def start_case(client: Client, task_queue: str, case: CaseInput | None = None) -> WorkflowHandle:
    """Start a case as intake does: received now, its triage deadline counted from then."""
    case = await received_now(client, case or case_input())
    handle = await client.start_workflow(CaseWorkflow.run, case, id=workflow_id(case.case_id), task_queue=task_queue)
    await answered(  # until the case has its triage proposal
        lambda: handle.query(CaseWorkflow.state),
        not_yet=(),
        until=lambda view: view.proposal is not None,
        interval=0.05,
    )
    return handle


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

    async def update_with_start(self, run: Any, start_arg: Any, workflow_id: str, update: Any, arg: Any) -> Any:
        """Start a workflow with an update in its first activation, before its `run` has begun
        (as the server may deliver one sent while the run before continued as new); the
        update's answer."""
        start = WithStartWorkflowOperation(
            run,
            start_arg,
            id=workflow_id,
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
        answer = await self.env.client.execute_update_with_start_workflow(update, arg, start_workflow_operation=start)
        self.started.append(await start.workflow_handle())
        return answer

    async def shown_clock(
        self, handle: WorkflowHandle, kind: DeadlineKind, unlike: datetime | None = None
    ) -> DeadlineStatus | None:
        """The case's clock of `kind` as its record shows it (RecordedActivities.shown_clock),
        with a due time other than `unlike`; None until so."""
        shown = self.activities.shown_clock(handle.id.removeprefix("case-"))
        if shown is None or shown.kind != kind or shown.due_at == unlike:
            return None
        return shown

    def assessment(self, handle: WorkflowHandle) -> WorkflowHandle:
        return self.env.client.get_workflow_handle(assessment_workflow_id(handle.id.removeprefix("case-")))

    def placement(self, handle: WorkflowHandle) -> WorkflowHandle:
        return self.env.client.get_workflow_handle(placement_workflow_id(handle.id.removeprefix("case-")))

    async def terminate_running(self) -> None:
        """Leave no timer behind: the shared test server stops skipping time while any
        workflow has work that no worker will pick up (an activity still running when its
        workflow is terminated counts too, so let those finish first)."""
        for handle in self.started:
            latest = self.env.client.get_workflow_handle(handle.id)  # the run it continued as, if any
            for running in (latest, self.assessment(handle), self.placement(handle)):
                with contextlib.suppress(AssertionError):
                    await eventually(lambda: _settled(self.env.client, running), timeout=5)  # noqa: B023 (awaited at once)
                with contextlib.suppress(RPCError):  # already closed, or never started
                    await running.terminate("test finished")

    async def skip(self, duration: timedelta) -> None:
        """Advance the server's clock by `duration` (scenarios.skip)."""
        await skip(self.env.client, duration)

    async def skip_to(self, at: datetime) -> None:
        """Advance the server's clock to `at`."""
        await skip(self.env.client, at - await current_time(self.env.client))

    async def skip_to_due(self, handle: WorkflowHandle, offset: timedelta) -> None:
        """Advance the server's clock to the case's current deadline plus `offset`."""
        view = await answered(
            lambda: handle.query(CaseWorkflow.state, rpc_timeout=timedelta(seconds=5)), not_yet=QUERY_NOT_ANSWERED
        )
        assert view.deadline is not None and view.deadline.due_at is not None
        await self.skip_to(view.deadline.due_at + offset)


async def _settled(client: Client, handle: WorkflowHandle) -> bool:
    """Whether the workflow has no activity and no workflow task in flight (or is gone)."""
    try:
        raw = await raw_description(client, handle)
    except RPCError as error:
        if error.status in WORKFLOW_NOT_STARTED:  # gone, or never started
            return True
        raise
    return not raw.pending_activities and not raw.HasField("pending_workflow_task")


async def case_reaches_triage(client: Client, task_queue: str, activities: RecordedActivities) -> WorkflowHandle:
    return await start_case(client, task_queue)


async def case_assessed_and_closed(client: Client, task_queue: str, activities: RecordedActivities) -> WorkflowHandle:
    handle = await start_case(client, task_queue)
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "as proposed"),
    )
    child = await running_assessment(client, handle)
    await child.execute_update(AssessmentWorkflow.allocate, Allocation("sw-2", "hutt", "sup-1"))
    await child.execute_update(
        AssessmentWorkflow.complete, Completion("sw-2", Outcome.FAMILY_SUPPORT_PLAN, "plan agreed with whānau")
    )
    await finished(handle)
    return handle


async def case_further_report_counted(
    client: Client, task_queue: str, activities: RecordedActivities
) -> WorkflowHandle:
    """A further report of immediate danger in triage: its facts join the case, the rules
    propose again, the triage deadline comes forward; decided critical, assessed, closed."""
    handle = await start_case(client, task_queue)
    danger = CaseFacts(["CONCERN_CATEGORY_FAMILY_VIOLENCE"], True, "AGENCY_POLICE", False, 2, False)
    await handle.execute_update(
        CaseWorkflow.add_information, AdditionalInformation("report-2", danger.concerns, True, facts=danger)
    )
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.CRITICAL, "danger reported by Police"),
    )
    child = await running_assessment(client, handle)
    await child.execute_update(AssessmentWorkflow.allocate, Allocation("sw-2", "hutt", "sup-1"))
    await child.execute_update(
        AssessmentWorkflow.complete, Completion("sw-2", Outcome.FAMILY_SUPPORT_PLAN, "safety plan with whānau")
    )
    await finished(handle)
    return handle


async def case_placed(client: Client, task_queue: str, activities: RecordedActivities) -> WorkflowHandle:
    """Seeking custody approved; the grandfather is selected and declines (his hold is
    released), then the aunt is selected, her place held and confirmed."""
    handle = await start_case(client, task_queue)
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "as proposed"),
    )
    child = await running_assessment(client, handle)
    await child.execute_update(AssessmentWorkflow.allocate, Allocation("sw-2", "hutt", "sup-1"))
    await child.execute_update(
        AssessmentWorkflow.complete, Completion("sw-2", Outcome.SEEK_CUSTODY, "not safe at home")
    )
    await child.execute_update(AssessmentWorkflow.decide_approval, ApprovalDecision("sup-1", True, "agreed"))
    await until_stage(handle, Stage.PLACEMENT)
    placement = await running_placement(client, handle)
    await placement.execute_update(PlacementSearchWorkflow.select, Selection("sw-2", KORO, "near the kura"))
    await placement.execute_update(PlacementSearchWorkflow.answer, CaregiverAnswer("sw-2", False, "koro unwell"))
    await answered(  # until koro's hold is released
        lambda: placement.query(PlacementSearchWorkflow.state),
        not_yet=(),
        until=lambda view: not view.hold,
        interval=0.05,
    )
    await placement.execute_update(PlacementSearchWorkflow.select, Selection("sw-2", AUNTIE, "whānau first"))
    await placement.execute_update(PlacementSearchWorkflow.answer, CaregiverAnswer("sw-2", True, "aunt agrees"))
    await finished(handle)
    return handle


async def running_assessment(client: Client, handle: WorkflowHandle) -> WorkflowHandle:
    """The case's assessment, once the case is in assessment and the child answers."""
    await until_stage(handle, Stage.ASSESSMENT)
    child = client.get_workflow_handle(assessment_workflow_id(handle.id.removeprefix("case-")))
    await answered(lambda: child.query(AssessmentWorkflow.state), not_yet=QUERY_NOT_READY, interval=0.05)
    return child


async def running_placement(client: Client, handle: WorkflowHandle) -> WorkflowHandle:
    """The case's placement search, once it has searched."""
    placement = client.get_workflow_handle(placement_workflow_id(handle.id.removeprefix("case-")))
    await answered(
        lambda: placement.query(PlacementSearchWorkflow.state),
        not_yet=QUERY_NOT_READY,
        until=lambda view: view.search_id is not None,
        interval=0.05,
    )
    return placement


async def skip(client: Client, duration: timedelta) -> None:
    """Move the time-skipping server's clock on by `duration`; on from where it reached when
    the server drops the call under load (unanswered past its timeout, or its stream reset)."""
    at = await current_time(client) + duration
    for attempt in range(3):
        request = SleepRequest()
        request.duration.FromTimedelta(max(timedelta(0), at - await current_time(client)))
        try:
            await client.test_service.unlock_time_skipping_with_sleep(request)
            return
        except RPCError as error:
            if attempt == 2 or not is_dropped(error):
                raise


async def raw_description(client: Client, handle: WorkflowHandle) -> DescribeWorkflowExecutionResponse:
    """A workflow's description as the server sends it (the time-skipping server's search
    attributes need not decode)."""
    execution = WorkflowExecution(workflow_id=handle.id, run_id=handle.run_id or "")
    request = DescribeWorkflowExecutionRequest(namespace=client.namespace, execution=execution)
    return await client.workflow_service.describe_workflow_execution(request)


async def current_time(client: Client) -> datetime:
    """The server's now: the time-skipping server's clock, or the wall clock on a real server."""
    try:
        return (await client.test_service.get_current_time(Empty())).time.ToDatetime(tzinfo=UTC)
    except RPCError as error:
        if error.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        return datetime.now(UTC)


async def until_conference(handle: WorkflowHandle, stage: ConferenceStage, round_: int | None = None) -> ConferenceView:
    view: ConferenceView = await answered(
        lambda: handle.query(YouthJusticeConferenceWorkflow.state),
        not_yet=QUERY_NOT_READY,
        until=lambda found: found.stage == stage and (round_ is None or found.round == round_),
        interval=0.05,
    )
    return view


async def hold_and_agree(client: Client, handle: WorkflowHandle, view: ConferenceView) -> None:
    """Wait for the booked time, record the conference held and a plan agreed."""
    assert view.booking is not None
    await skip(client, view.booking.start + timedelta(seconds=1) - await current_time(client))
    await handle.execute_update(YouthJusticeConferenceWorkflow.record_held, Held("yjc-1"))
    await handle.execute_update(
        YouthJusticeConferenceWorkflow.record_outcome, ConferenceOutcome("yjc-1", True, "plan-1", 2)
    )


async def conference_rescheduled_held_and_agreed(
    client: Client, task_queue: str, activities: RecordedActivities
) -> WorkflowHandle:
    """A Police intention to charge: booked; the Police officer declines, so booked again
    in a second round; held; a plan agreed."""
    handle = await start_conference(client, task_queue, conference_input(await current_time(client)))
    await until_conference(handle, ConferenceStage.BOOKED, 1)
    await handle.execute_update(
        YouthJusticeConferenceWorkflow.respond,
        ResponseRecord("police-1", 1, InvitationResponse.DECLINED, True, "yjc-1"),
    )
    await hold_and_agree(client, handle, await until_conference(handle, ConferenceStage.BOOKED, 2))
    await finished(handle)
    return handle


async def case_youth_justice_conference(
    client: Client, task_queue: str, activities: RecordedActivities
) -> WorkflowHandle:
    """Triage decides the youth justice pathway: the case's conference (its child) waits for
    the young person, is booked, held and a plan agreed; the case closes."""
    handle = await start_case(client, task_queue)
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.YOUTH_JUSTICE_FGC, None, "youth offending: a family group conference"),
    )
    await until_stage(handle, Stage.YOUTH_JUSTICE_CONFERENCE)
    conference = client.get_workflow_handle(conference_workflow_id(case_conference_id(handle.id.removeprefix("case-"))))
    await until_conference(conference, ConferenceStage.PREPARING)
    await conference.execute_update(
        YouthJusticeConferenceWorkflow.add_participant,
        ParticipantAdded("young-1", ParticipantRole.YOUNG_PERSON, True, "yjc-1"),
    )
    await hold_and_agree(client, conference, await until_conference(conference, ConferenceStage.BOOKED))
    await finished(handle)
    return handle


async def case_triage_reopened(client: Client, task_queue: str, activities: RecordedActivities) -> WorkflowHandle:
    """Triage is down at first (its calls go on as activities); the triage deadline passes
    and escalates; a referral's consent is declined, triage opens again, its deadline
    passes on a cycle of its own, and the case closes with no further action."""
    activities.triage_failures = 3
    handle = await start_case(client, task_queue)
    view = await handle.query(CaseWorkflow.state)
    assert view.deadline is not None and view.deadline.due_at is not None
    await skip(client, view.deadline.due_at - await current_time(client) + timedelta(seconds=1))
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.REFER_COMMUNITY_PARTNER, None, "family support"),
    )
    await until_stage(handle, Stage.AWAITING_CONSENT)
    await handle.execute_update(CaseWorkflow.record_consent, ConsentResponse("sw-1", False, "declined"))
    await until_stage(handle, Stage.TRIAGE)
    reopened = await handle.query(CaseWorkflow.state)
    assert reopened.deadline is not None and reopened.deadline.due_at is not None
    await skip(client, reopened.deadline.due_at - await current_time(client) + timedelta(seconds=1))
    await answered(
        lambda: handle.query(CaseWorkflow.state),
        not_yet=(),
        until=lambda found: found.deadline is not None and found.deadline.tier >= 1,
        interval=0.05,
    )
    await handle.execute_update(
        CaseWorkflow.decide_triage, TriageDecision("sw-1", Pathway.NO_FURTHER_ACTION, None, "family moved away")
    )
    await finished(handle)
    return handle


async def case_steps_refused(client: Client, task_queue: str, activities: RecordedActivities) -> WorkflowHandle:
    """Triage refuses to propose and supervision refuses the first escalation: each is an
    item for a person (workflows/attention.py); the case goes on, tier 2 comes, and the
    social worker decides without a proposal, with a reason."""
    activities.refusals.update({"propose_triage": 10, "raise_escalation": 1})
    case = await received_now(client, case_input())
    handle = await client.start_workflow(CaseWorkflow.run, case, id=workflow_id(case.case_id), task_queue=task_queue)
    assert case.triage_due_at is not None
    await answered(
        lambda: handle.query(CaseWorkflow.state),
        not_yet=QUERY_NOT_READY,
        until=lambda view: any(entry.action == "triage.no_proposal" for entry in view.timeline),
        interval=0.05,
    )
    await skip(client, case.triage_due_at - await current_time(client) + timedelta(hours=1, seconds=1))
    await answered(
        lambda: handle.query(CaseWorkflow.state),
        not_yet=(),
        until=lambda view: view.deadline is not None and view.deadline.tier == 2,
        interval=0.05,
    )
    await handle.execute_update(
        CaseWorkflow.decide_triage, TriageDecision("sw-1", Pathway.NO_FURTHER_ACTION, None, "known family, unfounded")
    )
    await finished(handle)
    return handle


async def conference_escalated_acknowledged_and_extended(
    client: Client, task_queue: str, activities: RecordedActivities
) -> WorkflowHandle:
    """A conference on the supervisors' queue with no slot: told at once, warned, breached
    (tier 1 to the manager), acknowledged and extended; a slot found after; held, agreed."""
    activities.conference.available_from = None
    conference = conference_input(await current_time(client), escalation=POLICY.escalation)
    handle = await start_conference(client, task_queue, conference)
    view = await until_conference(handle, ConferenceStage.SCHEDULING)
    assert view.convening_due is not None
    await skip(client, view.convening_due - await current_time(client) + timedelta(seconds=1))
    await answered(
        lambda: handle.query(YouthJusticeConferenceWorkflow.state),
        not_yet=(),
        until=lambda found: any(clock.tier == 1 for clock in found.clocks),
        interval=0.05,
    )
    kind = DeadlineKind.CONVENING
    await handle.execute_update(
        YouthJusticeConferenceWorkflow.acknowledge_escalation, Acknowledgement("sup-1", 1, "seen", kind=kind)
    )
    now = await current_time(client)
    await handle.execute_update(
        YouthJusticeConferenceWorkflow.extend_deadline,
        Extension("sup-1", now + timedelta(days=5), "the court extended the time", kind=kind),
    )
    activities.conference.available_from = now + timedelta(days=2)
    await skip(client, timedelta(days=1, seconds=1))  # the next search finds it
    await hold_and_agree(client, handle, await until_conference(handle, ConferenceStage.BOOKED))
    await finished(handle)
    return handle


async def case_child_seen(client: Client, task_queue: str, activities: RecordedActivities) -> WorkflowHandle:
    """The child seen in time ends the response clock (patch `child-seen`); the assessment's
    completion clock then passes and escalates tier 1, and the assessment completes late."""
    handle = await start_case(client, task_queue)
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "as proposed"),
    )
    child = await running_assessment(client, handle)
    await child.execute_update(AssessmentWorkflow.allocate, Allocation("sw-2", "hutt", "sup-1"))
    now = await current_time(client)
    await child.execute_update(AssessmentWorkflow.record_child_seen, ChildSeen("sw-2", now, "at the child's school"))
    view = await answered(
        lambda: child.query(AssessmentWorkflow.state),
        until=lambda v: v.deadline_kind == DeadlineKind.ASSESSMENT_COMPLETION,
        interval=0.05,
    )
    await skip(client, view.due_at - now + timedelta(seconds=1))
    await eventually(lambda: _async(activities.tiers(DeadlineKind.ASSESSMENT_COMPLETION) == [(1, 1)]))
    await child.execute_update(
        AssessmentWorkflow.complete, Completion("sw-2", Outcome.FAMILY_SUPPORT_PLAN, "plan agreed with whānau")
    )
    await finished(handle)
    return handle


async def case_decision_returned_then_approved(
    client: Client, task_queue: str, activities: RecordedActivities
) -> WorkflowHandle:
    """No further action waits for a supervisor's approval (policy `triage_approval`); it is
    returned with a reason and triage opens again; decided again, its approval deadline
    passes and escalates tier 1, and the supervisor approves: the case closes."""
    shipped = load_policy(SHIPPED).case.triage_approval
    assert shipped is not None
    approval = dataclasses.replace(shipped, deadline=Span(seconds=HOUR))
    handle = await start_case(client, task_queue, case_input(dataclasses.replace(POLICY, triage_approval=approval)))
    await answered(lambda: handle.query(CaseWorkflow.state), until=lambda v: v.proposal is not None, interval=0.05)
    nfa = TriageDecision("sw-1", Pathway.NO_FURTHER_ACTION, None, "the school resolved it")
    await handle.execute_update(CaseWorkflow.decide_triage, nfa)
    await eventually(lambda: _async(activities.tiers(DeadlineKind.TRIAGE_APPROVAL) == [(2, 0)]))
    await handle.execute_update(CaseWorkflow.decide_triage_approval, ApprovalDecision("sup-1", False, "call the GP"))
    view = await answered(
        lambda: handle.query(CaseWorkflow.state),
        until=lambda v: v.deadline is not None and v.deadline.kind == DeadlineKind.TRIAGE,
        interval=0.05,
    )
    await handle.execute_update(CaseWorkflow.decide_triage, dataclasses.replace(nfa, reason="the GP has no concern"))
    view = await answered(
        lambda: handle.query(CaseWorkflow.state),
        until=lambda v: v.deadline is not None and v.deadline.kind == DeadlineKind.TRIAGE_APPROVAL,
        interval=0.05,
    )
    assert view.deadline is not None and view.deadline.due_at is not None
    await skip(client, view.deadline.due_at - await current_time(client) + timedelta(seconds=1))
    await eventually(lambda: _async([t for _, t in activities.tiers(DeadlineKind.TRIAGE_APPROVAL)] == [0, 0, 1]))
    await handle.execute_update(CaseWorkflow.decide_triage_approval, ApprovalDecision("sup-1", True, "agreed"))
    await finished(handle)
    return handle


async def _async(value: bool) -> bool:
    return value


def care_conference(client: Client, handle: WorkflowHandle, number: int = 1) -> WorkflowHandle:
    """The case's `number`th care and protection conference."""
    return client.get_workflow_handle(
        conference_workflow_id(care_conference_id(handle.id.removeprefix("case-"), number))
    )


async def referred_for_a_conference(client: Client, task_queue: str) -> WorkflowHandle:
    """A case assessed: the social worker believes the child needs care or protection (a
    family group conference); the referral waits for a supervisor, who approves it: the case
    starts its care and protection conference."""
    handle = await start_case(client, task_queue)
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "as proposed"),
    )
    child = await running_assessment(client, handle)
    await child.execute_update(AssessmentWorkflow.allocate, Allocation("sw-2", "hutt", "sup-1"))
    await child.execute_update(
        AssessmentWorkflow.complete,
        Completion("sw-2", Outcome.FAMILY_GROUP_CONFERENCE, "the child needs care and protection"),
    )
    await child.execute_update(
        AssessmentWorkflow.decide_approval,
        ApprovalDecision("sup-1", True, "referral checked", outcome=Outcome.FAMILY_GROUP_CONFERENCE),
    )
    await until_stage(handle, Stage.CARE_AND_PROTECTION_CONFERENCE)
    return handle


async def consult_and_hold(client: Client, conference: WorkflowHandle) -> None:
    """The child added, the whānau consulted (a week from now, at the marae, koro asked
    for), the conference booked and held with the family's private time."""
    await until_conference(conference, ConferenceStage.PREPARING)
    await conference.execute_update(
        YouthJusticeConferenceWorkflow.add_participant,
        ParticipantAdded("child-1", ParticipantRole.YOUNG_PERSON, True, "cpc-1"),
    )
    await conference.execute_update(
        YouthJusticeConferenceWorkflow.add_participant,
        ParticipantAdded("koro-1", ParticipantRole.WHANAU, False, "cpc-1"),
    )
    await until_conference(conference, ConferenceStage.CONSULTING)
    now = await current_time(client)
    await conference.execute_update(
        YouthJusticeConferenceWorkflow.record_consultation,
        Consultation("cpc-1", now + timedelta(days=7), now + timedelta(days=14), "marae-1", ["koro-1"]),
    )
    view = await until_conference(conference, ConferenceStage.BOOKED)
    assert view.booking is not None
    await skip(client, view.booking.start + timedelta(seconds=1) - await current_time(client))
    await conference.execute_update(YouthJusticeConferenceWorkflow.record_held, Held("cpc-1", private_time_minutes=50))


async def case_care_and_protection_conference(
    client: Client, task_queue: str, activities: RecordedActivities
) -> WorkflowHandle:
    """The social worker's referral to a care and protection conference, approved by a
    supervisor; the whānau consulted, the conference booked in their dates at their venue,
    held with their private time; a plan agreed and made the child's plan: the case closes."""
    handle = await referred_for_a_conference(client, task_queue)
    conference = care_conference(client, handle)
    await consult_and_hold(client, conference)
    await conference.execute_update(
        YouthJusticeConferenceWorkflow.record_outcome,
        ConferenceOutcome("cpc-1", True, "plan-1", 3, structured_plan=True),
    )
    await finished(handle)
    return handle


async def case_care_conference_back_to_the_social_worker(
    client: Client, task_queue: str, activities: RecordedActivities
) -> WorkflowHandle:
    """A care and protection conference agrees no plan: back to the social worker, whose
    assessment opens again; they decide on a family support plan: the case closes."""
    handle = await referred_for_a_conference(client, task_queue)
    conference = care_conference(client, handle)
    await consult_and_hold(client, conference)
    await conference.execute_update(
        YouthJusticeConferenceWorkflow.record_outcome,
        ConferenceOutcome("cpc-1", False, "plan-1", 0, route=NoAgreementRoute.BACK_TO_SOCIAL_WORKER),
    )
    child = await running_assessment(client, handle)
    await answered(
        lambda: child.query(AssessmentWorkflow.state),
        not_yet=QUERY_NOT_READY,
        until=lambda view: any(entry.action == "assessment.reopened" for entry in view.timeline),
        interval=0.05,
    )
    await child.execute_update(
        AssessmentWorkflow.complete, Completion("sw-2", Outcome.FAMILY_SUPPORT_PLAN, "whānau agreed supports")
    )
    await finished(handle)
    return handle


#: The shipped plan policy with its second tier two elapsed days after the first (shipped:
#: five working days), so that a test writes its moments as plain times.
PLAN_POLICY: PlansPolicy = PLANS_POLICY
PLAN_REMINDER = timedelta(days=3)
PLAN_TIER2 = timedelta(days=2)
PLAN_REVIEW_INTERVAL = timedelta(days=90)


def plan_input(now: datetime, *, history_limit: int = 2000) -> PlanInput:
    """A case's plan made at `now`: the lead professional lp-1 (manager lpm-1), reviewed
    in 30 days; action a1 owned by own-1 (manager mgr-1) due in 10 days, a2 by own-2
    (manager mgr-2) in 20."""
    case_id = str(uuid.uuid4())
    return PlanInput(
        plan_id=plan_id_of(case_id),
        case_id=case_id,
        site="hutt",
        region="greater-wellington",
        created_by="lp-1",
        terms=PlanTerms(
            lead_professional="lp-1",
            lead_manager_id="lpm-1",
            review_due=now + timedelta(days=30),
            actions=[
                ActionTerms("a1", "oranga-tamariki", "own-1", "mgr-1", now + timedelta(days=10)),
                ActionTerms("a2", "health-nz", "own-2", "mgr-2", now + timedelta(days=20)),
            ],
        ),
        policy=PLAN_POLICY,
        history_limit=history_limit,
    )


async def start_plan(client: Client, task_queue: str, plan: PlanInput) -> WorkflowHandle:
    handle = await client.start_workflow(
        PlanWorkflow.run, plan, id=plan_workflow_id(plan.plan_id), task_queue=task_queue
    )
    await answered(lambda: handle.query(PlanWorkflow.state), not_yet=(), until=lambda v: len(v.clocks) == 3)
    return handle


def plan_escalations(activities: RecordedActivities, case_id: str) -> list[tuple[DeadlineKind, int, int, str]]:
    """(kind, cycle, tier, assignee) of a plan's escalations, in order raised."""
    return [
        (e.kind, e.cycle, e.tier, e.assignee)
        for e in activities.escalations.values()
        if e.case_id == case_id and e.kind.plan
    ]


async def plan_reminded_escalated_done_revised_and_reviewed(
    client: Client, task_queue: str, activities: RecordedActivities
) -> WorkflowHandle:
    """A plan's action a1 (cycle 1) reminds its owner 3 days ahead, escalates to the lead
    professional at its due date and to its owner's manager 2 days after; acknowledged,
    then done. A revision moves a2's due date (a new cycle, 4); a review held sets the next
    one the policy's interval on (cycle 5)."""
    now = await current_time(client)
    plan = plan_input(now)
    handle = await start_plan(client, task_queue, plan)
    due = now + timedelta(days=10)
    expected = [(DeadlineKind.PLAN_ACTION, 1, 0, "own-1")]
    await skip(client, due - PLAN_REMINDER + timedelta(seconds=1) - now)
    await eventually(lambda: _async(plan_escalations(activities, plan.case_id) == expected))
    await skip(client, PLAN_REMINDER)
    expected.append((DeadlineKind.PLAN_ACTION, 1, 1, "lp-1"))
    await eventually(lambda: _async(plan_escalations(activities, plan.case_id) == expected))
    await handle.execute_update(
        PlanWorkflow.acknowledge_escalation,
        Acknowledgement("lp-1", 1, "calling the owner", kind=DeadlineKind.PLAN_ACTION, cycle=1),
        id="ack-1",
    )
    await skip(client, PLAN_TIER2)
    expected.append((DeadlineKind.PLAN_ACTION, 1, 2, "mgr-1"))
    await eventually(lambda: _async(plan_escalations(activities, plan.case_id) == expected))
    await handle.execute_update(
        PlanWorkflow.record_action_status,
        ActionStatusChange(2, "a1", ActionStatus.DONE, "own-1", "done late"),
        id="status-1",
    )
    await eventually(lambda: _async((plan.case_id, DeadlineKind.PLAN_ACTION, 1) in activities.plan_resolved))
    view: PlanView = await handle.query(PlanWorkflow.state)
    moved = dataclasses.replace(view.terms.actions[1], due_at=now + timedelta(days=40))
    await handle.execute_update(
        PlanWorkflow.revise,
        PlanChange(
            3, "lp-1", "the appointment moved", dataclasses.replace(view.terms, actions=[view.terms.actions[0], moved])
        ),
        id="revise-1",
    )
    await eventually(lambda: _async((plan.case_id, DeadlineKind.PLAN_ACTION, 2) in activities.plan_resolved))
    held = ReviewHeld(4, "lp-1", "reviewed with whānau")
    await handle.execute_update(PlanWorkflow.record_review, held, id="review-1")
    await eventually(lambda: _async((plan.case_id, DeadlineKind.PLAN_REVIEW, 3) in activities.plan_resolved))
    return handle


async def plan_consent_given_and_withdrawn(
    client: Client, task_queue: str, activities: RecordedActivities
) -> WorkflowHandle:
    """A Children's Team plan: the family's consent to sharing recorded (version 2, with
    health and police), an action done (3), the consent withdrawn (4); the clocks run on."""
    now = await current_time(client)
    plan = plan_input(now)
    handle = await start_plan(client, task_queue, plan)
    await handle.execute_update(
        PlanWorkflow.record_consent, ConsentChange(2, "lp-1", ["health", "police"]), id="consent-1"
    )
    await handle.execute_update(
        PlanWorkflow.record_action_status, ActionStatusChange(3, "a1", ActionStatus.DONE, "own-1"), id="status-1"
    )
    await eventually(lambda: _async((plan.case_id, DeadlineKind.PLAN_ACTION, 1) in activities.plan_resolved))
    await handle.execute_update(
        PlanWorkflow.record_consent, ConsentChange(4, "lp-1", [], withdrawn=True), id="consent-2"
    )
    return handle


SCENARIOS: dict[str, Callable[[Client, str, RecordedActivities], Awaitable[WorkflowHandle]]] = {
    "case_triage_proposed": case_reaches_triage,
    "case_assessed_and_closed": case_assessed_and_closed,
    # recorded with CLOSED_AFTER_EVENTS_PATCH (the one above is from before it)
    "case_closed_after_its_events": case_assessed_and_closed,
    "case_placed": case_placed,
    "conference_rescheduled_held_and_agreed": conference_rescheduled_held_and_agreed,
    "case_youth_justice_conference": case_youth_justice_conference,
    "case_triage_reopened": case_triage_reopened,
    "case_steps_refused": case_steps_refused,
    "conference_escalated_acknowledged_and_extended": conference_escalated_acknowledged_and_extended,
    "case_further_report_counted": case_further_report_counted,
    "case_child_seen": case_child_seen,
    "case_care_and_protection_conference": case_care_and_protection_conference,
    "case_care_conference_back_to_the_social_worker": case_care_conference_back_to_the_social_worker,
    "case_decision_returned_then_approved": case_decision_returned_then_approved,
    "plan_reminded_escalated_done_revised_and_reviewed": plan_reminded_escalated_done_revised_and_reviewed,
    # recorded with the deadline clock's RAISE_BEFORE_NOTING_PATCH (those above are from before it)
    "plan_breach_raised_before_noted": plan_reminded_escalated_done_revised_and_reviewed,
    "conference_breach_raised_before_noted": conference_escalated_acknowledged_and_extended,
    "plan_consent_given_and_withdrawn": plan_consent_given_and_withdrawn,
}


async def record_all(names: list[str]) -> None:
    """Record the named scenarios (all of them when none is named)."""
    from temporalio.testing import WorkflowEnvironment

    from devstack.temporal import test_server_path
    from workflows import search_attributes

    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(test_server_path()))
    async with env:
        await search_attributes.register(env.client)
        for name, scenario in SCENARIOS.items():
            if names and name not in names:
                continue
            activities = RecordedActivities()
            task_queue = f"record-{name}"
            async with worker(env.client, task_queue, activities):
                handle = await scenario(env.client, task_queue, activities)
                case_id = handle.id.removeprefix("case-")
                children = {
                    "assessment": assessment_workflow_id(case_id),
                    "placement": placement_workflow_id(case_id),
                    "conference": conference_workflow_id(case_conference_id(case_id)),
                    "care-conference": conference_workflow_id(care_conference_id(case_id, 1)),
                }
                for settling in (handle.id, *children.values()):  # nothing left for no worker to take
                    running = env.client.get_workflow_handle(settling)
                    await eventually(lambda: _settled(env.client, running), timeout=10)  # noqa: B023 (awaited at once)
                history = await handle.fetch_history()
                for child, child_id in children.items():
                    with contextlib.suppress(RPCError):  # the scenario never got that far
                        child_history = await env.client.get_workflow_handle(child_id).fetch_history()
                        (HISTORIES / f"{name}--{child}.json").write_text(child_history.to_json())
                for leftover in (handle.id, *children.values()):  # its timers stall the next scenario's
                    with contextlib.suppress(RPCError):  # closed, or never started
                        await env.client.get_workflow_handle(leftover).terminate("recorded")
            (HISTORIES / f"{name}.json").write_text(history.to_json())
            print(f"recorded {name}")


if __name__ == "__main__":
    unknown = [name for name in sys.argv[1:] if name not in SCENARIOS]
    if unknown:
        sys.exit(f"no scenario named {unknown}; choose from {list(SCENARIOS)}")
    asyncio.run(record_all(sys.argv[1:]))
