"""Checks of the events a workflow records with the service that keeps them (workflows/record.py):
each `<workflow id>:<n>` (n counting the workflow's events from 0) with its timeline entry."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kahu.v1 import common_pb2, intake_pb2
from services.common import checks
from services.common.errors import Violations
from workflows.case.model import TimelineEntry

#: At most this many events in one call.
MAX_EVENTS = 500
MAX_ACTION = 64
MAX_DETAIL = 10_000
_ACTION = re.compile(r"[a-z][a-z_.]{0,63}")
#: An event's number within its workflow (below 2**31).
_SEQ = re.compile(r"0|[1-9][0-9]{0,8}")


@dataclass(frozen=True)
class Event:
    """An event to record: `seq` counts its workflow's events from 0."""

    event_id: str
    seq: int
    entry: TimelineEntry


def _entry(v: Violations, path: str, message: common_pb2.TimelineEntry) -> TimelineEntry | None:
    at = checks.instant(v, message.at if message.HasField("at") else None, f"{path}.at")
    checks.staff_id(v, message.actor, f"{path}.actor")
    if not _ACTION.fullmatch(message.action):
        v.add(f"{path}.action", f"must be 1-{MAX_ACTION} characters of a-z, _ and .")
    checks.text(v, message.detail, f"{path}.detail", limit=MAX_DETAIL)
    return None if at is None else TimelineEntry(at, message.actor, message.action, message.detail)


def events(
    v: Violations, messages: Sequence[intake_pb2.CaseEvent], workflow_id: str, field: str = "events"
) -> list[Event]:
    """The events of `workflow_id` in `messages`, each id once."""
    found: list[Event] = []
    if not checks.listed(v, len(messages), field, maximum=MAX_EVENTS):
        return found
    seen: set[str] = set()
    for i, event in enumerate(messages):
        path = f"{field}[{i}]"
        workflow, _, n = event.event_id.rpartition(":")
        if workflow != workflow_id or not _SEQ.fullmatch(n):
            v.add(f"{path}.event_id", "must be <workflow_id>:<n>, n counting the workflow's events from 0")
        elif event.event_id in seen:
            v.add(f"{path}.event_id", "is another event's of this call")
        seen.add(event.event_id)
        if not event.HasField("entry"):
            v.add(f"{path}.entry", "is required")
            continue
        entry = _entry(v, f"{path}.entry", event.entry)
        if entry is not None and _SEQ.fullmatch(n):
            found.append(Event(event.event_id, int(n), entry))
    return found


def version(v: Violations, value: int, field: str) -> None:
    """The version of a standing: a newer one replaces an older one, never the reverse."""
    if value < 1 or value >= 2**63:
        v.add(field, "must be a positive version")
