"""Which failures mean that something a service depends on is down or unreachable
(PostgreSQL, the Temporal server, another Kahu service): the call answers UNAVAILABLE, so
the caller retries with the same idempotency key, never INTERNAL."""

from __future__ import annotations

import errno

import asyncpg
import grpc
from temporalio.client import RPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

#: The answer's message: what the caller can do about it (no detail of what failed).
MESSAGE = "a part of Kahu is unavailable right now; retry with the same idempotency_key"

_POSTGRES = (
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08: the connection failed or was lost
    asyncpg.CannotConnectNowError,
    asyncpg.exceptions.OperatorInterventionError,  # 57: shut down, crashed, restarting
    asyncpg.exceptions.InsufficientResourcesError,  # 53: too many connections, out of memory
    asyncpg.InterfaceError,  # the connection closed under the call
    asyncpg.exceptions.InternalClientError,  # its state broken by a connection lost mid-call
)
_TEMPORAL = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.RESOURCE_EXHAUSTED}
_TEMPORAL_CONNECT = "Failed client connect"
_GRPC = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}
_SOCKET = {errno.ECONNREFUSED, errno.ECONNRESET, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT, errno.EPIPE}


def is_outage(error: BaseException) -> bool:
    """Whether `error` (or what caused it) is a dependency being unreachable."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _is_outage_itself(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _is_outage_itself(error: BaseException) -> bool:
    if isinstance(error, (*_POSTGRES, ConnectionError, RPCTimeoutOrCancelledError)):
        return True
    if isinstance(error, OSError) and error.errno in _SOCKET:
        return True
    if isinstance(error, RuntimeError) and str(error).startswith(_TEMPORAL_CONNECT):
        return True  # a lazy Temporal client that cannot reach the server
    if isinstance(error, RPCError):
        return error.status in _TEMPORAL
    if isinstance(error, grpc.aio.AioRpcError):
        return error.code() in _GRPC
    return False
