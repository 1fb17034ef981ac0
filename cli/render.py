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

from cli.params import CONCERN, DEADLINE_KIND, OUTCOME, PATHWAY, STAGE, TIMEFRAME
from kahu.v1 import assessment_pb2, common_pb2, intake_pb2, supervision_pb2


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
            ("workflow", item.workflow_id),
        ],
    )
    timeline(console, response.timeline)


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
    table.add_column("case", overflow="fold", min_width=36)
    for name in ("clock", "tier", "role", "site", "was due", "age", "acknowledged"):
        table.add_column(name, overflow="fold")
    for item in response.items:
        acknowledged = item.acknowledged_by or "-"
        if item.resolved:
            acknowledged += " (resolved)"
        table.add_row(
            *(
                Text(value)
                for value in (
                    item.escalation_id,
                    item.case_id,
                    DEADLINE_KIND.label(item.kind),
                    str(item.tier),
                    item.role,
                    item.site,
                    when(item.due_at),
                    span(item.age_seconds),
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
