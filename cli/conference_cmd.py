"""`kahu conference`: family group conferences (ConferenceService), youth justice and care
and protection, for the coordinator: start one from a file (a Police trigger, a court's
direction), show it, add participants and the youth advocate, record the whānau's
consultation (care and protection), find and book slots, reschedule, record responses, that
it was held (with the family's private time) and its outcome (a structured plan becomes the
child's plan), list escalations; and the reference data scheduling needs (coordinators,
venues, working hours and busy time). Times are New Zealand time unless they carry an offset."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from cli import protofile, render
from cli.common import By, IncludeResolved, Json, Key, OptSite, PageSize, PageToken, Site, read_text, state_of
from cli.params import RESPONSE, ROLE, ROUTE, Hours, idempotency_key, nz_time, uuid_value
from cli.rpc import fail
from kahu.v1 import conference_pb2
from workflows.policy.working_days import NZ

app = typer.Typer(
    help="Family group conferences (youth justice, care and protection): start, participants, the whānau's"
    " consultation, scheduling, held, outcome.",
    no_args_is_help=True,
)

ConferenceId = Annotated[str, typer.Argument(metavar="CONFERENCE_ID", parser=uuid_value, help="The conference's id.")]
WHEN_HELP = "2026-11-25 14:00 (New Zealand time), ISO 8601 with an offset, now, +DURATION or -DURATION"
HoursOption = Annotated[
    list[Hours] | None,
    typer.Option(
        "--hours",
        parser=Hours.parse,
        metavar="'DAYS HH:MM-HH:MM'",
        help="Working hours, repeatable: 'mon-fri 09:00-17:00', 'sat 10:00-13:00' (none: any conference hour).",
    ),
]
Staff = Annotated[str | None, typer.Option("--staff", help="A staff member's calendar (their staff id).")]
Participant = Annotated[
    str | None, typer.Option("--participant", parser=uuid_value, help="A participant's calendar (their id).")
]
Venue = Annotated[str | None, typer.Option("--venue", parser=uuid_value, help="A venue's calendar (its id).")]

#: What a start file holds: a StartConferenceRequest but its idempotency key.
START_FIELDS = ("trigger", "site", "coordinator_id", "participants")
#: What an outcome file holds.
OUTCOME_FIELDS = ("agreed", "plan_actions", "reason", "route", "plan")


def _act(ctx: typer.Context, method: str, request: Message, key: str, conference_id: str, as_json: bool) -> None:
    """Send a coordinator's action (`key`: its idempotency key) and show the conference as
    the answer leaves it (and the participant it added, if any)."""
    answer = state_of(ctx).call("conference", method, request, key)
    added = getattr(answer, "participant_id", "")
    state_of(ctx).show(
        answer, as_json, lambda c: render.conference_state(c, conference_id, answer.state, answer.replayed, added)
    )


def _timestamp(value: dt.datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(dt.UTC))
    return stamp


def _periods(hours: list[Hours] | None) -> list[conference_pb2.WorkingPeriod]:
    return [period for given in hours or [] for period in given.periods]


def _calendar(staff: str | None, participant: str | None, venue: str | None) -> conference_pb2.CalendarRef:
    named = {"staff_id": staff, "participant_id": participant, "venue_id": venue}
    given = {name: value for name, value in named.items() if value}
    if len(given) != 1:
        fail("give one calendar: --staff, --participant or --venue", 2)
    return conference_pb2.CalendarRef(**given)


def _load(path: str, message: protofile.M, fields: tuple[str, ...], elsewhere: str) -> protofile.M:
    try:
        return protofile.load(path, message, fields=fields, elsewhere=elsewhere)
    except protofile.ProtoFileError as error:
        fail(str(error), 2)


# -- a conference ------------------------------------------------------------------------


@app.command("start")
def start(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="The trigger, site, coordinator and participants, as YAML or JSON (a"
            ' kahu.v1.StartConferenceRequest without its key; "-": stdin). See cli/examples/conference.yaml.',
        ),
    ],
    triggered_at: Annotated[
        dt.datetime | None,
        typer.Option(
            parser=nz_time,
            metavar="WHEN",
            help=f"When the trigger happened (default: the file's, else now): {WHEN_HELP}.",
        ),
    ] = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Start a conference for a trigger (Police, the courts); prints its id. Its workflow books
    the earliest slot in the statutory window once the young person (and the youth advocate,
    when required) are in."""
    request = _load(file, conference_pb2.StartConferenceRequest(), START_FIELDS, "give the key with --idempotency-key")
    request.idempotency_key = idempotency_key(key)
    retry = ""
    if triggered_at is not None or not request.trigger.HasField("triggered_at"):
        at = (triggered_at or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        request.trigger.triggered_at.CopyFrom(_timestamp(at))
        retry = f"--triggered-at {at.astimezone(NZ).isoformat()}"  # a retry must send the same trigger
    answer = state_of(ctx).call("conference", "StartConference", request, request.idempotency_key, retry=retry)
    state_of(ctx).show(answer, as_json, lambda c: render.conference_started(c, answer))


@app.command("show")
def show(
    ctx: typer.Context,
    conference_id: Annotated[
        str | None,
        typer.Argument(metavar="[CONFERENCE_ID]", parser=uuid_value, help="The conference's id.", show_default=False),
    ] = None,
    case: Annotated[
        str | None, typer.Option("--case", parser=uuid_value, help="The conference a case's triage decision started.")
    ] = None,
    as_json: Json = False,
) -> None:
    """Show a conference: trigger, stage, statutory deadlines, booking, participants and their
    responses, escalations, outcome and timeline."""
    if (conference_id is None) == (case is None):
        fail("give a CONFERENCE_ID or --case CASE_ID", 2)
    request = (
        conference_pb2.GetConferenceRequest(case_id=case)
        if case is not None
        else conference_pb2.GetConferenceRequest(conference_id=conference_id)
    )
    answer = state_of(ctx).call("conference", "GetConference", request)
    state_of(ctx).show(answer, as_json, lambda c: render.conference(c, answer.conference))


@app.command("add-participant")
def add_participant(
    ctx: typer.Context,
    conference_id: ConferenceId,
    role: Annotated[int, typer.Option(parser=ROLE, metavar=ROLE.metavar, help="Who they are at the conference.")],
    name: Annotated[str, typer.Option(help="Their name.")],
    contact: Annotated[str, typer.Option(help="Phone or email.")] = "",
    staff_id: Annotated[str, typer.Option(help="Staff (Police youth aid, social worker): their staff id.")] = "",
    required: Annotated[
        bool | None,
        typer.Option("--required/--optional", help="Whether they must attend (default: by role).", show_default=False),
    ] = None,
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Add a participant (the youth advocate is appointed with `appoint-advocate`)."""
    participant = conference_pb2.NewParticipant(
        role=role,  # type: ignore[arg-type]
        name=name,
        contact=contact,
        staff_id=staff_id,
    )
    if required is not None:
        participant.required = required
    request = conference_pb2.AddParticipantRequest(
        idempotency_key=idempotency_key(key),
        conference_id=conference_id,
        participant=participant,
        added_by=state_of(ctx).actor(by),
    )
    _act(ctx, "AddParticipant", request, request.idempotency_key, conference_id, as_json)


@app.command("appoint-advocate")
def appoint_advocate(
    ctx: typer.Context,
    conference_id: ConferenceId,
    staff_id: Annotated[str, typer.Option(help="The youth advocate's staff id (their calendar).")],
    name: Annotated[str, typer.Option(help="Their name.")],
    contact: Annotated[str, typer.Option(help="Phone or email.")] = "",
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Appoint the youth advocate (required before scheduling for the most serious offences)."""
    request = conference_pb2.AppointAdvocateRequest(
        idempotency_key=idempotency_key(key),
        conference_id=conference_id,
        staff_id=staff_id,
        name=name,
        contact=contact,
        appointed_by=state_of(ctx).actor(by),
    )
    _act(ctx, "AppointAdvocate", request, request.idempotency_key, conference_id, as_json)


@app.command("slots")
def slots(
    ctx: typer.Context,
    conference_id: ConferenceId,
    limit: Annotated[int, typer.Option(min=0, max=100, help="At most this many (0: the service's default, 10).")] = 0,
    not_before: Annotated[
        dt.datetime | None, typer.Option(parser=nz_time, metavar="WHEN", help=f"No earlier than: {WHEN_HELP}.")
    ] = None,
    beyond_deadline: Annotated[bool, typer.Option(help="Search past the convening deadline, up to --until.")] = False,
    until: Annotated[
        dt.datetime | None,
        typer.Option(parser=nz_time, metavar="WHEN", help="With --beyond-deadline: search up to (within 90 days)."),
    ] = None,
    as_json: Json = False,
) -> None:
    """The earliest slots in which every required participant, the coordinator and a venue are
    free, after the minimum notice and before the convening deadline."""
    request = conference_pb2.FindSlotsRequest(conference_id=conference_id, limit=limit, beyond_deadline=beyond_deadline)
    if not_before is not None:
        request.not_before.CopyFrom(_timestamp(not_before))
    if until is not None:
        request.until.CopyFrom(_timestamp(until))
    answer = state_of(ctx).call("conference", "FindSlots", request)
    state_of(ctx).show(answer, as_json, lambda c: render.slots(c, answer))


@app.command("book")
def book(
    ctx: typer.Context,
    conference_id: ConferenceId,
    start_at: Annotated[
        dt.datetime,
        typer.Option("--start", parser=nz_time, metavar="WHEN", help="A slot's start from `kahu conference slots`."),
    ],
    venue: Annotated[str, typer.Option(parser=uuid_value, metavar="VENUE_ID", help="The slot's venue.")],
    late_reason: Annotated[str, typer.Option(help="Required when the slot ends after the convening deadline.")] = "",
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Book a chosen slot while the conference is being scheduled (e.g. after no slot was found)."""
    request = conference_pb2.BookRequest(
        idempotency_key=idempotency_key(key),
        conference_id=conference_id,
        start=_timestamp(start_at),
        venue_id=venue,
        booked_by=state_of(ctx).actor(by),
        late_reason=late_reason,
    )
    _act(ctx, "Book", request, request.idempotency_key, conference_id, as_json)


@app.command("reschedule")
def reschedule(
    ctx: typer.Context,
    conference_id: ConferenceId,
    reason: Annotated[str, typer.Option(help="Why (recorded on the conference).")],
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Release the booking and schedule again; the statutory deadlines do not move."""
    request = conference_pb2.RescheduleRequest(
        idempotency_key=idempotency_key(key),
        conference_id=conference_id,
        requested_by=state_of(ctx).actor(by),
        reason=reason,
    )
    _act(ctx, "Reschedule", request, request.idempotency_key, conference_id, as_json)


@app.command("respond")
def respond(
    ctx: typer.Context,
    conference_id: ConferenceId,
    participant_id: Annotated[
        str, typer.Argument(metavar="PARTICIPANT_ID", parser=uuid_value, help="From `kahu conference show`.")
    ],
    response: Annotated[
        int, typer.Option(parser=RESPONSE, metavar=RESPONSE.metavar, help="Their answer to the invitation.")
    ],
    views: Annotated[str | None, typer.Option(help="A victim's views (with views-only).")] = None,
    views_file: Annotated[str | None, typer.Option(help='Read the views from a file ("-": stdin).')] = None,
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record a participant's answer to their invitation; a decline by a required participant
    reopens scheduling."""
    if views is not None and views_file is not None:
        fail("give at most one of --views or --views-file", 2)
    text = views if views is not None else read_text(views_file) if views_file is not None else ""
    request = conference_pb2.RecordResponseRequest(
        idempotency_key=idempotency_key(key),
        conference_id=conference_id,
        participant_id=participant_id,
        response=response,  # type: ignore[arg-type]
        views=text,
        recorded_by=state_of(ctx).actor(by),
    )
    _act(ctx, "RecordResponse", request, request.idempotency_key, conference_id, as_json)


@app.command("consult")
def consult(
    ctx: typer.Context,
    conference_id: ConferenceId,
    not_before: Annotated[
        dt.datetime | None,
        typer.Option(parser=nz_time, metavar="WHEN", help=f"The whānau's earliest date ({WHEN_HELP})."),
    ] = None,
    not_after: Annotated[
        dt.datetime | None, typer.Option(parser=nz_time, metavar="WHEN", help="The whānau's latest date.")
    ] = None,
    venue: Annotated[
        str | None, typer.Option(parser=uuid_value, metavar="VENUE_ID", help="The venue the whānau chose.")
    ] = None,
    attendee: Annotated[
        list[str] | None,
        typer.Option(
            "--attendee",
            parser=uuid_value,
            metavar="PARTICIPANT_ID",
            help="A participant the whānau asked for (repeatable): the slot must suit them.",
        ),
    ] = None,
    notes: Annotated[str, typer.Option(help="What the whānau said (kept with the conference).")] = "",
    not_practicable: Annotated[
        str, typer.Option(help="Consulting the whānau was not practicable: why (then no dates, venue or attendees).")
    ] = "",
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record the co-ordinator's consultation of the whānau on the date, venue and who attends
    (care and protection; Oranga Tamariki Act 1989, s 21): the slot is then booked in their
    dates, at their venue, with the people they asked for."""
    consultation = conference_pb2.ConferenceConsultation(
        venue_id=venue or "", attendee_ids=attendee or [], notes=notes, not_practicable_reason=not_practicable
    )
    if not_before is not None:
        consultation.not_before.CopyFrom(_timestamp(not_before))
    if not_after is not None:
        consultation.not_after.CopyFrom(_timestamp(not_after))
    request = conference_pb2.RecordConsultationRequest(
        idempotency_key=idempotency_key(key),
        conference_id=conference_id,
        recorded_by=state_of(ctx).actor(by),
        consultation=consultation,
    )
    _act(ctx, "RecordConsultation", request, request.idempotency_key, conference_id, as_json)


@app.command("held")
def held(
    ctx: typer.Context,
    conference_id: ConferenceId,
    private_time: Annotated[
        int | None,
        typer.Option(
            "--private-time",
            metavar="MINUTES",
            help="The family's private time, in minutes (a care and protection conference needs it, or"
            " --private-time-declined).",
        ),
    ] = None,
    private_time_declined: Annotated[str, typer.Option(help="The whānau declined their private time: why.")] = "",
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record that the conference convened (at or after its booked start); a care and
    protection conference with the family's private time, held or declined."""
    request = conference_pb2.RecordHeldRequest(
        idempotency_key=idempotency_key(key), conference_id=conference_id, recorded_by=state_of(ctx).actor(by)
    )
    if private_time is not None or private_time_declined:
        request.private_time.CopyFrom(
            conference_pb2.PrivateTime(minutes=private_time or 0, declined_reason=private_time_declined)
        )
    _act(ctx, "RecordHeld", request, request.idempotency_key, conference_id, as_json)


@app.command("outcome")
def outcome(
    ctx: typer.Context,
    conference_id: ConferenceId,
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            help='The outcome as YAML or JSON: agreed, plan_actions or a structured plan, reason, route ("-": stdin).'
            " See cli/examples/outcome.yaml and cli/examples/care-outcome.yaml.",
        ),
    ] = None,
    agreed: Annotated[
        bool | None,
        typer.Option("--agreed/--not-agreed", help="Whether a plan was agreed (without --file).", show_default=False),
    ] = None,
    action: Annotated[
        list[str] | None, typer.Option("--action", help="An action of the agreed plan (repeatable).")
    ] = None,
    reason: Annotated[str, typer.Option(help="Why no plan was agreed (the matter is referred back).")] = "",
    route: Annotated[
        int | None,
        typer.Option(
            parser=ROUTE,
            metavar=ROUTE.metavar,
            help="Care and protection, no plan agreed: back to the social worker, or to the Family Court.",
        ),
    ] = None,
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record the outcome: a plan agreed with its actions (with --file, a structured plan:
    goals, actions with owners and due dates, lead professional, review date; it becomes the
    child's plan), or not agreed (youth justice: referred back to the court or Police; care and
    protection: --route). Closes the conference."""
    if file is not None:
        if agreed is not None or action or reason or route is not None:
            fail("give the outcome either in --file or with --agreed/--not-agreed, --action and --reason", 2)
        request = _load(file, conference_pb2.RecordOutcomeRequest(), OUTCOME_FIELDS, "give it on the command line")
    elif agreed is None:
        fail("give --file, --agreed (with --action) or --not-agreed (with --reason)", 2)
    else:
        request = conference_pb2.RecordOutcomeRequest(
            agreed=agreed,
            plan_actions=action or [],
            reason=reason,
            route=route or 0,  # type: ignore[arg-type]
        )
    request.idempotency_key = idempotency_key(key)
    request.conference_id = conference_id
    request.recorded_by = state_of(ctx).actor(by)
    _act(ctx, "RecordOutcome", request, request.idempotency_key, conference_id, as_json)


@app.command("escalations")
def escalations(
    ctx: typer.Context,
    manager: Annotated[str, typer.Option(help="Only those told to this manager (a staff id).")] = "",
    site: OptSite = "",
    include_resolved: IncludeResolved = False,
    page_size: PageSize = 0,
    page_token: PageToken = "",
    as_json: Json = False,
) -> None:
    """List conference escalations to coordinators' managers, oldest first."""
    request = conference_pb2.ListEscalationsRequest(
        manager_id=manager,
        site=site,
        include_resolved=include_resolved,
        page_size=page_size,
        page_token=page_token,
    )
    answer = state_of(ctx).call("conference", "ListEscalations", request)
    state_of(ctx).show(answer, as_json, lambda c: render.escalation_page(c, answer))


# -- reference data and calendars ---------------------------------------------------------


@app.command("register-coordinator")
def register_coordinator(
    ctx: typer.Context,
    staff_id: Annotated[str, typer.Argument(metavar="STAFF_ID", help="The coordinator's staff id.")],
    site: Site,
    manager: Annotated[str, typer.Option(help="Their manager's staff id (told of escalations).")],
    hours: HoursOption = None,
    as_json: Json = False,
) -> None:
    """Register (or update) a coordinator (youth justice, or care and protection) at a site,
    with their manager."""
    request = conference_pb2.RegisterCoordinatorRequest(
        staff_id=staff_id, site=site, manager_id=manager, working_hours=_periods(hours)
    )
    answer = state_of(ctx).call("conference", "RegisterCoordinator", request)
    state_of(ctx).show(
        answer, as_json, lambda c: render.done(c, f"Coordinator {staff_id} registered at {site} (manager {manager})")
    )


@app.command("register-venue")
def register_venue(
    ctx: typer.Context,
    site: Site,
    name: Annotated[str, typer.Option(help="The venue's name (the same site and name is the same venue).")],
    hours: HoursOption = None,
    as_json: Json = False,
) -> None:
    """Register (or update) a venue at a site; prints its id."""
    request = conference_pb2.RegisterVenueRequest(site=site, name=name, working_hours=_periods(hours))
    answer = state_of(ctx).call("conference", "RegisterVenue", request)
    state_of(ctx).show(
        answer, as_json, lambda c: render.done(c, f"Venue registered at {site}", [("venue", answer.venue_id)])
    )


@app.command("set-hours")
def set_hours(
    ctx: typer.Context,
    staff: Staff = None,
    participant: Participant = None,
    venue: Venue = None,
    hours: HoursOption = None,
    any_time: Annotated[bool, typer.Option(help="No working hours: any time within the conference hours.")] = False,
    as_json: Json = False,
) -> None:
    """Set a calendar's weekly working hours (replacing those set before)."""
    if bool(hours) == any_time:
        fail("give --hours (repeatable) or --any-time", 2)
    request = conference_pb2.SetWorkingHoursRequest(
        calendar=_calendar(staff, participant, venue), working_hours=_periods(hours)
    )
    answer = state_of(ctx).call("conference", "SetWorkingHours", request)
    state_of(ctx).show(answer, as_json, lambda c: render.done(c, "Working hours set"))


@app.command("add-busy")
def add_busy(
    ctx: typer.Context,
    start_at: Annotated[dt.datetime, typer.Option("--start", parser=nz_time, metavar="WHEN", help=WHEN_HELP)],
    end_at: Annotated[dt.datetime, typer.Option("--end", parser=nz_time, metavar="WHEN", help="When it ends.")],
    staff: Staff = None,
    participant: Participant = None,
    venue: Venue = None,
    as_json: Json = False,
) -> None:
    """Mark a calendar busy from --start to --end; prints the block's id."""
    request = conference_pb2.AddBusyBlocksRequest(
        calendar=_calendar(staff, participant, venue),
        blocks=[conference_pb2.BusyBlock(start=_timestamp(start_at), end=_timestamp(end_at))],
    )
    answer = state_of(ctx).call("conference", "AddBusyBlocks", request)
    state_of(ctx).show(answer, as_json, lambda c: render.done(c, "Busy", [("block", ", ".join(answer.block_ids))]))


@app.command("remove-busy")
def remove_busy(
    ctx: typer.Context,
    block_ids: Annotated[
        list[str], typer.Argument(metavar="BLOCK_ID...", parser=uuid_value, help="From `kahu conference add-busy`.")
    ],
    staff: Staff = None,
    participant: Participant = None,
    venue: Venue = None,
    as_json: Json = False,
) -> None:
    """Remove busy blocks from a calendar."""
    request = conference_pb2.RemoveBusyBlocksRequest(calendar=_calendar(staff, participant, venue), block_ids=block_ids)
    answer = state_of(ctx).call("conference", "RemoveBusyBlocks", request)
    state_of(ctx).show(answer, as_json, lambda c: render.done(c, f"Removed {answer.removed} block(s)"))
