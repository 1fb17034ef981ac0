"""Every human-readable view of the API's answers (Rich), and the `--json` form.

Values from the services are rendered as `Text`, never as Rich markup, so a `[` in a case's
data prints as itself. Enum values print as the words the options take (`awaiting-consent`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable

from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli.params import (
    APPROVAL,
    ATTENTION_DECISION,
    ATTENTION_REASON,
    CAREGIVER_KIND,
    CONCERN,
    CONFERENCE_DEADLINE,
    CONFERENCE_ESCALATION_LEVEL,
    CONFERENCE_STAGE,
    DEADLINE_KIND,
    DUPLICATE_STATUS,
    ESCALATION_LEVEL,
    EXCLUSION,
    HOLD_STATUS,
    OUTCOME,
    PATHWAY,
    RESPONSE,
    ROLE,
    ROUTE,
    SEARCH_STAGE,
    STAGE,
    SUPPORT_NEED,
    TIER,
    TIMEFRAME,
    TRIGGER,
)
from kahu.v1 import (
    assessment_pb2,
    common_pb2,
    conference_pb2,
    intake_pb2,
    placement_pb2,
    plan_pb2,
    reporting_pb2,
    supervision_pb2,
)
from workflows.policy.working_days import NZ


def console() -> Console:
    """Standard output; wide when it is not a terminal, so piped ids are never cut."""
    out = Console(highlight=False)
    return out if out.is_terminal or "COLUMNS" in os.environ else Console(highlight=False, width=200)


def to_json(message: Message) -> str:
    """Stable JSON for scripts: proto field names, every field present, enums by name."""
    data = json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    return json.dumps(data, ensure_ascii=False, indent=2)


def when(stamp: Timestamp, *, relative: bool = False) -> str:
    """A timestamp in local time ("-" when unset), optionally with how far off it is."""
    if not stamp.seconds and not stamp.nanos:
        return "-"
    value = stamp.ToDatetime(dt.UTC).astimezone()
    text = value.strftime("%Y-%m-%d %H:%M:%S %Z")
    if relative:
        seconds = (value - dt.datetime.now(dt.UTC)).total_seconds()
        text += f" ({'in ' + span(seconds) if seconds >= 0 else span(-seconds) + ' ago'})"
    return text


def span(seconds: float) -> str:
    """A duration in its largest whole unit: 45s, 12m, 3h, 2d."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _details(console: Console, title: str, rows: Iterable[tuple[str, str]]) -> None:
    console.print(Text(title, style="bold"))
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(name, Text(value))
    console.print(table)


def deadline(status: common_pb2.DeadlineStatus) -> str:
    if not status.kind and not status.due_at.seconds:
        return "-"
    text = f"{DEADLINE_KIND.label(status.kind)} due {when(status.due_at, relative=True)}"
    if status.breached:
        text += ", BREACHED"
    if status.tier:
        text += f", escalated to tier {status.tier}"
    return text


def proposal(item: common_pb2.TriageProposal) -> str:
    if not item.pathway:
        return "-"
    rules = "; ".join(f"{r.id}: {r.description}" for r in item.fired_rules)
    return f"{PATHWAY.label(item.pathway)}, {TIMEFRAME.label(item.timeframe)}" + (f" (rules: {rules})" if rules else "")


def decision(item: common_pb2.TriageDecision) -> str:
    if not item.pathway:
        return "-"
    text = f"{PATHWAY.label(item.pathway)}, {TIMEFRAME.label(item.timeframe)} by {item.decided_by}"
    if item.police_consulted:
        text += ", Police consulted"
    return text + (f": {item.reason}" if item.reason else "")


def submitted(console: Console, response: intake_pb2.SubmitReportResponse) -> None:
    if response.additional_information:
        head = "Report added to the open case as additional information"
    else:
        head = "Report accepted; case opened"
    if response.replayed:
        head += " (a retry: the first answer)"
    _details(console, head, [("case", response.case_id), ("report", response.report_id)])


def case(console: Console, response: intake_pb2.GetCaseResponse) -> None:
    item = response.case
    _details(
        console,
        f"Case {item.case_id}",
        [
            ("stage", STAGE.label(item.stage)),
            ("site", f"{item.site} ({item.region})"),
            ("received", when(item.received_at)),
            ("concerns", ", ".join(CONCERN.label(c) for c in item.concerns) or "-"),
            ("children", str(item.child_count)),
            ("immediate danger", _yes(item.immediate_danger)),
            ("urgency", TIMEFRAME.label(item.urgency)),
            ("pathway", PATHWAY.label(item.pathway)),
            ("deadline", deadline(item.deadline)),
            ("proposal", proposal(response.proposal)),
            ("decision", decision(response.decision)),
            ("outcome", OUTCOME.label(response.outcome)),
            ("social worker", item.assignee or "-"),
            ("workflow", item.workflow_id),
            ("possible duplicates", _duplicates(item.case_id, response.possible_duplicates)),
        ],
    )
    for report in response.reports:
        people(console, report)
    timeline(console, response.timeline)


def _duplicates(case_id: str, found: Iterable[intake_pb2.PossibleDuplicate]) -> str:
    """Each case this one may be about the same child as, and where that stands."""
    shown = []
    for d in found:
        other = d.other_case_id if d.case_id == case_id else d.case_id
        shown.append(f"{other} ({DUPLICATE_STATUS.label(d.status)})")
    return ", ".join(shown) or "-"


def people(console: Console, item: intake_pb2.CaseReport) -> None:
    """A report's children and household, as the report named them."""
    report = item.report
    what = "further report" if item.additional_information else "report"
    table = Table(title=f"People of the {what} received {when(item.received_at)}", title_justify="left")
    for name in ("who", "name", "details"):
        table.add_column(name, overflow="fold")
    for child in report.children:
        born = child.date_of_birth
        parts = [f"{born.year:04d}", *(f"{n:02d}" for n in (born.month, born.day) if n)]  # a partial date too
        age = f"born {'-'.join(parts)}" if child.HasField("date_of_birth") else ""
        if child.HasField("age_years"):
            age = f"{child.age_years} years"
        details = ", ".join(part for part in (age, child.school, child.iwi) if part)
        table.add_row(Text("child"), Text(child.name), Text(details))
    for member in report.household:
        concern = " (adult of concern)" if member.adult_of_concern else ""
        table.add_row(Text("household"), Text(member.name), Text(f"{member.relationship}{concern}"))
    console.print(table)


def timeline(console: Console, entries: Iterable[common_pb2.TimelineEntry]) -> None:
    table = Table(title="Timeline", title_justify="left")
    for name in ("at", "who", "what"):
        table.add_column(name, no_wrap=True)
    table.add_column("detail", overflow="fold")
    for entry in entries:
        table.add_row(Text(when(entry.at)), Text(entry.actor), Text(entry.action), Text(entry.detail))
    console.print(table)


def cases(console: Console, response: intake_pb2.ListCasesResponse) -> None:
    table = Table(title=f"Cases ({len(response.cases)})", title_justify="left")
    table.add_column("case", overflow="fold", min_width=36)
    for name in ("site", "stage", "urgency", "pathway", "deadline", "received"):
        table.add_column(name, overflow="fold")
    for item in response.cases:
        table.add_row(
            *(
                Text(value)
                for value in (
                    item.case_id,
                    item.site,
                    STAGE.label(item.stage),
                    TIMEFRAME.label(item.urgency),
                    PATHWAY.label(item.pathway),
                    deadline(item.deadline),
                    when(item.received_at),
                )
            )
        )
    console.print(table)
    _next_page(console, response.next_page_token)


def possible_duplicates(console: Console, response: intake_pb2.ListPossibleDuplicatesResponse) -> None:
    """The triage inbox's possible duplicates, oldest flagged first."""
    table = Table(title=f"Possible duplicates ({len(response.possible_duplicates)})", title_justify="left")
    table.add_column("case", overflow="fold", min_width=36)
    table.add_column("may be the same child as", overflow="fold", min_width=36)
    for name in ("site", "status", "flagged", "decided by", "reason"):
        table.add_column(name, overflow="fold")
    for item in response.possible_duplicates:
        table.add_row(
            *(
                Text(value)
                for value in (
                    item.case_id,
                    item.other_case_id,
                    item.site,
                    DUPLICATE_STATUS.label(item.status),
                    when(item.flagged_at),
                    item.decided_by or "-",
                    item.reason or "-",
                )
            )
        )
    console.print(table)
    _next_page(console, response.next_page_token)


def duplicate_resolved(console: Console, response: intake_pb2.ResolvePossibleDuplicateResponse) -> None:
    item = response.possible_duplicate
    _details(
        console,
        f"Possible duplicate {item.duplicate_id}: {DUPLICATE_STATUS.label(item.status)}",
        [
            ("case", f"{item.case_id} (report {item.report_id})"),
            ("other case", item.other_case_id),
            ("site", f"{item.site} ({item.region})"),
            ("flagged", when(item.flagged_at)),
            ("decided", f"{when(item.decided_at)} by {item.decided_by}"),
            ("reason", item.reason),
        ],
    )
    _replayed(console, response.replayed)


def _next_page(console: Console, token: str) -> None:
    if token:
        console.print(Text(f"more: --page-token {token}"))


def summary(console: Console, item: common_pb2.CaseSummary, replayed: bool = False) -> None:
    """A case as a triage action left it."""
    _details(
        console,
        f"Case {item.case_id}",
        [
            ("stage", STAGE.label(item.stage)),
            ("proposal", proposal(item.proposal)),
            ("decision", decision(item.decision)),
            ("awaiting approval", decision(item.awaiting_approval) if item.HasField("awaiting_approval") else "-"),
            ("deadline", deadline(item.deadline)),
            ("outcome", OUTCOME.label(item.outcome)),
        ],
    )
    _replayed(console, replayed)


def _replayed(console: Console, replayed: bool) -> None:
    if replayed:
        console.print(Text("(a retry with the same idempotency key: the first answer)"))


def _completion(item: common_pb2.Completion) -> str:
    if not item.outcome:
        return "-"
    return f"{OUTCOME.label(item.outcome)} by {item.completed_by}" + (f": {item.reason}" if item.reason else "")


def _seen(item: common_pb2.ChildSeen) -> str:
    if not item.seen_by:
        return "-"
    return f"{when(item.seen_at)} by {item.seen_by}, {item.place}"


def assessment(
    console: Console,
    item: common_pb2.Assessment,
    findings: Iterable[assessment_pb2.Findings] = (),
    replayed: bool = False,
) -> None:
    clock = "-"
    if item.due_at.seconds:
        clock = f"due {when(item.due_at, relative=True)}" + (", BREACHED" if item.breached else "")
        clock += f", escalated to tier {item.tier}" if item.tier else ""
    _details(
        console,
        f"Assessment of case {item.case_id}",
        [
            ("social worker", item.social_worker or "-"),
            ("child seen", _seen(item.child_seen)),
            ("deadline", clock),
            ("awaiting approval", _completion(item.awaiting_approval)),
            ("result", _completion(item.result)),
        ],
    )
    for found in findings:
        _details(
            console,
            f"Findings {found.findings_id}",
            [("by", found.recorded_by), ("at", when(found.recorded_at)), ("summary", found.summary)],
        )
    timeline(console, item.timeline)
    _replayed(console, replayed)


def queue(console: Console, response: supervision_pb2.ListQueueResponse) -> None:
    table = Table(title=f"Escalations ({len(response.items)})", title_justify="left")
    table.add_column("escalation", overflow="fold", min_width=36)
    table.add_column("case or conference", overflow="fold", min_width=36)
    for name in ("clock", "tier", "to", "site", "was due", "age", "late", "acknowledged"):
        table.add_column(name, overflow="fold")
    for item in response.items:
        acknowledged = item.acknowledged_by or "-"
        if item.resolved:
            acknowledged += " (resolved)"
        level = ESCALATION_LEVEL.label(item.level)
        tier = str(item.tier) if item.level in (0, supervision_pb2.ESCALATION_LEVEL_BREACH) else level
        table.add_row(
            *(
                Text(value)
                for value in (
                    item.escalation_id,
                    item.conference_id or item.case_id,
                    DEADLINE_KIND.label(item.kind),
                    tier,
                    f"{item.role} ({item.assignee})" if item.assignee else item.role,
                    item.site,
                    when(item.due_at),
                    span(item.age_seconds),
                    span(item.late_seconds) if item.late_seconds else "-",
                    acknowledged,
                )
            )
        )
    console.print(table)
    _next_page(console, response.next_page_token)
    if response.due_soon:
        soon = Table(title=f"Due soon ({len(response.due_soon)})", title_justify="left")
        soon.add_column("case", overflow="fold", min_width=36)
        for name in ("site", "stage", "due"):
            soon.add_column(name, overflow="fold")
        for due in response.due_soon:
            soon.add_row(
                Text(due.case_id), Text(due.site), Text(STAGE.label(due.stage)), Text(when(due.due_at, relative=True))
            )
        console.print(soon)
    if response.attention:
        attention_items(console, response.attention)


def escalation(console: Console, response: supervision_pb2.AcknowledgeResponse) -> None:
    item = response.escalation
    _details(
        console,
        f"Escalation {item.escalation_id}",
        [
            ("case", item.case_id),
            ("clock", f"{DEADLINE_KIND.label(item.kind)} (tier {item.tier}, {item.role})"),
            ("acknowledged", f"by {item.acknowledged_by} at {when(item.acknowledged_at)}"),
        ],
    )
    _replayed(console, response.replayed)


def extended(console: Console, response: supervision_pb2.ExtendDeadlineResponse) -> None:
    _details(console, "Deadline extended", [("deadline", deadline(response.deadline))])
    _replayed(console, response.replayed)


def _about(item: supervision_pb2.AttentionItem) -> str:
    """The case (or conference) an item is about."""
    if item.conference_id:
        return f"conference {item.conference_id}" + (f" (case {item.case_id})" if item.case_id else "")
    return f"case {item.case_id}"


def attention_items(console: Console, items: Iterable[supervision_pb2.AttentionItem]) -> None:
    """Steps that need attention: `waits` says the workflow waits for a decision."""
    listed = list(items)
    table = Table(title=f"Needs attention ({len(listed)})", title_justify="left")
    table.add_column("item", overflow="fold", min_width=36)
    table.add_column("case", overflow="fold", min_width=36)
    for name in ("conference", "step", "reason", "site", "waits", "failing since", "error"):
        table.add_column(name, overflow="fold")
    for item in listed:
        table.add_row(
            *(
                Text(value)
                for value in (
                    item.item_id,
                    item.case_id or "-",
                    item.conference_id or "-",
                    item.step,
                    ATTENTION_REASON.label(item.reason),
                    item.site,
                    _yes(item.waiting),
                    when(item.failing_since, relative=True),
                    item.error,
                )
            )
        )
    console.print(table)


def attention_resolved(console: Console, response: supervision_pb2.ResolveAttentionResponse) -> None:
    item = response.item
    _details(
        console,
        f"Needs attention {item.item_id}",
        [
            ("about", _about(item)),
            ("step", f"{item.step} ({ATTENTION_REASON.label(item.reason)}): {item.error}"),
            ("decision", f"{ATTENTION_DECISION.label(item.decision)} by {item.resolved_by}"),
            ("trace", item.trace_id or "-"),
        ],
    )
    _replayed(console, response.replayed)


# -- placement ---------------------------------------------------------------------------


def _date(value: common_pb2.Date) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}" if value.year else "-"


def _words(values: Iterable[str]) -> str:
    return ", ".join(values) or "-"


def placement_search(console: Console, search: placement_pb2.PlacementSearch, replayed: bool = False) -> None:
    """A case's placement search: where it is, its ranked candidates with their reasons."""
    hold = "-"
    if search.hold.hold_id:
        hold = (
            f"{search.hold.places} place(s) with {search.hold.caregiver_id}, {HOLD_STATUS.label(search.hold.status)}"
            f", expires {when(search.hold.expires_at, relative=True)}"
        )
    excluded = ", ".join(f"{EXCLUSION.label(e.reason)} {e.count}" for e in search.excluded)
    _details(
        console,
        f"Placement search of case {search.case_id}",
        [
            ("stage", SEARCH_STAGE.label(search.stage)),
            ("deadline", deadline(search.deadline)),
            ("hold", hold),
            ("placed with", search.placed_caregiver_id or "-"),
            ("excluded", excluded or "-"),
            ("unavailable", _words(search.unavailable_caregiver_ids)),
            ("search", search.search_id or "-"),
        ],
    )
    candidates(console, search.candidates, set(search.unavailable_caregiver_ids))
    timeline(console, search.timeline)
    _replayed(console, replayed)


def candidates(console: Console, items: Iterable[placement_pb2.Candidate], unavailable: set[str]) -> None:
    rows = list(items)
    table = Table(title=f"Candidates ({len(rows)}), best first", title_justify="left")
    table.add_column("rank", no_wrap=True)
    table.add_column("caregiver", overflow="fold", min_width=36)
    for name in ("name", "tier", "places"):
        table.add_column(name, overflow="fold")
    table.add_column("reasons", overflow="fold")
    for item in rows:
        tier = TIER.label(item.tier) + (f" (degree {item.kinship_degree})" if item.kinship_degree else "")
        name = item.name + (" (unavailable)" if item.caregiver_id in unavailable else "")
        table.add_row(
            *(
                Text(value)
                for value in (str(item.rank), item.caregiver_id, name, tier, str(item.places), "; ".join(item.reasons))
            )
        )
    console.print(table)


def linked(console: Console, response: placement_pb2.LinkCaseChildrenResponse, case_id: str) -> None:
    _details(console, f"Children linked to case {case_id}", [("children", _words(response.child_ids))])


def person(console: Console, response: placement_pb2.GetPersonResponse) -> None:
    item = response.person
    needs = [SUPPORT_NEED.label(n) for n in item.support_needs]
    if item.needs_wheelchair_access:
        needs.insert(0, "wheelchair access")
    affiliations = ", ".join(f"{a.iwi}/{a.hapu}" if a.hapu else a.iwi for a in response.affiliations)
    _details(
        console,
        f"Person {item.person_id}",
        [
            ("name", item.name),
            ("born", _date(item.date_of_birth)),
            ("region", item.region or "-"),
            ("area", item.address_area or "-"),
            ("school", item.school or "-"),
            ("languages", _words(item.languages)),
            ("needs", _words(needs)),
            ("affiliations", affiliations or "-"),
        ],
    )


def caregiver(console: Console, item: placement_pb2.Caregiver) -> None:
    approval = APPROVAL.label(item.approval.status)
    if item.approval.approved_on.year:
        approval += f" on {_date(item.approval.approved_on)}, expires {_date(item.approval.expires_on)}"
    _details(
        console,
        f"Caregiver {item.caregiver_id}",
        [
            ("name", item.name),
            ("kind", CAREGIVER_KIND.label(item.kind)),
            ("person", item.person_id or "-"),
            ("region", f"{item.region} ({item.address_area})" if item.address_area else item.region or "-"),
            ("places", f"{item.capacity} ({item.placed} placed, {item.held} held)"),
            ("approval", approval),
            ("wheelchair accessible", _yes(item.wheelchair_accessible)),
            ("sibling groups", _yes(item.takes_sibling_groups)),
            ("languages", _words(item.languages)),
            ("supports", _words(SUPPORT_NEED.label(n) for n in item.supports)),
        ],
    )


# -- conferences -------------------------------------------------------------------------


def nz(stamp: Timestamp, *, relative: bool = False) -> str:
    """A timestamp in New Zealand time, as the conference options take it ("-" when unset)."""
    if not stamp.seconds and not stamp.nanos:
        return "-"
    value = stamp.ToDatetime(dt.UTC).astimezone(NZ)
    text = value.strftime("%Y-%m-%d %H:%M %Z")
    if relative:
        seconds = (value - dt.datetime.now(dt.UTC)).total_seconds()
        text += f" ({'in ' + span(seconds) if seconds >= 0 else span(-seconds) + ' ago'})"
    return text


def _booking(booking: conference_pb2.ConferenceBooking) -> str:
    if not booking.round:
        return "-"
    slot = booking.slot
    end = slot.end.ToDatetime(dt.UTC).astimezone(NZ).strftime("%H:%M")
    venue = f"{slot.venue_name} (venue {slot.venue_id})" if slot.venue_name else f"venue {slot.venue_id}"
    text = f"{nz(slot.start)} to {end}, {venue}, booked by {booking.booked_by}"
    return text + (f", late: {booking.late_reason}" if booking.late_reason else "")


def _trigger(trigger: conference_pb2.ConferenceTrigger) -> str:
    text = f"{TRIGGER.label(trigger.kind)} at {nz(trigger.triggered_at)}"
    if trigger.offence_max_years:
        text += f", offence up to {trigger.offence_max_years} years"
    if trigger.detained:
        text += ", detained"
    if trigger.HasField("court_convene_by"):
        text += f", the court's date to convene {nz(trigger.court_convene_by)}"
    if trigger.HasField("court_report_by"):
        text += f", to report {nz(trigger.court_report_by)}"
    return text + (f", reference {trigger.reference}" if trigger.reference else "")


def _state_rows(state: conference_pb2.ConferenceState) -> list[tuple[str, str]]:
    advocate = "not required"
    if state.advocate_required:
        advocate = "required, " + ("appointed" if state.advocate_appointed else "NOT YET APPOINTED")
    elif state.advocate_appointed:
        advocate = "appointed"
    rows = [
        ("stage", f"{CONFERENCE_STAGE.label(state.stage)} (round {state.round})"),
        ("convening due", nz(state.convening_due, relative=True)),
        ("completion due", nz(state.completion_due, relative=True)),
        ("breached", _words(CONFERENCE_DEADLINE.label(d) for d in state.breached)),
        ("booking", _booking(state.booking)),
    ]
    if not state.care_and_protection:
        return [*rows, ("young person added", _yes(state.young_person_added)), ("youth advocate", advocate)]
    consulted = "not yet"
    if state.consulted:
        dates = " to ".join(nz(d) for d in (state.preferred_not_before, state.preferred_not_after) if d.seconds)
        consulted = f"yes: dates {dates or 'any'}, venue {state.preferred_venue_id or 'any'}"
    private = "-"
    if state.private_time.minutes:
        private = f"{state.private_time.minutes} minutes"
    elif state.private_time.declined:
        private = "declined by the whānau"
    return [
        ("kind", "care and protection"),
        *rows,
        ("child added", _yes(state.young_person_added)),
        ("whānau consulted", consulted),
        ("family's private time", private),
    ]


def _consultation_rows(item: conference_pb2.Conference) -> list[tuple[str, str]]:
    if not item.HasField("consultation"):
        return []
    c = item.consultation
    if c.not_practicable_reason:
        said = f"not practicable: {c.not_practicable_reason}"
    else:
        said = f"{len(c.attendee_ids)} attendee(s) asked for" + (f"; {c.notes}" if c.notes else "")
    return [("consultation", f"{said} (by {c.recorded_by} at {nz(c.recorded_at)})")]


def conference(console: Console, item: conference_pb2.Conference) -> None:
    state = (
        _state_rows(item.state)
        if item.HasField("state")
        else [("stage", "- (the conference's workflow did not answer; try again)")]
    )
    outcome = "-"
    if item.HasField("outcome"):
        found = item.outcome
        outcome = f"agreed, {len(found.plan_actions)} action(s)" if found.agreed else f"not agreed: {found.reason}"
        outcome += f", by {found.recorded_by} at {nz(found.recorded_at)}"
        if found.route:
            outcome += f", {ROUTE.label(found.route)}"
        elif found.referred_back:
            outcome += ", referred back"
        if found.HasField("plan"):
            outcome += f"; the child's plan led by {found.plan.lead_professional}, review {nz(found.plan.review_due)}"
    _details(
        console,
        f"Conference {item.conference_id}",
        [
            ("site", f"{item.site} ({item.region})"),
            ("case", item.case_id or "-"),
            ("trigger", _trigger(item.trigger)),
            ("coordinator", f"{item.coordinator_id or '-'} (manager {item.manager_id or '-'})"),
            *state,
            *_consultation_rows(item),
            ("outcome", outcome),
            ("workflow", item.workflow_id),
        ],
    )
    if item.outcome.HasField("plan"):
        structured = Table(title="Plan", title_justify="left")
        for name in ("action", "goal", "owner", "agency", "due"):
            structured.add_column(name, overflow="fold")
        for a in item.outcome.plan.actions:
            structured.add_row(*(Text(v) for v in (a.description, a.goal_id, a.owner_id, a.owner_agency, nz(a.due_at))))
        console.print(structured)
    elif item.outcome.plan_actions:
        plan = Table(title="Plan", title_justify="left", show_header=False)
        plan.add_column("", no_wrap=True)
        plan.add_column("action", overflow="fold")
        for number, action in enumerate(item.outcome.plan_actions, 1):
            plan.add_row(Text(str(number)), Text(action))
        console.print(plan)
    participants(console, item.participants)
    if item.escalations:
        conference_escalations(console, item.escalations)
    if item.HasField("state"):
        timeline(console, item.state.timeline)


def participants(console: Console, items: Iterable[conference_pb2.ConferenceParticipant]) -> None:
    rows = list(items)
    table = Table(title=f"Participants ({len(rows)})", title_justify="left")
    table.add_column("participant", overflow="fold", min_width=36)
    for name in ("role", "required", "name", "staff", "invited", "response"):
        table.add_column(name, overflow="fold")
    for p in rows:
        response = RESPONSE.label(p.response) + (f": {p.views}" if p.views else "")
        table.add_row(
            *(
                Text(value)
                for value in (
                    p.participant_id,
                    ROLE.label(p.role),
                    _yes(p.required),
                    p.name,
                    p.staff_id or "-",
                    _yes(p.invited),
                    response,
                )
            )
        )
    console.print(table)


def conference_state(
    console: Console,
    conference_id: str,
    state: conference_pb2.ConferenceState,
    replayed: bool = False,
    participant_id: str = "",
) -> None:
    """A conference as a coordinator's action left it."""
    rows = [("participant", participant_id)] if participant_id else []
    _details(console, f"Conference {conference_id}", rows + _state_rows(state))
    _replayed(console, replayed)


def conference_started(console: Console, response: conference_pb2.StartConferenceResponse) -> None:
    head = "Conference started" + (" (a retry: the first answer)" if response.replayed else "")
    _details(console, head, [("conference", response.conference_id), ("workflow", response.workflow_id)])


def slots(console: Console, response: conference_pb2.FindSlotsResponse) -> None:
    window = f"{nz(response.window_start)} to {nz(response.window_end)}"
    table = Table(title=f"Slots ({len(response.slots)}), earliest first, between {window}", title_justify="left")
    for name in ("start (NZ)", "end"):
        table.add_column(name, no_wrap=True)
    table.add_column("venue", overflow="fold")
    table.add_column("venue id", overflow="fold", min_width=36)
    for slot in response.slots:
        end = slot.end.ToDatetime(dt.UTC).astimezone(NZ).strftime("%H:%M")
        table.add_row(Text(nz(slot.start)), Text(end), Text(slot.venue_name), Text(slot.venue_id))
    console.print(table)
    if not response.slots:
        console.print(Text("No slot: try --beyond-deadline --until WHEN, or free someone's time."))


def conference_escalations(console: Console, items: Iterable[conference_pb2.ConferenceEscalation]) -> None:
    rows = list(items)
    table = Table(title=f"Escalations ({len(rows)})", title_justify="left")
    table.add_column("escalation", overflow="fold", min_width=36)
    table.add_column("conference", overflow="fold", min_width=36)
    for name in ("deadline", "level", "round", "manager", "coordinator", "site", "due", "raised", "resolved"):
        table.add_column(name, overflow="fold")
    for e in rows:
        table.add_row(
            *(
                Text(value)
                for value in (
                    e.escalation_id,
                    e.conference_id,
                    CONFERENCE_DEADLINE.label(e.deadline),
                    CONFERENCE_ESCALATION_LEVEL.label(e.level),
                    str(e.round or "-"),
                    e.manager_id,
                    e.coordinator_id,
                    e.site,
                    nz(e.due_at),
                    nz(e.raised_at),
                    _yes(e.resolved),
                )
            )
        )
    console.print(table)


def escalation_page(console: Console, response: conference_pb2.ListEscalationsResponse) -> None:
    conference_escalations(console, response.escalations)
    _next_page(console, response.next_page_token)


def done(console: Console, head: str, rows: Iterable[tuple[str, str]] = ()) -> None:
    """The answer of a reference-data call."""
    _details(console, head, rows)


def _share(value: float) -> str:
    return f"{value * 100:.1f}%"


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f}h" if seconds else "-"


def sla_report(console: Console, response: reporting_pb2.GetSlaReportResponse, title: str) -> None:
    """The SLA figures per site, region and timeframe, then the total."""
    table = Table(title=title, title_justify="left")
    for name in ("site", "region", "timeframe", "reports", "children", "decisions", "seen in time", "awaiting"):
        table.add_column(name, overflow="fold")
    for name in ("share", "target met", "escalations", "first actions", "mean to first", "median to first"):
        table.add_column(name, overflow="fold")
    rows = [*response.rows, response.total] if response.HasField("total") else list(response.rows)
    for index, row in enumerate(rows):
        total = index == len(response.rows)
        decisions = ", ".join(f"{PATHWAY.label(d.pathway)} {d.count}" for d in row.decisions) or "-"
        breaches = ", ".join(f"tier {b.tier}: {b.count}" for b in row.breaches) or "-"
        table.add_row(
            *(
                Text(value, style="bold" if total else "")
                for value in (
                    "total" if total else row.site,
                    row.region or "-",
                    "any" if total else TIMEFRAME.label(row.timeframe) if row.timeframe else "none yet",
                    str(row.reports_received),
                    str(row.distinct_children),
                    decisions,
                    f"{row.seen_within}/{row.seen_due}",
                    str(row.seen_awaiting),
                    _share(row.seen_within_share) if row.seen_due else "-",
                    _yes(row.seen_target_met) if row.seen_due else "-",
                    breaches,
                    str(row.first_actions),
                    _hours(row.first_action_mean_seconds),
                    _hours(row.first_action_median_seconds),
                )
            )
        )
    console.print(table)
    console.print(Text(f"target: {_share(response.seen_target)} of critical and very urgent children seen in time"))


PLAN_ACTION_STATUS = {
    plan_pb2.PLAN_ACTION_STATUS_UNSPECIFIED: "open",
    plan_pb2.PLAN_ACTION_STATUS_OPEN: "open",
    plan_pb2.PLAN_ACTION_STATUS_DONE: "done",
    plan_pb2.PLAN_ACTION_STATUS_CANCELLED: "cancelled",
}


def plans(console: Console, response: plan_pb2.ListPlansResponse) -> None:
    """Plans as they stand, most pressing first."""
    table = Table(title=f"Plans ({len(response.plans)})", title_justify="left")
    table.add_column("case", overflow="fold", min_width=36)
    for name in ("kind", "site", "version", "lead professional", "open actions", "next action due", "review due"):
        table.add_column(name, overflow="fold")
    for item in response.plans:
        values = (
            item.case_id,
            "Children's Team" if item.kind == plan_pb2.PLAN_KIND_CHILDRENS_TEAM else "case",
            item.site,
            str(item.version),
            item.lead_professional,
            str(item.open_actions),
            when(item.next_action_due, relative=True),
            when(item.review_due, relative=True),
        )
        table.add_row(*(Text(value) for value in values))
    console.print(table)
    _next_page(console, response.next_page_token)


def plan(console: Console, found: plan_pb2.Plan, replayed: bool = False) -> None:
    """A child's plan: its current version, its actions, and every version before it."""
    current = found.current
    content = current.content
    _details(
        console,
        f"Plan of case {found.case_id}, version {current.version}",
        [
            ("plan", found.plan_id),
            ("lead professional", f"{content.lead_professional} (manager {content.lead_manager_id})"),
            ("review due", when(content.review_due, relative=True)),
            ("goals", "; ".join(f"{g.goal_id}: {g.description}" for g in content.goals) or "-"),
            *_team_rows(found),
        ],
    )
    _actions(console, content.actions)
    versions = Table(title="Versions", title_justify="left")
    for name in ("version", "when", "who"):
        versions.add_column(name, no_wrap=True)
    versions.add_column("why", overflow="fold")
    for v in (current, *found.history):
        versions.add_row(Text(str(v.version)), Text(when(v.changed_at)), Text(v.changed_by), Text(v.reason))
    console.print(versions)
    _replayed(console, replayed)


SHARED_PART: dict[int, str] = {
    plan_pb2.SHARED_PART_GOALS: "goals",
    plan_pb2.SHARED_PART_VIEWS: "views",
    plan_pb2.SHARED_PART_TEAM: "team",
    plan_pb2.SHARED_PART_OTHER_ACTIONS: "others' actions",
}


def _parts(parts: Iterable[int]) -> str:
    return ", ".join(SHARED_PART.get(p, "?") for p in parts) or "its own actions only"


def consent_text(consent: plan_pb2.FamilyConsent) -> str:
    """The family's consent to sharing, in a line."""
    if not consent.HasField("given_at"):
        return "not recorded: nothing is shared"
    text = f"given by {consent.given_by} {when(consent.given_at)} (recorded by {consent.recorded_by})"
    if consent.HasField("withdrawn_at"):
        withdrawn = f"WITHDRAWN {when(consent.withdrawn_at)} (recorded by {consent.withdrawal_recorded_by})"
        return f"{withdrawn}: nothing is shared; {text}"
    shares = "; ".join(f"{s.agency}: {_parts(s.parts)}" for s in consent.shares)
    return f"{text}; shared with {shares}"


def _team_rows(found: plan_pb2.Plan) -> list[tuple[str, str]]:
    """A Children's Team plan's team, views and consent (nothing for another plan)."""
    if found.kind != plan_pb2.PLAN_KIND_CHILDRENS_TEAM:
        return []
    content = found.current.content
    return [
        ("kind", "Children's Team"),
        ("team", "; ".join(f"{m.member_id} ({m.agency}, {m.role})" for m in content.team) or "-"),
        ("child's views", content.child_views or "-"),
        ("whānau's views", content.whanau_views or "-"),
        ("consent to sharing", consent_text(content.consent)),
    ]


def _actions(console: Console, actions: Iterable[plan_pb2.PlanAction], title: str = "Actions") -> None:
    table = Table(title=title, title_justify="left")
    for name in ("action", "goal", "owner", "due", "status"):
        table.add_column(name, no_wrap=True)
    table.add_column("what", overflow="fold")
    for a in actions:
        table.add_row(
            Text(a.action_id),
            Text(a.goal_id),
            Text(f"{a.owner_id} ({a.owner_agency}; manager {a.owner_manager_id})"),
            Text(when(a.due_at)),
            Text(PLAN_ACTION_STATUS.get(a.status, "?")),
            Text(a.description),
        )
    console.print(table)


def shared_plan(console: Console, found: plan_pb2.SharedPlan) -> None:
    """A Children's Team plan as one agency sees it: what is not shared is not there."""
    rows = [
        ("plan", found.plan_id),
        ("lead professional", found.lead_professional),
        ("review due", when(found.review_due, relative=True)),
        ("consent given", when(found.consent_given_at)),
        ("shared beyond its actions", _parts(found.shared)),
    ]
    if plan_pb2.SHARED_PART_GOALS in found.shared:
        rows.append(("goals", "; ".join(f"{g.goal_id}: {g.description}" for g in found.goals) or "-"))
    if plan_pb2.SHARED_PART_TEAM in found.shared:
        rows.append(("team", "; ".join(f"{m.member_id} ({m.agency}, {m.role})" for m in found.team) or "-"))
    if plan_pb2.SHARED_PART_VIEWS in found.shared:
        rows += [("child's views", found.child_views or "-"), ("whānau's views", found.whanau_views or "-")]
    _details(console, f"Plan of case {found.case_id}, version {found.version}, as {found.agency} sees it", rows)
    _actions(console, found.actions, f"Actions of {found.agency}")
    if plan_pb2.SHARED_PART_OTHER_ACTIONS in found.shared:
        _actions(console, found.other_actions, "Other agencies' actions")
