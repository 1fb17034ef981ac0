"""ConferenceService: youth justice family group conferences. Triggers start a conference
(and its workflow) exactly once; staff actions reach the workflow exactly once; scheduling
finds the earliest slot in the statutory window; bookings are never doubled (the database
refuses it); personal data stays here."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import uuid

import grpc
from google.protobuf.message import Message
from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from kahu.v1 import conference_pb2, conference_pb2_grpc
from services.common import authz, paging
from services.common.actions import Action, perform
from services.common.authz import YOUTH_OFFENDING, Place
from services.common.convert import timestamp
from services.common.errors import AlreadyExists, FailedPrecondition, NotFound, PermissionDenied, Violations
from services.common.metrics import record_escalation
from services.common.sites import Site, load_sites
from services.common.updates import Unavailable, query, send_update
from services.conference import convert, slots
from services.conference import validation as check
from services.conference.store import (
    BookingRow,
    ConferenceRow,
    ConferenceStore,
    EscalationRow,
    ParticipantRow,
    PlanRow,
    derived_id,
)
from workflows import search_attributes as sa
from workflows.conference.model import (
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
    conference_workflow_id,
)
from workflows.conference.workflows import YouthJusticeConferenceWorkflow
from workflows.policy.model import YouthJusticePolicy
from workflows.policy.working_days import NZ


def _slot(s: slots.Slot) -> conference_pb2.ConferenceSlot:
    return conference_pb2.ConferenceSlot(
        start=timestamp(dt.datetime.fromtimestamp(s.start, dt.UTC)),
        end=timestamp(dt.datetime.fromtimestamp(s.end, dt.UTC)),
        venue_id=s.venue_id,
        venue_name=s.venue_name,
    )


def site_of(code: str) -> Site:
    return load_sites()[code]


def _on_grid(start: dt.datetime, granularity: int) -> bool:
    day = start.astimezone(NZ).date()
    seconds = start.timestamp() - slots.local(day, 0)
    return start.microsecond == 0 and seconds % granularity == 0


def _participant(p: ParticipantRow) -> conference_pb2.ConferenceParticipant:
    return conference_pb2.ConferenceParticipant(
        participant_id=p.participant_id,
        role=convert.ROLE.to_proto(p.role),
        required=p.required,
        name=p.name,
        contact=p.contact,
        staff_id=p.staff_id or "",
        invited=p.invited,
        response=convert.RESPONSE.to_proto(p.response),
        views=p.views,
    )


def _escalation(row: EscalationRow) -> conference_pb2.ConferenceEscalation:
    message = convert.escalation_to_proto(row.escalation)
    message.escalation_id = row.escalation_id
    message.raised_at.CopyFrom(timestamp(row.raised_at))
    message.resolved = row.resolved
    return message


def _outcome(plan: PlanRow) -> conference_pb2.ConferenceOutcome:
    return conference_pb2.ConferenceOutcome(
        agreed=plan.agreed,
        plan_actions=plan.actions,
        reason=plan.reason,
        recorded_by=plan.recorded_by,
        recorded_at=timestamp(plan.recorded_at),
        referred_back=plan.referred_back,
    )


def _trigger(row: ConferenceRow) -> conference_pb2.ConferenceTrigger:
    t = row.trigger
    return conference_pb2.ConferenceTrigger(
        kind=convert.TRIGGER.to_proto(t.kind),
        triggered_at=timestamp(t.triggered_at),
        detained=t.detained,
        offence_max_years=t.offence_max_years,
        reference=t.reference,
    )


def _booking(row: BookingRow) -> conference_pb2.ConferenceBooking:
    return convert.booking_to_proto(row.booking, row.venue_name)


#: Police triggers, and the court directions Police relay (Kahu has no courts' agency yet).
TRIGGERING_AGENCY = "AGENCY_POLICE"


class ConferenceLookup:
    """What the caller's scope is checked against for a conference (services/common/authz.py):
    its site and region, the agency that triggered it; every conference is about youth
    offending."""

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
        return frozenset({YOUTH_OFFENDING})


class ConferenceServicer(conference_pb2_grpc.ConferenceServiceServicer):
    def __init__(self, store: ConferenceStore, temporal: Client, task_queue: str, policy: YouthJusticePolicy) -> None:
        self._store = store
        self._temporal = temporal
        self._task_queue = task_queue
        self._policy = policy
        self._lookup = ConferenceLookup(store)

    async def _admit(self, conference_id: str) -> ConferenceRow:
        """The conference, once the caller's scope covers it (PERMISSION_DENIED otherwise,
        the same whether or not it exists; NOT_FOUND for callers with scope `any`)."""
        row = await self._store.get(conference_id) if conference_id else None
        await authz.admit_place(conference_id, None if row is None else Place(row.site, row.region), self._lookup)
        if row is None:
            raise NotFound("no such conference")
        return row

    def _admit_site(self, site: str) -> None:
        """Admit a call about a site's reference data or a calendar there."""
        authz.listing(site, "", site_of(site).region if site else "")

    # -- triggers -------------------------------------------------------------------------

    async def StartConference(
        self, request: conference_pb2.StartConferenceRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.StartConferenceResponse:
        start = check.validate_start(request, dt.datetime.now(dt.UTC))
        authz.admit_report(start.site.code, start.site.region, TRIGGERING_AGENCY)
        digest = hashlib.sha256(request.SerializeToString(deterministic=True)).digest()
        conference_id = str(uuid.uuid4())
        row, replayed = await self._store.start(
            key=request.idempotency_key,
            digest=digest,
            conference_id=conference_id,
            workflow_id=conference_workflow_id(conference_id),
            site=start.site,
            trigger=start.trigger,
            coordinator=start.coordinator_id,
            participants=start.participants,
            agency=authz.current_principal().agency,
            scheduling=convert.scheduling_of(self._policy),
        )
        authz.note_case(row.conference_id)
        if replayed and row.request_digest != digest:
            raise AlreadyExists("idempotency_key was already used for a different trigger")
        roles = {p.role for p in start.participants}
        await self._start_workflow(
            ConferenceInput(
                conference_id=row.conference_id,
                site=row.site,
                region=row.region,
                trigger=row.trigger.kind,
                triggered_at=row.trigger.triggered_at,
                detained=row.trigger.detained,
                offence_max_years=row.trigger.offence_max_years,
                policy=self._policy,
                young_person_added=ParticipantRole.YOUNG_PERSON in roles,
                advocate_appointed=ParticipantRole.YOUTH_ADVOCATE in roles,
            ),
            row,
        )
        return conference_pb2.StartConferenceResponse(
            conference_id=row.conference_id, workflow_id=row.workflow_id, replayed=replayed
        )

    async def _start_workflow(self, conference: ConferenceInput, row: ConferenceRow) -> None:
        """Start the conference's workflow; a retry finds the one already started."""
        with contextlib.suppress(WorkflowAlreadyStartedError):  # started and already finished
            await self._temporal.start_workflow(
                YouthJusticeConferenceWorkflow.run,
                conference,
                id=row.workflow_id,
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(sa.STAGE, ConferenceStage.OPENING.value),
                        SearchAttributePair(sa.SITE, row.site),
                        SearchAttributePair(sa.REGION, row.region),
                    ]
                ),
            )

    async def GetConference(
        self, request: conference_pb2.GetConferenceRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.GetConferenceResponse:
        v = Violations()
        if request.WhichOneof("conference") == "case_id":
            case_id = check.uuid_field(v, request.case_id, "case_id", "case id")
            v.raise_if_any()
            found = await self._store.by_case(case_id)
            conference_id = found.conference_id if found is not None else ""
        else:
            conference_id = check.require_conference_id(request.conference_id)
        row = await self._admit(conference_id)
        people, plan = await self._store.record(row.conference_id)
        message = conference_pb2.Conference(
            conference_id=row.conference_id,
            workflow_id=row.workflow_id,
            case_id=row.case_id or "",
            site=row.site,
            region=row.region,
            trigger=_trigger(row),
            coordinator_id=row.coordinator_id,
            manager_id=row.manager_id,
            participants=[_participant(p) for p in people],
            escalations=[_escalation(e) for e in await self._store.escalations(conference_id=row.conference_id)],
        )
        if plan is not None:
            message.outcome.CopyFrom(_outcome(plan))
        with contextlib.suppress(Unavailable, RPCError):  # no worker answering right now: the record stands
            view = await query(self._temporal, row.workflow_id, YouthJusticeConferenceWorkflow.state)
            if view is not None:
                message.state.CopyFrom(await self._state(row.conference_id, view))
        return conference_pb2.GetConferenceResponse(conference=message)

    async def _state(self, conference_id: str, view: ConferenceView) -> conference_pb2.ConferenceState:
        """The workflow's view, with the booked venue's name (the workflow knows its id)."""
        state = convert.state_to_proto(view)
        if view.booking is not None:
            booking = await self._store.current_booking(conference_id)
            if booking is not None and booking.booking.round == view.booking.round:
                state.booking.slot.venue_name = booking.venue_name
        return state

    # -- the coordinator's actions ----------------------------------------------------------

    async def _add(
        self,
        key: str,
        conference_id: str,
        participant: check.NewParticipant,
        by: str,
        action_name: str,
        request: Message,
    ) -> tuple[bytes, bool, str]:
        await self._admit(conference_id)
        participant_id = derived_id("participant", conference_id, key)
        workflow_id = conference_workflow_id(conference_id)
        added = ParticipantAdded(participant_id, participant.role, participant.required, by)

        async def send() -> conference_pb2.AddParticipantResponse:
            view = await send_update(
                self._temporal, workflow_id, YouthJusticeConferenceWorkflow.add_participant, added, key=key
            )
            return conference_pb2.AddParticipantResponse(
                participant_id=participant_id, state=await self._state(conference_id, view)
            )

        action = Action(key, action_name, conference_id, by, request)
        also = self._store.add_participant(key, conference_id, participant_id, participant)
        answer, replayed = await perform(self._store.actions, action, send, also=also)
        return answer, replayed, participant_id

    async def AddParticipant(
        self, request: conference_pb2.AddParticipantRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.AddParticipantResponse:
        conference_id, participant = check.validate_add(request)
        answer, replayed, _ = await self._add(
            request.idempotency_key, conference_id, participant, request.added_by, "conference.add_participant", request
        )
        response = conference_pb2.AddParticipantResponse.FromString(answer)
        response.replayed = replayed
        return response

    async def AppointAdvocate(
        self, request: conference_pb2.AppointAdvocateRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.AppointAdvocateResponse:
        conference_id, advocate = check.validate_appoint(request)
        answer, replayed, _ = await self._add(
            request.idempotency_key,
            conference_id,
            advocate,
            request.appointed_by,
            "conference.appoint_advocate",
            request,
        )
        added = conference_pb2.AddParticipantResponse.FromString(answer)
        return conference_pb2.AppointAdvocateResponse(
            participant_id=added.participant_id, state=added.state, replayed=replayed
        )

    async def FindSlots(
        self, request: conference_pb2.FindSlotsRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.FindSlotsResponse:
        now = dt.datetime.now(dt.UTC)
        search = check.validate_find(request, now)
        conference = await self._admit(search.conference_id)
        if conference.convening_due is None:
            raise FailedPrecondition("the conference is still opening; try again shortly")
        earliest = now + dt.timedelta(seconds=conference.scheduling.minimum_notice)
        start = max(earliest, search.not_before or earliest)
        end = search.until or conference.convening_due
        found = await self._store.find(conference, start, end, conference.rules, search.limit)
        return conference_pb2.FindSlotsResponse(
            slots=[_slot(s) for s in found], window_start=timestamp(start), window_end=timestamp(max(start, end))
        )

    async def Book(
        self, request: conference_pb2.BookRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.BookResponse:
        conference_id, start, venue_id = check.validate_book(request)
        conference = await self._admit(conference_id)
        if await self._store.venue_site(venue_id) != conference.site:
            raise check.invalid("venue_id", f"is not a venue at the conference's site ({conference.site})")
        granularity = conference.scheduling.granularity
        if not _on_grid(start, granularity):
            raise check.invalid("start", f"must be on the slot grid: every {granularity} seconds from local midnight")
        choice = SlotChoice(
            start=start, venue_id=venue_id, chosen_by=request.booked_by, late_reason=request.late_reason
        )

        async def send() -> conference_pb2.BookResponse:
            view = await send_update(
                self._temporal,
                conference.workflow_id,
                YouthJusticeConferenceWorkflow.book,
                choice,
                key=request.idempotency_key,
            )
            return conference_pb2.BookResponse(state=await self._state(conference_id, view))

        action = Action(request.idempotency_key, "conference.book", conference_id, request.booked_by, request)
        answer, replayed = await perform(self._store.actions, action, send)
        response = conference_pb2.BookResponse.FromString(answer)
        response.replayed = replayed
        return response

    async def Reschedule(
        self, request: conference_pb2.RescheduleRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RescheduleResponse:
        conference_id = check.validate_reschedule(request)
        await self._admit(conference_id)
        rescheduling = Rescheduling(requested_by=request.requested_by, reason=request.reason)

        async def send() -> conference_pb2.RescheduleResponse:
            view = await send_update(
                self._temporal,
                conference_workflow_id(conference_id),
                YouthJusticeConferenceWorkflow.reschedule,
                rescheduling,
                key=request.idempotency_key,
            )
            return conference_pb2.RescheduleResponse(state=await self._state(conference_id, view))

        action = Action(request.idempotency_key, "conference.reschedule", conference_id, request.requested_by, request)
        answer, replayed = await perform(self._store.actions, action, send)
        response = conference_pb2.RescheduleResponse.FromString(answer)
        response.replayed = replayed
        return response

    async def RecordResponse(
        self, request: conference_pb2.RecordResponseRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RecordResponseResponse:
        conference_id, participant_id, answer_kind = check.validate_response(request)
        await self._admit(conference_id)
        key = request.idempotency_key
        action = Action(key, "conference.respond", conference_id, request.recorded_by, request)
        stored = await self._store.answered(key, action.digest)
        if stored is not None:  # a retry, whatever has happened since
            replay = conference_pb2.RecordResponseResponse.FromString(stored)
            replay.replayed = True
            return replay
        participant = await self._store.participant(conference_id, participant_id)
        if answer_kind == InvitationResponse.VIEWS_ONLY and participant.role not in check.VIEWS_ROLES:
            raise check.invalid("response", "VIEWS_ONLY is a victim's (or their representative's) answer")
        booking = await self._store.current_booking(conference_id)
        if booking is None or not await self._store.invitation(booking.booking_id, participant_id):
            raise FailedPrecondition("the participant has no invitation to a current booking")
        record = ResponseRecord(
            participant_id=participant_id,
            round=booking.booking.round,
            response=answer_kind,
            required=participant.required,
            recorded_by=request.recorded_by,
        )

        async def send() -> conference_pb2.RecordResponseResponse:
            view = await send_update(
                self._temporal,
                conference_workflow_id(conference_id),
                YouthJusticeConferenceWorkflow.respond,
                record,
                key=key,
            )
            await self._store.record_response(
                booking.booking_id, participant_id, answer_kind, request.views, request.recorded_by
            )
            return conference_pb2.RecordResponseResponse(state=await self._state(conference_id, view))

        also = None
        if participant.required and answer_kind == InvitationResponse.DECLINED:
            also = self._store.add_decline_block(
                key, participant.calendar_id, booking.booking.start, booking.booking.end
            )
        answer, replayed = await perform(self._store.actions, action, send, also=also)
        response = conference_pb2.RecordResponseResponse.FromString(answer)
        response.replayed = replayed
        return response

    async def RecordHeld(
        self, request: conference_pb2.RecordHeldRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RecordHeldResponse:
        conference_id = check.validate_held(request)
        await self._admit(conference_id)
        held = Held(recorded_by=request.recorded_by)

        async def send() -> conference_pb2.RecordHeldResponse:
            view = await send_update(
                self._temporal,
                conference_workflow_id(conference_id),
                YouthJusticeConferenceWorkflow.record_held,
                held,
                key=request.idempotency_key,
            )
            return conference_pb2.RecordHeldResponse(state=await self._state(conference_id, view))

        action = Action(request.idempotency_key, "conference.held", conference_id, request.recorded_by, request)
        answer, replayed = await perform(self._store.actions, action, send)
        response = conference_pb2.RecordHeldResponse.FromString(answer)
        response.replayed = replayed
        return response

    async def RecordOutcome(
        self, request: conference_pb2.RecordOutcomeRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RecordOutcomeResponse:
        conference_id = check.validate_outcome(request)
        await self._admit(conference_id)
        key = request.idempotency_key
        plan_id = derived_id("plan", conference_id, key)
        outcome = ConferenceOutcome(
            recorded_by=request.recorded_by,
            agreed=request.agreed,
            plan_id=plan_id,
            action_count=len(request.plan_actions),
        )

        async def send() -> conference_pb2.RecordOutcomeResponse:
            view = await send_update(
                self._temporal,
                conference_workflow_id(conference_id),
                YouthJusticeConferenceWorkflow.record_outcome,
                outcome,
                key=key,
            )
            await self._store.close(conference_id)
            return conference_pb2.RecordOutcomeResponse(state=await self._state(conference_id, view))

        also = self._store.add_plan(
            key, conference_id, plan_id, request.agreed, list(request.plan_actions), request.reason, request.recorded_by
        )
        action = Action(key, "conference.outcome", conference_id, request.recorded_by, request)
        answer, replayed = await perform(self._store.actions, action, send, also=also)
        response = conference_pb2.RecordOutcomeResponse.FromString(answer)
        response.replayed = replayed
        return response

    # -- escalations ----------------------------------------------------------------------

    async def ListEscalations(
        self, request: conference_pb2.ListEscalationsRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.ListEscalationsResponse:
        v = Violations()
        size = check.validate_list(request, v)
        v.raise_if_any()
        restriction = authz.listing(request.site, "", site_of(request.site).region if request.site else "")
        scope = f"conference-escalations|{request.manager_id}|{request.site}|{request.include_resolved}"
        position = paging.decode(v, request.page_token, scope)
        after = None
        if position is not None:
            try:
                after = (dt.datetime.fromisoformat(position["raised_at"]), str(uuid.UUID(position["id"])))
            except (KeyError, TypeError, ValueError):
                v.add("page_token", "is not a page token from this listing")
        v.raise_if_any()
        rows = await self._store.escalations(
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
            token = paging.encode(scope, {"raised_at": last.raised_at.isoformat(), "id": last.escalation_id})
        return conference_pb2.ListEscalationsResponse(
            escalations=[_escalation(r) for r in rows[:size]], next_page_token=token
        )

    # -- reference data and availability ------------------------------------------------------

    async def RegisterCoordinator(
        self, request: conference_pb2.RegisterCoordinatorRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RegisterCoordinatorResponse:
        hours = check.validate_register_coordinator(request)
        self._admit_site(request.site)
        await self._store.register_coordinator(request.staff_id, request.site, request.manager_id, hours)
        return conference_pb2.RegisterCoordinatorResponse()

    async def RegisterVenue(
        self, request: conference_pb2.RegisterVenueRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RegisterVenueResponse:
        hours = check.validate_register_venue(request)
        self._admit_site(request.site)
        venue_id = await self._store.register_venue(request.site, request.name, hours)
        return conference_pb2.RegisterVenueResponse(venue_id=venue_id)

    async def SetWorkingHours(
        self, request: conference_pb2.SetWorkingHoursRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.SetWorkingHoursResponse:
        ref, hours = check.validate_working_hours(request)
        await self._store.set_hours(await self._calendar(ref), hours)
        return conference_pb2.SetWorkingHoursResponse()

    async def AddBusyBlocks(
        self, request: conference_pb2.AddBusyBlocksRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.AddBusyBlocksResponse:
        ref, blocks = check.validate_busy(request)
        calendar_id = await self._calendar(ref)
        return conference_pb2.AddBusyBlocksResponse(block_ids=await self._store.add_busy(calendar_id, blocks))

    async def RemoveBusyBlocks(
        self, request: conference_pb2.RemoveBusyBlocksRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RemoveBusyBlocksResponse:
        ref, block_ids = check.validate_remove_busy(request)
        calendar_id = await self._calendar(ref)
        return conference_pb2.RemoveBusyBlocksResponse(removed=await self._store.remove_busy(calendar_id, block_ids))

    async def _calendar(self, ref: check.CalendarRef) -> str:
        """The calendar a reference names, once the caller may change it: a participant's
        through their conference, a venue's through its site, a staff member's through one
        of the sites they work at (`ConferenceStore.staff_sites`). A staff member who works
        at none yet affects no conference, and any caller the table allows may keep it."""
        if ref.kind == "participant":
            conference_id = await self._store.conference_of(ref.value)
            await self._admit(conference_id or "")
        elif ref.kind == "venue":
            site = await self._store.venue_site(ref.value)
            if site is None:
                await authz.admit_place("", None)  # PERMISSION_DENIED, or NOT_FOUND for scope `any`
            self._admit_site(site or "")
        else:
            sites = await self._store.staff_sites(ref.value)
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
        return await self._store.calendar(ref.kind, ref.value)

    # -- called by the worker ---------------------------------------------------------------

    async def OpenConference(
        self, request: conference_pb2.OpenConferenceRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.OpenConferenceResponse:
        conference_id, case_id, site, trigger, due, scheduling = check.validate_open(request)
        authz.note_case(conference_id)
        row = await self._store.open(conference_id, case_id, site, trigger, due, scheduling)
        return conference_pb2.OpenConferenceResponse(coordinator_id=row.coordinator_id, manager_id=row.manager_id)

    async def HoldSlot(
        self, request: conference_pb2.HoldSlotRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.HoldSlotResponse:
        hold = check.validate_hold(request)
        accepted = check.participant_ids(request.participant_ids)
        conference = await self._admit(hold.conference_id)
        row = await self._store.hold(
            conference,
            hold.round,
            (hold.not_before, hold.until),
            hold.slot,
            hold.booked_by,
            hold.late_reason,
            conference.rules,
            accepted,
        )
        response = conference_pb2.HoldSlotResponse()
        if row is not None:
            response.booking.CopyFrom(_booking(row))
        return response

    async def ReleaseBooking(
        self, request: conference_pb2.ReleaseBookingRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.ReleaseBookingResponse:
        conference_id = check.validate_round(request.conference_id, request.round)
        authz.note_case(conference_id)
        return conference_pb2.ReleaseBookingResponse(released=await self._store.release(conference_id, request.round))

    async def SendInvitations(
        self, request: conference_pb2.SendInvitationsRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.SendInvitationsResponse:
        conference_id = check.validate_round(request.conference_id, request.round)
        accepted = check.participant_ids(request.participant_ids)
        conference = await self._admit(conference_id)
        invited, conflicts = await self._store.invite(conference, request.round, accepted)
        return conference_pb2.SendInvitationsResponse(invited=invited, conflicts=conflicts)

    async def RaiseConferenceEscalation(
        self, request: conference_pb2.RaiseConferenceEscalationRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.RaiseConferenceEscalationResponse:
        escalation = check.validate_raise(request)
        await self._admit(escalation.conference_id)
        escalation_id, created = await self._store.raise_escalation(escalation)
        if created:
            record_escalation(f"CONFERENCE_{escalation.deadline.value}", escalation.level.value)
        return conference_pb2.RaiseConferenceEscalationResponse(escalation_id=escalation_id, created=created)

    async def ResolveConferenceEscalations(
        self, request: conference_pb2.ResolveConferenceEscalationsRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.ResolveConferenceEscalationsResponse:
        conference_id, deadline, level = check.validate_resolve(request)
        authz.note_case(conference_id)
        return conference_pb2.ResolveConferenceEscalationsResponse(
            resolved=await self._store.resolve(conference_id, deadline, level)
        )

    async def ReferBack(
        self, request: conference_pb2.ReferBackRequest, context: grpc.aio.ServicerContext
    ) -> conference_pb2.ReferBackResponse:
        conference_id = check.require_conference_id(request.conference_id)
        await self._admit(conference_id)
        referral_id, already = await self._store.refer_back(conference_id)
        return conference_pb2.ReferBackResponse(referral_id=referral_id, already_sent=already)
