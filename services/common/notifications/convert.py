"""A case's notifications as its record shows them (`kahu.v1.NotificationDelivery`)."""

from __future__ import annotations

from collections.abc import Iterable

from kahu.v1 import common_pb2
from services.common.convert import timestamp
from services.common.notifications.outbox import DELIVERED, FAILED, PENDING, Row

STATUS = {
    PENDING: common_pb2.NOTIFICATION_STATUS_PENDING,
    DELIVERED: common_pb2.NOTIFICATION_STATUS_DELIVERED,
    FAILED: common_pb2.NOTIFICATION_STATUS_FAILED,
}


def deliveries(rows: Iterable[Row]) -> list[common_pb2.NotificationDelivery]:
    listed = []
    for row in rows:
        n = row.notification
        item = common_pb2.NotificationDelivery(
            notification_key=n.key,
            kind=n.kind,
            channel=n.channel,
            status=STATUS[row.status],
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=timestamp(row.created_at),
        )
        if row.delivered_at is not None:
            item.delivered_at.CopyFrom(timestamp(row.delivered_at))
        if row.failed_at is not None:
            item.failed_at.CopyFrom(timestamp(row.failed_at))
        if row.status == PENDING:
            item.next_attempt_at.CopyFrom(timestamp(row.next_attempt_at))
        listed.append(item)
    return listed
