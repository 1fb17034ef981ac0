"""The one way a Kahu client opens a gRPC channel: TLS when configured (plaintext only to
loopback unless allowed), traced, and carrying a bearer token on every call except the
health service's, which stays anonymous.

Used by the worker (its workload identity), the CLI (the user's token), the tests'
platform, the crash test, the benchmark and the dev stack's health checks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from services.common.authz import ANONYMOUS_PREFIXES
from services.common.config import Settings
from services.common.identity import TokenSource
from services.common.tls import channel_credentials, check_plaintext


def _with_token(metadata: Any, token: str) -> list[tuple[str, str]]:
    items = [(k, v) for k, v in (metadata or ()) if k.lower() != "authorization"]
    return [*items, ("authorization", f"Bearer {token}")]


class AioBearer(grpc.aio.UnaryUnaryClientInterceptor):
    """Adds `authorization: Bearer <token>` from a token source to each unary call."""

    def __init__(self, tokens: TokenSource) -> None:
        self._tokens = tokens

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Awaitable[Any]],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        method = client_call_details.method
        method = method.decode() if isinstance(method, bytes) else method
        token = None if method.startswith(ANONYMOUS_PREFIXES) else self._tokens(method, request)
        if token:
            client_call_details = client_call_details._replace(
                metadata=grpc.aio.Metadata(*_with_token(client_call_details.metadata, token))
            )
        return await continuation(client_call_details, request)


class _Details(grpc.ClientCallDetails):
    def __init__(self, base: grpc.ClientCallDetails, metadata: Sequence[tuple[str, str]]) -> None:
        self.method = base.method
        self.timeout = base.timeout
        self.metadata = metadata
        self.credentials = base.credentials
        self.wait_for_ready = getattr(base, "wait_for_ready", None)
        self.compression = getattr(base, "compression", None)


class SyncBearer(grpc.UnaryUnaryClientInterceptor):
    """The same, for blocking channels (the CLI)."""

    def __init__(self, tokens: TokenSource) -> None:
        self._tokens = tokens

    def intercept_unary_unary(
        self, continuation: Callable[[grpc.ClientCallDetails, Any], Any], client_call_details: Any, request: Any
    ) -> Any:
        method = client_call_details.method
        token = None if method.startswith(ANONYMOUS_PREFIXES) else self._tokens(method, request)
        if token:
            client_call_details = _Details(client_call_details, _with_token(client_call_details.metadata, token))
        return continuation(client_call_details, request)


def _options(settings: Settings) -> list[tuple[str, Any]]:
    return [
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", settings.max_message_bytes),
    ]


def aio_channel(
    address: str, settings: Settings, tokens: TokenSource | None = None, *, traced: bool = True
) -> grpc.aio.Channel:
    """An asyncio channel to `address` (use `async with`, or close it)."""
    check_plaintext(settings, address, listening=False)
    interceptors: list[Any] = list(aio_client_interceptors()) if traced else []
    if tokens is not None:
        interceptors.append(AioBearer(tokens))
    if settings.tls is not None:
        return grpc.aio.secure_channel(
            address, channel_credentials(settings.tls), options=_options(settings), interceptors=interceptors
        )
    return grpc.aio.insecure_channel(address, options=_options(settings), interceptors=interceptors)


def sync_channel(address: str, settings: Settings, tokens: TokenSource | None = None) -> grpc.Channel:
    """A blocking channel to `address` (the CLI's)."""
    check_plaintext(settings, address, listening=False)
    if settings.tls is not None:
        channel = grpc.secure_channel(address, channel_credentials(settings.tls), options=_options(settings))
    else:
        channel = grpc.insecure_channel(address, options=_options(settings))
    if tokens is None:
        return channel
    return grpc.intercept_channel(channel, SyncBearer(tokens))
