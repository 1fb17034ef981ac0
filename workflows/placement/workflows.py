"""PlacementSearchWorkflow: finding a placement once seeking custody is approved.

Child of CaseWorkflow. search → a social worker selects a candidate (update) → its places
are held until the hold expires → the caregiver's answer (update): accepted, the placement
is made and returned to the case; declined or no answer in time, the hold is released
(exactly once) and the social worker selects again. The selection has a deadline: no
suitable candidate (at once), or no selection by the deadline, escalates tier by tier like
a missed statutory deadline, until a place is held; supervisors acknowledge or extend it.
The workflow carries caregiver ids and tiers only; names and needs stay in the service.
"""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import timedelta

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
        Extension,
        PlacementRecord,
        Subject,
        TimelineEntry,
    )
    from workflows.common import KAHU_ACTOR, Rejected
    from workflows.deadline import ClockContext, DeadlineClock, add_span, history_full, report_to_parent
    from workflows.placement.model import (
        CandidateRef,
        CaregiverAnswer,
        HoldOutcome,
        HoldRequest,
        HoldState,
        HoldStatus,
        PlacementInput,
        PlacementResult,
        PlacementSnapshot,
        PlacementStanding,
        PlacementView,
        ReleaseReason,
        SearchOutcome,
        SearchRequest,
        SearchRerun,
        SearchStage,
        Selection,
    )
    from workflows.policy.model import CasePolicy, PlacementPolicy
    from workflows.record import Record


DEADLINE_SEQUENCE_PATCH = "placement-deadline-sequence"
"""A new selection cycle follows the cycles of any extension of the last one, so its
escalations never share an identity with an earlier breach's (before, an extended cycle's
number was taken again by the next)."""


@workflow.defn
class PlacementSearchWorkflow:
    @workflow.init
    def __init__(self, request: PlacementInput) -> None:
        # Set before any handler runs: an update in the run's first activation sees the input.
        self._input: PlacementInput | None = request
        #: workflows/applied_updates.py; carried across continue-as-new in the snapshot
        self.applied_updates: list[str] = request.resumed.applied_updates if request.resumed else []
        self._snapshot: PlacementSnapshot | None = None
        self._clock: DeadlineClock | None = None
        #: A search or a hold is under way (in the run or in an update).
        self._busy = False
        #: The selection clock starts a new cycle (a new search, or no candidate left).
        self._restart = False
        after = request.attention_after or CasePolicy.attention_after
        self._steps = Steps(
            lambda: Subject(request.case_id, None, request.site, request.region),
            timedelta(seconds=after.seconds),
            request.resumed.attention if request.resumed else AttentionState(),
            self._note,
        )
        #: Set with the snapshot: here for a continued run (an update in its first activation,
        #: sent as the run before continued, finds the search as it stood), else as it starts.
        self._record: Record | None = None
        if request.resumed is not None:
            self._snapshot = request.resumed
            self._record = self._new_record()

    # -- the run ---------------------------------------------------------------------

    @workflow.run
    async def run(self, request: PlacementInput) -> PlacementResult:
        if request.resumed is not None:
            self._start_record()
        else:
            policy = request.policy or await self._steps.run(
                "current_placement_policy", [], result_type=PlacementPolicy, waits=True
            )
            self._snapshot = PlacementSnapshot(policy=policy, attention=self._steps.state)
            self._start_record()
            self._note(KAHU_ACTOR, "placement.started", "seeking custody approved: searching for a placement")
            await self._search()
        s = self._state()
        while s.placement is None:
            if s.hold is None:
                await self._await_selection()
            else:
                await self._await_answer(s.hold)
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self._record is not None:
            await self._record.complete()
        return PlacementResult(placement=s.placement, timeline=s.timeline)

    async def _search(self, actor: str = KAHU_ACTOR, why: str = "") -> None:
        s = self._state()
        request = self._require_input()
        s.searches += 1
        self._busy = True
        try:
            search_id = str(workflow.uuid4())
            outcome: SearchOutcome = await self._steps.run(
                "search_placements",
                [
                    SearchRequest(
                        case_id=request.case_id,
                        search_id=search_id,
                        max_kinship_degree=s.policy.max_kinship_degree,
                        max_candidates=s.policy.max_candidates,
                    )
                ],
                result_type=SearchOutcome,
                default=SearchOutcome(search_id=search_id, candidates=[], excluded={}, children=0),
            )
        finally:
            self._busy = False
        s.search = outcome
        s.unavailable = []
        excluded = ", ".join(f"{reason} {n}" for reason, n in sorted(outcome.excluded.items())) or "none"
        if outcome.children == 0:
            found = "no children are linked to the case"
        else:
            found = f"{len(outcome.candidates)} candidate(s) for {outcome.children} child(ren)"
            if outcome.candidates:
                found += f", best tier {outcome.candidates[0].tier}"
        detail = f"search {s.searches} ({outcome.search_id}): {found}; excluded: {excluded}"
        self._note(actor, "placement.searched", f"{detail}: {why}" if why else detail)

    async def _await_selection(self) -> None:
        """Run the selection clock until a place is held or a new cycle is asked for."""
        s = self._state()
        request = self._require_input()
        self._restart = False
        if s.clock is None:
            s.cycles += 1
            if self._available():
                due = await add_span(workflow.now(), s.policy.selection_deadline, request.site)
            else:
                due = workflow.now()
                self._note(KAHU_ACTOR, "placement.no_candidate", "no suitable candidate: escalating")
            s.clock = ClockState(due_at=due, cycle=s.cycles)
            self._clock = self._new_clock(s.clock)
            await self._clock.start()
        else:
            self._clock = self._new_clock(s.clock)
        await self._clock.run(lambda: s.hold is not None or self._restart, self._checkpoint_due, self._checkpoint)
        if s.hold is not None:  # a place held: the selection was made (else a new cycle starts)
            self._clock.met()
        if workflow.patched(DEADLINE_SEQUENCE_PATCH):
            s.cycles = max(s.cycles, self._clock.state.cycle)  # the next cycle follows any extension's
        self._clock = None
        s.clock = None
        await self._resolve()
        await self._show_clock(DeadlineStatus(kind=DeadlineKind.PLACEMENT, due_at=None, breached=False, tier=0))

    async def _await_answer(self, hold: HoldState) -> None:
        """Wait for the caregiver's answer until the hold expires; release it exactly once
        when it was declined or expired."""
        s = self._state()
        remaining = (hold.expires_at - workflow.now()).total_seconds()
        if remaining > 0:
            with contextlib.suppress(TimeoutError):  # expired: handled below
                await workflow.wait_condition(
                    lambda: hold.status != HoldStatus.HELD, timeout=remaining, timeout_summary="hold expiry"
                )
        if hold.status == HoldStatus.HELD:
            hold.status = HoldStatus.EXPIRED  # before any await: a late answer is now refused
            self._note(KAHU_ACTOR, "hold.expired", f"caregiver {hold.caregiver_id} did not answer in time")
        if hold.status in (HoldStatus.CONFIRMING, HoldStatus.CONFIRMED):
            await workflow.wait_condition(lambda: s.placement is not None)
            return
        reason = ReleaseReason.DECLINED if hold.status == HoldStatus.DECLINED else ReleaseReason.EXPIRED
        await self._steps.run("release_hold", [hold.hold_id, reason])
        hold.status = HoldStatus.RELEASED
        s.released.append(hold.hold_id)
        s.hold = None
        self._note(KAHU_ACTOR, "hold.released", f"{hold.places} place(s) with caregiver {hold.caregiver_id} ({reason})")

    # -- updates ---------------------------------------------------------------------

    @workflow.update
    async def record_backfill(self) -> bool:
        """An operator's (workflows/backfill.py): record a run that began before the record
        did, from now on, its timeline so far first; False when it records fully already."""
        if self._record is None:
            return False  # not started yet: it starts recording as it starts
        return await self._record.backfill(self._state().timeline)

    @workflow.update
    async def select(self, selection: Selection) -> PlacementView:
        s = self._state()
        request = self._require_input()
        candidate = self._candidate(selection.caregiver_id)
        assert candidate is not None
        self._busy = True
        try:
            hold_id = str(workflow.uuid4())
            expires_at = await add_span(workflow.now(), s.policy.hold_expiry, request.site)
            outcome: HoldOutcome = await self._steps.run(
                "hold_places",
                [
                    HoldRequest(
                        hold_id=hold_id,
                        case_id=request.case_id,
                        caregiver_id=candidate.caregiver_id,
                        places=candidate.places,
                        expires_at=expires_at,
                    )
                ],
                result_type=HoldOutcome,
                default=HoldOutcome(held=False, reason="the placement service refused the hold (on the queue)"),
            )
        finally:
            self._busy = False
        if not outcome.held:
            s.unavailable.append(candidate.caregiver_id)
            self._note(
                selection.selected_by, "placement.unavailable", f"caregiver {candidate.caregiver_id}: {outcome.reason}"
            )
            if not self._available():
                self._restart = True  # nobody left to select: the clock escalates at once
            raise Rejected(f"caregiver {candidate.caregiver_id} cannot take the children now: {outcome.reason}")
        s.hold = HoldState(
            hold_id=hold_id,
            caregiver_id=candidate.caregiver_id,
            tier=candidate.tier,
            places=candidate.places,
            expires_at=expires_at,
            selected_by=selection.selected_by,
        )
        self._note(
            selection.selected_by,
            "placement.selected",
            f"caregiver {candidate.caregiver_id} ({candidate.tier}, rank {candidate.rank}): {selection.reason}".rstrip(
                ": "
            ),
        )
        self._note(KAHU_ACTOR, "hold.placed", f"{candidate.places} place(s) held until {expires_at.isoformat()}")
        return self.state()

    @select.validator
    def _check_selection(self, selection: Selection) -> None:
        s = self._state()
        self._check_open()
        if s.hold is not None:
            raise Rejected("a place is already held: record the caregiver's answer first")
        if self._busy or s.search is None:
            raise Rejected("a search or a hold is under way; try again shortly")
        if selection.caregiver_id in s.declined:
            raise Rejected(f"caregiver {selection.caregiver_id} declined these children")
        if selection.caregiver_id in s.unavailable:
            raise Rejected(f"caregiver {selection.caregiver_id} has no place left; run the search again")
        candidate = self._candidate(selection.caregiver_id)
        if candidate is None:
            raise Rejected(f"caregiver {selection.caregiver_id} is not a candidate of the latest search")
        best = self._available()[0]
        if candidate != best and not selection.reason.strip():
            raise Rejected("selecting other than the best available candidate needs a reason")

    @workflow.update
    async def answer(self, answer: CaregiverAnswer) -> PlacementView:
        s = self._state()
        hold = s.hold
        assert hold is not None
        if not answer.accepted:
            hold.status = HoldStatus.DECLINED  # the run releases it
            s.declined.append(hold.caregiver_id)
            self._note(
                answer.recorded_by, "placement.declined", f"caregiver {hold.caregiver_id}: {answer.note}".rstrip(": ")
            )
            return self.state()
        hold.status = HoldStatus.CONFIRMING
        if await self._steps.run("confirm_hold", [hold.hold_id], default=False) is False:
            hold.status = HoldStatus.HELD  # refused, and on the supervisors' queue
            raise Rejected("the placement service refused to confirm the hold; a supervisor has been told")
        hold.status = HoldStatus.CONFIRMED
        s.placement = PlacementRecord(
            caregiver_id=hold.caregiver_id,
            tier=hold.tier.value,
            places=hold.places,
            hold_id=hold.hold_id,
            confirmed_by=answer.recorded_by,
        )
        self._note(
            answer.recorded_by,
            "placement.confirmed",
            f"caregiver {hold.caregiver_id} ({hold.tier}), {hold.places} place(s): {answer.note}".rstrip(": "),
        )
        return self.state()

    @answer.validator
    def _check_answer(self, answer: CaregiverAnswer) -> None:
        s = self._state()
        self._check_open()
        hold = s.hold
        if hold is None:
            raise Rejected("no place is held awaiting a caregiver's answer")
        if hold.status != HoldStatus.HELD or workflow.now() >= hold.expires_at:
            raise Rejected("the hold has expired or been answered; select again")

    @workflow.update
    async def search_again(self, rerun: SearchRerun) -> PlacementView:
        await self._search(rerun.requested_by, rerun.reason)
        self._restart = True  # a new selection cycle for the new candidates
        return self.state()

    @search_again.validator
    def _check_rerun(self, rerun: SearchRerun) -> None:
        s = self._state()
        self._check_open()
        if s.hold is not None:
            raise Rejected("a place is held: record the caregiver's answer first")
        if self._busy:
            raise Rejected("a search or a hold is under way; try again shortly")
        if not rerun.reason.strip():
            raise Rejected("running the search again needs a reason")

    @workflow.update
    async def extend_deadline(self, extension: Extension) -> PlacementView:
        assert self._clock is not None
        self._clock.extend(extension)
        await self._resolve()
        await self._show_clock(self._clock.status)
        return self.state()

    @extend_deadline.validator
    def _check_extension(self, extension: Extension) -> None:
        self._check_open()
        if self._clock is None:
            raise Rejected("the placement search has no running selection deadline")
        self._clock.validate_extension(extension)

    @workflow.update
    async def acknowledge_escalation(self, ack: Acknowledgement) -> PlacementView:
        assert self._clock is not None
        self._clock.acknowledge(ack)
        return self.state()

    @acknowledge_escalation.validator
    def _check_acknowledgement(self, ack: Acknowledgement) -> None:
        if self._clock is None:
            raise Rejected("no escalation is open on this placement search")
        self._clock.validate_acknowledgement(ack, "this placement search")

    @workflow.update
    async def decide_attention(self, answer: AttentionAnswer) -> PlacementView:
        """A supervisor's decision on a step the search waits on (workflows/attention.py)."""
        self._steps.decide(answer)
        return self.state()

    @decide_attention.validator
    def _check_attention(self, answer: AttentionAnswer) -> None:
        self._steps.validate(answer)

    @workflow.query
    def state(self) -> PlacementView:
        s = self._state()
        standing = self._standing()
        return PlacementView(
            case_id=self._require_input().case_id,
            stage=standing.stage,
            search_id=standing.search_id,
            candidates=standing.candidates,
            excluded=standing.excluded,
            unavailable=standing.unavailable,
            hold=s.hold,
            deadline=standing.deadline,
            placement=standing.placement,
            timeline=list(s.timeline),
        )

    def _standing(self) -> PlacementStanding:
        """Where the search stands (its `state` without the timeline), for its record in
        PostgreSQL (workflows/record.py)."""
        s = self._state()
        if s.placement is not None:
            stage = SearchStage.PLACED
        elif s.hold is not None:
            stage = SearchStage.AWAITING_CAREGIVER
        elif s.search is None:
            stage = SearchStage.SEARCHING
        else:
            stage = SearchStage.AWAITING_SELECTION
        search = s.search
        return PlacementStanding(
            stage=stage,
            search_id=search.search_id if search else None,
            candidates=list(search.candidates) if search else [],
            excluded=dict(search.excluded) if search else {},
            unavailable=[*s.declined, *(c for c in s.unavailable if c not in s.declined)],
            hold=dataclasses.replace(s.hold) if s.hold is not None else None,
            deadline=self._clock.status if self._clock is not None and s.hold is None else None,
            placement=s.placement,
        )

    # -- helpers -----------------------------------------------------------------------

    async def _show_clock(self, status: DeadlineStatus) -> None:
        await report_to_parent(status, recorded=self._require_input().clock_recorded)

    def _require_input(self) -> PlacementInput:
        if self._input is None:
            raise Rejected("the placement search has not started yet")
        return self._input

    def _state(self) -> PlacementSnapshot:
        if self._snapshot is None:
            raise Rejected("the placement search has not started yet")
        return self._snapshot

    def _check_open(self) -> None:
        if self._state().placement is not None:
            raise Rejected("the children are placed")

    def _available(self) -> list[CandidateRef]:
        """The latest search's candidates that can still be selected, best first."""
        s = self._state()
        if s.search is None:
            return []
        gone = {*s.declined, *s.unavailable}
        return [c for c in s.search.candidates if c.caregiver_id not in gone]

    def _candidate(self, caregiver_id: str) -> CandidateRef | None:
        search = self._state().search
        if search is None:
            return None
        return next((c for c in search.candidates if c.caregiver_id == caregiver_id), None)

    def _note(self, actor: str, action: str, detail: str = "") -> None:
        if self._snapshot is not None:  # a refusal before the search started is on the queue only
            self._add(TimelineEntry(workflow.now(), actor, action, detail))

    def _add(self, entry: TimelineEntry) -> None:
        """A line of the search's timeline, numbered for the case's record."""
        self._state().timeline.append(entry)
        if self._record is not None:
            self._record.note(entry)

    def _new_record(self) -> Record:
        request = self._require_input()
        return Record(
            request.case_id,
            self._state().record,
            self._steps,
            self._standing,
            place=(request.site, request.region),
            own=True,
        )

    def _start_record(self) -> None:
        if self._record is None:
            self._record = self._new_record()
        self._record.start(self._state().timeline)

    def _new_clock(self, state: ClockState) -> DeadlineClock:
        request = self._require_input()
        return DeadlineClock(
            ClockContext(
                case_id=request.case_id,
                workflow_id=workflow.info().workflow_id,
                kind=DeadlineKind.PLACEMENT,
                site=request.site,
                region=request.region,
                tiers=request.escalation,
            ),
            state,
            self._add,
            self._show_clock,
            self._steps,
        )

    async def _resolve(self) -> None:
        await self._steps.run("resolve_escalations", [self._require_input().case_id, DeadlineKind.PLACEMENT])

    def _checkpoint_due(self) -> bool:
        settled = self._record is None or self._record.settled()
        return settled and history_full(self._require_input().history_limit)

    async def _checkpoint(self) -> None:
        resumed = dataclasses.replace(self._state(), applied_updates=self.applied_updates)
        workflow.continue_as_new(dataclasses.replace(self._require_input(), resumed=resumed))
