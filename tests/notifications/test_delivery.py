"""Notifications leave Kahu: Police by a signed webhook, escalations and steps that need
attention by email, delivered by each service's outbox to the session's real sinks
(tests/sinks.py: aiosmtpd, and the webhook receiver that checks signatures), at least once
and recorded once per key by the receiver, through receivers going away and coming back;
a delivery that keeps failing becomes a "needs attention" item."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from typing import Any

import aiohttp
import asyncpg
import pytest

from kahu.v1 import common_pb2, intake_pb2, supervision_pb2, triage_pb2
from services.common.identity import Principal
from services.common.notifications import signing
from tests import factories
from tests.conftest import Platform
from tests.polling import eventually
from tests.sinks import ATTEMPTS, UNREACHABLE_SITE, Sinks

pytestmark = pytest.mark.integration
OPS = Principal(subject="ops.tui", roles=frozenset({"ops"}))


async def _rows(platform: Platform, schema: str, column: str, value: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(platform.database_url)
    try:
        rows = await conn.fetch(f"SELECT * FROM {schema}.notifications WHERE {column} = $1", uuid.UUID(value))
    finally:
        await conn.close()
    return [dict(r) for r in rows]


async def _one(platform: Platform, schema: str, case_id: str, status: str, **where: object) -> dict[str, Any] | None:
    """The case's one notification in `schema` (of kind `where["kind"]`, by default the
    first a service sends of a case: the Police's, an escalation), once its status is `status`."""
    where.setdefault("kind", "police.immediate_danger" if schema == "triage" else "escalation")
    rows = await _rows(platform, schema, "case_id", case_id)
    rows = [r for r in rows if all(json.loads(r["payload"]).get(k) == v for k, v in where.items())]
    assert len(rows) <= 1, rows
    return rows[0] if rows and rows[0]["status"] == status else None


async def _immediate_danger(platform: Platform) -> tuple[str, common_pb2.Report]:
    report = factories.report()
    report.immediate_danger = True
    answer = await platform.intake.SubmitReport(
        intake_pb2.SubmitReportRequest(idempotency_key=f"test-{uuid.uuid4()}", report=report)
    )
    return answer.case_id, report


def _personal(report: common_pb2.Report) -> list[str]:
    child = report.children[0]
    return [
        child.name,
        child.address,
        child.school,
        child.iwi,
        report.reporter.name,
        report.reporter.contact,
        report.household[0].name,
        report.risk_reason,
        report.incidents[0].description,
        "2016-03-14",
    ]


def _first_deliveries(sinks: Sinks, kind: str) -> dict[str, int]:
    """How often each key was recorded as a first delivery (never more than once)."""
    counts: dict[str, int] = {}
    for record in sinks.received(kind):
        if not record["duplicate"]:
            counts[record["key"]] = counts.get(record["key"], 0) + 1
    return counts


async def test_police_are_told_of_immediate_danger_at_once_by_a_signed_webhook(
    platform: Platform, sinks: Sinks
) -> None:
    case_id, report = await _immediate_danger(platform)

    row = await eventually(lambda: _one(platform, "triage", case_id, "DELIVERED"), timeout=30)

    assert row["kind"] == "police.immediate_danger" and row["channel"] == "police" and row["attempts"] == 1
    assert row["delivered_at"] - row["created_at"] < dt.timedelta(seconds=2)  # at once, not at the next round
    (received,) = [r for r in sinks.received("webhook") if r["key"] == row["notification_key"]]
    body = received["body"]
    assert received["channel"] == "police" and not received["duplicate"]
    assert body["case_id"] == case_id and body["notification_key"] == row["notification_key"]
    assert (body["kind"], body["site"], body["region"]) == ("police.immediate_danger", "hutt", "greater-wellington")
    assert body["reason"] == "immediate danger reported"
    assert body["link"].endswith(f"/workflows/case-{case_id}")
    assert set(body) == {"case_id", "kind", "link", "notification_id", "notification_key", "reason", "recorded_at",
                         "region", "site"}  # fmt: skip
    text = json.dumps(received)
    assert not [value for value in _personal(report) if value in text]
    # on the case's record
    listed = await platform.triage.ListPoliceNotifications(triage_pb2.ListPoliceNotificationsRequest(case_id=case_id))
    (item,) = listed.notifications
    assert (item.notification_key, item.kind, item.channel) == (row["notification_key"], row["kind"], "police")
    assert (item.status, item.attempts) == (common_pb2.NOTIFICATION_STATUS_DELIVERED, 1)
    assert item.HasField("delivered_at") and not item.HasField("next_attempt_at")


async def test_the_receiver_refuses_a_delivery_whose_signature_does_not_match(sinks: Sinks) -> None:
    body = b'{"case_id": "forged"}'
    headers = signing.headers(b"not-the-channel-secret", int(time.time()), body, f"forged-{uuid.uuid4()}")
    url = f"http://127.0.0.1:{sinks.ports['webhook']}/police"
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as answer:
        assert answer.status == 401
    assert not [r for r in sinks.received("webhook") if r["key"] == headers["Idempotency-Key"]]


async def test_an_escalation_is_emailed_to_its_tier_s_role_without_personal_data(
    platform: Platform, sinks: Sinks
) -> None:
    report = factories.report()
    answer = await platform.fast_intake.SubmitReport(
        intake_pb2.SubmitReportRequest(idempotency_key=f"test-{uuid.uuid4()}", report=report)
    )
    case_id = answer.case_id  # its triage deadline passes in seconds: tier 1, the site supervisor

    row = await eventually(lambda: _one(platform, "supervision", case_id, "DELIVERED", tier=1), timeout=60)

    assert (row["kind"], row["channel"]) == ("escalation", "site-supervisors")
    (mail,) = [r for r in sinks.received("smtp") if r["key"] == row["notification_key"]]
    assert mail["to"] == ["site-supervisors@kahu.invalid"]
    assert mail["subject"] == f"Kahu escalation: TRIAGE deadline, tier 1, case {case_id}"
    assert f"Case reference: {case_id}" in mail["text"]
    assert "Kind: TRIAGE (BREACH)" in mail["text"] and "Tier: 1" in mail["text"]
    assert "Deadline: " in mail["text"] and f"/workflows/case-{case_id}" in mail["text"]
    assert not [value for value in _personal(report) if value in json.dumps(mail)]


async def test_deliveries_wait_for_receivers_that_are_down_and_each_arrives_once(
    platform: Platform, sinks: Sinks
) -> None:
    sinks.stop("webhook")
    sinks.stop("smtp")
    try:
        case_id, _ = await _immediate_danger(platform)
        escalated = str(uuid.uuid4())
        await platform.supervision.RaiseEscalation(factories.escalation_request(escalated, tier=1))

        police = await eventually(lambda: _failing(platform, "triage", case_id), timeout=30)
        email = await eventually(lambda: _failing(platform, "supervision", escalated), timeout=30)
        assert police["last_error"].endswith(f"127.0.0.1:{sinks.ports['webhook']}: Connection refused")
        assert email["last_error"] == "ConnectionRefusedError: [Errno 111] Connection refused"
        ops = await platform.as_(OPS)  # the case has no workflow: only a caller of scope `any` sees it
        listed = await ops.supervision.ListNotifications(supervision_pb2.ListNotificationsRequest(case_id=escalated))
        (pending,) = listed.notifications
        assert pending.status == common_pb2.NOTIFICATION_STATUS_PENDING and pending.attempts >= 1
        assert "Connection refused" in pending.last_error and pending.HasField("next_attempt_at")
    finally:
        await sinks.start("webhook")
        await sinks.start("smtp")

    police = await eventually(lambda: _one(platform, "triage", case_id, "DELIVERED"), timeout=30)
    email = await eventually(lambda: _one(platform, "supervision", escalated, "DELIVERED"), timeout=30)
    assert police["attempts"] > 1 and email["attempts"] > 1
    assert _first_deliveries(sinks, "webhook")[police["notification_key"]] == 1
    assert _first_deliveries(sinks, "smtp")[email["notification_key"]] == 1
    assert set(_first_deliveries(sinks, "webhook").values()) == {1}  # no key recorded twice, ever
    assert set(_first_deliveries(sinks, "smtp").values()) == {1}


async def _failing(platform: Platform, schema: str, case_id: str) -> dict[str, Any] | None:
    """The case's notification, once it has failed a try and is waiting for the next."""
    rows = await _rows(platform, schema, "case_id", case_id)
    return next((r for r in rows if r["status"] == "PENDING" and r["attempts"] >= 1), None)


async def _attention(platform: Platform, item_key: str) -> dict[str, Any] | None:
    conn = await asyncpg.connect(platform.database_url)
    try:
        row = await conn.fetchrow("SELECT * FROM supervision.attention WHERE item_key = $1", item_key)
    finally:
        await conn.close()
    return None if row is None else dict(row)


async def test_an_escalation_whose_delivery_keeps_failing_needs_attention(platform: Platform, sinks: Sinks) -> None:
    case_id = str(uuid.uuid4())
    await platform.supervision.RaiseEscalation(factories.escalation_request(case_id, UNREACHABLE_SITE, "auckland"))

    row = await eventually(lambda: _one(platform, "supervision", case_id, "FAILED"), timeout=60)

    assert row["attempts"] == ATTEMPTS and row["channel"] == "unreachable" and row["failed_at"] is not None
    ops = await platform.as_(OPS)  # the case has no workflow: only a caller of scope `any` sees it
    listed = await ops.supervision.ListNotifications(supervision_pb2.ListNotificationsRequest(case_id=case_id))
    failed = next(n for n in listed.notifications if n.kind == "escalation")
    assert (failed.status, failed.attempts) == (common_pb2.NOTIFICATION_STATUS_FAILED, ATTEMPTS)
    item = await eventually(lambda: _attention(platform, f"notification:{row['notification_key']}"), timeout=30)
    assert (item["step"], item["reason"], item["waiting"]) == ("deliver_notification", "STILL_FAILING", False)
    assert (str(item["case_id"]), item["site"]) == (case_id, UNREACHABLE_SITE)
    assert f"failed after {ATTEMPTS} tries" in item["error"]
    # and ops are told of the item, by email
    key = f"attention:{item['item_id']}:ops"
    mail = await eventually(lambda: _received(sinks, "smtp", key), timeout=30)
    assert mail["to"] == ["ops@kahu.invalid"] and "deliver_notification" in mail["subject"]


async def _received(sinks: Sinks, kind: str, key: str) -> dict[str, Any] | None:
    return next((r for r in sinks.received(kind) if r["key"] == key), None)


async def test_a_police_notification_that_keeps_failing_is_put_before_a_person(
    platform: Platform, sinks: Sinks
) -> None:
    sinks.stop("webhook")
    try:
        case_id, _ = await _immediate_danger(platform)
        row = await eventually(lambda: _one(platform, "triage", case_id, "FAILED"), timeout=60)
        assert row["attempts"] == ATTEMPTS
        # triage tells supervision (RaiseAttention, as workload:triage): on the queue at the case's site
        item = await eventually(lambda: _attention(platform, f"notification:{row['notification_key']}"), timeout=30)
        assert (str(item["case_id"]), item["site"], item["step"]) == (case_id, "hutt", "deliver_notification")
        assert "police.immediate_danger notification on channel police failed" in item["error"]
    finally:
        await sinks.start("webhook")
    conn = await asyncpg.connect(platform.database_url)
    try:
        told = await conn.fetchval(
            "SELECT told_at FROM triage.notifications WHERE notification_key = $1", row["notification_key"]
        )
    finally:
        await conn.close()
    assert told is not None
