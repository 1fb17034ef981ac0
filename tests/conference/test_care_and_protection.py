"""Care and protection family group conferences on the time-skipping test server: the
whānau consulted before any slot is booked (and the slot sought in their dates, at their
venue, with the people they asked for), the family's private time recorded as the
conference is held, the outcome a plan (made the child's plan once) or no agreement (back to
the social worker, or to the Family Court); every clock of the policy (held within 21 days
of the referral, the outcome within 14 days of being held; a court's direction on the
court's dates, or 14 and 28 days from it), warned ahead and escalated on the supervisors'
queue. A youth justice conference keeps to its own rules."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta

from temporalio.client import WorkflowHandle

from tests.conference.test_workflow import (
    fakes,
    in_stage,
    rejected,
    start,
    statutory_due,
    triggered,
    view,
)
from tests.conference.workflow_fakes import CARE_POLICY, STAFF
from tests.polling import eventually, finished
from tests.workflows.scenarios import POLICY, Harness
from workflows.case.model import AttentionAnswer, AttentionDecision, DeadlineKind, Escalation, EscalationLevel
from workflows.conference.model import (
    ConferenceDeadline,
    ConferenceOutcome,
    ConferenceStage,
    ConferenceView,
    Consultation,
    Held,
    NoAgreementRoute,
    PlanHandoff,
)
from workflows.conference.workflows import YouthJusticeConferenceWorkflow as Conference
from workflows.plan.model import plan_id_of
from workflows.policy.model import TriggerKind

SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
#: The shipped care and protection policy's values, written here (policy/kahu.yaml).
WARN = timedelta(days=3)
NOTICE = timedelta(days=3)
LENGTH = timedelta(hours=4)
CONVENE_DAYS, COMPLETE_DAYS = 21, 14
COURT_CONVENE_DAYS, COURT_REPORT_DAYS = 14, 28
CONVENING, COMPLETION = DeadlineKind.CONVENING, DeadlineKind.COMPLETION


async def care(harness: Harness, **changes: object) -> WorkflowHandle:
    """A social worker's referral, approved, as the case starts its conference: the child
    added, under the care and protection policy and the case policy's tiers."""
    base: dict[str, object] = {
        "trigger": TriggerKind.CARE_AND_PROTECTION_REFERRAL,
        "offence_max_years": 0,
        "policy": CARE_POLICY,
        "case_id": str(uuid.uuid4()),
        "escalation": POLICY.escalation,
        "attention_after": POLICY.attention_after,
    }
    return await start(harness, **{**base, **changes})


def consulted(**changes: object) -> Consultation:
    return dataclasses.replace(Consultation("cpc-1"), **changes)  # type: ignore[arg-type]


def agreed_plan(actions: int = 3) -> ConferenceOutcome:
    return ConferenceOutcome("cpc-1", True, "plan-1", actions, structured_plan=True)


def not_agreed(route: NoAgreementRoute | None) -> ConferenceOutcome:
    return ConferenceOutcome("cpc-1", False, "plan-1", 0, route=route)


def raised(harness: Harness) -> list[Escalation]:
    return [e for e in harness.activities.escalations.values() if e.kind.conference]


def keys(harness: Harness) -> list[tuple[DeadlineKind, int, EscalationLevel]]:
    """(kind, tier, level) of the conference's escalations on the supervisors' queue, in order."""
    return [(e.kind, e.tier, e.level) for e in raised(harness)]


async def booked_after_consultation(harness: Harness, handle: WorkflowHandle) -> None:
    await in_stage(handle, ConferenceStage.CONSULTING)
    await handle.execute_update(Conference.record_consultation, consulted())
    await in_stage(handle, ConferenceStage.BOOKED)


async def test_the_whanau_are_consulted_before_any_slot_and_the_slot_is_theirs(harness: Harness) -> None:
    handle = await care(harness)
    waiting = await in_stage(handle, ConferenceStage.CONSULTING)
    assert waiting.care_and_protection and waiting.consultation is None
    assert fakes(harness).holds == [], "no slot is sought before the whānau are consulted"
    assert waiting.convening_due == statutory_due(triggered(harness), CONVENE_DAYS)

    now = await harness.env.get_current_time()
    first, last = now + 10 * DAY, now + 17 * DAY
    assert "latest date must be after" in await rejected(
        handle, Conference.record_consultation, consulted(not_before=last, not_after=first)
    )
    asked = consulted(not_before=first, not_after=last, venue_id="marae-1", attendees=["koro-1", "aunty-1"])
    await handle.execute_update(Conference.record_consultation, asked)
    booked = await in_stage(handle, ConferenceStage.BOOKED)

    hold = fakes(harness).holds[-1]
    assert hold.not_before == first and hold.until == last, "sought in the whānau's dates"
    assert hold.venue_id == "marae-1" and hold.required == ["koro-1", "aunty-1"]
    assert booked.booking is not None and booked.booking.venue_id == "marae-1"
    assert first <= booked.booking.start and booked.booking.end <= last
    assert booked.consultation == asked
    assert "already recorded" in await rejected(handle, Conference.record_consultation, consulted())
    actions = [e.action for e in booked.timeline]
    assert actions.index("whanau.consulted") < actions.index("conference.booked")


async def test_consulting_not_practicable_books_the_earliest_slot(harness: Harness) -> None:
    handle = await care(harness)
    await in_stage(handle, ConferenceStage.CONSULTING)
    await handle.execute_update(Conference.record_consultation, consulted(not_practicable=True))
    booked = await in_stage(handle, ConferenceStage.BOOKED)
    now = await harness.env.get_current_time()
    assert booked.booking is not None and booked.booking.start <= now + NOTICE + HOUR
    hold = fakes(harness).holds[-1]
    assert hold.venue_id is None and hold.required == []
    assert "whanau.not_consulted" in [e.action for e in booked.timeline]


async def test_held_with_the_familys_private_time_and_the_agreed_plan_made_the_childs_plan(
    harness: Harness,
) -> None:
    handle = await care(harness)
    await booked_after_consultation(harness, handle)
    booked = await view(handle)
    assert booked.booking is not None
    await harness.skip_to(booked.booking.start + SECOND)
    assert "private time is part of a care and protection conference" in await rejected(
        handle, Conference.record_held, Held("cpc-1")
    )
    assert "private time is part" in await rejected(
        handle, Conference.record_held, Held("cpc-1", private_time_minutes=30, private_time_declined=True)
    )
    held = await handle.execute_update(Conference.record_held, Held("cpc-1", private_time_minutes=45))
    assert held.held == Held("cpc-1", private_time_minutes=45)

    assert "recorded as the child's plan" in await rejected(
        handle, Conference.record_outcome, ConferenceOutcome("cpc-1", True, "plan-1", 2)
    )
    await handle.execute_update(Conference.record_outcome, agreed_plan())
    result = await finished(handle)

    conference_id = handle.id.removeprefix("conference-")
    made = fakes(harness).plans[conference_id]
    assert made.case_id is not None
    assert fakes(harness).referred == []
    actions = [e.action for e in result.timeline]
    tail = actions[actions.index("conference.held") :]
    assert tail[:2] == ["conference.held", "private_time.held"], "its private time is part of the conference"
    assert tail[-2:] == ["plan.created", "conference.closed"], "the plan made before it closes"
    assert tail.index("outcome.recorded") < tail.index("plan.created")
    assert f"the child's plan {plan_id_of(made.case_id)}" in str(result.timeline)
    assert (await view(handle)).made_plan_id == plan_id_of(made.case_id)


async def test_the_whanau_may_decline_their_private_time(harness: Harness) -> None:
    handle = await care(harness)
    await booked_after_consultation(harness, handle)
    held = await hold_at_booking_with(harness, handle, Held("cpc-1", private_time_declined=True))
    assert held.held is not None and held.held.private_time_declined
    assert "private_time.declined" in [e.action for e in held.timeline]


async def hold_at_booking_with(harness: Harness, handle: WorkflowHandle, held: Held) -> ConferenceView:
    booked = await in_stage(handle, ConferenceStage.BOOKED)
    assert booked.booking is not None
    await harness.skip_to(booked.booking.start + SECOND)
    return await handle.execute_update(Conference.record_held, held)


async def test_no_agreement_goes_back_to_the_social_worker_or_to_the_family_court(harness: Harness) -> None:
    back = await care(harness)
    await booked_after_consultation(harness, back)
    await hold_at_booking_with(harness, back, Held("cpc-1", private_time_minutes=60))
    assert "say where it goes" in await rejected(back, Conference.record_outcome, not_agreed(None))
    await back.execute_update(Conference.record_outcome, not_agreed(NoAgreementRoute.BACK_TO_SOCIAL_WORKER))
    result = await finished(back)
    assert result.outcome.route == NoAgreementRoute.BACK_TO_SOCIAL_WORKER
    assert fakes(harness).referred == [] and fakes(harness).plans == {}
    assert "conference.returned" in [e.action for e in result.timeline]

    court = await care(harness)
    await booked_after_consultation(harness, court)
    await hold_at_booking_with(harness, court, Held("cpc-1", private_time_minutes=60))
    await court.execute_update(Conference.record_outcome, not_agreed(NoAgreementRoute.REFER_TO_COURT))
    result = await finished(court)
    assert fakes(harness).referred == [court.id.removeprefix("conference-")]
    closed = [e for e in result.timeline if e.action == "conference.closed"]
    assert closed[0].detail == "no plan agreed: referred to the Family Court"


async def test_a_conference_without_a_case_reports_to_the_court_and_keeps_its_plan(harness: Harness) -> None:
    handle = await care(harness, trigger=TriggerKind.CARE_AND_PROTECTION_COURT_DIRECTION, case_id=None)
    await booked_after_consultation(harness, handle)
    await hold_at_booking_with(harness, handle, Held("cpc-1", private_time_minutes=30))
    assert "reports to the court" in await rejected(
        handle, Conference.record_outcome, not_agreed(NoAgreementRoute.BACK_TO_SOCIAL_WORKER)
    )
    await handle.execute_update(Conference.record_outcome, agreed_plan())
    result = await finished(handle)
    assert fakes(harness).plans == {}, "PlanService's plans are each a case's"
    assert "plan.kept" in [e.action for e in result.timeline]


# -- the clocks -------------------------------------------------------------------------


async def test_the_convening_clock_runs_while_the_whanau_are_consulted_warns_and_escalates(
    harness: Harness,
) -> None:
    handle = await care(harness)
    waiting = await in_stage(handle, ConferenceStage.CONSULTING)
    due = waiting.convening_due
    assert due == statutory_due(triggered(harness), CONVENE_DAYS)
    await harness.skip_to(due - WARN - SECOND)
    assert keys(harness) == []
    await harness.skip_to(due - WARN + SECOND)
    assert keys(harness) == [(CONVENING, 0, EscalationLevel.WARNING)]
    await harness.skip_to(due - SECOND)
    assert (await view(handle)).breached == []
    await harness.skip_to(due + SECOND)
    assert keys(harness)[1:] == [(CONVENING, 1, EscalationLevel.BREACH)]
    breach = raised(harness)[1]
    assert (breach.assignee, breach.due_at, breach.conference_id) == (STAFF.manager_id, due, waiting.conference_id)
    assert (await view(handle)).breached == [ConferenceDeadline.CONVENING]


async def test_the_completion_clock_counts_from_the_day_it_was_held(harness: Harness) -> None:
    handle = await care(harness)
    await booked_after_consultation(harness, handle)
    held = await hold_at_booking_with(harness, handle, Held("cpc-1", private_time_minutes=45))
    assert held.booking is not None

    async def completion_due() -> datetime | None:
        return (await view(handle)).completion_due

    due = await eventually(completion_due)
    assert due == statutory_due(held.booking.start, COMPLETE_DAYS)
    before = len(keys(harness))
    await harness.skip_to(due - WARN + SECOND)
    assert keys(harness)[before:] == [(COMPLETION, 0, EscalationLevel.WARNING)]
    await harness.skip_to(due + SECOND)
    assert keys(harness)[before:] == [(COMPLETION, 0, EscalationLevel.WARNING), (COMPLETION, 1, EscalationLevel.BREACH)]
    await handle.execute_update(Conference.record_outcome, agreed_plan())
    result = await finished(handle)
    met = [e.detail for e in result.timeline if e.action == "timer.met"]
    assert met[-1] == f"COMPLETION due {due.isoformat()} (late: passed)"


async def test_a_court_direction_carries_the_courts_dates(harness: Harness) -> None:
    now = await harness.env.get_current_time()
    convene_by, report_by = now + 30 * DAY, now + 40 * DAY  # later than the policy's 14 and 28 days
    handle = await care(
        harness,
        trigger=TriggerKind.CARE_AND_PROTECTION_COURT_DIRECTION,
        case_id=None,
        court_convene_by=convene_by,
        court_report_by=report_by,
    )
    waiting = await in_stage(handle, ConferenceStage.CONSULTING)
    assert waiting.convening_due == convene_by
    await handle.execute_update(Conference.record_consultation, consulted())
    held = await hold_at_booking_with(harness, handle, Held("cpc-1", private_time_minutes=30))
    assert held.booking is not None

    async def completion_due() -> datetime | None:
        return (await view(handle)).completion_due

    assert await eventually(completion_due) == report_by
    await harness.skip_to(report_by + SECOND)
    assert (COMPLETION, 1, EscalationLevel.BREACH) in keys(harness)


async def test_a_court_direction_without_dates_runs_the_policys_clocks_from_the_direction(harness: Harness) -> None:
    handle = await care(harness, trigger=TriggerKind.CARE_AND_PROTECTION_COURT_DIRECTION, case_id=None)
    waiting = await in_stage(handle, ConferenceStage.CONSULTING)
    directed = triggered(harness)
    assert waiting.convening_due == statutory_due(directed, COURT_CONVENE_DAYS)
    await handle.execute_update(Conference.record_consultation, consulted())
    await hold_at_booking_with(harness, handle, Held("cpc-1", private_time_minutes=30))

    async def completion_due() -> datetime | None:
        return (await view(handle)).completion_due

    # s 19(4): reported to the court within 28 days of the direction, not of the conference
    assert await eventually(completion_due) == statutory_due(directed, COURT_REPORT_DAYS)


async def test_a_youth_justice_court_date_only_brings_a_statutory_deadline_forward(harness: Harness) -> None:
    now = await harness.env.get_current_time()
    sooner = await start(harness, trigger=TriggerKind.COURT_DIRECTION, court_convene_by=now + 5 * DAY)
    assert (await view_when_open(sooner)).convening_due == now + 5 * DAY
    later = await start(harness, trigger=TriggerKind.COURT_DIRECTION, court_convene_by=now + 30 * DAY)
    assert (await view_when_open(later)).convening_due == statutory_due(triggered(harness), 14)


async def view_when_open(handle: WorkflowHandle) -> ConferenceView:
    async def opened() -> ConferenceView | None:
        found = await view(handle)
        return found if found.convening_due is not None else None

    return await eventually(opened)


async def test_a_youth_justice_conference_has_no_consultation_private_time_or_route(harness: Harness) -> None:
    handle = await start(harness)
    booked = await in_stage(handle, ConferenceStage.BOOKED)
    assert not booked.care_and_protection
    assert "care and protection conference only" in await rejected(handle, Conference.record_consultation, consulted())
    assert booked.booking is not None
    await harness.skip_to(booked.booking.start + SECOND)
    assert "recorded for a care and protection conference" in await rejected(
        handle, Conference.record_held, Held("yjc-1", private_time_minutes=30)
    )
    await handle.execute_update(Conference.record_held, Held("yjc-1"))
    assert "referred back to the court or Police" in await rejected(
        handle, Conference.record_outcome, not_agreed(NoAgreementRoute.BACK_TO_SOCIAL_WORKER)
    )
    # a youth justice conference's agreed plan, structured, is made the child's plan too
    await handle.execute_update(Conference.record_outcome, agreed_plan())
    result = await finished(handle)
    assert "plan.kept" in [e.action for e in result.timeline], "a conference without a case keeps its plan"


async def test_a_youth_justice_conference_of_a_case_makes_its_structured_plan_the_childs_plan(
    harness: Harness,
) -> None:
    case_id = str(uuid.uuid4())
    handle = await start(harness, case_id=case_id)
    booked = await in_stage(handle, ConferenceStage.BOOKED)
    assert booked.booking is not None
    await harness.skip_to(booked.booking.start + SECOND)
    await handle.execute_update(Conference.record_held, Held("yjc-1"))
    await handle.execute_update(Conference.record_outcome, agreed_plan(2))
    result = await finished(handle)
    conference_id = handle.id.removeprefix("conference-")
    assert fakes(harness).plans == {conference_id: PlanHandoff(conference_id, case_id)}
    assert result.outcome.agreed and not fakes(harness).referred
    made = [e.detail for e in result.timeline if e.action == "plan.created"]
    assert made == [f"the child's plan {plan_id_of(case_id)}, from the agreed plan"]


async def test_a_plan_the_plan_service_refuses_waits_for_a_supervisor(harness: Harness) -> None:
    fakes(harness).refusals["create_conference_plan"] = 1  # the case has a plan made another way
    handle = await care(harness)
    await booked_after_consultation(harness, handle)
    await hold_at_booking_with(harness, handle, Held("cpc-1", private_time_minutes=30))
    await handle.execute_update(Conference.record_outcome, agreed_plan())

    async def waiting() -> bool:
        return bool(harness.activities.attention)

    await eventually(waiting)
    (item,) = harness.activities.attention.values()
    assert item.step == "create_conference_plan" and item.waiting
    await handle.execute_update(
        Conference.decide_attention, AttentionAnswer(item.item_key, AttentionDecision.RETRY, "sup-1", "revised")
    )
    result = await finished(handle)
    assert "plan.created" in [e.action for e in result.timeline]
