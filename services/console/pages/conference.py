"""A youth justice family group conference (ConferenceService): its statutory clocks, the
booking, who is invited and how each answered, and the earliest free slots; book a slot
while it is being scheduled, and record a participant's answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kahu.v1 import conference_pb2
from services.console import nztime
from services.console.backend import Refusal, act, acting_as, call, settled
from services.console.forms import Problem, choice, problem, submitted, text
from services.console.pages.common import context, done
from services.console.render import page

SLOTS = 5
BOOK_FIELDS = ("late_reason",)
RESPONSE_FIELDS = ("response", "views")


async def show(request: Request, problem_: Problem | None = None) -> Response:
    ctx, who = context(request)
    conference_id = str(request.path_params["conference_id"])
    with acting_as(who):
        try:
            found = await call(
                ctx.backend.conference.GetConference, conference_pb2.GetConferenceRequest(conference_id=conference_id)
            )
        except Refusal as refusal:
            return page(request, "refused.html", {"title": "Conference", "refusal": refusal}, 403)
        slots = await settled(
            call(
                ctx.backend.conference.FindSlots,
                conference_pb2.FindSlotsRequest(conference_id=conference_id, limit=SLOTS),
            )
        )
    return page(
        request,
        "conference.html",
        {
            "title": f"Conference {conference_id[:8]}",
            "conference": found.conference,
            "state": found.conference.state,
            "slots": [] if isinstance(slots, Refusal) else list(slots.slots),
            "slots_refused": slots if isinstance(slots, Refusal) else None,
            "problem": problem_,
        },
        200 if problem_ is None else 400,
    )


async def book(request: Request) -> Response:
    ctx, who = context(request)
    conference_id = str(request.path_params["conference_id"])
    form = await submitted(request)
    venue_id = text(form, "venue_id")
    action = conference_pb2.BookRequest(
        idempotency_key=text(form, "idempotency_key"),
        conference_id=conference_id,
        venue_id=venue_id,
        booked_by=who.subject,
        late_reason=text(form, "late_reason"),
    )
    form_id = f"book-{text(form, 'slot')}"
    try:
        action.start.FromDatetime(nztime.parse_iso(text(form, "start")))
    except ValueError:
        return await show(request, Problem(form_id, "That slot is not a time: choose one of the slots shown"))
    refusal = await act(who, ctx.backend.conference.Book, action)
    if refusal is not None:
        return await show(request, problem(form_id, refusal, form, BOOK_FIELDS))
    return done(request, "Booked: everyone is invited.", f"/conferences/{conference_id}")


async def respond(request: Request) -> Response:
    ctx, who = context(request)
    conference_id = str(request.path_params["conference_id"])
    form = await submitted(request)
    participant_id = text(form, "participant_id")
    action = conference_pb2.RecordResponseRequest(
        idempotency_key=text(form, "idempotency_key"),
        conference_id=conference_id,
        participant_id=participant_id,
        response=choice(form, "response", conference_pb2.InvitationResponse),
        views=text(form, "views"),
        recorded_by=who.subject,
    )
    refusal = await act(who, ctx.backend.conference.RecordResponse, action)
    if refusal is not None:
        return await show(request, problem(f"respond-{participant_id}", refusal, form, RESPONSE_FIELDS))
    return done(request, "Answer recorded.", f"/conferences/{conference_id}")
