"""CaseWorkflow: one durable workflow per case of concern, intake to closure.

intake → triage (proposal, then a social worker's decision, against the triage deadline)
→ pathway: no further action → closure; refer to services → the family's consent →
closure, or back to triage; assessment or investigation → AssessmentWorkflow (child) →
outcome → closure; seeking custody, once approved → PlacementSearchWorkflow (child) → the
placement on the case's record → closure; a family group conference, once a supervisor has
checked the referral → a care and protection conference (the conference workflow, child)
→ a plan agreed (the child's plan) → closure, or no plan agreed: back to the social worker
(the assessment opens again for their next step) or referred to the Family Court → closure.
Human steps arrive as updates whose validators reject invalid or out-of-order input with a
reason; `state` is the case as it stands.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from workflows import search_attributes as sa
    from workflows.assessment.workflows import AssessmentWorkflow
    from workflows.attention import Steps
    from workflows.case import rules
    from workflows.case.model import (
        Acknowledgement,
        AdditionalInformation,
        ApprovalDecision,
        AssessmentInput,
        AssessmentResult,
        AttentionAnswer,
        BringForward,
        CaseFacts,
        CaseInput,
        CaseSnapshot,
        CaseStanding,
        CaseView,
        ClockState,
        ConsentResponse,
        DeadlineKind,
        DeadlineStatus,
        Extension,
        Outcome,
        PendingApproval,
        Reopening,
        Stage,
        StageChange,
        Subject,
        TimelineEntry,
        TriageDecision,
        TriageProposal,
        assessment_workflow_id,
        placement_workflow_id,
    )
    from workflows.common import (
        ACTIVITY_TIMEOUT,
        KAHU_ACTOR,
        RETRY,
        AlreadyApplied,
        Rejected,
        quick_local,
    )
    from workflows.conference.model import (
        ConferenceInput,
        ConferenceResult,
        NoAgreementRoute,
        care_conference_id,
        case_conference_id,
        conference_workflow_id,
    )
    from workflows.conference.workflows import YouthJusticeConferenceWorkflow
    from workflows.deadline import (
        FEWER_ROUND_TRIPS_PATCH,
        ClockContext,
        DeadlineClock,
        add_span,
        deadline_attributes,
        history_full,
    )
    from workflows.placement.model import PlacementInput, PlacementResult
    from workflows.placement.workflows import PlacementSearchWorkflow
    from workflows.policy.model import CasePolicy, Pathway, Timeframe, TriggerKind
    from workflows.record import Record

LIFECYCLE_PATCH = "case-lifecycle"
"""Cases started before the lifecycle existed wait in triage as they always did."""
YOUTH_JUSTICE_PATCH = "youth-justice-fgc"
"""Histories from before the youth justice pathway never reach it; the marker says one did."""
PLACEMENT_PATCH = "placement-search"
"""Cases that reached their outcome before the placement search existed closed at once."""
CLOCK_AT_RECEIPT_PATCH = "triage-clock-at-receipt"
"""The triage deadline, counted by intake from receipt, is armed from the case's input before
any activity runs, and runs while the opening calls (the stage, Police, the proposal) are
retried; before, it was armed after them, from the time they finished."""
DEADLINE_SEQUENCE_PATCH = "deadline-sequence"
"""A triage deadline opened again (consent declined) continues the case's sequence of
deadline cycles, so its escalations never share an identity with an earlier breach's."""
LOCAL_FALLBACK_PATCH = "case-local-calls-fall-back"
"""A local call that fails a few quick attempts goes on as an ordinary activity: a service
that is down never holds the case's workflow task (and its timers) with local retries."""
FACTS_COMPOSE_PATCH = "facts-compose"
"""Where several deadlines apply the earliest wins (a child safety hub case decided critical
is due in the critical timeframe, not the hub's 48 hours), and a further report brings its
facts into the case: its concerns, immediate danger, a hub report; in triage the proposal is
recomputed and the deadline brought forward. Before, the hub's span replaced the decision's
and a further report was noted only."""
LOCAL_CALLS_PATCH = "case-local-calls"
"""Recording a stage with intake and asking triage for its proposal run as local
activities (in the workflow task, no task of their own on the server); histories from
before ran them as activities."""
CARE_CONFERENCE_PATCH = "care-and-protection-conference"
"""An assessment's outcome of a family group conference, approved by a supervisor (the
referral checked: AssessmentWorkflow, patch `care-and-protection-referral`), starts a care
and protection conference; before, the case closed with that outcome."""
ANSWERS_WITHOUT_TIMELINE_PATCH = "answers-without-timeline"
"""An update answers with the case as `state` shows it but without its timeline: Temporal
keeps every answer in the history, and with the timeline a busy case's history was mostly
copies of it (the services answer with a summary; `state` still has the whole timeline)."""
CLOSED_AFTER_EVENTS_PATCH = "closed-after-events"
"""A closing case's stage is recorded once its last events are, so whoever reads it closed
reads how it closed; before, the stage could be on the record a moment before them."""
CHILD_CLOCK_PATCH = "child-clock-recorded"
"""The assessment and the placement search take their clock to the case's record with
their own batches (intake shows it while the case is in their stage) and show it on their
own search attributes; before, each change of it was a signal to the case, a workflow task
in the case's history (half the tasks of a busy year's case), which kept the case from
continuing as new while its child ran."""


@workflow.defn
class CaseWorkflow:
    @workflow.init
    def __init__(self, case: CaseInput) -> None:
        # Set before any handler runs: an update in the run's first activation sees the case.
        self._case: CaseInput | None = case
        self._snapshot = case.resumed if case.resumed is not None else CaseSnapshot()
        self._opening: asyncio.Task[None] | None = None
        self.applied_updates = self._snapshot.applied_updates  # workflows/applied_updates.py
        self._triage_due_at: datetime | None = None
        self._clock: DeadlineClock | None = None
        self._consent: ConsentResponse | None = None
        self._decided = False
        after = case.policy.attention_after if case.policy is not None else CasePolicy.attention_after
        self._steps = Steps(
            lambda: Subject(case.case_id, None, case.site, case.region),
            timedelta(seconds=after.seconds),
            self._snapshot.attention,
            self._note,
        )
        self._record = Record(case.case_id, self._snapshot.record, self._steps, self._standing)

    # -- the run ---------------------------------------------------------------------

    @workflow.run
    async def run(self, case: CaseInput) -> CaseView:
        if not workflow.patched(LIFECYCLE_PATCH):
            await self._enter(Stage.TRIAGE)
            await workflow.wait_condition(lambda: self._snapshot.stage == Stage.CLOSED)
            return self.state()
        self._record.start(self._snapshot.timeline)
        if case.resumed is None:
            if case.triage_due_at is not None and workflow.patched(CLOCK_AT_RECEIPT_PATCH):
                self._open_at_receipt(case.triage_due_at)
            else:
                await self._open()
        while self._snapshot.stage != Stage.CLOSED:
            if self._short_of_room_for_child():
                await workflow.wait_condition(lambda: self._record.settled() and workflow.all_handlers_finished())
                await self._checkpoint()
            await self._step()
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._record.complete()
        return self.state()

    def _open_at_receipt(self, triage_due_at: datetime) -> None:
        """Enter triage with its deadline armed as intake counted it, then make the opening
        calls beside the running clock: an outage delays them, never the deadline."""
        case = self._require_case()
        self._note(KAHU_ACTOR, "case.opened", f"site {case.site}")
        self._set_stage(Stage.TRIAGE)
        self._triage_due_at = triage_due_at
        self._opening = asyncio.create_task(self._opening_calls())

    async def _opening_calls(self) -> None:
        case = self._require_case()
        if case.immediate_danger:  # Police first: nothing else the case waits on delays them
            await self._notify_police("immediate danger reported")
        await self._record_stage(Stage.TRIAGE)
        await self._propose(case)

    async def _open(self) -> None:
        case = self._require_case()
        self._note(KAHU_ACTOR, "case.opened", f"site {case.site}")
        await self._enter(Stage.TRIAGE)
        await self._propose(case)

    async def _propose(self, case: CaseInput) -> None:
        if case.immediate_danger:
            await self._notify_police("immediate danger reported")
        proposal: TriageProposal | None = await self._call(
            "propose_triage", [case.case_id, self._facts()], result_type=TriageProposal
        )
        if proposal is None:  # refused, and a person told (workflows/attention.py)
            self._snapshot.proposal_refused = True
            self._note(KAHU_ACTOR, "triage.no_proposal", "the rules gave no proposal: the social worker decides")
            return
        self._snapshot.proposal = proposal
        self._note(
            KAHU_ACTOR,
            "triage.proposed",
            f"{proposal.pathway} {proposal.timeframe or ''} (rules: {', '.join(proposal.fired_rules) or 'none'})",
        )
        workflow.upsert_search_attributes(
            [
                sa.PATHWAY.value_set(proposal.pathway.value),
                sa.URGENCY.value_set(proposal.timeframe.value if proposal.timeframe else "NONE"),
            ]
        )

    async def _step(self) -> None:
        if self._snapshot.stage == Stage.TRIAGE:
            await self._triage()
        elif self._snapshot.stage == Stage.AWAITING_CONSENT:
            await self._await_consent()
        elif self._snapshot.stage in (Stage.ASSESSMENT, Stage.INVESTIGATION):
            await self._assess()
        elif self._snapshot.stage == Stage.OUTCOME:
            if self._needs_placement() and workflow.patched(PLACEMENT_PATCH):
                await self._enter(Stage.PLACEMENT)
                return
            self._note(KAHU_ACTOR, "case.closed", f"outcome {self._snapshot.outcome}")
            await self._enter(Stage.CLOSED)
        elif self._snapshot.stage == Stage.PLACEMENT:
            await self._place()
        elif self._snapshot.stage == Stage.YOUTH_JUSTICE_CONFERENCE:
            await self._conference()
        elif self._snapshot.stage == Stage.CARE_AND_PROTECTION_CONFERENCE:
            await self._care_conference()

    async def _triage(self) -> None:
        if self._snapshot.approval is None:
            await self._await_decision()
        if self._snapshot.approval is not None and not await self._await_approval():
            return  # returned to the social worker: triage again
        decision = self._snapshot.decision
        assert decision is not None
        workflow.upsert_search_attributes(
            [
                sa.PATHWAY.value_set(decision.pathway.value),
                sa.URGENCY.value_set(decision.timeframe.value if decision.timeframe else "NONE"),
            ]
        )
        if decision.pathway == Pathway.NO_FURTHER_ACTION:
            self._snapshot.outcome = None
            self._note(KAHU_ACTOR, "case.closed", "no further action")
            await self._enter(Stage.CLOSED)
        elif decision.pathway.needs_consent:
            self._consent = None  # before the stage opens to consent updates
            await self._enter(Stage.AWAITING_CONSENT)
        elif decision.pathway == Pathway.YOUTH_JUSTICE_FGC and workflow.patched(YOUTH_JUSTICE_PATCH):
            await self._enter(Stage.YOUTH_JUSTICE_CONFERENCE)
        else:
            stage = Stage.INVESTIGATION if decision.pathway == Pathway.JOINT_INVESTIGATION else Stage.ASSESSMENT
            await self._enter(stage)

    async def _await_decision(self) -> None:
        """Run the triage deadline until a social worker decides."""
        if self._snapshot.clock is None:
            due = self._triage_due_at or await add_span(
                workflow.now(), self._policy().triage_deadline, self._require_case().site
            )
            self._triage_due_at = None  # counted from receipt once; a reopened triage counts from now
            cycle = self._snapshot.deadline_cycles + 1 if workflow.patched(DEADLINE_SEQUENCE_PATCH) else 1
            self._snapshot.clock = ClockState(due_at=due, cycle=cycle)
            self._clock = self._new_clock(DeadlineKind.TRIAGE, self._snapshot.clock)
            await self._clock.start()
        else:
            self._clock = self._new_clock(DeadlineKind.TRIAGE, self._snapshot.clock)
        await self._clock.run(lambda: self._decided, self._checkpoint_due, self._checkpoint)
        self._clock.met()
        self._snapshot.deadline_cycles = max(self._snapshot.deadline_cycles, self._clock.state.cycle)
        if self._opening is not None:  # done: a decision needs its proposal
            await self._opening
            self._opening = None
        await self._clock.resolve()
        self._clock = None
        self._snapshot.clock = None
        await self._set_deadline(None)

    async def _await_approval(self) -> bool:
        """Wait for a supervisor to approve the decision waiting on them (an item on their
        queue at once; its own deadline, escalating by the policy's tiers); True when
        approved (it takes effect as decided), False when returned (triage opens again, with
        a new triage deadline counted from now)."""
        pending = self._snapshot.approval
        approval = self._policy().triage_approval
        assert pending is not None and approval is not None
        if pending.clock is None:
            due = await add_span(pending.decided_at, approval.deadline, self._require_case().site)
            pending.clock = ClockState(due_at=due, cycle=self._snapshot.deadline_cycles + 1)
            self._clock = self._new_clock(DeadlineKind.TRIAGE_APPROVAL, pending.clock)
            await self._clock.start()
        else:
            self._clock = self._new_clock(DeadlineKind.TRIAGE_APPROVAL, pending.clock)
        await self._clock.ask_approval(pending.why)
        await self._clock.run(lambda: pending.answer is not None, self._checkpoint_due, self._checkpoint)
        self._clock.met()
        self._snapshot.deadline_cycles = max(self._snapshot.deadline_cycles, self._clock.state.cycle)
        await self._clock.resolve()
        self._clock = None
        await self._set_deadline(None)
        self._snapshot.approval = None
        assert pending.answer is not None
        if pending.answer.approved:
            self._snapshot.decision = pending.decision
            self._snapshot.decided_at = pending.decided_at
            return True
        self._decided = False  # before triage opens to decision updates again
        spans = rules.triage_spans(self._policy(), self._facts())
        site = self._require_case().site
        self._triage_due_at = rules.earliest([await add_span(workflow.now(), span, site) for span in spans])
        self._note(KAHU_ACTOR, "triage.reopened", "the decision was returned: back to the social worker")
        return False

    async def _await_consent(self) -> None:
        due = await add_span(workflow.now(), self._policy().consent_deadline, self._require_case().site)
        self._note(KAHU_ACTOR, "timer.started", f"CONSENT due {due.isoformat()}")
        remaining = (due - workflow.now()).total_seconds()
        answered = remaining > 0 and await self._wait(lambda: self._consent is not None, remaining)
        if answered and self._consent is not None and self._consent.given:
            self._note(
                KAHU_ACTOR,
                "case.closed",
                f"referred with consent: {self._snapshot.decision and self._snapshot.decision.pathway}",
            )
            await self._enter(Stage.CLOSED)
            return
        if not answered:
            self._note(KAHU_ACTOR, "timer.expired", "CONSENT: no answer from the family by the deadline")
        self._note(KAHU_ACTOR, "triage.reopened", "consent not given: back to the social worker")
        self._snapshot.decision = None
        self._decided = False  # before the stage opens to decision updates
        await self._enter(Stage.TRIAGE)

    async def _assess(self) -> None:
        case = self._require_case()
        decision = self._snapshot.decision
        assert decision is not None
        reopening = self._snapshot.reopening
        due = reopening.due_at if reopening is not None else await self._response_due(decision)
        request = AssessmentInput(
            case_id=case.case_id,
            site=case.site,
            region=case.region,
            pathway=decision.pathway,
            due_at=due,
            policy=self._policy(),
            history_limit=case.history_limit,
            clock_recorded=workflow.patched(CHILD_CLOCK_PATCH),
        )
        if reopening is not None:  # after a conference agreed no plan: the social worker's next step
            request = dataclasses.replace(
                request,
                reopened=reopening,
                social_worker=self._snapshot.assessment_social_worker,
                record=self._snapshot.assessment_record,
                first_cycle=self._snapshot.assessment_cycles + 1,
            )
        result: AssessmentResult = await workflow.execute_child_workflow(
            AssessmentWorkflow.run,
            request,
            id=assessment_workflow_id(case.case_id),
            parent_close_policy=ParentClosePolicy.TERMINATE,
        )
        self._snapshot.reopening = None
        self._snapshot.timeline.extend(result.timeline)  # an assessment opened again: its new lines only
        self._snapshot.timeline.sort(key=lambda e: e.at)
        self._snapshot.outcome = result.outcome
        await self._set_deadline(None)
        if self._refers(result) and workflow.patched(CARE_CONFERENCE_PATCH):
            self._snapshot.care_referral_approved_by = result.approved_by
            self._snapshot.assessment_record = result.record
            self._snapshot.assessment_cycles = max(self._snapshot.assessment_cycles, result.cycles)
            self._snapshot.assessment_social_worker = result.social_worker
            await self._enter(Stage.CARE_AND_PROTECTION_CONFERENCE)
            return
        await self._enter(Stage.OUTCOME)

    def _refers(self, result: AssessmentResult) -> bool:
        """The assessment ended in a referral to a care and protection conference that a
        supervisor checked (AssessmentWorkflow, patch `care-and-protection-referral`)."""
        return (
            result.outcome == Outcome.FAMILY_GROUP_CONFERENCE
            and result.approved_by is not None
            and self._policy().care_and_protection is not None
        )

    async def _care_conference(self) -> None:
        """Run a care and protection family group conference (a child) under the case's
        policy, its clocks counted from the supervisor's approval of the referral; its record
        joins the case's. A plan agreed closes the case (the plan goes on in PlanService); no
        plan agreed goes back to the social worker (the assessment opens again, due by the
        policy's `no_agreement_decision`) or to the Family Court (the case closes)."""
        case = self._require_case()
        care = self._policy().care_and_protection
        assert care is not None  # the referral needed it
        self._snapshot.care_conferences += 1
        number = self._snapshot.care_conferences
        conference_id = care_conference_id(case.case_id, number)
        approved_by = self._snapshot.care_referral_approved_by
        self._note(
            KAHU_ACTOR, "conference.referred", f"care and protection conference {number}, approved by {approved_by}"
        )
        result: ConferenceResult = await workflow.execute_child_workflow(
            YouthJusticeConferenceWorkflow.run,
            ConferenceInput(
                conference_id=conference_id,
                site=case.site,
                region=case.region,
                trigger=TriggerKind.CARE_AND_PROTECTION_REFERRAL,
                triggered_at=workflow.now(),
                detained=False,
                offence_max_years=0,
                policy=care.conference_policy(),
                case_id=case.case_id,
                escalation=self._policy().escalation,
                attention_after=self._policy().attention_after,
            ),
            id=conference_workflow_id(conference_id),
            parent_close_policy=ParentClosePolicy.TERMINATE,
        )
        self._snapshot.care_referral_approved_by = None
        self._snapshot.timeline.extend(result.timeline)
        self._snapshot.timeline.sort(key=lambda e: e.at)
        outcome = result.outcome
        if outcome.agreed:
            self._note(KAHU_ACTOR, "conference.completed", "plan agreed")
            await self._enter(Stage.OUTCOME)
        elif outcome.route == NoAgreementRoute.BACK_TO_SOCIAL_WORKER:
            due = await add_span(workflow.now(), care.no_agreement_decision.span, case.site)
            why = "the care and protection conference agreed no plan: the social worker decides the next step"
            self._snapshot.reopening = Reopening(why=why, due_at=due)
            self._note(KAHU_ACTOR, "conference.completed", "no plan agreed: back to the social worker")
            await self._enter(Stage.ASSESSMENT)
        else:
            self._note(KAHU_ACTOR, "conference.completed", "no plan agreed: referred to the Family Court")
            await self._enter(Stage.OUTCOME)

    async def _conference(self) -> None:
        """Run the youth justice family group conference (a child) under the case's policy,
        its clocks counted from the triage decision; its record joins the case's."""
        case = self._require_case()
        youth_justice = self._policy().youth_justice
        assert youth_justice is not None  # the decision's validator saw to it
        conference_id = case_conference_id(case.case_id)
        result: ConferenceResult = await workflow.execute_child_workflow(
            YouthJusticeConferenceWorkflow.run,
            ConferenceInput(
                conference_id=conference_id,
                site=case.site,
                region=case.region,
                trigger=TriggerKind.TRIAGE_REFERRAL,
                triggered_at=self._snapshot.decided_at or workflow.now(),
                detained=False,
                offence_max_years=0,
                policy=youth_justice,
                case_id=case.case_id,
                escalation=self._policy().escalation,
                attention_after=self._policy().attention_after,
            ),
            id=conference_workflow_id(conference_id),
            parent_close_policy=ParentClosePolicy.TERMINATE,
        )
        self._snapshot.timeline.extend(result.timeline)
        self._snapshot.timeline.sort(key=lambda e: e.at)
        self._snapshot.outcome = Outcome.FAMILY_GROUP_CONFERENCE
        self._note(
            KAHU_ACTOR,
            "conference.completed",
            "plan agreed" if result.outcome.agreed else "plan not agreed: referred back",
        )
        await self._enter(Stage.OUTCOME)

    def _needs_placement(self) -> bool:
        return self._snapshot.outcome == Outcome.SEEK_CUSTODY and self._snapshot.placement is None

    async def _place(self) -> None:
        """Run the placement search (a child) and record the placement on the case."""
        case = self._require_case()
        policy = self._policy()
        result: PlacementResult = await workflow.execute_child_workflow(
            PlacementSearchWorkflow.run,
            PlacementInput(
                case_id=case.case_id,
                site=case.site,
                region=case.region,
                policy=policy.placement,
                escalation=policy.escalation,
                history_limit=case.history_limit,
                attention_after=policy.attention_after,
                clock_recorded=workflow.patched(CHILD_CLOCK_PATCH),
            ),
            id=placement_workflow_id(case.case_id),
            parent_close_policy=ParentClosePolicy.TERMINATE,
        )
        placement = result.placement
        self._snapshot.timeline.extend(result.timeline)
        self._snapshot.timeline.sort(key=lambda e: e.at)
        self._snapshot.placement = placement
        self._note(
            KAHU_ACTOR,
            "placement.recorded",
            f"caregiver {placement.caregiver_id} ({placement.tier}), {placement.places} place(s)",
        )
        await self._set_deadline(None)
        self._note(KAHU_ACTOR, "case.closed", f"outcome {self._snapshot.outcome}, placed")
        await self._enter(Stage.CLOSED)

    # -- updates, signals, queries ------------------------------------------------------

    @workflow.update
    async def record_backfill(self) -> bool:
        """An operator's (workflows/backfill.py): record a run that began before the record
        did, from now on, its timeline so far first; False when it records fully already."""
        return await self._record.backfill(self._snapshot.timeline)

    @workflow.update
    async def decide_triage(self, decision: TriageDecision) -> CaseView:
        """A social worker's decision: it takes effect at once, or waits for a supervisor's
        approval where the policy says so (workflows/case/rules.py `approval_needed`)."""
        policy = self._require_case().policy  # None in cases from before policies: no approval
        approval = policy.triage_approval if policy is not None else None
        why = rules.approval_needed(approval, self._snapshot.proposal, decision)
        if why is None:
            self._snapshot.decision = decision
            self._snapshot.decided_at = workflow.now()
        else:
            self._snapshot.approval = PendingApproval(decision, workflow.now(), why)
        if rules.further_action(decision.pathway):
            self._snapshot.further_action_decided = True
        self._decided = True
        differs = self._snapshot.proposal is not None and (
            decision.pathway != self._snapshot.proposal.pathway
            or decision.timeframe != self._snapshot.proposal.timeframe
        )
        self._note(
            decision.decided_by,
            "triage.decided",
            f"{decision.pathway} {decision.timeframe or ''}{' (differs from proposal)' if differs else ''}:"
            f" {decision.reason}".rstrip(": "),
        )
        return self._answer()

    @decide_triage.validator
    def _check_decision(self, decision: TriageDecision) -> None:
        if self._snapshot.approval is not None:
            raise Rejected("a decision on this case is awaiting a supervisor's approval")
        if self._snapshot.stage != Stage.TRIAGE or self._decided:
            raise Rejected(f"the case is not awaiting a triage decision (stage {self._snapshot.stage})")
        if self._snapshot.proposal is None and not self._snapshot.proposal_refused:
            raise Rejected("the rules' triage proposal is not ready yet; retry shortly")
        refusal = rules.decision_refusal(
            self._facts(),
            self._snapshot.proposal,
            decision,
            youth_justice=self._policy().youth_justice is not None,
            immediate_danger=self._require_case().immediate_danger,
            further_action_decided=self._snapshot.further_action_decided,
        )
        if refusal is not None:
            raise Rejected(refusal)

    @workflow.update
    async def decide_triage_approval(self, answer: ApprovalDecision) -> CaseView:
        """A supervisor approves the decision waiting on them, or returns it to the social
        worker with a reason; on the timeline either way."""
        pending = self._snapshot.approval
        assert pending is not None
        pending.answer = answer
        action = "approval.granted" if answer.approved else "approval.returned"
        self._note(answer.decided_by, action, f"{pending.decision.pathway}: {answer.reason}")
        return self._answer()

    @decide_triage_approval.validator
    def _check_triage_approval(self, answer: ApprovalDecision) -> None:
        pending = self._snapshot.approval
        if self._snapshot.stage != Stage.TRIAGE or pending is None or pending.answer is not None:
            raise Rejected("no triage decision on this case is awaiting approval")
        if answer.decided_by == pending.decision.decided_by:
            raise Rejected("a decision cannot be approved or returned by the social worker who made it")
        if not answer.reason.strip():
            raise Rejected("an approval decision needs a reason")

    @workflow.update
    async def record_consent(self, response: ConsentResponse) -> CaseView:
        self._consent = response
        self._note(response.recorded_by, "consent.given" if response.given else "consent.declined", response.note)
        return self._answer()

    @record_consent.validator
    def _check_consent(self, response: ConsentResponse) -> None:
        if self._snapshot.stage != Stage.AWAITING_CONSENT or self._consent is not None:
            raise Rejected(f"the case is not awaiting the family's consent (stage {self._snapshot.stage})")

    @workflow.update
    async def add_information(self, info: AdditionalInformation) -> CaseView:
        received = workflow.now()
        self._snapshot.reports.append(info.report_id)
        self._note(KAHU_ACTOR, "report.added", f"additional information: {', '.join(info.concerns)}")
        if info.immediate_danger:
            await self._notify_police("immediate danger reported in additional information")
        if info.facts is not None and workflow.patched(FACTS_COMPOSE_PATCH):
            await self._take_in(info.facts, received)
        return self._answer()

    async def _take_in(self, facts: CaseFacts, received: datetime) -> None:
        """Bring a further report's facts into the case (workflows/case/rules.py), on the
        timeline. In triage the rules propose again and the triage deadline comes forward to
        the earliest that now applies; in an assessment or investigation, its response
        deadline (immediate danger: critical); each counted from this report."""
        before = self._facts()
        after = rules.merged(before, facts)
        if after is None or after == before:
            return
        self._snapshot.facts = after
        added = [c for c in after.concerns if before is None or c not in before.concerns]
        changes = [*added]
        if after.immediate_danger and not (before is not None and before.immediate_danger):
            changes.append("immediate danger")
        if after.child_safety_hub and not (before is not None and before.child_safety_hub):
            changes.append("child safety hub")
        if after.prior_involvement and not (before is not None and before.prior_involvement):
            changes.append("prior involvement")
        self._note(KAHU_ACTOR, "case.facts_changed", ", ".join(changes) or "the youngest child's age")
        case, why = self._require_case(), "a further report made the case more urgent"
        decision = self._snapshot.decision
        pending = self._snapshot.approval
        if pending is not None and pending.answer is None:
            await self._propose(case)
            refusal = rules.decision_refusal(
                after,
                self._snapshot.proposal,
                pending.decision,
                youth_justice=self._policy().youth_justice is not None,
                immediate_danger=case.immediate_danger,
            )
            if refusal is not None:  # the decision no longer holds: back to the social worker
                pending.answer = ApprovalDecision(KAHU_ACTOR, False, f"a further report changed the facts: {refusal}")
                self._note(KAHU_ACTOR, "approval.returned", f"{pending.decision.pathway}: {pending.answer.reason}")
        elif self._snapshot.stage == Stage.TRIAGE and not self._decided:
            await self._propose(case)
            if self._clock is not None:
                spans = rules.triage_spans(self._policy(), after)
                due = rules.earliest([await add_span(received, span, case.site) for span in spans])
                if self._clock.bring_forward(due, why):
                    await self._set_deadline(self._clock.status)
        elif self._snapshot.stage in (Stage.ASSESSMENT, Stage.INVESTIGATION) and decision and decision.timeframe:
            # immediate danger is critical at once, counted from this report; so is a hub report's 48 hours
            timeframe = Timeframe.CRITICAL if after.immediate_danger else decision.timeframe
            spans = rules.response_spans(self._policy(), after, timeframe)
            due = rules.earliest([await add_span(received, span, case.site) for span in spans])
            assessment = workflow.get_external_workflow_handle(assessment_workflow_id(case.case_id))
            try:
                await assessment.signal(AssessmentWorkflow.bring_forward, BringForward(due, why))
            except Exception:  # it finished meanwhile: nothing left to bring forward
                self._note(KAHU_ACTOR, "deadline.not_shortened", "the assessment had finished")

    @add_information.validator
    def _check_information(self, info: AdditionalInformation) -> None:
        if self._snapshot.stage == Stage.CLOSED:
            raise Rejected("the case is closed")
        if info.report_id in self._snapshot.reports:
            raise AlreadyApplied("this report is already on the case")

    @workflow.update
    async def extend_deadline(self, extension: Extension) -> CaseView:
        assert self._clock is not None
        self._clock.extend(extension)
        await self._clock.resolve()
        await self._set_deadline(self._clock.status)
        return self._answer()

    @extend_deadline.validator
    def _check_extension(self, extension: Extension) -> None:
        if self._clock is None or self._decided or self._clock.context.kind != DeadlineKind.TRIAGE:
            raise Rejected("the case has no running triage deadline")
        self._clock.validate_extension(extension)

    @workflow.update
    async def acknowledge_escalation(self, ack: Acknowledgement) -> CaseView:
        assert self._clock is not None
        self._clock.acknowledge(ack)
        return self._answer()

    @acknowledge_escalation.validator
    def _check_acknowledgement(self, ack: Acknowledgement) -> None:
        if self._clock is None or (ack.kind is not None and ack.kind != self._clock.context.kind):
            raise Rejected(f"no escalation is open on the case's {ack.kind or DeadlineKind.TRIAGE} deadline")
        self._clock.validate_acknowledgement(ack, f"the case's {self._clock.context.kind} deadline")

    @workflow.update
    async def decide_attention(self, answer: AttentionAnswer) -> CaseView:
        """A supervisor's decision on a step the case waits on (workflows/attention.py)."""
        self._steps.decide(answer)
        return self._answer()

    @decide_attention.validator
    def _check_attention(self, answer: AttentionAnswer) -> None:
        self._steps.validate(answer)

    @workflow.signal
    async def assessment_status(self, status: DeadlineStatus) -> None:
        """A child (the assessment, the placement search) reports its clock, so the case's
        search attributes show it."""
        await self._set_deadline(status)

    @workflow.query
    def stage(self) -> Stage:
        return self._snapshot.stage

    @workflow.query
    def state(self) -> CaseView:
        return self._view(timeline=True)

    def _view(self, *, timeline: bool) -> CaseView:
        case = self._require_case()
        return CaseView(
            case_id=case.case_id,
            stage=self._snapshot.stage,
            proposal=self._snapshot.proposal,
            decision=self._snapshot.decision,
            outcome=self._snapshot.outcome,
            deadline=self._clock.status if self._clock is not None else self._snapshot.deadline,
            assessment_workflow_id=assessment_workflow_id(case.case_id)
            if self._snapshot.stage in (Stage.ASSESSMENT, Stage.INVESTIGATION)
            else None,
            timeline=list(self._snapshot.timeline) if timeline else [],
            placement_workflow_id=placement_workflow_id(case.case_id)
            if self._snapshot.stage == Stage.PLACEMENT
            else None,
            placement=self._snapshot.placement,
            awaiting_approval=self._awaiting_approval(),
        )

    # -- helpers --------------------------------------------------------------------------

    def _answer(self) -> CaseView:
        """What an update answers (ANSWERS_WITHOUT_TIMELINE_PATCH)."""
        return self._view(timeline=not workflow.patched(ANSWERS_WITHOUT_TIMELINE_PATCH))

    def _require_case(self) -> CaseInput:
        if self._case is None:
            raise Rejected("the case has not started yet")
        return self._case

    def _policy(self) -> CasePolicy:
        policy = self._require_case().policy
        if policy is None:
            raise ApplicationError("the case was started without a policy", non_retryable=True)
        return policy

    def _facts(self) -> CaseFacts | None:
        """The facts of every report on the case (the first's until a further one adds)."""
        return self._snapshot.facts or self._require_case().facts

    async def _response_due(self, decision: TriageDecision) -> datetime:
        """When the response is due: the earliest of the deadlines that apply, counted from
        the decision."""
        policy = self._policy()
        assert decision.timeframe is not None
        decided = self._snapshot.decided_at or workflow.now()
        site = self._require_case().site
        if not workflow.patched(FACTS_COMPOSE_PATCH):
            facts = self._require_case().facts
            hub = facts is not None and facts.child_safety_hub
            span = policy.child_safety_hub_assessment if hub else policy.timeframes[decision.timeframe]
            return await add_span(decided, span, site)
        spans = rules.response_spans(policy, self._facts(), decision.timeframe)
        return rules.earliest([await add_span(decided, span, site) for span in spans])

    def _note(self, actor: str, action: str, detail: str = "") -> None:
        self._add(TimelineEntry(workflow.now(), actor, action, detail))

    def _add(self, entry: TimelineEntry) -> None:
        """A line of the case's own timeline, numbered for its record (a child's lines are
        recorded by the child)."""
        self._snapshot.timeline.append(entry)
        self._record.note(entry)

    def _standing(self) -> CaseStanding:
        """Where the case stands, for its record in PostgreSQL (workflows/record.py)."""
        s = self._snapshot
        return CaseStanding(
            stage=s.stage,
            proposal=s.proposal,
            decision=s.decision,
            decided_at=s.decided_at,
            outcome=s.outcome,
            deadline=self._clock.status if self._clock is not None else s.deadline,
            placement=s.placement,
            urgency=rules.urgency_at_receipt(facts) if (facts := self._facts()) is not None else None,
            awaiting_approval=self._awaiting_approval(),
        )

    def _awaiting_approval(self) -> TriageDecision | None:
        """The decision waiting for a supervisor's answer, if any."""
        pending = self._snapshot.approval
        return pending.decision if pending is not None and pending.answer is None else None

    def _new_clock(self, kind: DeadlineKind, state: ClockState) -> DeadlineClock:
        case = self._require_case()
        return DeadlineClock(
            ClockContext(
                case_id=case.case_id,
                workflow_id=workflow.info().workflow_id,
                kind=kind,
                site=case.site,
                region=case.region,
                tiers=self._policy().escalation,
            ),
            state,
            self._add,
            self._set_deadline,
            self._steps,
        )

    async def _wait(self, condition: Callable[[], bool], seconds: float) -> bool:
        try:
            await workflow.wait_condition(condition, timeout=seconds)
        except TimeoutError:
            return False
        return True

    async def _enter(self, stage: Stage) -> None:
        self._set_stage(stage)
        if stage is Stage.CLOSED and workflow.patched(CLOSED_AFTER_EVENTS_PATCH):
            await workflow.wait_condition(self._record.settled)
        await self._record_stage(stage)

    async def _record_stage(self, stage: Stage) -> None:
        """Record the stage with intake: with the record's next batch, whose standing carries
        it, where the record keeps the case's standing (FEWER_ROUND_TRIPS_PATCH); else by a
        call of its own."""
        if self._record.keeps_standing() and workflow.patched(FEWER_ROUND_TRIPS_PATCH):
            return
        await self._call("record_case_stage", [StageChange(case_id=self._require_case().case_id, stage=stage)])

    def _set_stage(self, stage: Stage) -> None:
        self._snapshot.stage = stage
        workflow.upsert_search_attributes([sa.STAGE.value_set(stage.value)])
        self._note(KAHU_ACTOR, "stage.entered", stage.value)

    async def _call(self, activity: str, args: list[Any], result_type: type | None = None) -> Any:
        """A short, idempotent call of a domain service: a local activity (fewer round trips
        through the server while a case moves), or an activity in histories from before."""
        if workflow.patched(LOCAL_CALLS_PATCH):
            if not workflow.patched(LOCAL_FALLBACK_PATCH):
                return await workflow.execute_local_activity(
                    activity,
                    args=args,
                    result_type=result_type,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=RETRY,
                )
            done, result = await quick_local(activity, args, result_type)
            if done:
                return result
            return await self._steps.run(activity, args, result_type=result_type)  # told to a person if refused
        return await workflow.execute_activity(
            activity, args=args, result_type=result_type, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RETRY
        )

    async def _notify_police(self, reason: str) -> None:
        if self._snapshot.police_notified:
            return
        self._snapshot.police_notified = True
        notified = await self._steps.run("notify_police", [self._require_case().case_id, reason], default=False)
        if notified is not False:  # refused: the item on the queue tells a person to call Police
            self._note(KAHU_ACTOR, "police.notified", reason)

    async def _set_deadline(self, status: DeadlineStatus | None) -> None:
        self._snapshot.deadline = status
        workflow.upsert_search_attributes(deadline_attributes(status))

    def _short_of_room_for_child(self) -> bool:
        """True when the assessment or placement search is about to start with less than half
        the history limit left (patch `child-clock-recorded`): the case cannot continue as new
        while its child runs, so it does so first."""
        if self._snapshot.stage not in (Stage.ASSESSMENT, Stage.INVESTIGATION, Stage.PLACEMENT):
            return False
        if not history_full(self._require_case().history_limit // 2):
            return False
        return workflow.patched(CHILD_CLOCK_PATCH)

    def _checkpoint_due(self) -> bool:
        opening = self._opening is not None and not self._opening.done()
        return not opening and self._record.settled() and history_full(self._require_case().history_limit)

    async def _checkpoint(self) -> None:
        """Continue as new carrying the case as it stands (no update is running)."""
        workflow.continue_as_new(dataclasses.replace(self._require_case(), resumed=self._snapshot))
