"""Where a case belongs and who may see it, for checking a caller's scope
(services/common/authz.py), read from the case's record in PostgreSQL, never from Temporal.

Intake owns the case and reads its own schema (`IntakeService.GetCaseScope` answers the
others); every other service asks intake over gRPC (`intake_lookup`), with a timeout and
a bounded retry, and answers UNAVAILABLE when intake cannot be reached. A conference is
located by the conference service the same way (`conference_lookup`). One admission asks
for several facts of the same case; `CaseLookup` fetches them once per call (a call runs in
a task, and so a context, of its own), never longer: an allocation counts at once. Only a
case's place (its site and region, fixed when it is opened) is kept across calls, for the
most recent PLACES_KEPT cases: an admission that needs no more than the place (a caller
with scope `any`, a site or a region) then asks nothing of intake.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

import grpc

from kahu.v1 import conference_pb2, conference_pb2_grpc, intake_pb2, intake_pb2_grpc
from services.common.authz import YOUTH_OFFENDING, Place
from services.common.channels import aio_channel
from services.common.config import Settings
from services.common.temporal import workload_tokens
from services.common.updates import Unavailable

#: Each GetCaseScope attempt, and how many are made before the caller is told UNAVAILABLE.
SCOPE_TIMEOUT = 5.0
SCOPE_ATTEMPTS = 3
SCOPE_BACKOFF = 0.2
#: How many cases' places a lookup keeps across calls.
PLACES_KEPT = 10_000
_RETRIED = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}
T = TypeVar("T")


@dataclass(frozen=True)
class CaseScope:
    """What a caller's scope is checked against: no personal data. `agencies`: those whose
    report opened the case (scope `agency`)."""

    place: Place
    agencies: frozenset[str]
    concerns: frozenset[str]
    social_worker: str | None
    #: The triage decision's pathway (a kahu.v1.Pathway name); "" before one.
    pathway: str = ""


Locate = Callable[[str], Awaitable[CaseScope | None]]
#: What this call has located so far, by (lookup, case id).
_located: ContextVar[dict[tuple[int, str], CaseScope | None] | None] = ContextVar("kahu_located", default=None)


class CaseLookup:
    """authz.CaseLookup over one way of locating a case (None: no such case)."""

    def __init__(self, locate: Locate) -> None:
        self._locate = locate
        self._places: OrderedDict[str, Place] = OrderedDict()

    async def case_scope(self, case_id: str) -> CaseScope | None:
        located = _located.get()
        if located is None:
            located = {}
            _located.set(located)
        key = (id(self), case_id)
        if key not in located:
            found = located[key] = await self._locate(case_id)
            if found is not None:
                self._keep_place(case_id, found.place)
        return located[key]

    async def place(self, case_id: str) -> Place | None:
        kept = self._places.get(case_id)
        if kept is not None:
            self._places.move_to_end(case_id)
            return kept
        found = await self.case_scope(case_id)
        return None if found is None else found.place

    def opened(self, case_id: str, place: Place) -> None:
        """The case has just been opened at `place` (intake's own lookup: no need to ask)."""
        self._keep_place(case_id, place)

    def _keep_place(self, case_id: str, place: Place) -> None:
        self._places[case_id] = place
        self._places.move_to_end(case_id)
        if len(self._places) > PLACES_KEPT:
            self._places.popitem(last=False)

    async def agencies(self, case_id: str) -> frozenset[str]:
        found = await self.case_scope(case_id)
        return frozenset() if found is None else found.agencies

    async def social_worker(self, case_id: str) -> str | None:
        found = await self.case_scope(case_id)
        return None if found is None else found.social_worker

    async def concerns(self, case_id: str) -> frozenset[str]:
        found = await self.case_scope(case_id)
        return frozenset() if found is None else found.concerns


def scope_to_proto(found: CaseScope) -> intake_pb2.GetCaseScopeResponse:
    """GetCaseScope's answer."""
    return intake_pb2.GetCaseScopeResponse(
        site=found.place.site,
        region=found.place.region,
        agencies=sorted(found.agencies),
        concerns=sorted(found.concerns),
        social_worker=found.social_worker or "",
        pathway=found.pathway,
    )


def scope_from_proto(message: intake_pb2.GetCaseScopeResponse) -> CaseScope:
    return CaseScope(
        place=Place(message.site, message.region),
        agencies=frozenset(message.agencies),
        concerns=frozenset(message.concerns),
        social_worker=message.social_worker or None,
        pathway=message.pathway,
    )


async def _ask(what: str, call: Callable[[], Awaitable[T]]) -> T | None:
    """`call`'s answer (None for NOT_FOUND), retried a bounded number of times while the
    service is unreachable, then UNAVAILABLE."""
    for attempt in range(SCOPE_ATTEMPTS):
        try:
            return await call()
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            if error.code() not in _RETRIED:
                raise
            if attempt + 1 < SCOPE_ATTEMPTS:
                await asyncio.sleep(SCOPE_BACKOFF * 2**attempt)
    raise Unavailable(f"the {what} cannot be looked up right now")


def intake_lookup(intake: intake_pb2_grpc.IntakeServiceStub) -> CaseLookup:
    """A case's lookup for a service other than intake (`IntakeService.GetCaseScope`)."""

    async def locate(case_id: str) -> CaseScope | None:
        request = intake_pb2.GetCaseScopeRequest(case_id=case_id)
        found = await _ask("case", lambda: intake.GetCaseScope(request, timeout=SCOPE_TIMEOUT))
        return None if found is None else scope_from_proto(found)

    return CaseLookup(locate)


def conference_lookup(conferences: conference_pb2_grpc.ConferenceServiceStub) -> CaseLookup:
    """A conference's lookup for a service other than the conference service
    (`ConferenceService.GetConferenceScope`); every conference is about youth offending."""

    async def locate(conference_id: str) -> CaseScope | None:
        request = conference_pb2.GetConferenceScopeRequest(conference_id=conference_id)
        found = await _ask("conference", lambda: conferences.GetConferenceScope(request, timeout=SCOPE_TIMEOUT))
        if found is None:
            return None
        return CaseScope(
            place=Place(found.site, found.region),
            agencies=frozenset(found.agencies),
            concerns=frozenset({YOUTH_OFFENDING}),
            social_worker=None,
        )

    return CaseLookup(locate)


async def open_channel(settings: Settings, stack: AsyncExitStack, caller: str, address: str) -> grpc.aio.Channel:
    """A channel to another service at `address` whose calls carry `caller`'s workload
    token, closed with `stack`."""
    return await stack.enter_async_context(aio_channel(address, settings, workload_tokens(settings, caller)))
