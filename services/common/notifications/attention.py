"""Telling supervision that a delivery failed for good, from a service other than
supervision: its `RaiseAttention`, called with the service's workload identity, once per
notification (the item's key), retried by the outbox until it answers."""

from __future__ import annotations

import logging

from kahu.v1 import supervision_pb2, supervision_pb2_grpc
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
        request = supervision_pb2.RaiseAttentionRequest(
            item_key=item.item_key,
            case_id=subject.case_id or "",
            conference_id=subject.conference_id or "",
            workflow_id=item.workflow_id,
            step=item.step,
            reason=convert.ATTENTION_REASON.to_proto(item.reason),
            error=item.error,
            trace_id=item.trace_id,
            site=subject.site,
            region=subject.region,
            waiting=item.waiting,
            failing_since=convert.timestamp(item.failing_since),
        )
        await supervision.RaiseAttention(request, timeout=TIMEOUT)

    return tell
