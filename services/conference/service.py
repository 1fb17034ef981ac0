"""ConferenceService: family group conferences, youth justice and care and protection. A
trigger starts a conference and its workflow once (a case starts its own: triage's youth
justice pathway, an assessment's approved referral to a care and protection conference);
each of the coordinator's actions is an update of that workflow, sent once
(services/common/actions.py); the worker's activities record what the workflow decides
(bookings, invitations, escalations, the referral back) and its own record (where the
conference stands, its events), from which GetConference answers (PostgreSQL only: reads
never need Temporal)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from temporalio.client import Client

from kahu.v1 import conference_pb2, conference_pb2_grpc, plan_pb2
from services.common import authz
from services.common.actions import StaffActions, request_digest
from services.common.authz import YOUTH_OFFENDING, Place, Restriction
from services.common.convert import timeline_to_proto, timestamp
from services.common.errors import AlreadyExists, FailedPrecondition, NotFound, PermissionDenied
from services.common.metrics import record_escalation
from services.common.outbox import BATCH, attempt, mark_in_background, start_once
from services.common.sites import load_sites
from services.conference import convert, slots, validation
from services.conference.bookings import BookingStore
from services.conference.calendars import CalendarStore
from services.conference.ids import derived_id
from services.conference.records import ConferenceRow
from services.conference.store import ConferenceStore
from services.conference.validation import CalendarRef, EscalationPosition, ParticipantAddition
from workflows.conference.model import (
    ConferenceInput,
    ConferenceOutcome,
    ConferenceStage,
    ConferenceView,
    Consultation,
    Held,
    InvitationResponse,
    ParticipantAdded,
    ParticipantRole,
    Rescheduling,
    ResponseRecord,
    SlotChoice,
)
from workflows.conference.workflows import YouthJusticeConferenceWorkflow
from workflows.policy.model import CasePolicy, TriggerKind, YouthJusticePolicy
from workflows.policy.working_days import NZ

#: Police triggers, and the court directions Police relay (Kahu has no courts' agency yet).
TRIGGERING_AGENCY = "AGENCY_POLICE"

StateAnswer = TypeVar(
    "StateAnswer",
    conference_pb2.BookResponse,
    conference_pb2.RescheduleResponse,
    conference_pb2.RecordHeldResponse,
    conference_pb2.RecordConsultationResponse,
)
AddAnswer = TypeVar("AddAnswer", conference_pb2.AddParticipantResponse, conference_pb2.AppointAdvocateResponse)


def _on_grid(start: dt.datetime, granularity: int) -> bool:
    day = start.astimezone(NZ).date()
    seconds = start.timestamp() - slots.local(day, 0)
    return start.microsecond == 0 and seconds % granularity == 0


class ConferenceLookup:
    """What the caller's scope is checked against for a conference (services/common/authz.py):
    its site and region, the agency that triggered it; a youth justice conference is about
    youth offending (a care and protection one is not)."""

    def __init__(self, store: ConferenceStore) -> None:
        self._store = store

    async def place(self, conference_id: str) -> Place | None:
        row = await self._store.get(conference_id)
        return None if row is None else Place(row.site, row.region)

    async def agencies(self, conference_id: str) -> frozenset[str]:
        row = await self._store.get(conference_id)
        return frozenset({row.started_by_agency}) if row is not None and row.started_by_agency else frozenset()

    async def social_worker(self, conference_id: str) -> str | None:
        return None

    async def concerns(self, conference_id: str) -> frozenset[str]:
        row = await self._store.get(conference_id)
        if row is not None and row.trigger.kind.care_and_protection:
            return frozenset()
        return frozenset({YOUTH_OFFENDING})


class ConferenceServicer(conference_pb2_grpc.ConferenceServiceServicer):
    def __init__(
        self,
        conferences: ConferenceStore,
        bookings: BookingStore,
        calendars: CalendarStore,
        temporal: Client,
        task_queue: str,
        policy: CasePolicy,
    ) -> None:
        assert policy.youth_justice is not None  # app.build refuses a policy without it
        self._care = policy.care_and_protection
        self._conferences = conferences
        self._bookings = bookings
        self._calendars = calendars
        self._temporal = temporal
        self._task_queue = task_queue
        self._policy: YouthJusticePolicy = policy.youth_justice
        self._case_policy = policy
        self._lookup = ConferenceLookup(conferences)
        self._actions = StaffActions(conferences.actions, temporal)

    async def _admit(self, conference_id: str) -> ConferenceRow:
        """The conference, once the caller's scope covers it (PERMISSION_DENIED otherwise,
        the same whether or not it exists; NOT_FOUND for callers with scope `any`)."""
        row = await self._conferences.get(conference_id) if conference_id else None
        await authz.admit_place(conference_id, None if row is None else Place(row.site, row.region), self._lookup)
        if row is None:
            raise NotFound("no such conference")
        return row

    def _admit_site(self, site: str) -> Restriction:
        """Admit a call about a site's reference data, a calendar there, or a listing by site
        ("": every site): the restriction the caller's scope puts on what it lists."""
        return authz.listing(site, "", load_sites()[site].region if site else "")

    async def _state(self, conference_id: str, view: ConferenceView) -> conference_pb2.ConferenceState:
        """The workflow's view, with the booked venue's name."""
        state = convert.state_to_proto(view)
        await self._name_venue(conference_id, state)
        return state

    async def _name_venue(self, conference_id: str, state: conference_pb2.ConferenceState) -> None:
        """Give the state's booking its venue's name (the workflow knows the venue's id)."""
        if state.HasField("booking"):
            booking = await self._bookings.current_booking(conference_id)
            if booking is not None and booking.booking.round == state.booking.round:
                state.booking.slot.venue_name = booking.venue_name

    def _answer(
        self, conference_id: str, response: type[StateAnswer]
    ) -> Callable[[ConferenceView], Awaitable[StateAnswer]]:
        """A staff action's response: the conference's state as the workflow left it."""

        async def answer(view: ConferenceView) -> StateAnswer:
            return response(state=await self._state(conference_id, view))

        return answer

    # -- triggers -------------------------------------------------------------------------

    async def StartConference(
        self, request: conference_pb2.StartConferenceRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.StartConferenceResponse:
        start = validation.validate_start(request, dt.datetime.now(dt.UTC))
        authz.admit_report(start.site.code, start.site.region, TRIGGERING_AGENCY)
        policy = self._policy_for(start.trigger.kind)
        # Unlike a staff action (an update of a workflow that exists), a start creates what it
        # is about: the conference row it stores is its idempotency record, and the workflow
        # start is deduplicated by the workflow id kept in that row.
        digest = request_digest(request)
        row, replayed = await self._conferences.start(
            key=request.idempotency_key,
            digest=digest,
            conference_id=str(uuid.uuid4()),
            conference=start,
            agency=authz.current_principal().agency,
            scheduling=convert.scheduling_of(policy),
        )
        authz.note_case(row.conference_id)
        if replayed and row.request_digest != digest:
            raise AlreadyExists("idempotency_key was already used for a different trigger")
        await self.start_workflow(row, {p.role.value for p in start.participants})
        return conference_pb2.StartConferenceResponse(
            conference_id=row.conference_id, workflow_id=row.workflow_id, replayed=replayed
        )

    def _policy_for(self, kind: TriggerKind) -> YouthJusticePolicy:
        """The policy a conference of `kind` runs under: youth justice's, or care and
        protection's (FAILED_PRECONDITION when the policy in force has none)."""
        if not kind.care_and_protection:
            return self._policy
        if self._care is None:
            raise FailedPrecondition("the policy in force has no care and protection conferences")
        return self._care.conference_policy()

    async def start_workflow(self, row: ConferenceRow, roles: set[str]) -> None:
        """Start the triggered conference's workflow (a retry, or the outbox, finds the one
        already started), then mark it started; `roles` are its participants' at the trigger."""
        conference = ConferenceInput(
            conference_id=row.conference_id,
            site=row.site,
            region=row.region,
            trigger=row.trigger.kind,
            triggered_at=row.trigger.triggered_at,
            detained=row.trigger.detained,
            offence_max_years=row.trigger.offence_max_years,
            policy=self._policy_for(row.trigger.kind),
            young_person_added=ParticipantRole.YOUNG_PERSON.value in roles,
            advocate_appointed=ParticipantRole.YOUTH_ADVOCATE.value in roles,
            escalation=self._case_policy.escalation,
            attention_after=self._case_policy.attention_after,
            court_convene_by=row.trigger.court_convene_by,
            court_report_by=row.trigger.court_report_by,
        )
        await start_once(
            self._temporal,
            YouthJusticeConferenceWorkflow.run,
            conference,
            workflow_id=row.workflow_id,
            task_queue=self._task_queue,
            stage=ConferenceStage.OPENING.value,
            site=row.site,
            region=row.region,
        )
        mark_in_background(self._conferences.mark_started(row.conference_id), f"conference {row.conference_id}")

    async def drain_outbox(self, before: dt.datetime) -> int:
        """One outbox round (services/common/outbox.py): start the workflows of conferences
        triggered before `before` that no call saw started; how many it started."""
        started = 0
        for row, roles in await self._conferences.unstarted(before, BATCH):
            started += await attempt(f"start conference {row.conference_id}", self.start_workflow(row, roles))
        return started

    async def GetConference(
        self, request: conference_pb2.GetConferenceRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.GetConferenceResponse:
        which = validation.validate_get(request)
        conference_id = which.conference_id
        if which.case_id:
            found = await self._conferences.by_case(which.case_id)
            conference_id = found.conference_id if found is not None else ""
        row = await self._admit(conference_id)
        people, plan = await self._conferences.record(row.conference_id)
        escalations = await self._conferences.escalations(conference_id=row.conference_id)
        message = conference_pb2.Conference(
            conference_id=row.conference_id,
            workflow_id=row.workflow_id,
            case_id=row.case_id or "",
            site=row.site,
            region=row.region,
            trigger=convert.trigger_to_proto(row.trigger),
            coordinator_id=row.coordinator_id,
            manager_id=row.manager_id,
            participants=[convert.participant_to_proto(p) for p in people],
            escalations=[convert.escalation_row_to_proto(e) for e in escalations],
        )
        if plan is not None:
            message.outcome.CopyFrom(convert.outcome_to_proto(plan))
        consultation = await self._conferences.consultation(row.conference_id)
        if consultation is not None:
            message.consultation.CopyFrom(convert.consultation_to_proto(consultation))
        recorded = await self._conferences.workflow_record(row.conference_id)
        if recorded is not None and recorded.standing is not None:  # from PostgreSQL alone, never Temporal
            state = conference_pb2.ConferenceStanding.FromString(recorded.standing).state
            state.timeline.extend(timeline_to_proto(recorded.events))
            await self._name_venue(row.conference_id, state)
            message.state.CopyFrom(state)
        return conference_pb2.GetConferenceResponse(conference=message)

    # -- the coordinator's actions ----------------------------------------------------------

    async def _add(
        self,
        request: conference_pb2.AddParticipantRequest | conference_pb2.AppointAdvocateRequest,
        addition: ParticipantAddition,
        *,
        name: str,
        actor: str,
        response: type[AddAnswer],
    ) -> AddAnswer:
        conference = await self._admit(addition.conference_id)
        conference_id, key, participant = conference.conference_id, request.idempotency_key, addition.participant
        participant_id = derived_id("participant", conference_id, key)

        async def answer(view: ConferenceView) -> AddAnswer:
            return response(participant_id=participant_id, state=await self._state(conference_id, view))

        return await self._actions.update(
            request,
            name=name,
            subject_id=conference_id,
            actor=actor,
            workflow_id=conference.workflow_id,
            update=YouthJusticeConferenceWorkflow.add_participant,
            arg=ParticipantAdded(participant_id, participant.role, participant.required, actor),
            response=response,
            answer=answer,
            written_with=self._conferences.add_participant(key, conference_id, participant_id, participant),
        )

    async def AddParticipant(
        self, request: conference_pb2.AddParticipantRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.AddParticipantResponse:
        return await self._add(
            request,
            validation.validate_add(request),
            name="conference.add_participant",
            actor=request.added_by,
            response=conference_pb2.AddParticipantResponse,
        )

    async def AppointAdvocate(
        self, request: conference_pb2.AppointAdvocateRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.AppointAdvocateResponse:
        # AppointAdvocateResponse has AddParticipantResponse's fields and numbers, so the
        # answers stored as the latter before still parse.
        return await self._add(
            request,
            validation.validate_appoint(request),
            name="conference.appoint_advocate",
            actor=request.appointed_by,
            response=conference_pb2.AppointAdvocateResponse,
        )

    async def FindSlots(
        self, request: conference_pb2.FindSlotsRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.FindSlotsResponse:
        now = dt.datetime.now(dt.UTC)
        search = validation.validate_find(request, now)
        conference = await self._admit(search.conference_id)
        if conference.convening_due is None:
            raise FailedPrecondition("the conference is still opening; try again shortly")
        earliest = now + dt.timedelta(seconds=conference.scheduling.minimum_notice)
        start = max(earliest, search.not_before or earliest)
        end = search.until or conference.convening_due
        venue, required = None, []
        consulted = await self._conferences.consultation(conference.conference_id)
        if consulted is not None:  # the whānau's dates, venue and the people they asked for
            start = max(start, consulted.not_before or start)
            end = min(end, consulted.not_after or end)
            venue, required = consulted.venue_id, consulted.attendee_ids
        found = await self._bookings.find(conference, start, end, search.limit, venue_id=venue, required=required)
        return conference_pb2.FindSlotsResponse(
            slots=[convert.slot_to_proto(s) for s in found],
            window_start=timestamp(start),
            window_end=timestamp(max(start, end)),
        )

    async def Book(
        self, request: conference_pb2.BookRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.BookResponse:
        chosen = validation.validate_book(request)
        conference = await self._admit(chosen.conference_id)
        if await self._calendars.venue_site(chosen.venue_id) != conference.site:
            raise validation.invalid("venue_id", f"is not a venue at the conference's site ({conference.site})")
        granularity = conference.scheduling.granularity
        if not _on_grid(chosen.start, granularity):
            raise validation.invalid(
                "start", f"must be on the slot grid: every {granularity} seconds from local midnight"
            )
        return await self._actions.update(
            request,
            name="conference.book",
            subject_id=conference.conference_id,
            actor=request.booked_by,
            workflow_id=conference.workflow_id,
            update=YouthJusticeConferenceWorkflow.book,
            arg=SlotChoice(
                start=chosen.start,
                venue_id=chosen.venue_id,
                chosen_by=request.booked_by,
                late_reason=request.late_reason,
            ),
            response=conference_pb2.BookResponse,
            answer=self._answer(conference.conference_id, conference_pb2.BookResponse),
        )

    async def Reschedule(
        self, request: conference_pb2.RescheduleRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RescheduleResponse:
        conference = await self._admit(validation.validate_reschedule(request))
        return await self._actions.update(
            request,
            name="conference.reschedule",
            subject_id=conference.conference_id,
            actor=request.requested_by,
            workflow_id=conference.workflow_id,
            update=YouthJusticeConferenceWorkflow.reschedule,
            arg=Rescheduling(requested_by=request.requested_by, reason=request.reason),
            response=conference_pb2.RescheduleResponse,
            answer=self._answer(conference.conference_id, conference_pb2.RescheduleResponse),
        )

    async def RecordResponse(
        self, request: conference_pb2.RecordResponseRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RecordResponseResponse:
        reply = validation.validate_response(request)
        conference = await self._admit(reply.conference_id)
        conference_id, participant_id, key = conference.conference_id, reply.participant_id, request.idempotency_key
        name, actor = "conference.respond", request.recorded_by
        # Read first: the checks follow the current booking, which a reschedule replaces; a retry gets its first answer.
        replay = await self._actions.answered(
            request, name=name, subject_id=conference_id, actor=actor, response=conference_pb2.RecordResponseResponse
        )
        if replay is not None:
            return replay
        participant = await self._conferences.participant(conference_id, participant_id)
        if reply.response == InvitationResponse.VIEWS_ONLY and participant.role not in validation.VIEWS_ROLES:
            raise validation.invalid("response", "VIEWS_ONLY is a victim's (or their representative's) answer")
        booking = await self._bookings.current_booking(conference_id)
        if booking is None or not await self._bookings.invitation(booking.booking_id, participant_id):
            raise FailedPrecondition("the participant has no invitation to a current booking")

        async def answer(view: ConferenceView) -> conference_pb2.RecordResponseResponse:
            await self._bookings.record_response(
                booking.booking_id, participant_id, reply.response, request.views, request.recorded_by
            )
            return conference_pb2.RecordResponseResponse(state=await self._state(conference_id, view))

        declined = participant.required and reply.response == InvitationResponse.DECLINED
        return await self._actions.update(
            request,
            name=name,
            subject_id=conference_id,
            actor=actor,
            workflow_id=conference.workflow_id,
            update=YouthJusticeConferenceWorkflow.respond,
            arg=ResponseRecord(
                participant_id=participant_id,
                round=booking.booking.round,
                response=reply.response,
                required=participant.required,
                recorded_by=request.recorded_by,
            ),
            response=conference_pb2.RecordResponseResponse,
            answer=answer,
            written_with=(
                self._calendars.add_decline_block(
                    key, participant.calendar_id, booking.booking.start, booking.booking.end
                )
                if declined
                else None
            ),
        )

    async def RecordConsultation(
        self, request: conference_pb2.RecordConsultationRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RecordConsultationResponse:
        consultation = validation.validate_consultation(request, dt.datetime.now(dt.UTC))
        conference = await self._admit(consultation.conference_id)
        conference_id = conference.conference_id
        name, actor = "conference.consultation", request.recorded_by
        replay = await self._actions.answered(
            request,
            name=name,
            subject_id=conference_id,
            actor=actor,
            response=conference_pb2.RecordConsultationResponse,
        )
        if replay is not None:
            return replay
        if not conference.trigger.kind.care_and_protection:
            raise FailedPrecondition("the whānau are consulted for a care and protection conference only")
        if consultation.venue_id and await self._calendars.venue_site(consultation.venue_id) != conference.site:
            raise validation.invalid(
                "consultation.venue_id", f"is not a venue at the conference's site ({conference.site})"
            )
        people, _ = await self._conferences.record(conference_id)
        known = {p.participant_id for p in people}
        for i, attendee in enumerate(consultation.attendee_ids):
            if attendee not in known:
                raise validation.invalid(f"consultation.attendee_ids[{i}]", "is not a participant of the conference")
        return await self._actions.update(
            request,
            name=name,
            subject_id=conference_id,
            actor=actor,
            workflow_id=conference.workflow_id,
            update=YouthJusticeConferenceWorkflow.record_consultation,
            arg=Consultation(
                recorded_by=request.recorded_by,
                not_before=consultation.not_before,
                not_after=consultation.not_after,
                venue_id=consultation.venue_id,
                attendees=consultation.attendee_ids,
                not_practicable=bool(consultation.not_practicable_reason),
            ),
            response=conference_pb2.RecordConsultationResponse,
            answer=self._answer(conference_id, conference_pb2.RecordConsultationResponse),
            written_with=self._conferences.add_consultation(request.idempotency_key, consultation, actor),
        )

    async def RecordHeld(
        self, request: conference_pb2.RecordHeldRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RecordHeldResponse:
        held = validation.validate_held(request)
        conference = await self._admit(held.conference_id)
        return await self._actions.update(
            request,
            name="conference.held",
            subject_id=conference.conference_id,
            actor=request.recorded_by,
            workflow_id=conference.workflow_id,
            update=YouthJusticeConferenceWorkflow.record_held,
            arg=Held(
                recorded_by=request.recorded_by,
                private_time_minutes=held.private_time_minutes,
                private_time_declined=held.private_time_declined,
            ),
            response=conference_pb2.RecordHeldResponse,
            answer=self._answer(conference.conference_id, conference_pb2.RecordHeldResponse),
        )

    async def RecordOutcome(
        self, request: conference_pb2.RecordOutcomeRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RecordOutcomeResponse:
        outcome = validation.validate_outcome(request, dt.datetime.now(dt.UTC))
        conference = await self._admit(outcome.conference_id)
        conference_id, key = conference.conference_id, request.idempotency_key
        plan_id = derived_id("plan", conference_id, key)

        async def answer(view: ConferenceView) -> conference_pb2.RecordOutcomeResponse:
            await self._conferences.close(conference_id)
            return conference_pb2.RecordOutcomeResponse(state=await self._state(conference_id, view))

        return await self._actions.update(
            request,
            name="conference.outcome",
            subject_id=conference_id,
            actor=request.recorded_by,
            workflow_id=conference.workflow_id,
            update=YouthJusticeConferenceWorkflow.record_outcome,
            arg=ConferenceOutcome(
                recorded_by=request.recorded_by,
                agreed=request.agreed,
                plan_id=plan_id,
                action_count=outcome.action_count,
                route=outcome.route,
                structured_plan=outcome.plan is not None,
            ),
            response=conference_pb2.RecordOutcomeResponse,
            answer=answer,
            written_with=self._conferences.add_plan(
                key,
                conference_id,
                plan_id,
                request.agreed,
                list(request.plan_actions) or [a.description for a in request.plan.actions],
                request.reason,
                request.recorded_by,
                outcome.route,
                outcome.plan.SerializeToString(deterministic=True) if outcome.plan is not None else None,
            ),
        )

    # -- escalations ----------------------------------------------------------------------

    async def ListEscalations(
        self, request: conference_pb2.ListEscalationsRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.ListEscalationsResponse:
        size = validation.validate_list(request)
        restriction = self._admit_site(request.site)
        after = validation.validate_page_token(request)
        rows = await self._conferences.escalations(
            manager_id=request.manager_id,
            site=request.site,
            include_resolved=request.include_resolved,
            limit=size + 1,
            after=after,
            restriction=restriction,
        )
        token = ""
        if len(rows) > size:
            last = rows[size - 1]
            token = EscalationPosition(last.raised_at, last.escalation_id).page_token(request)
        return conference_pb2.ListEscalationsResponse(
            escalations=[convert.escalation_row_to_proto(r) for r in rows[:size]], next_page_token=token
        )

    # -- reference data and availability ------------------------------------------------------

    async def RegisterCoordinator(
        self, request: conference_pb2.RegisterCoordinatorRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RegisterCoordinatorResponse:
        hours = validation.validate_register_coordinator(request)
        self._admit_site(request.site)
        await self._calendars.register_coordinator(request.staff_id, request.site, request.manager_id, hours)
        return conference_pb2.RegisterCoordinatorResponse()

    async def RegisterVenue(
        self, request: conference_pb2.RegisterVenueRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RegisterVenueResponse:
        hours = validation.validate_register_venue(request)
        self._admit_site(request.site)
        venue_id = await self._calendars.register_venue(request.site, request.name, hours)
        return conference_pb2.RegisterVenueResponse(venue_id=venue_id)

    async def SetWorkingHours(
        self, request: conference_pb2.SetWorkingHoursRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.SetWorkingHoursResponse:
        change = validation.validate_working_hours(request)
        await self._calendars.set_hours(await self._calendar(change.calendar), change.hours)
        return conference_pb2.SetWorkingHoursResponse()

    async def AddBusyBlocks(
        self, request: conference_pb2.AddBusyBlocksRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.AddBusyBlocksResponse:
        change = validation.validate_busy(request)
        calendar_id = await self._calendar(change.calendar)
        return conference_pb2.AddBusyBlocksResponse(
            block_ids=await self._calendars.add_busy(calendar_id, change.blocks)
        )

    async def RemoveBusyBlocks(
        self, request: conference_pb2.RemoveBusyBlocksRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RemoveBusyBlocksResponse:
        change = validation.validate_remove_busy(request)
        calendar_id = await self._calendar(change.calendar)
        removed = await self._calendars.remove_busy(calendar_id, change.block_ids)
        return conference_pb2.RemoveBusyBlocksResponse(removed=removed)

    async def _calendar(self, ref: CalendarRef) -> str:
        """The calendar a reference names, once the caller may change it: a participant's
        through their conference, a venue's through its site, a staff member's through one
        of the sites they work at (`CalendarStore.staff_sites`). A staff member who works
        at none yet affects no conference, and any caller the table allows may keep it."""
        if ref.kind == "participant":
            conference_id = await self._calendars.conference_of(ref.value)
            await self._admit(conference_id or "")
        elif ref.kind == "venue":
            site = await self._calendars.venue_site(ref.value)
            if site is None:
                await authz.admit_place("", None)  # PERMISSION_DENIED, or NOT_FOUND for scope `any`
            self._admit_site(site or "")
        else:
            sites = await self._calendars.staff_sites(ref.value)
            for site in sites:
                try:
                    self._admit_site(site)
                    break
                except PermissionDenied:
                    continue
            else:
                if sites:
                    raise PermissionDenied("not permitted for this calendar")
                self._admit_site("")
        return await self._calendars.calendar(ref.kind, ref.value)

    # -- called by the worker ---------------------------------------------------------------

    async def OpenConference(
        self, request: conference_pb2.OpenConferenceRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.OpenConferenceResponse:
        opening = validation.validate_open(request)
        authz.note_case(opening.conference_id)
        row = await self._conferences.open(opening)
        return conference_pb2.OpenConferenceResponse(coordinator_id=row.coordinator_id, manager_id=row.manager_id)

    async def HoldSlot(
        self, request: conference_pb2.HoldSlotRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.HoldSlotResponse:
        hold = validation.validate_hold(request)
        conference = await self._admit(hold.conference_id)
        row = await self._bookings.hold(conference, hold)
        response = conference_pb2.HoldSlotResponse()
        if row is not None:
            response.booking.CopyFrom(convert.booking_row_to_proto(row))
        return response

    async def ReleaseBooking(
        self, request: conference_pb2.ReleaseBookingRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.ReleaseBookingResponse:
        conference_id = validation.validate_release(request)
        authz.note_case(conference_id)
        return conference_pb2.ReleaseBookingResponse(
            released=await self._bookings.release(conference_id, request.round)
        )

    async def SendInvitations(
        self, request: conference_pb2.SendInvitationsRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.SendInvitationsResponse:
        round_ = validation.validate_invitations(request)
        conference = await self._admit(round_.conference_id)
        invited, conflicts = await self._bookings.invite(conference, round_.round, round_.participant_ids)
        return conference_pb2.SendInvitationsResponse(invited=invited, conflicts=conflicts)

    async def RaiseConferenceEscalation(
        self, request: conference_pb2.RaiseConferenceEscalationRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RaiseConferenceEscalationResponse:
        escalation = validation.validate_raise(request)
        await self._admit(escalation.conference_id)
        escalation_id, created = await self._conferences.raise_escalation(escalation)
        if created:
            record_escalation(f"CONFERENCE_{escalation.deadline.value}", escalation.level.value)
        return conference_pb2.RaiseConferenceEscalationResponse(escalation_id=escalation_id, created=created)

    async def ResolveConferenceEscalations(
        self, request: conference_pb2.ResolveConferenceEscalationsRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.ResolveConferenceEscalationsResponse:
        resolving = validation.validate_resolve(request)
        authz.note_case(resolving.conference_id)
        resolved = await self._conferences.resolve(resolving.conference_id, resolving.deadline, resolving.level)
        return conference_pb2.ResolveConferenceEscalationsResponse(resolved=resolved)

    async def ReferBack(
        self, request: conference_pb2.ReferBackRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.ReferBackResponse:
        conference_id = validation.require_conference_id(request.conference_id)
        await self._admit(conference_id)
        referral_id, already = await self._conferences.refer_back(conference_id)
        return conference_pb2.ReferBackResponse(referral_id=referral_id, already_sent=already)

    async def GetAgreedPlan(
        self, request: conference_pb2.GetAgreedPlanRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.GetAgreedPlanResponse:
        row = await self._admit(validation.require_conference_id(request.conference_id))
        _, plan = await self._conferences.record(row.conference_id)
        if plan is None or not plan.agreed or plan.content is None:
            raise NotFound("the conference has no agreed plan to make the child's plan of")
        return conference_pb2.GetAgreedPlanResponse(
            case_id=row.case_id or "",
            recorded_by=plan.recorded_by,
            plan=plan_pb2.PlanContent.FromString(plan.content),
        )

    async def RecordConference(
        self, request: conference_pb2.RecordConferenceRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RecordConferenceResponse:
        """The conference workflow's events, each once, and where it stands (kept apart from
        the conference's row: a case's conference records before its workflow opened it)."""
        recording = validation.validate_record(request)
        await authz.admit_place(recording.conference_id, recording.place)
        return conference_pb2.RecordConferenceResponse(recorded=await self._conferences.record_workflow(recording))

    async def GetConferenceScope(
        self, request: conference_pb2.GetConferenceScopeRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.GetConferenceScopeResponse:
        row = await self._admit(validation.require_conference_id(request.conference_id))
        agencies = [row.started_by_agency] if row.started_by_agency else []
        return conference_pb2.GetConferenceScopeResponse(site=row.site, region=row.region, agencies=agencies)
