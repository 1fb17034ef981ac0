"""What supervision tells, through its notifications outbox (services/common/notifications):
each escalation newly raised, to its tier's role at its site (the routing file's channels),
and each step newly needing attention, to ops; both written in the transaction that
raises them. A delivery that fails for good becomes a "needs attention" item here."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg

from services.common.metrics import record_attention
from services.common.notifications import messages
from services.common.notifications.outbox import OnFailed, Outbox, Row, failure_item
from workflows.case.model import AttentionItem, Escalation

if TYPE_CHECKING:
    from services.supervision.attention import AttentionStore


async def escalation_raised(outbox: Outbox, conn: asyncpg.Connection, escalation_id: str, e: Escalation) -> None:
    routing = outbox.routing
    payload = messages.escalation(
        escalation_id=escalation_id,
        case_id=e.case_id or None,
        conference_id=e.conference_id,
        deadline_kind=e.kind.value,
        level=e.level.value,
        tier=e.tier,
        role=e.role,
        site=e.site,
        region=e.region,
        due_at=e.due_at,
        raise_at=e.raise_at,
        link=routing.link_to(e.workflow_id),
    )
    channels = routing.escalation_channels(e.role, e.site, e.region)
    notifications = outbox.of(
        messages.ESCALATION,
        escalation_id,
        channels,
        case_id=e.case_id or None,
        conference_id=e.conference_id,
        payload=payload,
    )
    await outbox.enqueue(conn, notifications, e.workflow_id)


async def attention_raised(outbox: Outbox, conn: asyncpg.Connection, item_id: str, item: AttentionItem) -> None:
    routing, subject = outbox.routing, item.subject
    payload = messages.attention(
        item_id=item_id,
        case_id=subject.case_id,
        conference_id=subject.conference_id,
        step=item.step,
        reason=item.reason.value,
        site=subject.site,
        region=subject.region,
        failing_since=item.failing_since,
        link=routing.link_to(item.workflow_id),
    )
    notifications = outbox.of(
        messages.ATTENTION,
        item_id,
        routing.attention,
        case_id=subject.case_id,
        conference_id=subject.conference_id,
        payload=payload,
    )
    await outbox.enqueue(conn, notifications, item.workflow_id)


def raise_here(attention: AttentionStore) -> OnFailed:
    """A delivery that failed for good becomes an item on this service's own queue (and
    so a notification to ops)."""

    async def tell(row: Row) -> None:
        item = failure_item(row)
        _, created = await attention.raise_item(item)
        if created:
            record_attention(item.step, item.reason.value)

    return tell
