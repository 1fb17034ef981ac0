"""The console's calls to Kahu's services, as the person signed in.

One channel per service for the whole process; each call carries a short-lived token the
console signs for the person the current request is for (`acting_as`), with its own key
(`console/signing-key.jwk`, whose public half the services trust for staff roles only).
A failed call becomes `Unavailable` (nothing was changed, try again), `SignInAgain` or a
`Refusal` in the service's own words, with its field violations.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Awaitable, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from kahu.v1 import (
    assessment_pb2_grpc,
    conference_pb2_grpc,
    intake_pb2_grpc,
    placement_pb2_grpc,
    plan_pb2_grpc,
    reporting_pb2_grpc,
    supervision_pb2_grpc,
    triage_pb2_grpc,
)
from services.common.channels import aio_channel
from services.common.config import Settings
from services.common.errors import FieldViolation, field_violations
from services.common.identity import Principal, Signer

T = TypeVar("T")
#: Seconds a person's token lives; renewed at half-life.
TOKEN_TTL = 300
#: Seconds a page waits for a service.
CALL_TIMEOUT = 10.0
_acting: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("console_acting", default=None)
#: The call may not have reached the service: nothing was changed, a retry is safe.
_UNAVAILABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED)
#: The services the console calls (ReportingService is intake's).
CALLED = ("intake", "triage", "assessment", "supervision", "placement", "conference", "plan")


class Unavailable(Exception):
    """A service did not answer; the page says nothing was changed."""


class SignInAgain(Exception):
    """The service did not accept the person's token (expired session, revoked subject)."""


@dataclass
class Refusal(Exception):
    """The service refused: its status code, its message and the fields it named."""

    code: grpc.StatusCode
    message: str
    violations: list[FieldViolation]


class PersonTokens:
    """The token source of the console's channels: a token for the person the current
    request acts as, signed with the console's key (none outside a request)."""

    def __init__(self, signer: Signer, settings: Settings) -> None:
        self._signer = signer
        self._settings = settings
        self._cache: dict[Principal, tuple[str, float]] = {}

    def __call__(self, method: str, request: object) -> str | None:
        principal = _acting.get()
        if principal is None:
            return None
        now = time.monotonic()
        cached = self._cache.get(principal)
        if cached is None or now >= cached[1]:
            token = self._signer.mint(
                principal, issuer=self._settings.token_issuer, audience=self._settings.token_audience, ttl=TOKEN_TTL
            )
            if len(self._cache) > 1000:
                self._cache.clear()
            cached = self._cache[principal] = (token, now + TOKEN_TTL / 2)
        return cached[0]


@contextmanager
def acting_as(principal: Principal) -> Iterator[None]:
    """Calls made inside carry `principal`'s token."""
    reset = _acting.set(principal)
    try:
        yield
    finally:
        _acting.reset(reset)


@dataclass(frozen=True)
class Backend:
    """Stubs of the services the console calls."""

    intake: intake_pb2_grpc.IntakeServiceStub
    triage: triage_pb2_grpc.TriageServiceStub
    assessment: assessment_pb2_grpc.AssessmentServiceStub
    supervision: supervision_pb2_grpc.SupervisionServiceStub
    reporting: reporting_pb2_grpc.ReportingServiceStub
    placement: placement_pb2_grpc.PlacementServiceStub
    conference: conference_pb2_grpc.ConferenceServiceStub
    plan: plan_pb2_grpc.PlanServiceStub

    @classmethod
    async def open(cls, settings: Settings, signer: Signer, stack: AsyncExitStack) -> Backend:
        tokens = PersonTokens(signer, settings)
        channels: dict[str, grpc.aio.Channel] = {}
        for name in CALLED:
            channels[name] = await stack.enter_async_context(aio_channel(settings.address(name), settings, tokens))
        return cls(
            intake_pb2_grpc.IntakeServiceStub(channels["intake"]),
            triage_pb2_grpc.TriageServiceStub(channels["triage"]),
            assessment_pb2_grpc.AssessmentServiceStub(channels["assessment"]),
            supervision_pb2_grpc.SupervisionServiceStub(channels["supervision"]),
            reporting_pb2_grpc.ReportingServiceStub(channels["intake"]),  # served by intake
            placement_pb2_grpc.PlacementServiceStub(channels["placement"]),
            conference_pb2_grpc.ConferenceServiceStub(channels["conference"]),
            plan_pb2_grpc.PlanServiceStub(channels["plan"]),
        )


async def call(rpc: Any, request: Any) -> Any:
    """`rpc(request)` with the console's deadline; failures as the exceptions above."""
    try:
        return await rpc(request, timeout=CALL_TIMEOUT)
    except grpc.aio.AioRpcError as error:
        raise translate(error) from None


def translate(error: grpc.aio.AioRpcError) -> Exception:
    code = error.code()
    if code in _UNAVAILABLE:
        return Unavailable()
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return SignInAgain()
    return Refusal(code, error.details() or code.name, field_violations(error))


async def settled(awaitable: Awaitable[T]) -> T | Refusal:
    """The answer, or the refusal (for a page that shows what it can)."""
    try:
        return await awaitable
    except Refusal as refusal:
        return refusal


async def act(who: Principal, rpc: Any, request: Any) -> Refusal | None:
    """A person's action: `rpc(request)` as `who`; the service's refusal, or None when it
    was done (an outage raises, as from `call`)."""
    with acting_as(who):
        try:
            await call(rpc, request)
        except Refusal as refusal:
            return refusal
    return None
