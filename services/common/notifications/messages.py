"""What a notification says: built from ids, kinds, tiers and times only (never a name,
an address, a date of birth or a report's text), stored as the outbox row's payload and
rendered from it on every try, the same each time.

Kinds: `police.immediate_danger` (triage), `escalation` and `attention` (supervision).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from workflows.policy.working_days import NZ

POLICE = "police.immediate_danger"
ESCALATION = "escalation"
ATTENTION = "attention"
KINDS = (POLICE, ESCALATION, ATTENTION)


@dataclass(frozen=True)
class Notification:
    """One notification to send on one channel, exactly once per `key`."""

    key: str
    kind: str
    channel: str
    case_id: str | None
    conference_id: str | None
    payload: dict[str, Any]


def _when(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def police(
    *, notification_id: str, case_id: str, site: str, region: str, reason: str, recorded_at: dt.datetime, link: str
) -> dict[str, Any]:
    """What Police are sent about a child in immediate danger: the case's reference, where
    (the site and region, which name the Police district that responds), the fact, when
    Kahu recorded it, and the link; the child's details go by the Protocol's own means."""
    return {
        "kind": POLICE,
        "notification_id": notification_id,
        "case_id": case_id,
        "site": site,
        "region": region,
        "reason": reason,
        "recorded_at": _when(recorded_at),
        "link": link,
    }


def escalation(
    *,
    escalation_id: str,
    case_id: str | None,
    conference_id: str | None,
    deadline_kind: str,
    level: str,
    tier: int,
    role: str,
    site: str,
    region: str,
    due_at: dt.datetime,
    raise_at: dt.datetime | None,
    link: str,
) -> dict[str, Any]:
    return {
        "kind": ESCALATION,
        "escalation_id": escalation_id,
        "case_id": case_id,
        "conference_id": conference_id,
        "deadline_kind": deadline_kind,
        "level": level,
        "tier": tier,
        "role": role,
        "site": site,
        "region": region,
        "due_at": _when(due_at),
        "raise_at": _when(raise_at),
        "link": link,
    }


def attention(
    *,
    item_id: str,
    case_id: str | None,
    conference_id: str | None,
    step: str,
    reason: str,
    site: str,
    region: str,
    failing_since: dt.datetime,
    link: str,
) -> dict[str, Any]:
    return {
        "kind": ATTENTION,
        "item_id": item_id,
        "case_id": case_id,
        "conference_id": conference_id,
        "step": step,
        "reason": reason,
        "site": site,
        "region": region,
        "failing_since": _when(failing_since),
        "link": link,
    }


def webhook_body(notification: Notification) -> bytes:
    """The JSON a webhook receives: the payload and the notification's key (stable bytes)."""
    body = {"notification_key": notification.key, **notification.payload}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _nz(value: object) -> str:
    if not isinstance(value, str):
        return "-"
    at = dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(NZ)
    return at.strftime("%Y-%m-%d %H:%M %Z")


def email_text(notification: Notification) -> tuple[str, str]:
    """The subject and plain-text body of an email: references, kind, tier, deadline, link."""
    p = notification.payload
    subject_ref = f"conference {p['conference_id']}" if p.get("conference_id") else f"case {p.get('case_id')}"
    lines: list[str]
    if notification.kind == ESCALATION:
        what = f"{p['deadline_kind']} deadline, tier {p['tier']}" if p["level"] == "BREACH" else p["level"]
        subject = f"Kahu escalation: {what}, {subject_ref}"
        if p["level"] == "APPROVAL":
            subject = f"Kahu approval needed: a triage decision, {subject_ref}"
        lines = [
            f"An escalation for the {p['role'].replace('_', ' ')} at {p['site']} ({p['region']}).",
            "",
            f"Case reference: {p.get('case_id') or '-'}",
            *([f"Conference reference: {p['conference_id']}"] if p.get("conference_id") else []),
            f"Kind: {p['deadline_kind']} ({p['level']})",
            f"Tier: {p['tier']}",
            f"Deadline: {_nz(p['due_at'])}",
            f"Escalation id: {p['escalation_id']}",
        ]
    elif notification.kind == ATTENTION:
        subject = f"Kahu needs attention: {p['step']}, {subject_ref}"
        lines = [
            f"A step needs a person at {p['site']} ({p['region']}): {p['step']} ({p['reason']}).",
            "",
            f"Case reference: {p.get('case_id') or '-'}",
            *([f"Conference reference: {p['conference_id']}"] if p.get("conference_id") else []),
            "Kind: needs attention",
            f"Failing since: {_nz(p['failing_since'])}",
            f"Item id: {p['item_id']}",
        ]
    else:
        subject = f"Kahu: immediate danger, {subject_ref}"
        lines = [
            f"Immediate danger reported at {p['site']} ({p['region']}).",
            "",
            f"Case reference: {p['case_id']}",
            f"Recorded: {_nz(p['recorded_at'])}",
        ]
    lines += ["", f"Open it in Kahu: {p['link']}", "", f"Notification key: {notification.key}", ""]
    return subject, "\n".join(lines)
