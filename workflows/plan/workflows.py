"""PlanWorkflow: one child's plan (one per case: `plan-<plan id>`), every kind of plan.

The plan has a lead professional and a review date; its actions each have an owner (an
agency and a staff member), a due date and a status. Every OPEN action's due date is a
clock (workflows/deadline.py, the one every Kahu deadline runs on): its owner is reminded
the policy's `reminder_before` ahead (a tier 0 WARNING on the supervisors' queue, assigned
to the owner), and once it passes it escalates by the policy's tiers: the lead professional,
then the owner's manager. The review date is a clock of its own, escalating the same way (to
the lead professional, then their manager). Each clock is a cycle of the plan's own
sequence, so however many actions, every escalation has its own identity on the queue; an
action done or cancelled, or whose due date or owner a revision changed, ends its clock and
resolves that clock's escalations (a changed one starts again, as the next cycle).

Every change is a new version, with who and why: a revision (RevisePlan, its version the
next; the service checks `expected_version`), an action's status, a review held, the
family's consent to sharing a Children's Team plan recorded or withdrawn (no clock follows
from consent; the plan service applies it to every read). Each is an
update, applied once per update id (the idempotency key) across continue-as-new too
(workflows/applied_updates.py). The plan's events go on its case's record in PostgreSQL
(workflows/record.py); the text of the plan stays in the plan service.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.attention import Steps
    from workflows.case.model import (
        Acknowledgement,
        AttentionAnswer,
        AttentionState,
        ClockState,
        DeadlineKind,
        DeadlineStatus,
        RecordState,
        Subject,
        TimelineEntry,
    )
    from workflows.common import Rejected
    from workflows.deadline import ClockContext, DeadlineClock, add_span, history_full
    from workflows.plan.model import (
        ActionStatus,
        ActionStatusChange,
        ActionTerms,
        ConsentChange,
        PlanChange,
        PlanClock,
        PlanInput,
        PlanResumed,
        PlanTerms,
        PlanView,
        ReviewHeld,
    )
    from workflows.policy.model import CasePolicy
    from workflows.record import Record

REVIEW = "review"


def _key(action_id: str) -> str:
    return f"action:{action_id}"


@workflow.defn
class PlanWorkflow:
    @workflow.init
    def __init__(self, plan: PlanInput) -> None:
        # Set before any handler runs: an update in the run's first activation sees the input.
        self._in = plan
        resumed = plan.resumed
        #: workflows/applied_updates.py; carried across continue-as-new
        self.applied_updates: list[str] = list(resumed.applied_updates) if resumed else []
        self._version = resumed.version if resumed else 1
        self._terms: PlanTerms = resumed.terms if resumed else plan.terms
        self._cycles = resumed.cycles if resumed else 0
        #: The running clocks' states by key ("action:<id>", "review"): a clock whose key
        #: is gone, or holds another cycle, ends.
        self._states: dict[str, ClockState] = dict(resumed.clocks) if resumed else {}
        self._clocks: dict[str, DeadlineClock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._timeline: list[TimelineEntry] = []
        after = plan.attention_after or CasePolicy.attention_after
        self._steps = Steps(
            lambda: Subject(plan.case_id, None, plan.site, plan.region),
            timedelta(seconds=after.seconds),
            resumed.attention if resumed else AttentionState(),
            self._note,
        )
        self._record = Record(plan.case_id, resumed.record if resumed else RecordState(), self._steps)
        #: Clock tasks ending (resolving their escalations) before a continue-as-new.
        self._ending = 0

    # -- the run ---------------------------------------------------------------------

    @workflow.run
    async def run(self, plan: PlanInput) -> None:
        self._record.start(self._timeline)
        if plan.resumed is None:
            terms = plan.terms
            self._note(
                plan.created_by,
                "plan.created",
                f"version 1: {len(terms.actions)} actions, lead professional {terms.lead_professional},"
                f" review due {terms.review_due.isoformat()}",
            )
            for action in terms.actions:
                if action.status == ActionStatus.OPEN:
                    self._arm_action(action)
            self._arm_review(terms.review_due)
        else:  # the clocks as the last run left them
            for key, state in self._states.items():
                self._start_clock(key, state, started=True)
        await workflow.wait_condition(self._checkpoint_due)
        await workflow.wait_condition(lambda: self._ending == 0 and self._checkpoint_due())
        workflow.continue_as_new(
            dataclasses.replace(
                plan,
                resumed=PlanResumed(
                    version=self._version,
                    terms=self._terms,
                    cycles=self._cycles,
                    clocks=dict(self._states),
                    record=self._record.state,
                    attention=self._steps.state,
                    applied_updates=list(self.applied_updates),
                ),
            )
        )

    def _checkpoint_due(self) -> bool:
        return self._record.settled() and history_full(self._in.history_limit)

    # -- clocks ----------------------------------------------------------------------

    def _arm_action(self, action: ActionTerms) -> None:
        self._cycles += 1
        key = _key(action.action_id)
        self._states[key] = ClockState(due_at=action.due_at, cycle=self._cycles)
        self._start_clock(key, self._states[key], started=False)

    def _arm_review(self, due_at: datetime) -> None:
        self._cycles += 1
        self._states[REVIEW] = ClockState(due_at=due_at, cycle=self._cycles)
        self._start_clock(REVIEW, self._states[REVIEW], started=False)

    def _disarm(self, key: str) -> None:
        self._states.pop(key, None)

    def _start_clock(self, key: str, state: ClockState, *, started: bool) -> None:
        plan = self._in
        terms = self._terms
        if key == REVIEW:
            kind = DeadlineKind.PLAN_REVIEW
            assignees = (terms.lead_professional, terms.lead_professional, terms.lead_manager_id)
        else:
            action = terms.action(key.removeprefix("action:"))
            assert action is not None
            kind = DeadlineKind.PLAN_ACTION
            assignees = (action.owner_id, terms.lead_professional, action.owner_manager_id)
        clock = DeadlineClock(
            ClockContext(
                case_id=plan.case_id,
                workflow_id=workflow.info().workflow_id,
                kind=kind,
                site=plan.site,
                region=plan.region,
                tiers=plan.policy.escalation,
                warn_before=timedelta(seconds=plan.policy.reminder_before.seconds),
                assignee=terms.lead_professional,
                assignees=assignees,
            ),
            state,
            self._add,
            self._on_status,
            self._steps,
        )
        self._clocks[key] = clock
        task = asyncio.create_task(self._run_clock(key, clock, started))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_clock(self, key: str, clock: DeadlineClock, started: bool) -> None:
        cycle = clock.state.cycle
        ended = lambda: self._states.get(key) is not clock.state  # noqa: E731
        if not started:
            await clock.start()
        await clock.run(ended, lambda: False, _never)
        self._ending += 1
        try:
            if self._clocks.get(key) is clock:
                del self._clocks[key]
            await self._steps.run("resolve_plan_escalations", [self._in.case_id, clock.context.kind, cycle])
        finally:
            self._ending -= 1

    async def _on_status(self, status: DeadlineStatus) -> None:
        """The clocks' status shows in `state`; nothing else follows from it."""

    # -- staff actions (updates) -------------------------------------------------------

    @workflow.update
    async def revise(self, change: PlanChange) -> PlanView:
        """A new version of the plan: each action's clock follows its new terms (a new or
        moved due date, a new owner or lead professional: a new cycle; done, cancelled or
        removed: it ends); the review's clock follows a new review date or lead professional."""
        before = self._terms
        self._version = change.version
        self._terms = change.terms
        self._note(change.changed_by, "plan.revised", f"version {change.version}: {change.reason}")
        for old in before.actions:
            if change.terms.action(old.action_id) is None:
                self._disarm(_key(old.action_id))
                self._note(change.changed_by, "plan.action_removed", old.action_id)
        # a new lead professional is every clock's tier 1: each open action's starts again
        lead_changed = change.terms.lead_professional != before.lead_professional
        for action in change.terms.actions:
            previous = before.action(action.action_id)
            if previous == action and not (lead_changed and action.status == ActionStatus.OPEN):
                continue
            self._disarm(_key(action.action_id))
            if action.status == ActionStatus.OPEN:
                self._arm_action(action)
            self._note(
                change.changed_by,
                "plan.action_set" if previous is None else "plan.action_changed",
                f"{action.action_id}: {action.status}, owner {action.owner_id} ({action.owner_agency}),"
                f" due {action.due_at.isoformat()}",
            )
        terms = change.terms
        if (terms.review_due, terms.lead_professional, terms.lead_manager_id) != (
            before.review_due,
            before.lead_professional,
            before.lead_manager_id,
        ):
            self._disarm(REVIEW)
            self._arm_review(terms.review_due)
        return self._answer()

    @revise.validator
    def _check_revise(self, change: PlanChange) -> None:
        self._check_version(change.version)
        ids = [a.action_id for a in change.terms.actions]
        if len(set(ids)) != len(ids):
            raise Rejected("an action id is used twice")

    @workflow.update
    async def record_action_status(self, change: ActionStatusChange) -> PlanView:
        action = self._terms.action(change.action_id)
        assert action is not None
        self._version = change.version
        self._terms = dataclasses.replace(
            self._terms,
            actions=[
                dataclasses.replace(a, status=change.status) if a.action_id == change.action_id else a
                for a in self._terms.actions
            ],
        )
        key = _key(change.action_id)
        clock = self._clocks.get(key)
        if change.status != ActionStatus.OPEN and clock is not None:
            clock.met()
        self._disarm(key)
        if change.status == ActionStatus.OPEN:
            updated = self._terms.action(change.action_id)
            assert updated is not None
            self._arm_action(updated)
        self._note(
            change.recorded_by,
            "plan.action_status",
            f"version {change.version}: {change.action_id} {change.status}{f': {change.note}' if change.note else ''}",
        )
        return self._answer()

    @record_action_status.validator
    def _check_action_status(self, change: ActionStatusChange) -> None:
        self._check_version(change.version)
        action = self._terms.action(change.action_id)
        if action is None:
            raise Rejected(f"the plan has no action {change.action_id}")
        if action.status == change.status:
            raise Rejected(f"action {change.action_id} is {change.status} already")

    @workflow.update
    async def record_review(self, held: ReviewHeld) -> PlanView:
        plan = self._in
        clock = self._clocks.get(REVIEW)
        if clock is not None:
            clock.met()
        self._version = held.version
        due = held.next_review_due or await add_span(workflow.now(), plan.policy.review_interval, plan.site)
        self._terms = dataclasses.replace(self._terms, review_due=due)
        self._note(held.held_by, "plan.reviewed", f"version {held.version}: next review due {due.isoformat()}")
        self._disarm(REVIEW)
        self._arm_review(due)
        return self._answer()

    @record_review.validator
    def _check_review(self, held: ReviewHeld) -> None:
        self._check_version(held.version)
        if held.next_review_due is not None and held.next_review_due <= workflow.now():
            raise Rejected("the next review must be due in the future")

    @workflow.update
    async def record_consent(self, change: ConsentChange) -> PlanView:
        """The family's consent to sharing recorded (with the agencies it shares with) or
        withdrawn, as a new version, on the case's record; the clocks run on."""
        self._version = change.version
        if change.withdrawn:
            self._note(change.recorded_by, "plan.consent_withdrawn", f"version {change.version}: nothing is shared")
        else:
            shared = ", ".join(change.agencies)
            self._note(change.recorded_by, "plan.consent_given", f"version {change.version}: shared with {shared}")
        return self._answer()

    @record_consent.validator
    def _check_consent(self, change: ConsentChange) -> None:
        self._check_version(change.version)

    @workflow.update
    async def acknowledge_escalation(self, ack: Acknowledgement) -> PlanView:
        """A supervisor (or the lead professional, the owner's manager) saw an escalation."""
        clock = self._clock_of(ack)
        assert clock is not None
        clock.acknowledge(ack)
        return self._answer()

    @acknowledge_escalation.validator
    def _check_acknowledgement(self, ack: Acknowledgement) -> None:
        clock = self._clock_of(ack)
        if clock is None:
            raise Rejected("no escalation is open on that clock of this plan")
        clock.validate_acknowledgement(ack, f"the plan's {ack.kind} clock")

    @workflow.update
    async def decide_attention(self, answer: AttentionAnswer) -> PlanView:
        """A supervisor's decision on a step the plan waits on (workflows/attention.py)."""
        self._steps.decide(answer)
        return self._answer()

    @decide_attention.validator
    def _check_attention(self, answer: AttentionAnswer) -> None:
        self._steps.validate(answer)

    @workflow.query
    def state(self) -> PlanView:
        """The plan as its workflow holds it, with this run's timeline."""
        return dataclasses.replace(self._answer(), timeline=list(self._timeline))

    def _answer(self) -> PlanView:
        """What an update answers: the plan without its timeline (the record and `state`
        have it), so that the history does not grow with the square of the changes."""
        return PlanView(
            plan_id=self._in.plan_id,
            case_id=self._in.case_id,
            version=self._version,
            terms=self._terms,
            clocks=[
                PlanClock(
                    action_id="" if key == REVIEW else key.removeprefix("action:"),
                    cycle=clock.state.cycle,
                    status=clock.status,
                    reminded=clock.state.warned,
                )
                for key, clock in sorted(self._clocks.items())
                if self._states.get(key) is clock.state
            ],
            timeline=[],
        )

    # -- helpers ----------------------------------------------------------------------

    def _check_version(self, version: int) -> None:
        if version != self._version + 1:
            raise Rejected(f"the plan is at version {self._version}: a change makes version {self._version + 1}")

    def _clock_of(self, ack: Acknowledgement) -> DeadlineClock | None:
        return next(
            (
                clock
                for key, clock in self._clocks.items()
                if clock.context.kind == ack.kind
                and clock.state.cycle == ack.cycle
                and self._states.get(key) is clock.state
            ),
            None,
        )

    def _note(self, actor: str, action: str, detail: str = "") -> None:
        self._add(TimelineEntry(workflow.now(), actor, action, detail))

    def _add(self, entry: TimelineEntry) -> None:
        self._timeline.append(entry)
        self._record.note(entry)


async def _never() -> None:
    """The checkpoint of a clock: the plan's run continues as new, not its clocks."""
