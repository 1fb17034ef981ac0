"""AssessmentWorkflow: a case's assessment or investigation against its SLA timer.

Child of CaseWorkflow. A social worker at the case's site is allocated, records findings
and completes with an outcome; seeking custody waits for a supervisor's approval. The
deadline clock escalates tier by tier once the SLA passes, until the assessment is done;
supervisors acknowledge, reassign or extend through updates.

Patch `care-and-protection-referral` (CARE_REFERRAL_PATCH): completing with the outcome of a
family group conference, where the case's policy has care and protection conferences, is
the social worker's belief that the child needs care or protection: a referral to the care
and protection co-ordinator that waits for a supervisor's check (`decide_approval`), as
seeking custody does; approved, the case starts the conference. An assessment the case
opens again after such a conference agreed no plan (`reopened`) continues its record's
numbering and its clocks' cycles, allocated to the same social worker, due by the policy's
`no_agreement_decision`.

Patch `child-seen` (CHILD_SEEN_PATCH): the response timeframe (the ASSESSMENT clock) ends when
a social worker records meeting the child for the safety and risk screen (`record_child_seen`:
who, when, where), in time or late against the due time; its escalations are resolved then,
and the assessment runs its own completion clock (ASSESSMENT_COMPLETION, policy
`assessment_completion`, counted from when the child was seen, the same escalation tiers)
until it is complete. Runs from before the patch keep one clock from the decision until
completion (a child seen is only noted on their timeline).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.attention import Steps
    from workflows.case.model import (
        Acknowledgement,
        Allocation,
        ApprovalDecision,
        AssessmentInput,
        AssessmentResult,
        AssessmentSnapshot,
        AssessmentStanding,
        AssessmentView,
        AttentionAnswer,
        BringForward,
        ChildSeen,
        ClockState,
        Completion,
        DeadlineKind,
        DeadlineStatus,
        Extension,
        Findings,
        Outcome,
        RecordState,
        Subject,
        TimelineEntry,
    )
    from workflows.common import KAHU_ACTOR, Rejected
    from workflows.deadline import ClockContext, DeadlineClock, add_span, history_full, report_to_parent
    from workflows.policy.model import Pathway
    from workflows.record import Record

#: The response timeframe ends when the child is seen; the assessment's completion clock
#: runs from then (module docstring).
CHILD_SEEN_PATCH = "child-seen"
#: A family group conference outcome is a referral a supervisor checks (module docstring).
CARE_REFERRAL_PATCH = "care-and-protection-referral"


@workflow.defn
class AssessmentWorkflow:
    @workflow.init
    def __init__(self, request: AssessmentInput) -> None:
        # Set before any handler runs: an update in the run's first activation sees the input.
        self._input: AssessmentInput | None = request
        #: workflows/applied_updates.py; carried across continue-as-new in the snapshot
        self.applied_updates: list[str] = request.resumed.applied_updates if request.resumed else []
        # The state too: an update in a continued run's first activation (one sent as the run
        # before continued) finds the assessment as it stood, not "not started".
        s = request.resumed or AssessmentSnapshot(
            clock=ClockState(due_at=request.due_at, cycle=request.first_cycle),
            social_worker=request.social_worker,
            record=dataclasses.replace(request.record, pending=[]) if request.record else RecordState(),
        )
        self._snapshot: AssessmentSnapshot | None = s
        self._clock: DeadlineClock | None = None
        #: The completion clock (patch `child-seen`), once the child is seen.
        self._completion: DeadlineClock | None = None
        self._steps: Steps | None = Steps(
            lambda: Subject(request.case_id, None, request.site, request.region),
            timedelta(seconds=request.policy.attention_after.seconds),
            s.attention,
            self._note,
        )
        self._record: Record | None = Record(
            request.case_id, s.record, self._steps, self._standing, place=(request.site, request.region)
        )

    @workflow.run
    async def run(self, request: AssessmentInput) -> AssessmentResult:
        s = self._state()
        assert self._steps is not None and self._record is not None
        self._record.start(s.timeline)
        self._clock = self._new_clock(DeadlineKind.ASSESSMENT, s.clock)
        if s.completion_clock is not None:
            self._completion = self._new_clock(DeadlineKind.ASSESSMENT_COMPLETION, s.completion_clock)
        # A run continued as new keeps the way it began (a run from before the patch, its old one).
        s.child_seen_flow = workflow.patched(CHILD_SEEN_PATCH) and (request.resumed is None or s.child_seen_flow)
        if request.resumed is None:
            if request.reopened is not None:
                self._note(KAHU_ACTOR, "assessment.reopened", f"{request.reopened.why} (with {request.social_worker})")
            else:
                self._note(KAHU_ACTOR, "assessment.started", f"{request.pathway}")
            await self._clock.start()
        if s.child_seen_flow:
            await self._respond_then_complete(request, s)
        else:
            await self._clock.run(lambda: s.result is not None, self._checkpoint_due, self._checkpoint)
            self._clock.met()
            await self._clock.resolve()
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._record.complete()
        result = s.result
        assert result is not None
        cycles = max(s.clock.cycle, s.completion_clock.cycle if s.completion_clock else 0)
        return AssessmentResult(
            outcome=result.outcome,
            completed_by=result.completed_by,
            approved_by=s.approved_by,
            timeline=s.timeline,
            social_worker=s.social_worker,
            record=s.record,
            cycles=cycles,
        )

    async def _respond_then_complete(self, request: AssessmentInput, s: AssessmentSnapshot) -> None:
        """Patch `child-seen`: the response clock until the child is seen (or the assessment
        completes first), then the completion clock until it completes."""
        assert self._clock is not None and self._steps is not None
        if s.child_seen is None:
            await self._clock.run(
                lambda: s.result is not None or s.child_seen is not None, self._checkpoint_due, self._checkpoint
            )
            seen = s.child_seen
            if seen is None:  # completed without the child's being seen recorded: met as before
                self._clock.met()
            else:
                self._response_met(seen)
            await self._clock.resolve()
            span = request.policy.assessment_completion
            if seen is not None and s.result is None and span is not None:
                due = await add_span(seen.seen_at, span, request.site)
                s.completion_clock = ClockState(due_at=due, cycle=s.clock.cycle if request.reopened else 1)
                self._completion = self._new_clock(DeadlineKind.ASSESSMENT_COMPLETION, s.completion_clock)
                await self._completion.start()
        if self._completion is not None:
            await self._completion.run(lambda: s.result is not None, self._checkpoint_due, self._checkpoint)
            self._completion.met()
            await self._completion.resolve()
            return
        while s.result is None:  # a policy without a completion timeframe: no clock
            await workflow.wait_condition(lambda: s.result is not None or self._checkpoint_due())
            if s.result is None:
                await self._checkpoint()

    def _response_met(self, seen: ChildSeen) -> None:
        """The response timeframe met by the child's being seen: in time when seen by the due
        time (even if recorded after it), late otherwise."""
        clock = self._state().clock
        due = clock.due_at.isoformat()
        if seen.seen_at > clock.due_at:
            detail = f"{DeadlineKind.ASSESSMENT} due {due} (late: child seen {seen.seen_at.isoformat()}"
            detail += f", escalated to tier {clock.tier})" if clock.breached else ")"
        elif clock.breached:
            detail = f"{DeadlineKind.ASSESSMENT} due {due} (child seen in time, recorded after the deadline passed)"
        else:
            detail = f"{DeadlineKind.ASSESSMENT} due {due}"
        original = clock.original_due_at
        if original is not None and seen.seen_at > original:
            detail += f" (late against the original deadline {original.isoformat()}, extended {clock.extensions}x)"
        self._note(KAHU_ACTOR, "timer.met", detail)

    def _new_clock(self, kind: DeadlineKind, state: ClockState) -> DeadlineClock:
        request = self._require_input()
        return DeadlineClock(
            ClockContext(
                case_id=request.case_id,
                workflow_id=workflow.info().workflow_id,
                kind=kind,
                site=request.site,
                region=request.region,
                tiers=request.policy.escalation,
            ),
            state,
            self._add,
            self._show_clock,
            self._steps,
        )

    def _seen_ended_response(self) -> bool:
        """True once the child's being seen ended the response clock (patch `child-seen`)."""
        s = self._state()
        return s.child_seen_flow and s.child_seen is not None

    def _clock_for(self, kind: DeadlineKind | None) -> DeadlineClock:
        """The clock an extension or acknowledgement of `kind` acts on (None: the running one)."""
        if kind is None:
            kind = DeadlineKind.ASSESSMENT_COMPLETION if self._completion is not None else DeadlineKind.ASSESSMENT
        if kind == DeadlineKind.ASSESSMENT_COMPLETION:
            if self._completion is None:
                raise Rejected("the assessment's completion timeframe has not started (the child is not seen yet)")
            return self._completion
        if kind != DeadlineKind.ASSESSMENT or self._clock is None:
            raise Rejected(f"the assessment has no {kind} deadline")
        return self._clock

    # -- updates -------------------------------------------------------------------------

    @workflow.update
    async def record_backfill(self) -> bool:
        """An operator's (workflows/backfill.py): record a run that began before the record
        did, from now on, its timeline so far first; False when it records fully already."""
        if self._record is None or self._snapshot is None:
            return False  # not started yet: it starts recording as it starts
        return await self._record.backfill(self._snapshot.timeline)

    @workflow.signal
    async def bring_forward(self, due: BringForward) -> None:
        """The case's: a further report made it more urgent; the earliest deadline wins."""
        if self._snapshot is not None and self._seen_ended_response():
            return  # the response timeframe was met when the child was seen
        if self._clock is not None and self._clock.bring_forward(due.due_at, due.why):
            await self._show_clock(self._clock.status)

    @workflow.update
    async def allocate(self, allocation: Allocation) -> AssessmentView:
        s = self._state()
        s.social_worker = allocation.social_worker
        self._note(allocation.allocated_by, "assessment.allocated", allocation.social_worker)
        return self.state()

    @allocate.validator
    def _check_allocation(self, allocation: Allocation) -> None:
        self._check_open()
        self._check_site(allocation)
        if self._state().social_worker is not None:
            raise Rejected("the assessment is already allocated; a supervisor can reassign it")

    @workflow.update
    async def reassign(self, allocation: Allocation) -> AssessmentView:
        s = self._state()
        previous = s.social_worker
        s.social_worker = allocation.social_worker
        self._note(
            allocation.allocated_by,
            "assessment.reassigned",
            f"{previous} -> {allocation.social_worker}: {allocation.reason}",
        )
        return self.state()

    @reassign.validator
    def _check_reassignment(self, allocation: Allocation) -> None:
        self._check_open()
        self._check_site(allocation)
        if not allocation.reason.strip():
            raise Rejected("a reassignment needs a reason")
        if self._state().social_worker == allocation.social_worker:
            raise Rejected("the assessment is already allocated to that social worker")

    @workflow.update
    async def record_child_seen(self, seen: ChildSeen) -> AssessmentView:
        """A social worker met the child for the safety and risk screen: the response
        timeframe is met (the run goes on to the completion clock)."""
        self._state().child_seen = seen
        self._note(seen.seen_by, "child.seen", f"{seen.seen_at.isoformat()} at {seen.place}")
        return self.state()

    @record_child_seen.validator
    def _check_child_seen(self, seen: ChildSeen) -> None:
        self._check_open()
        self._check_allocated()
        s = self._state()
        if s.child_seen is not None:
            raise Rejected("the child's being seen is already recorded for this assessment")
        if seen.seen_at > workflow.now():
            raise Rejected("seen_at must not be in the future")
        began = next((e.at for e in s.timeline if e.action == "assessment.started"), None)
        if began is not None and seen.seen_at < began:
            raise Rejected(f"seen_at must not be before the triage decision ({began.isoformat()})")

    @workflow.update
    async def record_findings(self, findings: Findings) -> AssessmentView:
        self._state().findings.append(findings.summary)
        self._note(findings.recorded_by, "assessment.findings", findings.summary)
        return self.state()

    @record_findings.validator
    def _check_findings(self, findings: Findings) -> None:
        self._check_open()
        self._check_allocated()

    @workflow.update
    async def complete(self, completion: Completion) -> AssessmentView:
        s = self._state()
        if completion.outcome.needs_approval or self._refers(completion):
            s.pending = completion
            self._note(completion.completed_by, "approval.requested", f"{completion.outcome}: {completion.reason}")
        else:
            s.result = completion
            consulted = " (Police consulted)" if completion.police_consulted else ""
            self._note(
                completion.completed_by,
                "assessment.completed",
                f"{completion.outcome}{consulted}: {completion.reason}",
            )
        return self.state()

    def _refers(self, completion: Completion) -> bool:
        """A family group conference outcome is a referral a supervisor checks first, where
        the case's policy has care and protection conferences (patch `care-and-protection-referral`)."""
        return (
            completion.outcome == Outcome.FAMILY_GROUP_CONFERENCE
            and self._require_input().policy.care_and_protection is not None
            and workflow.patched(CARE_REFERRAL_PATCH)
        )

    @complete.validator
    def _check_completion(self, completion: Completion) -> None:
        self._check_open()
        self._check_allocated()
        if self._state().pending is not None:
            raise Rejected("a decision is awaiting a supervisor's approval")
        if not completion.reason.strip():
            raise Rejected("a completion needs a reason")
        if (
            self._require_input().pathway == Pathway.JOINT_INVESTIGATION
            and completion.outcome == Outcome.NO_FURTHER_ACTION
            and not completion.police_consulted
        ):
            raise Rejected(
                "a Child Protection Protocol investigation needs a recorded Police consultation"
                " before no further action"
            )

    @workflow.update
    async def decide_approval(self, decision: ApprovalDecision) -> AssessmentView:
        s = self._state()
        pending = s.pending
        assert pending is not None
        s.pending = None
        if decision.approved:
            s.result = pending
            s.approved_by = decision.decided_by
            self._note(decision.decided_by, "approval.granted", f"{pending.outcome}: {decision.reason}")
        else:
            self._note(decision.decided_by, "approval.declined", f"{pending.outcome}: {decision.reason}")
        return self.state()

    @decide_approval.validator
    def _check_approval(self, decision: ApprovalDecision) -> None:
        s = self._state()
        if s.pending is None:
            raise Rejected("no decision is awaiting approval")
        if decision.outcome is not None and decision.outcome != s.pending.outcome:
            raise Rejected(f"the decision awaiting approval is {s.pending.outcome}, not {decision.outcome}")
        if decision.decided_by == s.pending.completed_by:
            referral = s.pending.outcome == Outcome.FAMILY_GROUP_CONFERENCE
            what = "a referral to a family group conference" if referral else "a decision to seek custody"
            raise Rejected(f"{what} is never approved by the person who made it")
        if not decision.reason.strip():
            raise Rejected("an approval decision needs a reason")

    @workflow.update
    async def extend_deadline(self, extension: Extension) -> AssessmentView:
        clock = self._clock_for(extension.kind)
        clock.extend(extension)
        await clock.resolve()
        await self._show_clock(clock.status)
        return self.state()

    @extend_deadline.validator
    def _check_extension(self, extension: Extension) -> None:
        self._check_open()
        clock = self._clock_for(extension.kind)
        if clock is self._clock and self._seen_ended_response():
            raise Rejected("the response timeframe was met when the child was seen")
        clock.validate_extension(extension)

    @workflow.update
    async def acknowledge_escalation(self, ack: Acknowledgement) -> AssessmentView:
        self._clock_for(ack.kind).acknowledge(ack)
        return self.state()

    @acknowledge_escalation.validator
    def _check_acknowledgement(self, ack: Acknowledgement) -> None:
        if self._clock is None:
            raise Rejected("no escalation is open on this assessment")
        self._clock_for(ack.kind).validate_acknowledgement(ack, "this assessment")

    @workflow.update
    async def decide_attention(self, answer: AttentionAnswer) -> AssessmentView:
        """A supervisor's decision on a step the assessment waits on (workflows/attention.py)."""
        assert self._steps is not None
        self._steps.decide(answer)
        return self.state()

    @decide_attention.validator
    def _check_attention(self, answer: AttentionAnswer) -> None:
        if self._steps is None:
            raise Rejected("the assessment has not started yet")
        self._steps.validate(answer)

    @workflow.query
    def state(self) -> AssessmentView:
        s = self._state()
        kind, clock = self._running()
        return AssessmentView(
            case_id=self._require_input().case_id,
            social_worker=s.social_worker,
            due_at=clock.due_at,
            breached=clock.breached,
            tier=clock.tier,
            awaiting_approval=s.pending,
            result=s.result,
            timeline=list(s.timeline),
            deadline_kind=kind,
            child_seen=s.child_seen,
        )

    def _running(self) -> tuple[DeadlineKind, ClockState]:
        """The clock the assessment shows: its completion clock once running, else the response."""
        s = self._state()
        if s.completion_clock is not None:
            return DeadlineKind.ASSESSMENT_COMPLETION, s.completion_clock
        return DeadlineKind.ASSESSMENT, s.clock

    # -- helpers -------------------------------------------------------------------------

    async def _show_clock(self, status: DeadlineStatus) -> None:
        await report_to_parent(status, recorded=self._require_input().clock_recorded)

    def _require_input(self) -> AssessmentInput:
        if self._input is None:
            raise Rejected("the assessment has not started yet")
        return self._input

    def _state(self) -> AssessmentSnapshot:
        if self._snapshot is None:
            raise Rejected("the assessment has not started yet")
        return self._snapshot

    def _check_open(self) -> None:
        if self._state().result is not None:
            raise Rejected("the assessment is complete")

    def _check_allocated(self) -> None:
        if self._state().social_worker is None:
            raise Rejected("the assessment has not been allocated to a social worker")

    def _check_site(self, allocation: Allocation) -> None:
        if allocation.site != self._require_input().site:
            raise Rejected(f"the social worker must be at the case's site ({self._require_input().site})")

    def _note(self, actor: str, action: str, detail: str = "") -> None:
        self._add(TimelineEntry(workflow.now(), actor, action, detail))

    def _add(self, entry: TimelineEntry) -> None:
        """A line of the assessment's timeline, numbered for the case's record."""
        self._state().timeline.append(entry)
        if self._record is not None:
            self._record.note(entry)

    def _standing(self) -> AssessmentStanding:
        """Where the assessment stands, for the case's record (workflows/record.py)."""
        s = self._state()
        kind, clock = self._running()
        return AssessmentStanding(
            social_worker=s.social_worker,
            due_at=clock.due_at,
            breached=clock.breached,
            tier=clock.tier,
            awaiting_approval=s.pending,
            result=s.result,
            approved_by=s.approved_by,
            deadline_kind=kind,
            child_seen=s.child_seen,
            original_due_at=clock.original_due_at,
        )

    def _checkpoint_due(self) -> bool:
        settled = self._record is None or self._record.settled()
        return settled and history_full(self._require_input().history_limit)

    async def _checkpoint(self) -> None:
        resumed = dataclasses.replace(self._state(), applied_updates=self.applied_updates)
        workflow.continue_as_new(dataclasses.replace(self._require_input(), resumed=resumed))
