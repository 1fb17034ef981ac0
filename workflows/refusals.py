"""An activity's call refused by a domain service fails the activity for good.

A gRPC status that no retry can change (the request is wrong, not allowed, or not allowed
in the state the service holds) becomes a non-retryable `Refused` application error
carrying the trace id, which the workflow turns into an item for a person
(workflows/attention.py). Outages (UNAVAILABLE, DEADLINE_EXCEEDED, a lost connection) stay
ordinary failures, retried with backoff.
"""

from __future__ import annotations

from typing import Any

import grpc
from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from services.common.tracing import current_trace_id
from workflows.common import REFUSED

REFUSALS = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.UNIMPLEMENTED,
    }
)


class Refusals(Interceptor):
    """Registered on every Kahu worker."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Inbound(next)


class _Inbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await super().execute_activity(input)
        except grpc.aio.AioRpcError as error:
            if error.code() not in REFUSALS:
                raise
            raise ApplicationError(
                f"{error.code().name}: {error.details()}", current_trace_id(), type=REFUSED, non_retryable=True
            ) from None
