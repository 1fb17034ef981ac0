"""Telling supervision that a delivery failed for good, from a service other than
supervision: its `RaiseAttention`, called with the service's workload identity, once per
notification (the item's key), retried by the outbox until it answers."""

from __future__ import annotations

import logging

from kahu.v1 import supervision_pb2_grpc
from services.common import convert
from services.common.notifications.outbox import OnFailed, Row, failure_item

log = logging.getLogger(__name__)
#: Seconds RaiseAttention may take.
TIMEOUT = 10.0


def raise_in_supervision(supervision: supervision_pb2_grpc.SupervisionServiceStub) -> OnFailed:
    async def tell(row: Row) -> None:
        item = failure_item(row)
        subject = item.subject
        if not subject.site:  # no case workflow told where the case is: nothing to route by
            log.error("notification %s failed for good, about a case of no known site", row.notification.key)
            return
        await supervision.RaiseAttention(convert.attention_request(item), timeout=TIMEOUT)

    return tell
