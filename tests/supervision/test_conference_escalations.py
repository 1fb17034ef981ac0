"""A youth justice conference's clocks on the supervisors' queue, through real gRPC,
PostgreSQL and the conference workflow: a conference triggered long ago has passed its
convening deadline, so its manager is warned and escalated to at once; a supervisor
acknowledges and extends it as any other deadline."""

from __future__ import annotations

import datetime as dt
import uuid

import grpc
import pytest

from kahu.v1 import common_pb2, conference_pb2, supervision_pb2
from services.common.convert import from_timestamp, timestamp
from services.common.errors import field_violations
from tests.conference.conferences import get, register, start_request, stub
from tests.conftest import Platform
from tests.polling import eventually

CONVENING = common_pb2.DEADLINE_KIND_CONVENING


async def _on_queue(platform: Platform, conference_id: str, **filters: object) -> list[supervision_pb2.Escalation]:
    page = await platform.supervision.ListQueue(
        supervision_pb2.ListQueueRequest(kind=CONVENING, page_size=500, **filters)  # type: ignore[arg-type]
    )
    return [e for e in page.items if e.conference_id == conference_id]


def _key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


async def test_a_passed_convening_deadline_escalates_and_a_supervisor_acts(platform: Platform) -> None:
    staff, _ = await register(platform, "nelson-marlborough", venues=())  # no slot: the conference is not held
    request = start_request(staff)
    request.trigger.triggered_at.CopyFrom(timestamp(dt.datetime.now(dt.UTC) - dt.timedelta(days=30)))
    started = await stub(platform).StartConference(request)
    conference_id = started.conference_id

    async def breached() -> supervision_pb2.Escalation | None:
        found = [e for e in await _on_queue(platform, conference_id) if e.tier == 1]
        return found[0] if found else None

    tier1 = await eventually(breached)
    assert (tier1.level, tier1.role, tier1.assignee) == (
        supervision_pb2.ESCALATION_LEVEL_BREACH,
        "coordinator_manager",
        staff.manager,
    )
    assert (tier1.workflow_id, tier1.site, tier1.cycle) == (started.workflow_id, "nelson-marlborough", 1)
    due = from_timestamp(tier1.due_at)
    assert from_timestamp(tier1.raise_at) == due and tier1.late_seconds >= 0
    assert from_timestamp(tier1.raised_at) - due > dt.timedelta(days=1), "raised late: the lateness shows"
    levels = {e.level for e in await _on_queue(platform, conference_id)}
    assert supervision_pb2.ESCALATION_LEVEL_WARNING in levels
    others = await platform.supervision.ListQueue(
        supervision_pb2.ListQueueRequest(kind=common_pb2.DEADLINE_KIND_TRIAGE, page_size=500)
    )
    assert conference_id not in {e.conference_id for e in others.items}

    ack = supervision_pb2.AcknowledgeRequest(
        idempotency_key=_key("ack"), escalation_id=tier1.escalation_id, acknowledged_by="sup.aroha", note="Seen."
    )
    acknowledged = await platform.supervision.Acknowledge(ack)
    assert (acknowledged.escalation.acknowledged_by, acknowledged.replayed) == ("sup.aroha", False)
    assert (await platform.supervision.Acknowledge(ack)).replayed

    new_due = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    extend = supervision_pb2.ExtendDeadlineRequest(
        idempotency_key=_key("extend"),
        conference_id=conference_id,
        kind=CONVENING,
        due_at=timestamp(new_due),
        extended_by="sup.aroha",
        reason="The Youth Court extended the time to convene.",
        reason_code="COURT_DIRECTION",
    )
    extended = await platform.supervision.ExtendDeadline(extend)
    assert abs(from_timestamp(extended.deadline.due_at) - new_due) < dt.timedelta(milliseconds=1)
    assert (extended.deadline.kind, extended.deadline.breached, extended.deadline.tier) == (CONVENING, False, 0)
    assert (await platform.supervision.ExtendDeadline(extend)).replayed
    assert [
        e for e in await _on_queue(platform, conference_id) if e.level != supervision_pb2.ESCALATION_LEVEL_NO_SLOT
    ] == []
    conference = await get(platform, conference_id)
    assert abs(from_timestamp(conference.state.convening_due) - new_due) < dt.timedelta(milliseconds=1)
    assert conference_pb2.CONFERENCE_DEADLINE_CONVENING not in conference.state.breached
    actions = [entry.action for entry in conference.state.timeline]
    assert "escalation.acknowledged" in actions and "deadline.extended" in actions


async def test_a_conference_deadline_names_its_conference(platform: Platform) -> None:
    request = supervision_pb2.ExtendDeadlineRequest(
        idempotency_key=_key("extend"),
        case_id=str(uuid.uuid4()),
        kind=CONVENING,
        due_at=timestamp(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)),
        extended_by="sup.aroha",
        reason="Court extension.",
        reason_code="COURT_DIRECTION",
    )
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.supervision.ExtendDeadline(request)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(raised.value)} == {"conference_id"}
