"""A statutory deadline and its escalation ladder, run inside a workflow.

The clock waits for the work to be done or the deadline to pass (warning a policy
interval ahead, where the context asks for it); once it passes, it raises each escalation
tier in turn (tier 1 at the deadline plus its interval, each next tier its interval after
the previous one) until the work is done. An extension moves the deadline and starts a new
cycle, the next of the workflow's own sequence. Each escalation is keyed (case or
conference, kind, cycle, tier, level), so however often the activity retries or the worker
restarts, it is raised once; it carries the time it fell due, so a late arrival shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from workflows import search_attributes as sa
    from workflows.attention import Steps
    from workflows.case.model import (
        Acknowledgement,
        ClockState,
        DeadlineKind,
        DeadlineStatus,
        DueRequest,
        Escalation,
        EscalationLevel,
        Extension,
        TimelineEntry,
    )
    from workflows.common import ACTIVITY_TIMEOUT, KAHU_ACTOR, Rejected, quick_local
    from workflows.conference.model import COORDINATOR_MANAGER
    from workflows.policy.model import EscalationTier, Span


RAISE_BEFORE_NOTING_PATCH = "breach-raised-before-noted"
"""A deadline whose first tier falls due with it raises that tier before the timeline notes
the breach: a note starts the record's batch, a local activity, and a workflow task with one
in flight holds back the escalation's activity until the record has answered. Before, the
breach was noted (and its status reported) first, then tier 1 raised."""
FEWER_ROUND_TRIPS_PATCH = "fewer-round-trips"
"""Three calls no longer each wait for a task of their own through the server: a working-day
deadline is counted by a local activity (an ordinary one once its quick attempts fail); a
clock that raised nothing closes without asking supervision to resolve its escalations
(`DeadlineClock.raised_nothing`); and a case's change of stage reaches its record with the
record's own batch (the standing carries the stage) instead of a call of its own. Before,
each was an activity, or a local activity, of its own."""


@dataclass(frozen=True)
class ClockContext:
    case_id: str
    workflow_id: str
    kind: DeadlineKind
    site: str
    region: str
    tiers: list[EscalationTier]
    #: A conference's clock: its id, the warning ahead of the deadline, and who its
    #: warnings and tier 1 go to (the coordinator's manager).
    conference_id: str | None = None
    warn_before: timedelta | None = None
    assignee: str = ""
    #: The staff member each tier goes to, where known, by tier (index 0: the warning; a
    #: plan's: the action's owner, the lead professional, the owner's manager); before
    #: `assignee`.
    assignees: tuple[str, ...] = ()

    def assignee_of(self, tier: int) -> str:
        if tier < len(self.assignees) and self.assignees[tier]:
            return self.assignees[tier]
        return self.assignee if tier <= 1 else ""


async def add_span(start: datetime, span: Span, site: str) -> datetime:
    """`start` plus `span`; working days are counted by an activity (holiday calendars), a
    local one first (FEWER_ROUND_TRIPS_PATCH)."""
    if not span.working_days:
        return start + timedelta(seconds=span.seconds)
    request = DueRequest(start=start, seconds=span.seconds, working_days=span.working_days, site=site)
    if workflow.patched(FEWER_ROUND_TRIPS_PATCH):
        done, counted = await quick_local("compute_due_at", [request], datetime)
        if done:
            return counted  # type: ignore[no-any-return]
    due: datetime = await workflow.execute_activity(
        "compute_due_at", request, result_type=datetime, start_to_close_timeout=ACTIVITY_TIMEOUT
    )
    return due


class DeadlineClock:
    def __init__(
        self,
        context: ClockContext,
        state: ClockState,
        note: Callable[[TimelineEntry], None],
        on_status: Callable[[DeadlineStatus], Awaitable[None]],
        steps: Steps | None = None,
        on_raised: Callable[[Escalation], None] | None = None,
    ) -> None:
        self.context = context
        self.state = state
        self._note = note
        self._on_status = on_status
        self._steps = steps
        self._on_raised = on_raised
        self._moved = False
        self._raising = 0

    @property
    def status(self) -> DeadlineStatus:
        return DeadlineStatus(
            kind=self.context.kind,
            due_at=self.state.due_at,
            breached=self.state.breached,
            tier=self.state.tier,
            original_due_at=self.state.original_due_at,
        )

    def validate_extension(self, extension: Extension) -> None:
        """Refuse (Rejected) an extension this clock cannot take."""
        if not extension.reason.strip():
            raise Rejected("an extension needs a reason")
        if self._raising:
            raise Rejected("an escalation is being raised right now; try again in a moment")
        if extension.due_at <= workflow.now():
            raise Rejected("the new due time must be in the future")
        if extension.due_at <= self.state.due_at:
            raise Rejected("an extension must move the deadline later")

    def validate_acknowledgement(self, ack: Acknowledgement, where: str) -> None:
        """Refuse (Rejected) an acknowledgement of a tier that is not open on `where` (tier
        0: the warning ahead of the deadline)."""
        if ack.tier == 0 and self.state.warned:
            return
        if ack.tier < 1 or ack.tier > self.open_tier:
            raise Rejected(f"no tier {ack.tier} escalation is open on {where}")

    def acknowledge(self, ack: Acknowledgement) -> None:
        self._note(
            TimelineEntry(
                workflow.now(),
                ack.acknowledged_by,
                "escalation.acknowledged",
                f"tier {ack.tier}: {ack.note}".rstrip(": "),
            )
        )

    def extend(self, extension: Extension) -> None:
        """Move the deadline; a new cycle starts with no tier raised. The deadline before the
        first extension is kept (`original_due_at`): the record shows it, and work done after
        it is late against it."""
        why = f"{extension.reason_code}: {extension.reason}" if extension.reason_code else extension.reason
        self._note(
            TimelineEntry(
                workflow.now(),
                extension.extended_by,
                "deadline.extended",
                f"{self.context.kind} due {self.state.due_at.isoformat()} -> {extension.due_at.isoformat()}: {why}",
            )
        )
        if self.state.original_due_at is None:
            self.state.original_due_at = self.state.due_at
        self.state.extensions += 1
        self.state.due_at = extension.due_at
        self.state.cycle += 1
        self.state.tier = 0
        self.state.breached = False
        self.state.last_escalated_at = None
        self.state.warned = False
        self._moved = True

    def bring_forward(self, due_at: datetime, why: str) -> bool:
        """Move a deadline that has not passed earlier (a further report made the case more
        urgent; the earliest deadline wins); False when it is as early already or passed."""
        if self.state.breached or due_at >= self.state.due_at:
            return False
        self._note(
            TimelineEntry(
                workflow.now(),
                KAHU_ACTOR,
                "deadline.shortened",
                f"{self.context.kind} due {self.state.due_at.isoformat()} -> {due_at.isoformat()}: {why}",
            )
        )
        self.state.due_at = due_at
        self._moved = True
        return True

    def met(self) -> None:
        """Note the work done in time, or late (once the deadline had passed, and to which tier
        it had escalated), for the case's record."""
        late = f" (late: passed, escalated to tier {self.state.tier})" if self.state.breached else ""
        original = self.state.original_due_at
        if original is not None and workflow.now() > original:
            late += f" (late against the original deadline {original.isoformat()}, extended {self.state.extensions}x)"
        self._note(
            TimelineEntry(
                workflow.now(),
                KAHU_ACTOR,
                "timer.met",
                f"{self.context.kind} due {self.state.due_at.isoformat()}{late}",
            )
        )

    async def start(self) -> None:
        self._note(
            TimelineEntry(workflow.now(), "kahu", "timer.started", f"{self.context.kind} due {self.state.due_at}")
        )
        await self._on_status(self.status)

    async def run(
        self,
        done: Callable[[], bool],
        checkpoint_due: Callable[[], bool],
        checkpoint: Callable[[], Awaitable[None]],
    ) -> None:
        """Return once `done()`; escalate while it is not and the deadline has passed.

        When `checkpoint_due()` turns true the clock wakes and awaits `checkpoint` (which
        continues as new), so a long wait never lets history grow without bound.
        """
        while not done():
            if checkpoint_due():
                await checkpoint()
            self._moved = False
            wake = lambda: done() or self._moved or checkpoint_due()  # noqa: E731
            warn = self.context.warn_before
            if warn is not None and not self.state.warned and not self.state.breached:
                if await self._wait_until(self.state.due_at - warn, wake):
                    await self._warn()
                continue
            if not self.state.breached:
                if await self._wait_until(self.state.due_at, wake):
                    await self._breach()
                continue
            at = await self._next_tier_at()
            if at is None:
                await workflow.wait_condition(wake)
            elif await self._wait_until(at, wake):
                await self._escalate(at)

    async def _wait_until(self, at: datetime, wake: Callable[[], bool]) -> bool:
        """True when `at` arrives first; False when `wake()` turns true before it."""
        remaining = (at - workflow.now()).total_seconds()
        if remaining > 0:
            try:
                await workflow.wait_condition(wake, timeout=remaining, timeout_summary=f"{self.context.kind} clock")
            except TimeoutError:
                return True
        return not wake()

    async def _next_tier_at(self) -> datetime | None:
        if self.state.tier >= len(self.context.tiers):
            return None
        tier = self.context.tiers[self.state.tier]
        since = self.state.last_escalated_at or self.state.due_at
        return await add_span(since, tier.after, self.context.site)

    async def _breach(self) -> None:
        self.state.breached = True
        expired = TimelineEntry(workflow.now(), "kahu", "timer.expired", f"{self.context.kind} deadline passed")
        at = self._first_tier_due_at()
        if at is not None and workflow.patched(RAISE_BEFORE_NOTING_PATCH):
            await self._escalate(at, expired=expired)
            return
        self._note(expired)
        await self._on_status(self.status)

    def _first_tier_due_at(self) -> datetime | None:
        """When tier 1 fell due, if it is due already at the breach (an elapsed interval)."""
        if self.state.tier or not self.context.tiers or self.context.tiers[0].after.working_days:
            return None
        at = self.state.due_at + timedelta(seconds=self.context.tiers[0].after.seconds)
        return at if at <= workflow.now() else None

    async def resolve(self) -> None:
        """Close this clock's escalations on the queue: the work is done or the deadline moved.
        A clock that raised nothing has none to close (FEWER_ROUND_TRIPS_PATCH)."""
        if self.raised_nothing() and workflow.patched(FEWER_ROUND_TRIPS_PATCH):
            return
        await self._supervise("resolve_escalations", [self.context.case_id, self.context.kind])

    def raised_nothing(self) -> bool:
        """True when this clock has raised nothing in any of its cycles, so there is nothing of
        its kind to resolve: not breached, no tier, no warning or approval asked, never
        extended (an extension clears a cycle's marks, not the items it raised). Each raise
        sets its mark as its activity returns, and the clock's `run` awaits the raise."""
        s = self.state
        return not (s.breached or s.tier or s.warned or s.extensions or self._raising)

    @property
    def open_tier(self) -> int:
        """The highest tier a supervisor may act on: raised, or being raised (the escalation
        can reach the queue before the activity's completion reaches this workflow)."""
        return max(self.state.tier, self._raising)

    async def _warn(self) -> None:
        await self._raise(self.state.due_at - (self.context.warn_before or timedelta()), 0, EscalationLevel.WARNING)
        self.state.warned = True
        self._note(
            TimelineEntry(
                workflow.now(),
                KAHU_ACTOR,
                "escalation.raised",
                f"{self.context.kind} warning to {self._to(0 if self.context.assignees else 1)}",
            )
        )

    async def ask_approval(self, why: str) -> None:
        """Put the decision this clock waits on before a supervisor at once: a tier 0 item
        on the queue (level APPROVAL) to the first tier's role. Once per cycle."""
        if self.state.warned:
            return
        await self._raise(workflow.now(), 0, EscalationLevel.APPROVAL)
        self.state.warned = True
        self._note(
            TimelineEntry(
                workflow.now(), KAHU_ACTOR, "approval.requested", f"{self.context.kind} to {self._to(1)}: {why}"
            )
        )

    async def _escalate(self, at: datetime, *, expired: TimelineEntry | None = None) -> None:
        """Raise the next tier, due `at`; then note it (after the breach itself, `expired`,
        when the breach raised it) and report the clock's status."""
        tier = self.context.tiers[self.state.tier]
        self._raising = tier.tier
        await self._raise(at, tier.tier, EscalationLevel.BREACH)
        self.state.tier = tier.tier
        self._raising = 0
        self.state.last_escalated_at = at
        if expired is not None:
            self._note(expired)
        self._note(
            TimelineEntry(
                workflow.now(),
                KAHU_ACTOR,
                "escalation.raised",
                f"{self.context.kind} tier {tier.tier} to {self._to(tier.tier)}",
            )
        )
        await self._on_status(self.status)

    def _to(self, tier: int) -> str:
        """Who tier `tier` goes to: its role, or the staff member it is assigned to (tier 0:
        the first tier's role, unless the context names who is warned)."""
        assignee = self.context.assignee_of(tier)
        if assignee:
            return assignee
        return self.context.tiers[max(tier, 1) - 1].role

    async def _raise(self, at: datetime, tier: int, level: EscalationLevel) -> None:
        context = self.context
        conference = context.conference_id is not None
        escalation = Escalation(
            case_id=context.case_id,
            workflow_id=context.workflow_id,
            kind=context.kind,
            cycle=self.state.cycle,
            tier=tier,
            role=COORDINATOR_MANAGER if conference and tier <= 1 else context.tiers[max(tier, 1) - 1].role,
            site=context.site,
            region=context.region,
            due_at=self.state.due_at,
            conference_id=context.conference_id,
            level=level,
            raise_at=at,
            assignee=context.assignee_of(tier),
        )
        await self._supervise("raise_escalation", [escalation])
        if self._on_raised is not None:
            self._on_raised(escalation)

    async def _supervise(self, activity: str, args: list[Any]) -> None:
        """Call supervision: through the workflow's steps where it has them (a refusal is told
        to a person, not retried), else as a plain activity."""
        if self._steps is not None:
            await self._steps.run(activity, args)
        else:
            await workflow.execute_activity(activity, args=args, start_to_close_timeout=ACTIVITY_TIMEOUT)


def history_full(limit: int) -> bool:
    """True when a workflow should continue as new: its history has reached `limit` events
    and no update or signal handler is still running."""
    return workflow.info().get_current_history_length() >= limit and workflow.all_handlers_finished()


def deadline_attributes(status: DeadlineStatus | None) -> list[SearchAttributeUpdate[Any]]:
    """The search attributes that show a clock (None: no clock running)."""
    return [
        sa.DUE_AT.value_set(status.due_at) if status and status.due_at else sa.DUE_AT.value_unset(),
        sa.BREACHED.value_set(bool(status and status.breached)),
        sa.ESCALATION_TIER.value_set(status.tier if status else 0),
    ]


async def report_to_parent(status: DeadlineStatus, *, recorded: bool = False) -> None:
    """Show a child's clock. `recorded` (the case started the child under patch
    `child-clock-recorded`): on the child's own search attributes, the child's record batches
    taking it to the case's record; before, by a signal to the parent case, a workflow task in
    the case's history for every change of the clock."""
    if recorded:
        workflow.upsert_search_attributes(deadline_attributes(status))
        return
    parent = workflow.info().parent
    if parent is not None:
        await workflow.get_external_workflow_handle(parent.workflow_id).signal("assessment_status", status)
