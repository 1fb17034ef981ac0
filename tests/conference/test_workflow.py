"""YouthJusticeConferenceWorkflow on the time-skipping test server: every timer path of
the statutory clocks (a warning before each deadline, the breach at it, no slot before
it, the search again), declines and reschedules that keep the deadline, one landing near
it, the advocate, held and outcome."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from tests.conference.workflow_fakes import (
    STAFF,
    YJ_POLICY,
    RecordedConferenceActivities,
    conference_input,
    start_conference,
)
from tests.polling import eventually, finished
from tests.workflows.scenarios import Harness, case_youth_justice_conference, conference_rescheduled_held_and_agreed
from workflows import search_attributes as sa
from workflows.case.model import Outcome, Stage, TriageDecision
from workflows.case.workflows import CaseWorkflow
from workflows.conference.clock import statutory_due as clock_due
from workflows.conference.model import (
    ConferenceDeadline,
    ConferenceEscalationLevel,
    ConferenceInput,
    ConferenceOutcome,
    ConferenceStage,
    ConferenceView,
    Held,
    InvitationResponse,
    ParticipantAdded,
    ParticipantRole,
    Rescheduling,
    ResponseRecord,
    SlotChoice,
)
from workflows.conference.workflows import YouthJusticeConferenceWorkflow as Conference
from workflows.policy.model import Pathway, Timeframe, TriggerKind
from workflows.policy.working_days import NZ

SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WARN = timedelta(seconds=YJ_POLICY.warning_before.seconds)
NOTICE = timedelta(seconds=YJ_POLICY.minimum_notice.seconds)
CONVENING, COMPLETION = ConferenceDeadline.CONVENING, ConferenceDeadline.COMPLETION
WARNING, NO_SLOT, BREACHED = (
    ConferenceEscalationLevel.WARNING,
    ConferenceEscalationLevel.NO_SLOT,
    ConferenceEscalationLevel.BREACHED,
)


def statutory_due(start: datetime, days: int) -> datetime:
    """When a clock of `days` days from `start` runs out, as the Oranga Tamariki Act counts
    it (written here, not taken from workflows/conference/clock.py): the day of `start`
    does not count, and the last day ends at midnight, New Zealand time."""
    last_day = start.astimezone(NZ).date() + timedelta(days=days)
    return datetime(last_day.year, last_day.month, last_day.day, tzinfo=NZ) + DAY


def fakes(harness: Harness) -> RecordedConferenceActivities:
    return harness.activities.conference


async def start(harness: Harness, **changes: object) -> WorkflowHandle:
    now = await harness.env.get_current_time()
    handle = await start_conference(harness.env.client, harness.task_queue, conference_input(now, **changes))
    harness.started.append(handle)
    return handle


def triggered(harness: Harness) -> datetime:
    """When the (one) conference of the test was triggered, as its workflow opened it."""
    return fakes(harness).opened[-1].triggered_at


async def view(handle: WorkflowHandle) -> ConferenceView:
    return await handle.query(Conference.state)


async def in_stage(handle: WorkflowHandle, stage: ConferenceStage, round_: int | None = None) -> ConferenceView:
    async def there() -> ConferenceView | None:
        found = await view(handle)
        return found if found.stage == stage and (round_ is None or found.round == round_) else None

    return await eventually(there)


async def rejected(handle: WorkflowHandle, update: object, arg: object) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(update, arg)  # type: ignore[call-overload]
    return str(raised.value.cause)


def respond(participant: str, round_: int, response: InvitationResponse, required: bool = True) -> ResponseRecord:
    return ResponseRecord(participant, round_, response, required, "yjc-1")


def agreed(actions: int = 2) -> ConferenceOutcome:
    return ConferenceOutcome("yjc-1", True, "plan-1", actions)


async def completion(handle: WorkflowHandle) -> datetime:
    """The completion deadline, once the held conference's workflow has worked it out."""

    async def due() -> datetime | None:
        return (await view(handle)).completion_due

    return await eventually(due)


async def hold_at_booking(harness: Harness, handle: WorkflowHandle) -> ConferenceView:
    booked = await in_stage(handle, ConferenceStage.BOOKED)
    assert booked.booking is not None
    await harness.skip_to(booked.booking.start + SECOND)
    return await handle.execute_update(Conference.record_held, Held("yjc-1"))


def test_statutory_days_count_from_the_day_after_the_trigger() -> None:
    late_monday = datetime(2026, 11, 2, 23, 50, tzinfo=NZ)
    assert clock_due(late_monday, 7) == datetime(2026, 11, 10, 0, 0, tzinfo=NZ)  # end of Mon 9 Nov
    early_tuesday = datetime(2026, 11, 3, 0, 5, tzinfo=NZ)
    assert clock_due(early_tuesday, 7) == datetime(2026, 11, 11, 0, 0, tzinfo=NZ)
    across_daylight_saving = datetime(2026, 9, 20, 12, 0, tzinfo=NZ)  # NZDT begins 27 September
    due = clock_due(across_daylight_saving, 21)
    assert due == datetime(2026, 10, 11, 11, 0, tzinfo=UTC)  # 00:00 NZDT on Monday 12 October
    assert due.astimezone(NZ).time() == time(0)
    the_utc_day_before = datetime(2026, 11, 2, 11, 30, tzinfo=UTC)  # 00:30 NZDT on Tuesday 3 November
    assert clock_due(the_utc_day_before, 7) == datetime(2026, 11, 11, 0, 0, tzinfo=NZ)
    for start, days in ((late_monday, 7), (early_tuesday, 7), (across_daylight_saving, 21), (late_monday, 14)):
        assert clock_due(start, days) == statutory_due(start, days)


async def test_booked_invited_held_and_closed_with_an_agreed_plan(harness: Harness) -> None:
    handle = await start(harness)
    booked = await in_stage(handle, ConferenceStage.BOOKED)
    now = await harness.env.get_current_time()
    assert booked.booking is not None and booked.booking.start >= now + NOTICE - HOUR
    assert booked.convening_due == statutory_due(triggered(harness), 21)
    assert "no free slot" not in str(booked.timeline)

    assert "cannot have been held yet" in await rejected(handle, Conference.record_held, Held("yjc-1"))
    assert "not been held" in await rejected(handle, Conference.record_outcome, agreed())
    await hold_at_booking(harness, handle)
    assert "at least one action" in await rejected(handle, Conference.record_outcome, agreed(0))
    await handle.execute_update(Conference.record_outcome, agreed())
    result = await finished(handle)

    assert result.outcome.agreed and not fakes(harness).referred
    assert fakes(harness).raised() == []
    assert (CONVENING, None) in fakes(harness).resolved
    actions = [e.action for e in result.timeline]
    assert actions == [
        "conference.triggered",
        "conference.opened",
        "conference.booked",
        "invitations.sent",
        "conference.held",
        "timer.met",  # convened in time
        "outcome.recorded",
        "conference.closed",
    ]
    assert fakes(harness).opened[0].convening_due == booked.convening_due


async def test_the_manager_is_warned_before_the_convening_deadline_and_told_when_it_passes(
    harness: Harness,
) -> None:
    fakes(harness).available_from = None  # no slot at all
    handle = await start(harness)
    waiting = await in_stage(handle, ConferenceStage.SCHEDULING)
    assert waiting.convening_due is not None
    due = waiting.convening_due
    assert fakes(harness).raised() == [(CONVENING, NO_SLOT, 1)], "no slot before the deadline: told at once"
    escalation = next(iter(fakes(harness).escalations.values()))
    assert (escalation.manager_id, escalation.coordinator_id, escalation.due_at) == (
        STAFF.manager_id,
        STAFF.coordinator_id,
        due,
    )

    await harness.skip_to(due - WARN - SECOND)
    assert fakes(harness).raised() == [(CONVENING, NO_SLOT, 1)]
    await harness.skip_to(due - WARN + SECOND)
    assert fakes(harness).raised() == [(CONVENING, NO_SLOT, 1), (CONVENING, WARNING, 0)]
    await harness.skip_to(due - SECOND)
    assert (await view(handle)).breached == []
    await harness.skip_to(due + SECOND)
    assert fakes(harness).raised() == [(CONVENING, NO_SLOT, 1), (CONVENING, WARNING, 0), (CONVENING, BREACHED, 0)]
    assert (await view(handle)).breached == [CONVENING]

    async def shows_breach() -> bool:
        return (await handle.describe()).typed_search_attributes.get(sa.BREACHED) is True

    await eventually(shows_breach)
    searches = len(fakes(harness).holds)
    assert 10 < searches < 30, "searched again once a day until the deadline, then stopped"
    await harness.skip_to(due + 10 * DAY)
    assert len(fakes(harness).holds) == searches
    assert fakes(harness).escalation_calls == 3


async def test_a_later_search_finds_a_slot_and_the_no_slot_escalation_is_resolved(harness: Harness) -> None:
    fakes(harness).available_from = None
    handle = await start(harness)
    await in_stage(handle, ConferenceStage.SCHEDULING)
    assert fakes(harness).raised() == [(CONVENING, NO_SLOT, 1)]
    now = await harness.env.get_current_time()
    fakes(harness).available_from = now + 3 * DAY  # a venue is free after all

    await harness.skip_to(now + DAY + SECOND)  # the next search
    booked = await in_stage(handle, ConferenceStage.BOOKED, 1)

    assert booked.booking is not None and booked.booking.start >= now + 3 * DAY - SECOND
    assert (CONVENING, NO_SLOT) in fakes(harness).resolved
    assert fakes(harness).raised() == [(CONVENING, NO_SLOT, 1)]


async def test_an_advocate_is_appointed_before_scheduling_and_the_clock_runs_meanwhile(harness: Harness) -> None:
    handle = await start(harness, offence_max_years=10)
    waiting = await in_stage(handle, ConferenceStage.PREPARING)
    assert (waiting.advocate_required, waiting.advocate_appointed) == (True, False)
    assert waiting.convening_due is not None
    await harness.skip_to(waiting.convening_due - WARN + SECOND)
    assert fakes(harness).raised() == [(CONVENING, WARNING, 0)]
    assert not fakes(harness).holds

    advocate = ParticipantAdded("adv-1", ParticipantRole.YOUTH_ADVOCATE, True, "yjc-1")
    await handle.execute_update(Conference.add_participant, advocate)
    # appointed with less than the minimum notice left: no slot before the deadline
    late = await in_stage(handle, ConferenceStage.SCHEDULING)
    assert late.advocate_appointed
    assert fakes(harness).raised() == [(CONVENING, WARNING, 0), (CONVENING, NO_SLOT, 1)]
    assert "already appointed" in await rejected(handle, Conference.add_participant, advocate)

    after = waiting.convening_due + DAY
    booked = await handle.execute_update(
        Conference.book, SlotChoice(after, "venue-1", "mgr-1", "Advocate appointed late.")
    )
    assert booked.booking is not None and booked.booking.start == after
    assert fakes(harness).holds[-1].participants == ["adv-1"]


async def test_a_required_decline_reopens_scheduling_and_the_deadline_stays(harness: Harness) -> None:
    handle = await start(harness)
    first = await in_stage(handle, ConferenceStage.BOOKED, 1)
    assert first.booking is not None

    await handle.execute_update(Conference.respond, respond("whanau-1", 1, InvitationResponse.DECLINED, False))
    assert (await view(handle)).round == 1
    await handle.execute_update(Conference.respond, respond("police-1", 1, InvitationResponse.DECLINED))
    second = await in_stage(handle, ConferenceStage.BOOKED, 2)

    assert second.booking is not None and second.booking.start != first.booking.start
    assert second.convening_due == first.convening_due
    assert [(r.round) for r in fakes(harness).released] == [1]
    assert [r.round for r in fakes(harness).invitations] == [1, 2]
    reason = await rejected(handle, Conference.respond, respond("young-1", 1, InvitationResponse.ACCEPTED))
    assert "earlier booking" in reason
    assert "attends or declines" in await rejected(
        handle, Conference.respond, respond("young-1", 2, InvitationResponse.VIEWS_ONLY)
    )


async def test_a_required_participant_added_after_booking_who_is_not_free_reopens_it(harness: Harness) -> None:
    handle = await start(harness)
    await in_stage(handle, ConferenceStage.BOOKED, 1)
    fakes(harness).conflicts = ["sw-9"]

    await handle.execute_update(
        Conference.add_participant, ParticipantAdded("sw-9", ParticipantRole.SOCIAL_WORKER, True, "yjc-1")
    )

    await in_stage(handle, ConferenceStage.BOOKED, 2)
    assert [r.round for r in fakes(harness).released] == [1]
    assert fakes(harness).invitations[1].participants == ["sw-9"]


async def test_a_reschedule_landing_near_the_deadline_books_before_it(harness: Harness) -> None:
    handle = await start(harness)
    first = await in_stage(handle, ConferenceStage.BOOKED, 1)
    assert first.convening_due is not None and first.booking is not None
    due = first.convening_due
    moved_at = due - NOTICE - 6 * HOUR  # the earliest it can move to: six hours before the deadline
    await harness.skip_to(moved_at)

    await handle.execute_update(Conference.reschedule, Rescheduling("yjc-1", "The whānau hui clashes with a tangi."))
    second = await in_stage(handle, ConferenceStage.BOOKED, 2)

    assert second.booking is not None
    assert moved_at + NOTICE <= second.booking.start and second.booking.end <= due
    assert second.convening_due == due, "rescheduling never moves the statutory deadline"
    await harness.skip_to(due - WARN + SECOND)  # already past: the warning went out on time
    assert fakes(harness).raised() == [(CONVENING, WARNING, 0)]
    await hold_at_booking(harness, handle)
    await handle.execute_update(Conference.record_outcome, agreed())
    await finished(handle)
    assert fakes(harness).raised() == [(CONVENING, WARNING, 0)], "held in time: no breach"


async def test_a_reschedule_too_near_the_deadline_escalates_at_once_and_can_still_be_booked_late(
    harness: Harness,
) -> None:
    handle = await start(harness)
    first = await in_stage(handle, ConferenceStage.BOOKED, 1)
    assert first.convening_due is not None
    due = first.convening_due
    await harness.skip_to(due - DAY)  # the warning has gone out: not held yet
    assert fakes(harness).raised() == [(CONVENING, WARNING, 0)]

    await handle.execute_update(Conference.reschedule, Rescheduling("yjc-1", "The venue flooded."))
    await in_stage(handle, ConferenceStage.SCHEDULING, 2)

    async def told_no_slot() -> bool:  # the round's search runs after the stage is entered
        return fakes(harness).raised() == [(CONVENING, WARNING, 0), (CONVENING, NO_SLOT, 2)]

    await eventually(told_no_slot)
    searches = len(fakes(harness).holds)

    late = due + 3 * DAY
    assert "late_reason" in await rejected(handle, Conference.book, SlotChoice(late, "venue-2", "mgr-1"))
    assert "notice" in await rejected(handle, Conference.book, SlotChoice(due - HOUR, "venue-2", "mgr-1", "x"))
    await harness.skip_to(due + SECOND)
    assert fakes(harness).raised()[-1] == (CONVENING, BREACHED, 0)
    assert len(fakes(harness).holds) == searches, "no search can find a slot before the deadline now"
    state = await handle.execute_update(
        Conference.book, SlotChoice(late, "venue-2", "mgr-1", "Earliest the whānau can travel.")
    )
    assert state.stage == ConferenceStage.BOOKED and state.booking is not None
    assert (state.booking.start, state.booking.booked_by, state.booking.late_reason) == (
        late,
        "mgr-1",
        "Earliest the whānau can travel.",
    )
    assert state.convening_due == due and state.breached == [CONVENING]


async def test_a_chosen_slot_someone_took_meanwhile_is_refused_and_scheduling_goes_on(harness: Harness) -> None:
    fakes(harness).available_from = None
    handle = await start(harness)
    waiting = await in_stage(handle, ConferenceStage.SCHEDULING)
    assert waiting.convening_due is not None
    slot = waiting.convening_due - 3 * DAY
    fakes(harness).taken.add(slot)

    assert "no longer free" in await rejected(handle, Conference.book, SlotChoice(slot, "venue-1", "yjc-1"))
    assert (await view(handle)).stage == ConferenceStage.SCHEDULING
    now = await harness.env.get_current_time()
    fakes(harness).available_from = slot - DAY
    await harness.skip_to(now + DAY + SECOND)  # the next search

    booked = await in_stage(handle, ConferenceStage.BOOKED, 1)
    assert booked.booking is not None and booked.booking.booked_by == "kahu"
    assert "not being scheduled" in await rejected(handle, Conference.book, SlotChoice(slot, "venue-1", "yjc-1"))


async def test_a_court_directed_conference_must_complete_within_seven_days_of_convening(harness: Harness) -> None:
    handle = await start(harness, trigger=TriggerKind.COURT_DIRECTION, detained=True)
    booked = await in_stage(handle, ConferenceStage.BOOKED)
    assert booked.convening_due == statutory_due(triggered(harness), 7), "detained: 7 days, not 14"
    held = await hold_at_booking(harness, handle)
    completion_due = await completion(handle)
    assert held.booking is not None and completion_due == statutory_due(held.booking.start, 7)

    async def due_shown() -> bool:
        return (await handle.describe()).typed_search_attributes.get(sa.DUE_AT) == completion_due

    await eventually(due_shown)
    await harness.skip_to(completion_due - WARN - SECOND)
    assert fakes(harness).raised() == []
    await harness.skip_to(completion_due - WARN + SECOND)
    assert fakes(harness).raised() == [(COMPLETION, WARNING, 0)]
    await harness.skip_to(completion_due + SECOND)
    assert fakes(harness).raised() == [(COMPLETION, WARNING, 0), (COMPLETION, BREACHED, 0)]
    assert (await view(handle)).breached == [COMPLETION]

    await handle.execute_update(Conference.record_outcome, ConferenceOutcome("yjc-1", False, "plan-9", 0))
    result = await finished(handle)
    assert not result.outcome.agreed and fakes(harness).referred == [booked.conference_id]
    assert (COMPLETION, None) in fakes(harness).resolved
    assert [(e.action, e.detail.endswith("(late: passed)")) for e in result.timeline][-4:] == [
        ("outcome.recorded", False),
        ("timer.met", True),  # completed, after the deadline passed
        ("conference.referred_back", False),
        ("conference.closed", False),
    ]


async def test_completed_in_time_nothing_escalates(harness: Harness) -> None:
    handle = await start(harness, trigger=TriggerKind.COURT_DIRECTION)
    booked = await in_stage(handle, ConferenceStage.BOOKED)
    assert booked.convening_due == statutory_due(triggered(harness), 14), "not detained: 14 days"
    await hold_at_booking(harness, handle)
    completion_due = await completion(handle)
    await harness.skip_to(completion_due - WARN - SECOND)
    await handle.execute_update(Conference.record_outcome, agreed(1))
    await finished(handle)
    await harness.skip_to(completion_due + DAY)
    assert fakes(harness).raised() == [] and fakes(harness).escalation_calls == 0


async def test_a_case_without_the_young_person_waits_for_them(harness: Harness) -> None:
    conference: ConferenceInput = conference_input(
        await harness.env.get_current_time(), young_person_added=False, trigger=TriggerKind.TRIAGE_REFERRAL
    )
    handle = await start_conference(harness.env.client, harness.task_queue, conference)
    harness.started.append(handle)
    await in_stage(handle, ConferenceStage.PREPARING)

    young = ParticipantAdded("young-1", ParticipantRole.YOUNG_PERSON, True, "yjc-1")
    await handle.execute_update(Conference.add_participant, young)

    booked = await in_stage(handle, ConferenceStage.BOOKED)
    assert booked.young_person_added and fakes(harness).holds[0].participants == ["young-1"]
    assert "already a participant" in await rejected(handle, Conference.add_participant, young)


async def test_a_rescheduled_conference_is_held_and_closed_with_its_plan(harness: Harness) -> None:
    handle = await conference_rescheduled_held_and_agreed(harness.env.client, harness.task_queue, harness.activities)
    harness.started.append(handle)
    result = await finished(handle)
    assert result.outcome.agreed
    actions = [e.action for e in result.timeline]
    assert actions.count("conference.booked") == 2 and actions.count("booking.released") == 1
    assert actions.index("invitation.answered") < actions.index("booking.released") < actions.index("conference.held")


async def test_a_youth_justice_decision_runs_the_conference_as_the_cases_child(harness: Harness) -> None:
    handle = await case_youth_justice_conference(harness.env.client, harness.task_queue, harness.activities)
    harness.started.append(handle)
    result = await finished(handle)

    assert (result.stage, result.outcome) == (Stage.CLOSED, Outcome.FAMILY_GROUP_CONFERENCE)
    actions = [e.action for e in result.timeline]
    for earlier, later in [
        ("triage.decided", "conference.triggered"),
        ("conference.triggered", "participant.added"),
        ("participant.added", "conference.booked"),
        ("conference.held", "outcome.recorded"),
        ("outcome.recorded", "conference.completed"),
        ("conference.completed", "case.closed"),
    ]:
        assert actions.index(earlier) < actions.index(later), (earlier, later)
    (opened,) = fakes(harness).opened
    case_id = handle.id.removeprefix("case-")
    assert (opened.case_id, opened.trigger) == (case_id, TriggerKind.TRIAGE_REFERRAL)
    entered = [e.detail for e in result.timeline if e.action == "stage.entered"]
    assert entered[-3:] == [Stage.YOUTH_JUSTICE_CONFERENCE, Stage.OUTCOME, Stage.CLOSED]
    # the record's stage moves with its batches: the outcome passes within one workflow task
    stages = [change.stage for change in harness.activities.stages]
    assert stages[-2:] == [Stage.YOUTH_JUSTICE_CONFERENCE, Stage.CLOSED]


async def test_a_youth_justice_decision_needs_no_timeframe(harness: Harness) -> None:
    handle = await harness.start()
    harness_decision = TriageDecision("sw-1", Pathway.YOUTH_JUSTICE_FGC, Timeframe.URGENT, "offending")
    assert "timeframe" in await rejected(handle, CaseWorkflow.decide_triage, harness_decision)
