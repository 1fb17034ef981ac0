"""The events a workflow records with the service that keeps them (workflows/record.py):
each `<workflow id>:<n>` (n counting the workflow's events from 0) with its timeline entry;
their checks, and their append-only tables (each event once per id)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from kahu.v1 import common_pb2, intake_pb2, placement_pb2
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


#: A recorded event as a service receives it (placement has its own message of the same
#: shape: intake.proto imports placement.proto).
EventMessage = intake_pb2.CaseEvent | placement_pb2.PlacementSearchEvent


def events(v: Violations, messages: Sequence[EventMessage], workflow_id: str, field: str = "events") -> list[Event]:
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


async def insert(conn: asyncpg.Connection, table: str, owner: str, owner_id: uuid.UUID, found: Sequence[Event]) -> int:
    """Insert into `table` (schema-qualified; its rows belong to `owner` = `owner_id`) the
    events not recorded before; how many were new."""
    status = await conn.execute(
        f"INSERT INTO {table} (event_id, {owner}, seq, at, actor, action, detail)"
        " SELECT e.event_id, $1, e.seq, e.at, e.actor, e.action, e.detail"
        " FROM unnest($2::text[], $3::integer[], $4::timestamptz[], $5::text[], $6::text[], $7::text[])"
        " AS e(event_id, seq, at, actor, action, detail)"
        " ON CONFLICT (event_id) DO NOTHING",
        owner_id,
        [e.event_id for e in found],
        [e.seq for e in found],
        [e.entry.at for e in found],
        [e.entry.actor for e in found],
        [e.entry.action for e in found],
        [e.entry.detail for e in found],
    )
    return int(str(status).rsplit(" ", 1)[-1])


async def read(conn: asyncpg.Connection, table: str, owner: str, owner_id: uuid.UUID) -> list[TimelineEntry]:
    """The events of `owner_id` in `table`, oldest first (in their workflow's order)."""
    rows = await conn.fetch(f"SELECT at, actor, action, detail FROM {table} WHERE {owner} = $1 ORDER BY seq", owner_id)
    return [TimelineEntry(r["at"], r["actor"], r["action"], r["detail"]) for r in rows]
