"""Care and protection family group conferences through real gRPC, PostgreSQL, Temporal and
the worker: a case's assessment outcome, checked by a supervisor (DecideApproval), starts
the case's conference; the whānau consulted (RecordConsultation) before the slot is booked
in their dates at their venue; held with the family's private time; the agreed plan made
the child's plan in PlanService exactly once. A Family Court's direction starts one over
gRPC, on the court's dates. Bad input is named field by field and changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import grpc
import pytest

from kahu.v1 import (
    common_pb2,
    conference_pb2,
    conference_pb2_grpc,
    intake_pb2_grpc,
    plan_pb2,
    supervision_pb2,
)
from services.common.convert import from_timestamp, timestamp
from services.common.errors import field_violations
from tests.conference.conferences import get, key, participant, reaches, register, start_request
from tests.conftest import Platform
from tests.factories import submit_request
from tests.intake.reports import assessed, closed_case, decide
from tests.polling import answered, eventually

SITE = "west-coast"
PREPARING = conference_pb2.CONFERENCE_STAGE_PREPARING
CONSULTING = conference_pb2.CONFERENCE_STAGE_CONSULTING
BOOKED = conference_pb2.CONFERENCE_STAGE_BOOKED
CLOSED = conference_pb2.CONFERENCE_STAGE_CLOSED
COURT = conference_pb2.TRIGGER_KIND_CARE_AND_PROTECTION_COURT_DIRECTION


async def _failure(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value


def _plan(now: dt.datetime) -> plan_pb2.PlanContent:
    return plan_pb2.PlanContent(
        lead_professional="sw.mere",
        lead_manager_id="sup.tui",
        review_due=timestamp(now + dt.timedelta(days=60)),
        goals=[plan_pb2.PlanGoal(goal_id="safe-home", description="Tama lives safely with his koro")],
        actions=[
            plan_pb2.PlanAction(
                action_id="koro-care",
                goal_id="safe-home",
                description="Koro cares for Tama day to day",
                owner_agency="oranga-tamariki",
                owner_id="sw.mere",
                owner_manager_id="sup.tui",
                due_at=timestamp(now + dt.timedelta(days=14)),
            ),
            plan_pb2.PlanAction(
                action_id="gp-check",
                goal_id="safe-home",
                description="A health check with the GP",
                owner_agency="health-nz",
                owner_id="gp.rangi",
                owner_manager_id="mgr.health",
                due_at=timestamp(now + dt.timedelta(days=21)),
            ),
        ],
    )


async def _held(
    conference: conference_pb2_grpc.ConferenceServiceStub,
    request: conference_pb2.RecordHeldRequest,
    starts: dt.datetime | None = None,
) -> conference_pb2.RecordHeldResponse:
    """Record it held once its booked slot (`starts`: a second or two from now unless another
    test's conference holds someone it needs for its minute) has begun."""

    async def held() -> conference_pb2.RecordHeldResponse | None:
        try:
            return await conference.RecordHeld(request)
        except grpc.aio.AioRpcError as error:  # booked a second or two ahead: not started yet
            assert error.code() == grpc.StatusCode.FAILED_PRECONDITION, error
            if "private time" in (error.details() or ""):
                raise
            return None

    ahead = 0.0 if starts is None else max(0.0, (starts - dt.datetime.now(dt.UTC)).total_seconds())
    return await eventually(held, timeout=30.0 + ahead)


async def _closed(platform: Platform, conference_id: str) -> conference_pb2.Conference:
    async def closed() -> conference_pb2.Conference | None:
        found = await get(platform, conference_id)
        return found if found.state.stage == CLOSED else None

    return await eventually(closed)


async def test_a_case_referral_checked_by_a_supervisor_ends_in_the_childs_plan(
    platform: Platform, care_intake: intake_pb2_grpc.IntakeServiceStub
) -> None:
    assert platform.conference is not None and platform.plan is not None
    # The marae the whānau ask for is not the site's first venue by name (nor free first, if
    # another conference holds it): the booking is there all the same.
    _, (_, marae) = await register(platform, SITE, venues=("Hokitika office", "Tūhuru Marae"), hours=[])
    request = submit_request()
    request.report.site = SITE
    opened = await care_intake.SubmitReport(request)
    case_id = opened.case_id
    await answered(lambda: decide(platform, case_id))  # until its triage proposal is in
    await assessed(
        platform,
        case_id,
        common_pb2.OUTCOME_FAMILY_GROUP_CONFERENCE,
        social_worker="sw.mere",
        site=SITE,
        allocated_by="sup.tui",
        reason="Tama needs care and protection: his whānau should plan for him.",
    )
    wrong_kind = supervision_pb2.DecideApprovalRequest(
        idempotency_key=key("approve"),
        case_id=case_id,
        approved=True,
        decided_by="sup.tui",
        reason="checked",
        kind=supervision_pb2.APPROVAL_KIND_SEEK_CUSTODY,
    )
    assert (
        await _failure(platform.supervision.DecideApproval(wrong_kind))
    ).code() == grpc.StatusCode.FAILED_PRECONDITION
    await platform.supervision.DecideApproval(
        supervision_pb2.DecideApprovalRequest(
            idempotency_key=key("approve"),
            case_id=case_id,
            approved=True,
            decided_by="sup.tui",
            reason="The referral is sound.",
            kind=supervision_pb2.APPROVAL_KIND_CARE_AND_PROTECTION_REFERRAL,
        )
    )

    async def conference() -> conference_pb2.Conference | None:
        try:
            found = await platform.conference.GetConference(conference_pb2.GetConferenceRequest(case_id=case_id))  # type: ignore[union-attr]
        except grpc.aio.AioRpcError as error:
            # not opened yet (a caller whose scope is not `any` is told it is not permitted)
            assert error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED), error
            return None
        return found.conference if found.conference.state.stage == PREPARING else None

    found = await eventually(conference)
    conference_id = found.conference_id
    assert found.trigger.kind == conference_pb2.TRIGGER_KIND_CARE_AND_PROTECTION_REFERRAL
    assert found.state.care_and_protection and found.case_id == case_id
    added = await platform.conference.AddParticipant(
        conference_pb2.AddParticipantRequest(
            idempotency_key=key("child"),
            conference_id=conference_id,
            participant=participant(conference_pb2.PARTICIPANT_ROLE_YOUNG_PERSON, "Tama Tainui"),
            added_by="sup.tui",
        )
    )
    koro = await platform.conference.AddParticipant(
        conference_pb2.AddParticipantRequest(
            idempotency_key=key("koro"),
            conference_id=conference_id,
            participant=participant(conference_pb2.PARTICIPANT_ROLE_WHANAU, "Koro Tainui"),
            added_by="sup.tui",
        )
    )
    assert added.participant_id != koro.participant_id
    await reaches(platform, conference_id, CONSULTING)
    now = dt.datetime.now(dt.UTC)
    consultation = conference_pb2.RecordConsultationRequest(
        idempotency_key=key("consult"),
        conference_id=conference_id,
        recorded_by="sup.tui",
        consultation=conference_pb2.ConferenceConsultation(
            not_before=timestamp(now),
            not_after=timestamp(now + dt.timedelta(days=7)),
            venue_id=marae,
            attendee_ids=[koro.participant_id],
            notes="Koro asks that the conference be held at the marae.",
        ),
    )
    await platform.conference.RecordConsultation(consultation)
    again = await platform.conference.RecordConsultation(consultation)
    assert again.replayed
    booked = await reaches(platform, conference_id, BOOKED)
    assert booked.state.booking.slot.venue_id == marae and booked.state.consulted
    assert booked.consultation.notes.startswith("Koro asks") and list(booked.consultation.attendee_ids) == [
        koro.participant_id
    ]
    slots = await platform.conference.FindSlots(conference_pb2.FindSlotsRequest(conference_id=conference_id, limit=5))
    assert slots.slots and {s.venue_id for s in slots.slots} == {marae}, "the whānau's venue only"

    held = conference_pb2.RecordHeldRequest(
        idempotency_key=key("held"), conference_id=conference_id, recorded_by="sup.tui"
    )
    starts = booked.state.booking.slot.start.ToDatetime(dt.UTC)
    refused = await _failure(_held(platform.conference, held, starts))
    assert "private time" in (refused.details() or "")
    held.idempotency_key = key("held")
    held.private_time.minutes = 40
    answer = await _held(platform.conference, held, starts)
    assert answer.state.private_time.minutes == 40

    outcome = conference_pb2.RecordOutcomeRequest(
        idempotency_key=key("outcome"),
        conference_id=conference_id,
        recorded_by="sup.tui",
        agreed=True,
        plan=_plan(now),
    )
    await platform.conference.RecordOutcome(outcome)
    closed = await _closed(platform, conference_id)
    assert closed.outcome.agreed and closed.outcome.plan.actions[1].owner_agency == "health-nz"
    assert [a for a in closed.outcome.plan_actions] == ["Koro cares for Tama day to day", "A health check with the GP"]

    plan = (await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))).plan
    assert plan.current.version == 1 and plan.current.changed_by == "sup.tui"
    assert conference_id in plan.current.reason
    assert [a.action_id for a in plan.current.content.actions] == ["koro-care", "gp-check"]
    case = await closed_case(platform, case_id)
    assert case.outcome == common_pb2.OUTCOME_FAMILY_GROUP_CONFERENCE
    actions = [e.action for e in case.timeline]
    for step in ("approval.granted", "conference.referred", "whanau.consulted", "private_time.held", "plan.created"):
        assert step in actions, step


async def test_a_court_direction_runs_on_the_courts_dates(
    platform: Platform, fast_conference: conference_pb2_grpc.ConferenceServiceStub
) -> None:
    staff, _ = await register(platform, "west-coast", hours=[])
    now = dt.datetime.now(dt.UTC)
    convene_by, report_by = now + dt.timedelta(days=30), now + dt.timedelta(days=40)
    request = start_request(
        staff,
        trigger=conference_pb2.ConferenceTrigger(
            kind=COURT,
            triggered_at=timestamp(now),
            reference="FAM-2026-012-000123",
            court_convene_by=timestamp(convene_by),
            court_report_by=timestamp(report_by),
        ),
    )
    del request.participants[3:]  # no Police, no victim
    started = await fast_conference.StartConference(request)
    waiting = await reaches(platform, started.conference_id, CONSULTING)
    assert waiting.trigger.kind == COURT and from_timestamp(waiting.trigger.court_report_by) == report_by
    assert from_timestamp(waiting.state.convening_due) == convene_by, "the court's date, not the policy's 14 days"
    assert not waiting.case_id


async def test_bad_care_and_protection_input_is_named_and_changes_nothing(
    platform: Platform, fast_conference: conference_pb2_grpc.ConferenceServiceStub
) -> None:
    staff, _ = await register(platform, "west-coast", hours=[])
    now = dt.datetime.now(dt.UTC)
    referral = start_request(
        staff,
        trigger=conference_pb2.ConferenceTrigger(
            kind=conference_pb2.TRIGGER_KIND_CARE_AND_PROTECTION_REFERRAL,
            triggered_at=timestamp(now),
            court_convene_by=timestamp(now - dt.timedelta(days=1)),
        ),
    )
    error = await _failure(fast_conference.StartConference(referral))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(error)} == {"trigger.kind", "trigger.court_convene_by"}

    youth = await fast_conference.StartConference(start_request(staff))
    await reaches(platform, youth.conference_id, BOOKED)
    consult = conference_pb2.RecordConsultationRequest(
        idempotency_key=key("consult"), conference_id=youth.conference_id, recorded_by=staff.coordinator
    )
    assert (await _failure(fast_conference.RecordConsultation(consult))).code() == grpc.StatusCode.FAILED_PRECONDITION

    bad = conference_pb2.RecordConsultationRequest(
        idempotency_key=key("consult"),
        conference_id=youth.conference_id,
        recorded_by=staff.coordinator,
        consultation=conference_pb2.ConferenceConsultation(
            not_before=timestamp(now + dt.timedelta(days=5)),
            not_after=timestamp(now + dt.timedelta(days=2)),
            venue_id="not-a-venue",
            attendee_ids=[str(uuid.uuid4()), "nobody"],
            not_practicable_reason="no phone",
        ),
    )
    error = await _failure(fast_conference.RecordConsultation(bad))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(error)} == {
        "consultation.not_after",
        "consultation.venue_id",
        "consultation.attendee_ids[1]",
        "consultation",
    }
    held = conference_pb2.RecordHeldRequest(
        idempotency_key=key("held"),
        conference_id=youth.conference_id,
        recorded_by=staff.coordinator,
        private_time=conference_pb2.PrivateTime(minutes=30, declined_reason="they left"),
    )
    error = await _failure(fast_conference.RecordHeld(held))
    assert {v.field for v in field_violations(error)} == {"private_time"}
    outcome = conference_pb2.RecordOutcomeRequest(
        idempotency_key=key("outcome"),
        conference_id=youth.conference_id,
        recorded_by=staff.coordinator,
        agreed=True,
        plan=plan_pb2.PlanContent(lead_professional="sw.mere"),
        route=conference_pb2.NO_AGREEMENT_ROUTE_REFER_TO_COURT,
    )
    error = await _failure(fast_conference.RecordOutcome(outcome))
    fields = {v.field for v in field_violations(error)}
    assert {"route", "plan.lead_manager_id", "plan.goals", "plan.actions"} <= fields
