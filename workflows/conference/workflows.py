"""YouthJusticeConferenceWorkflow: one family group conference, from its trigger to its
outcome, against the statutory clocks: a youth justice conference, or (a care and protection
trigger) a care and protection one.

trigger → (the young person added; the youth advocate appointed first when the offence
carries the policy's years) → the earliest free slot found and booked (scheduling round 1;
each reschedule starts the next round) → invitations → held → outcome: a plan agreed, or not
agreed and referred back to the court or Police.

Two statutory clocks, convening and (for the triggers that have one) completion, each warn
the coordinator's manager a policy interval *before* they fall due while still unmet and,
once they pass, escalate tier by tier like every other deadline: on the supervisors' queue
(SupervisionService), the manager as tier 1, the policy's later tiers after that, with the
same acknowledgement and extension. A scheduling round that finds no slot before the
convening deadline tells the manager at once (NO_SLOT) and searches again every rescan
interval. Rescheduling never moves a deadline; a supervisor's extension does (conferences
started before the supervisors' queue took them keep the conference service's own list).
Staff steps arrive as updates whose validators refuse invalid or out-of-order input with a
reason; `state` is the conference as it stands.

A care and protection conference (a social worker's referral checked by a supervisor, or a
Family Court's direction) runs the same way under its own policy (`care_and_protection`,
each clock with its source), with three differences: the co-ordinator consults the whānau
on the date, venue and who attends before any slot is booked (stage CONSULTING; the slot is
then sought in their dates, at their venue, with the people they asked for required); the
family's private time is part of the conference (recorded as it is held); and the outcome
is a plan (made the child's plan in PlanService, once) or no agreement: back to the social
worker (the case's assessment opens again) or referred to the Family Court. A court's
direction carries the court's dates: held by, and reported to the court by. A youth
justice conference's outcome may carry a structured plan too, made the child's plan the
same way.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import search_attributes as sa
    from workflows.attention import Steps
    from workflows.case.model import (
        Acknowledgement,
        AttentionAnswer,
        AttentionState,
        ClockState,
        DeadlineKind,
        DeadlineStatus,
        Escalation,
        EscalationLevel,
        Extension,
        RecordState,
        Subject,
        TimelineEntry,
    )
    from workflows.common import ACTIVITY_TIMEOUT, KAHU_ACTOR, Rejected
    from workflows.conference.model import (
        COORDINATOR_MANAGER,
        Booking,
        ConferenceDeadline,
        ConferenceEscalation,
        ConferenceEscalationLevel,
        ConferenceInput,
        ConferenceOpening,
        ConferenceOutcome,
        ConferenceResult,
        ConferenceStaff,
        ConferenceStage,
        ConferenceStanding,
        ConferenceView,
        Consultation,
        DayCount,
        Due,
        Held,
        HoldRequest,
        HoldResult,
        InvitationResponse,
        InvitationRound,
        Invitations,
        NoAgreementRoute,
        ParticipantAdded,
        ParticipantRole,
        PlanHandoff,
        PlanMade,
        RaisedEscalation,
        Rescheduling,
        ResponseRecord,
        SlotChoice,
    )
    from workflows.deadline import ClockContext, DeadlineClock
    from workflows.policy.model import CasePolicy, YouthJusticePolicy
    from workflows.record import Record

SUPERVISED_PATCH = "conference-escalations-supervised"
"""The clocks escalate on the supervisors' queue, tier by tier, with acknowledgement and
extension; before, to the conference service's own list, once per level."""
_LEVEL = {
    ConferenceEscalationLevel.WARNING: EscalationLevel.WARNING,
    ConferenceEscalationLevel.NO_SLOT: EscalationLevel.NO_SLOT,
    ConferenceEscalationLevel.BREACHED: EscalationLevel.BREACH,
}


@dataclass(frozen=True)
class _Answer:
    """What became of a coordinator's chosen slot."""

    booking: Booking | None
    reason: str = ""


@workflow.defn
class YouthJusticeConferenceWorkflow:
    @workflow.init
    def __init__(self, conference: ConferenceInput) -> None:
        # Set before any handler runs: an update in the run's first activation sees the input.
        self._in: ConferenceInput | None = conference
        self.applied_updates: list[str] = []  # workflows/applied_updates.py (no continue-as-new)
        self._stage = ConferenceStage.OPENING
        self._staff: ConferenceStaff | None = None
        self._round = 0
        self._booking: Booking | None = None
        self._convening_due: datetime | None = None
        self._completion_due: datetime | None = None
        self._breached: list[ConferenceDeadline] = []
        self._young_person = False
        self._advocate = False
        self._invite = False
        self._reopen: str | None = None
        self._choice: SlotChoice | None = None
        self._answer: _Answer | None = None
        self._held = False
        self._held_record: Held | None = None
        self._consultation: Consultation | None = None
        self._made_plan: str | None = None
        self._outcome: ConferenceOutcome | None = None
        self._escalations: list[RaisedEscalation] = []
        self._no_slot: set[int] = set()
        self._added: list[str] = []
        self._timeline: list[TimelineEntry] = []
        self._supervised = False
        self._clocks: dict[DeadlineKind, DeadlineClock] = {}
        after = conference.attention_after or CasePolicy.attention_after
        self._steps = Steps(
            lambda: Subject(conference.case_id, conference.conference_id, conference.site, conference.region),
            timedelta(seconds=after.seconds),
            AttentionState(),
            self._note,
        )
        #: A case's conference records its events with the case's; every conference keeps its
        #: own record with the conference service (no continue-as-new).
        self._record = Record(
            conference.case_id,
            RecordState(),
            self._steps,
            self._standing,
            place=(conference.site, conference.region),
            own=True,
        )

    # -- the run ---------------------------------------------------------------------

    @workflow.run
    async def run(self, conference: ConferenceInput) -> ConferenceResult:
        self._in = conference
        self._supervised = conference.escalation is not None and workflow.patched(SUPERVISED_PATCH)
        self._record.start(self._timeline)
        self._young_person = self._young_person or conference.young_person_added
        self._advocate = self._advocate or conference.advocate_appointed
        workflow.upsert_search_attributes([sa.SITE.value_set(conference.site), sa.REGION.value_set(conference.region)])
        self._enter(ConferenceStage.OPENING)
        years = conference.offence_max_years
        self._note(
            KAHU_ACTOR,
            "conference.triggered",
            f"{conference.trigger}{' (detained)' if conference.detained else ''};"
            f" offence {f'{years} years' if years else 'penalty not known'}",
        )
        clock = conference.policy.clocks[conference.trigger]
        convening_due = await self._due(conference.triggered_at, clock.convene(conference.detained))
        court = conference.court_convene_by
        if court is not None:  # the court's date: a care and protection conference's own, else only sooner
            convening_due = court if conference.care_and_protection else min(convening_due, court)
        self._convening_due = convening_due
        self._staff = await self._steps.run(
            "open_conference",
            [
                ConferenceOpening(
                    conference_id=conference.conference_id,
                    case_id=conference.case_id,
                    site=conference.site,
                    trigger=conference.trigger,
                    triggered_at=conference.triggered_at,
                    detained=conference.detained,
                    offence_max_years=conference.offence_max_years,
                    convening_due=convening_due,
                    policy=conference.policy,
                )
            ],
            result_type=ConferenceStaff,
            waits=True,
            default=ConferenceStaff(coordinator_id="", manager_id=""),
        )
        self._note(
            KAHU_ACTOR,
            "conference.opened",
            f"coordinator {self._staff.coordinator_id}; convene by {convening_due.isoformat()}",
        )
        self._show_deadline(convening_due, breached=False)
        convening = asyncio.create_task(self._watch(ConferenceDeadline.CONVENING, convening_due, lambda: self._held))

        await self._prepare()
        if conference.care_and_protection:
            await self._consult()
        booking = await self._convene()
        await convening
        self._met(ConferenceDeadline.CONVENING, self._convening_due)
        await self._resolve(ConferenceDeadline.CONVENING)

        completion = None
        completion_due = await self._completion(booking)
        if completion_due is not None:
            self._completion_due = completion_due
            self._note(KAHU_ACTOR, "timer.started", f"COMPLETION due {completion_due.isoformat()}")
            self._show_deadline(completion_due, breached=False)
            completion = asyncio.create_task(
                self._watch(ConferenceDeadline.COMPLETION, completion_due, lambda: self._outcome is not None)
            )
        await workflow.wait_condition(lambda: self._outcome is not None)
        if completion is not None:
            await completion
            self._met(ConferenceDeadline.COMPLETION, self._completion_due)
            await self._resolve(ConferenceDeadline.COMPLETION)
        outcome = self._outcome
        assert outcome is not None
        if outcome.agreed and outcome.structured_plan:
            await self._make_plan(conference)
        closed = "plan agreed" if outcome.agreed else "referred back"
        if not outcome.agreed and outcome.route == NoAgreementRoute.BACK_TO_SOCIAL_WORKER:
            closed = "no plan agreed: back to the social worker"
            self._note(KAHU_ACTOR, "conference.returned", f"plan {outcome.plan_id} not agreed: to the social worker")
        elif not outcome.agreed:
            await self._steps.run("refer_back", [conference.conference_id])
            if outcome.route == NoAgreementRoute.REFER_TO_COURT:
                closed = "no plan agreed: referred to the Family Court"
                self._note(KAHU_ACTOR, "conference.referred_to_court", f"plan {outcome.plan_id} not agreed")
            else:
                self._note(KAHU_ACTOR, "conference.referred_back", f"plan {outcome.plan_id} not agreed")
        self._enter(ConferenceStage.CLOSED)
        self._show_deadline(None)
        self._note(KAHU_ACTOR, "conference.closed", closed)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._record.complete()
        return ConferenceResult(conference.conference_id, outcome, list(self._timeline))

    async def _prepare(self) -> None:
        """Wait for the young person and, when the offence requires one, the youth advocate."""
        if self._advocate_required():
            self._note(KAHU_ACTOR, "advocate.required", f"offence carries {self._input().offence_max_years} years")
        if self._ready():
            return
        self._enter(ConferenceStage.PREPARING)
        await workflow.wait_condition(self._ready)

    async def _consult(self) -> None:
        """Care and protection: wait for the co-ordinator's consultation of the whānau on the
        date, venue and who attends (s 21) before any slot is booked; the convening clock
        runs meanwhile."""
        if self._consultation is not None:
            return
        self._enter(ConferenceStage.CONSULTING)
        await workflow.wait_condition(lambda: self._consultation is not None)

    async def _completion(self, booking: Booking) -> datetime | None:
        """The completion deadline, once the conference has convened (None: its trigger has
        no completion clock and no court date). A court's report date is a care and
        protection conference's deadline (the policy's, counted from the direction, where
        the court gave none: s 19(4)), and brings a youth justice one's forward."""
        conference = self._input()
        clock = conference.policy.clocks[conference.trigger]
        court = conference.court_report_by
        if conference.care_and_protection and conference.trigger.court:
            if court is not None:
                return court
            return await self._due(conference.triggered_at, clock.complete_days or 1)
        if not clock.complete_days:
            return court
        due = await self._due(booking.start, clock.complete_days)
        return min(due, court) if court is not None else due

    async def _make_plan(self, conference: ConferenceInput) -> None:
        """The agreed plan made the child's plan in PlanService, once (the key is derived from
        the conference's id); a refusal waits for a supervisor's decision. A conference
        without a case keeps its plan with its own record (GetConference): PlanService's
        plans are each a case's."""
        if conference.case_id is None:
            self._note(KAHU_ACTOR, "plan.kept", "no case: the agreed plan stays with the conference's record")
            return
        made: PlanMade | None = await self._steps.run(
            "create_conference_plan",
            [PlanHandoff(conference.conference_id, conference.case_id)],
            result_type=PlanMade,
            waits=True,
        )
        if made is not None:
            self._made_plan = made.plan_id
            self._note(KAHU_ACTOR, "plan.created", f"the child's plan {made.plan_id}, from the agreed plan")

    async def _convene(self) -> Booking:
        """Book, invite and wait until the conference is held; a required participant's
        decline, a conflict or a reschedule releases the booking and starts the next round."""
        conference_id = self._input().conference_id
        while True:
            self._round += 1
            self._reopen = None
            booking = await self._schedule()
            self._booking = booking
            self._enter(ConferenceStage.BOOKED)
            if self._no_slot:  # a slot was found after all: the manager need not act on that
                await self._resolve(ConferenceDeadline.CONVENING, ConferenceEscalationLevel.NO_SLOT)
                self._no_slot.clear()
            late = f" (late: {booking.late_reason})" if booking.late_reason else ""
            self._note(
                booking.booked_by,
                "conference.booked",
                f"round {booking.round}: {booking.start.isoformat()} at venue {booking.venue_id}{late}",
            )
            self._invite = True
            while self._reopen is None and not self._held:
                if self._invite:
                    self._invite = False
                    sent: Invitations = await self._steps.run(
                        "send_invitations",
                        [InvitationRound(conference_id, self._round, list(self._added))],
                        result_type=Invitations,
                        default=Invitations(invited=0, conflicts=[]),
                    )
                    self._note(KAHU_ACTOR, "invitations.sent", f"round {self._round}: {sent.invited} invited")
                    if sent.conflicts and self._reopen is None and not self._held:
                        self._reopen = (
                            f"required participant(s) not free at the booked time: {', '.join(sent.conflicts)}"
                        )
                    continue
                await workflow.wait_condition(lambda: self._held or self._reopen is not None or self._invite)
            if self._held:
                return booking
            await self._steps.run("release_booking", [InvitationRound(conference_id, self._round)])
            self._booking = None
            self._note(KAHU_ACTOR, "booking.released", f"round {self._round}: {self._reopen}")

    async def _schedule(self) -> Booking:
        """This round's booking: a coordinator's chosen slot, or the earliest free one before
        the convening deadline; while there is none, the manager is told and the search runs
        again every rescan interval (a chosen slot can still be booked, late with a reason)."""
        self._enter(ConferenceStage.SCHEDULING)
        policy = self._policy()
        conference_id = self._input().conference_id
        length = timedelta(seconds=policy.conference_length.seconds)
        while True:
            due = self._convening_due  # a supervisor's extension moves it
            assert due is not None
            choice = self._choice
            if choice is not None:
                request = HoldRequest(
                    conference_id, self._round, choice.start, choice.start + length, choice, list(self._added)
                )
                if self._consultation is not None:
                    request = dataclasses.replace(request, required=list(self._consultation.attendees))
                held = await self._hold(request)
                self._choice = None
                self._answer = _Answer(held.booking, "" if held.booking else "the slot is no longer free for everyone")
                if held.booking is not None:
                    return held.booking
                continue
            not_before = workflow.now() + timedelta(seconds=policy.minimum_notice.seconds)
            until, venue = due, None
            consulted = self._consultation
            if consulted is not None:  # the whānau's dates and venue
                not_before = max(not_before, consulted.not_before or not_before)
                until = min(due, consulted.not_after or due)
                venue = consulted.venue_id
            searching = not_before + length <= until
            if searching:
                hold = HoldRequest(conference_id, self._round, not_before, until, participants=list(self._added))
                if consulted is not None:
                    hold = dataclasses.replace(hold, venue_id=venue, required=list(consulted.attendees))
                held = await self._hold(hold)
                if held.booking is not None:
                    if self._choice is not None:
                        self._choice = None
                        self._answer = _Answer(None, "the conference was booked meanwhile; reschedule to move it")
                    return held.booking
            if self._round not in self._no_slot:
                self._no_slot.add(self._round)
                self._note(
                    KAHU_ACTOR, "scheduling.no_slot", f"round {self._round}: no free slot before {due.isoformat()}"
                )
                await self._escalate(ConferenceDeadline.CONVENING, ConferenceEscalationLevel.NO_SLOT, self._round, due)
            chosen_or_moved = lambda: self._choice is not None or self._convening_due != due  # noqa: B023,E731
            if searching:
                await self._wait(chosen_or_moved, policy.rescan_every.seconds)
            else:  # until a coordinator chooses a slot, or a supervisor's extension leaves time to search
                await workflow.wait_condition(chosen_or_moved)

    async def _hold(self, request: HoldRequest) -> HoldResult:
        result: HoldResult = await self._steps.run(
            "hold_slot", [request], result_type=HoldResult, default=HoldResult(None)
        )
        return result

    async def _watch(self, deadline: ConferenceDeadline, due: datetime, met: Callable[[], bool]) -> None:
        """Warn the manager a policy interval before `due` and escalate once it passes, while
        `met()` is false; return as soon as it is true."""
        if self._supervised:
            await self._clock(deadline, due).run(met, lambda: False, _never)
            return
        warn_at = due - timedelta(seconds=self._policy().warning_before.seconds)
        if await self._met_before(warn_at, met, f"{deadline} warning"):
            return
        await self._escalate(deadline, ConferenceEscalationLevel.WARNING, 0, due)
        if await self._met_before(due, met, f"{deadline} deadline"):
            return
        self._breached.append(deadline)
        self._note(KAHU_ACTOR, "timer.expired", f"{deadline} deadline passed")
        workflow.upsert_search_attributes([sa.BREACHED.value_set(True)])
        await self._escalate(deadline, ConferenceEscalationLevel.BREACHED, 0, due)

    async def _met_before(self, at: datetime, met: Callable[[], bool], summary: str) -> bool:
        remaining = (at - workflow.now()).total_seconds()
        if remaining > 0:
            try:
                await workflow.wait_condition(met, timeout=remaining, timeout_summary=summary)
            except TimeoutError:
                return False
        return met()

    # -- updates and queries ----------------------------------------------------------

    @workflow.update
    async def record_backfill(self) -> bool:
        """An operator's (workflows/backfill.py): record a run that began before the record
        did, from now on, its timeline so far first; False when it records fully already."""
        return await self._record.backfill(self._timeline)

    @workflow.update
    async def add_participant(self, added: ParticipantAdded) -> ConferenceView:
        self._added.append(added.participant_id)
        if added.role == ParticipantRole.YOUNG_PERSON:
            self._young_person = True
        advocate = added.role == ParticipantRole.YOUTH_ADVOCATE
        if advocate:
            self._advocate = True
        if self._stage == ConferenceStage.BOOKED:
            self._invite = True
        self._note(
            added.added_by,
            "advocate.appointed" if advocate else "participant.added",
            f"{added.participant_id} {added.role}{' (required)' if added.required else ''}",
        )
        return self.state()

    @add_participant.validator
    def _check_participant(self, added: ParticipantAdded) -> None:
        if self._held or self._stage == ConferenceStage.CLOSED:
            raise Rejected("participants are added before the conference is held")
        if added.role == ParticipantRole.YOUTH_ADVOCATE and self._advocate:
            raise Rejected("a youth advocate is already appointed")
        if added.role == ParticipantRole.YOUNG_PERSON and self._young_person:
            raise Rejected("the young person is already a participant")

    @workflow.update
    async def book(self, choice: SlotChoice) -> ConferenceView:
        self._answer = None
        self._choice = choice
        await workflow.wait_condition(lambda: self._answer is not None)
        answer = self._answer
        self._answer = None
        assert answer is not None
        if answer.booking is None:
            raise Rejected(answer.reason)
        return self.state()

    @book.validator
    def _check_choice(self, choice: SlotChoice) -> None:
        if self._stage != ConferenceStage.SCHEDULING:
            raise Rejected(f"the conference is not being scheduled (stage {self._stage}); reschedule to move a booking")
        if self._choice is not None:
            raise Rejected("another slot is being booked")
        policy = self._policy()
        notice = timedelta(seconds=policy.minimum_notice.seconds)
        if choice.start < workflow.now() + notice:
            raise Rejected(f"a conference needs at least {notice} notice")
        due = self._convening_due
        ends = choice.start + timedelta(seconds=policy.conference_length.seconds)
        if due is not None and ends > due and not choice.late_reason.strip():
            raise Rejected(f"the slot ends after the convening deadline ({due.isoformat()}): give a late_reason")

    @workflow.update
    async def reschedule(self, request: Rescheduling) -> ConferenceView:
        self._reopen = f"rescheduled by {request.requested_by}: {request.reason}"
        self._note(request.requested_by, "conference.rescheduled", request.reason)
        return self.state()

    @reschedule.validator
    def _check_reschedule(self, request: Rescheduling) -> None:
        if self._stage != ConferenceStage.BOOKED or self._reopen is not None or self._held:
            raise Rejected(f"the conference has no booking to move (stage {self._stage})")
        if not request.reason.strip():
            raise Rejected("a reschedule needs a reason")

    @workflow.update
    async def respond(self, record: ResponseRecord) -> ConferenceView:
        self._note(
            record.recorded_by,
            "invitation.answered",
            f"{record.participant_id} {record.response}{' (required)' if record.required else ''}",
        )
        if record.required and record.response == InvitationResponse.DECLINED:
            self._reopen = f"required participant {record.participant_id} declined"
        return self.state()

    @respond.validator
    def _check_response(self, record: ResponseRecord) -> None:
        if self._stage != ConferenceStage.BOOKED or self._reopen is not None or self._held:
            raise Rejected(f"the conference is not awaiting answers to invitations (stage {self._stage})")
        if record.round != self._round:
            raise Rejected("the invitation was to an earlier booking")
        if record.required and record.response == InvitationResponse.VIEWS_ONLY:
            raise Rejected("a required participant attends or declines")

    @workflow.update
    async def record_consultation(self, consultation: Consultation) -> ConferenceView:
        """The co-ordinator consulted the whānau (care and protection): the slot is sought in
        the dates they gave, at their venue, the people they asked for required."""
        self._consultation = consultation
        if consultation.not_practicable:
            self._note(consultation.recorded_by, "whanau.not_consulted", "consulting the whānau was not practicable")
        else:
            dates = " to ".join(d.isoformat() for d in (consultation.not_before, consultation.not_after) if d)
            self._note(
                consultation.recorded_by,
                "whanau.consulted",
                f"dates {dates or 'any'}; venue {consultation.venue_id or 'any'};"
                f" {len(consultation.attendees)} attendee(s) asked for",
            )
        return self.state()

    @record_consultation.validator
    def _check_consultation(self, consultation: Consultation) -> None:
        if not self._input().care_and_protection:
            raise Rejected("the whānau are consulted for a care and protection conference only")
        if self._consultation is not None:
            raise Rejected("the whānau's consultation is already recorded")
        if self._stage not in (ConferenceStage.OPENING, ConferenceStage.PREPARING, ConferenceStage.CONSULTING):
            raise Rejected(f"the whānau are consulted before a slot is booked (stage {self._stage})")
        first, last = consultation.not_before, consultation.not_after
        if first is not None and last is not None and last <= first:
            raise Rejected("the whānau's latest date must be after their earliest")
        if last is not None and last <= workflow.now():
            raise Rejected("the whānau's latest date has passed")

    @workflow.update
    async def record_held(self, held: Held) -> ConferenceView:
        self._held = True
        self._held_record = held
        self._enter(ConferenceStage.HELD)
        self._note(held.recorded_by, "conference.held", f"round {self._round}")
        if self._input().care_and_protection:
            self._note(
                held.recorded_by,
                "private_time.declined" if held.private_time_declined else "private_time.held",
                "the whānau declined their private time"
                if held.private_time_declined
                else f"the whānau's private time: {held.private_time_minutes} minutes",
            )
        return self.state()

    @record_held.validator
    def _check_held(self, held: Held) -> None:
        booking = self._booking
        if self._stage != ConferenceStage.BOOKED or self._reopen is not None or booking is None:
            raise Rejected(f"the conference is not booked (stage {self._stage})")
        if workflow.now() < booking.start:
            raise Rejected(f"the conference is booked for {booking.start.isoformat()}: it cannot have been held yet")
        if self._input().care_and_protection:
            if held.private_time_declined == (held.private_time_minutes > 0):
                raise Rejected(
                    "the family's private time is part of a care and protection conference:"
                    " record how long it was, or that the whānau declined it"
                )
        elif held.private_time_minutes or held.private_time_declined:
            raise Rejected("private family time is recorded for a care and protection conference")

    @workflow.update
    async def record_outcome(self, outcome: ConferenceOutcome) -> ConferenceView:
        self._outcome = outcome
        route = f" ({outcome.route})" if outcome.route else ""
        self._note(
            outcome.recorded_by,
            "outcome.recorded",
            f"plan {outcome.plan_id} agreed, {outcome.action_count} actions"
            if outcome.agreed
            else f"plan {outcome.plan_id} not agreed{route}",
        )
        return self.state()

    @record_outcome.validator
    def _check_outcome(self, outcome: ConferenceOutcome) -> None:
        if not self._held:
            raise Rejected(f"the conference has not been held (stage {self._stage})")
        if self._outcome is not None:
            raise Rejected("the outcome is already recorded")
        if outcome.agreed and outcome.action_count < 1:
            raise Rejected("an agreed plan has at least one action")
        conference = self._input()
        if not conference.care_and_protection:
            if outcome.route is not None:
                raise Rejected("a youth justice conference that agrees no plan is referred back to the court or Police")
            return
        if outcome.agreed and not outcome.structured_plan:
            raise Rejected(
                "a care and protection conference's agreed plan is recorded as the child's plan (goals and actions)"
            )
        if not outcome.agreed and outcome.route is None:
            raise Rejected("no plan agreed: say where it goes (back to the social worker, or to the Family Court)")
        if outcome.route == NoAgreementRoute.BACK_TO_SOCIAL_WORKER and conference.case_id is None:
            raise Rejected("a conference without a case reports to the court: refer it to the Family Court")

    @workflow.update
    async def acknowledge_escalation(self, ack: Acknowledgement) -> ConferenceView:
        """A supervisor saw one of the clocks' escalations (SupervisionService.Acknowledge)."""
        assert ack.kind is not None
        self._clocks[ack.kind].acknowledge(ack)
        return self.state()

    @acknowledge_escalation.validator
    def _check_acknowledgement(self, ack: Acknowledgement) -> None:
        clock = self._clocks.get(ack.kind) if ack.kind is not None else None
        if clock is None:
            raise Rejected("no escalation is open on that deadline of this conference")
        if ack.tier == 0 and ack.kind == DeadlineKind.CONVENING and self._no_slot:
            return  # a round without a slot
        clock.validate_acknowledgement(ack, f"the {ack.kind} deadline")

    @workflow.update
    async def extend_deadline(self, extension: Extension) -> ConferenceView:
        """A supervisor moves one of the statutory clocks later, with a reason (the court
        extended the time, say); its escalations start again from the new deadline."""
        assert extension.kind is not None
        deadline = ConferenceDeadline(extension.kind.value)
        self._clocks[extension.kind].extend(extension)
        if deadline == ConferenceDeadline.CONVENING:
            self._convening_due = extension.due_at
        else:
            self._completion_due = extension.due_at
        if deadline in self._breached:
            self._breached.remove(deadline)
        self._show_deadline(extension.due_at, breached=bool(self._breached))
        await self._resolve(deadline)
        return self.state()

    @extend_deadline.validator
    def _check_extension(self, extension: Extension) -> None:
        clock = self._clocks.get(extension.kind) if extension.kind is not None else None
        met = self._held if extension.kind == DeadlineKind.CONVENING else self._outcome is not None
        if clock is None or met:
            raise Rejected(f"the conference has no running {extension.kind} deadline")
        clock.validate_extension(extension)

    @workflow.update
    async def decide_attention(self, answer: AttentionAnswer) -> ConferenceView:
        """A supervisor's decision on a step the conference waits on (workflows/attention.py)."""
        self._steps.decide(answer)
        return self.state()

    @decide_attention.validator
    def _check_attention(self, answer: AttentionAnswer) -> None:
        self._steps.validate(answer)

    @workflow.query
    def state(self) -> ConferenceView:
        conference = self._input()
        return ConferenceView(
            conference_id=conference.conference_id,
            stage=self._stage,
            round=self._round,
            convening_due=self._convening_due,
            completion_due=self._completion_due,
            breached=list(self._breached),
            booking=self._booking,
            advocate_required=self._advocate_required(),
            advocate_appointed=self._advocate,
            young_person_added=self._young_person,
            escalations=list(self._escalations),
            outcome=self._outcome,
            timeline=list(self._timeline),
            clocks=[clock.status for clock in self._clocks.values()],
            care_and_protection=conference.care_and_protection,
            consultation=self._consultation,
            held=self._held_record,
            made_plan_id=self._made_plan,
        )

    def _standing(self) -> ConferenceStanding:
        """Where the conference stands (what `state` shows, without the timeline), for its
        record in PostgreSQL (workflows/record.py)."""
        return ConferenceStanding(
            stage=self._stage,
            round=self._round,
            convening_due=self._convening_due,
            completion_due=self._completion_due,
            breached=list(self._breached),
            booking=self._booking,
            advocate_required=self._advocate_required(),
            advocate_appointed=self._advocate,
            young_person_added=self._young_person,
            # a care and protection conference's (a youth justice one's standing stays as it was)
            care_and_protection=self._input().care_and_protection,
            consultation=self._consultation,
            held=self._held_record if self._input().care_and_protection else None,
        )

    # -- helpers ----------------------------------------------------------------------

    def _input(self) -> ConferenceInput:
        if self._in is None:
            raise Rejected("the conference has not started yet")
        return self._in

    def _policy(self) -> YouthJusticePolicy:
        return self._input().policy

    def _advocate_required(self) -> bool:
        years = self._input().offence_max_years
        return years > 0 and years >= self._policy().advocate_required_min_years

    def _ready(self) -> bool:
        return self._young_person and (self._advocate or not self._advocate_required())

    def _note(self, actor: str, action: str, detail: str = "") -> None:
        self._add(TimelineEntry(workflow.now(), actor, action, detail))

    def _add(self, entry: TimelineEntry) -> None:
        """A line of the conference's timeline, numbered for its record."""
        self._timeline.append(entry)
        self._record.note(entry)

    def _met(self, deadline: ConferenceDeadline, due: datetime | None) -> None:
        """Note a statutory clock met, for the case's record (late, when it had passed)."""
        late = " (late: passed)" if deadline in self._breached else ""
        self._note(KAHU_ACTOR, "timer.met", f"{deadline} due {due.isoformat() if due else '-'}{late}")

    def _enter(self, stage: ConferenceStage) -> None:
        self._stage = stage
        workflow.upsert_search_attributes([sa.STAGE.value_set(stage.value)])

    def _show_deadline(self, due: datetime | None, *, breached: bool | None = None) -> None:
        workflow.upsert_search_attributes([sa.DUE_AT.value_set(due) if due is not None else sa.DUE_AT.value_unset()])
        if breached is not None:
            workflow.upsert_search_attributes([sa.BREACHED.value_set(breached)])

    async def _due(self, start: datetime, days: int) -> datetime:
        due: Due = await workflow.execute_activity(
            "statutory_due", DayCount(start, days), result_type=Due, start_to_close_timeout=ACTIVITY_TIMEOUT
        )
        return due.at

    async def _wait(self, condition: Callable[[], bool], seconds: float) -> bool:
        try:
            await workflow.wait_condition(condition, timeout=seconds)
        except TimeoutError:
            return False
        return True

    async def _escalate(
        self, deadline: ConferenceDeadline, level: ConferenceEscalationLevel, round_: int, due: datetime
    ) -> None:
        conference = self._input()
        staff = self._staff
        assert staff is not None
        if self._supervised:  # a round without a slot: the clocks raise their own
            escalation = Escalation(
                case_id=conference.case_id or "",
                workflow_id=workflow.info().workflow_id,
                kind=DeadlineKind(deadline.value),
                cycle=round_,
                tier=0,
                role=COORDINATOR_MANAGER,
                site=conference.site,
                region=conference.region,
                due_at=due,
                conference_id=conference.conference_id,
                level=_LEVEL[level],
                raise_at=workflow.now(),
                assignee=staff.manager_id,
            )
            await self._steps.run("raise_escalation", [escalation])
        else:
            await self._steps.run(
                "raise_conference_escalation",
                [
                    ConferenceEscalation(
                        conference_id=conference.conference_id,
                        workflow_id=workflow.info().workflow_id,
                        deadline=deadline,
                        level=level,
                        round=round_,
                        due_at=due,
                        site=conference.site,
                        region=conference.region,
                        coordinator_id=staff.coordinator_id,
                        manager_id=staff.manager_id,
                    )
                ],
            )
        self._escalations.append(RaisedEscalation(deadline, level, round_, workflow.now()))
        self._note(
            KAHU_ACTOR,
            "escalation.raised",
            f"{deadline} {level}{f' round {round_}' if round_ else ''} to {staff.manager_id}",
        )

    async def _resolve(self, deadline: ConferenceDeadline, level: ConferenceEscalationLevel | None = None) -> None:
        conference = self._input()
        if self._supervised:
            await self._steps.run(
                "resolve_escalations",
                [
                    conference.case_id or "",
                    DeadlineKind(deadline.value),
                    conference.conference_id,
                    _LEVEL[level] if level is not None else None,
                ],
            )
            return
        await self._steps.run("resolve_conference_escalations", [conference.conference_id, deadline, level])

    def _clock(self, deadline: ConferenceDeadline, due: datetime) -> DeadlineClock:
        """The clock of `deadline` on the supervisors' queue: warned ahead, then the policy's
        tiers, the coordinator's manager first."""
        conference = self._input()
        staff = self._staff
        assert staff is not None and conference.escalation is not None
        kind = DeadlineKind(deadline.value)
        clock = DeadlineClock(
            ClockContext(
                case_id=conference.case_id or "",
                workflow_id=workflow.info().workflow_id,
                kind=kind,
                site=conference.site,
                region=conference.region,
                tiers=conference.escalation,
                conference_id=conference.conference_id,
                warn_before=timedelta(seconds=self._policy().warning_before.seconds),
                assignee=staff.manager_id,
            ),
            ClockState(due_at=due),
            self._add,
            self._clock_status,
            self._steps,
            self._raised,
        )
        self._clocks[kind] = clock
        return clock

    async def _clock_status(self, status: DeadlineStatus) -> None:
        deadline = ConferenceDeadline(status.kind.value)
        if status.breached and deadline not in self._breached:
            self._breached.append(deadline)
            workflow.upsert_search_attributes([sa.BREACHED.value_set(True)])

    def _raised(self, escalation: Escalation) -> None:
        level = {v: k for k, v in _LEVEL.items()}[escalation.level]
        deadline = ConferenceDeadline(escalation.kind.value)
        self._escalations.append(RaisedEscalation(deadline, level, 0, workflow.now(), escalation.tier))


async def _never() -> None:
    """The checkpoint of a clock that never continues as new (a conference's history is short)."""
