"""Authorisation of every call: the caller's identity, the access table, the case's scope,
the fields the caller may see, and the call's audit record.

`GrpcServer` installs `Authorisation` on every server, so every service gets it: a call
without a valid bearer token is UNAUTHENTICATED (the health service excepted); a caller
none of whose roles the access table lists for the RPC is PERMISSION_DENIED before the
service sees the request. Otherwise the call runs with a `Call` in context, and the
service, once it knows which case (or report, escalation, listing) the request is about,
asks for admission:

    await authz.admit_case(case_id, lookup)      # by the case's site, region, allocation…
    authz.admit_place(case_id, place)            # when the service already knows the place
    authz.admit_report(site, region, agency)     # a report being submitted
    restriction = authz.listing()                # a listing: the sites/regions it may show

A call whose service never asked is refused (fail closed), an answer is cut down to the
fields the admitting rules allow, and the call's audit record is written (in the same
transaction as the service's reads and changes when it used `audit.transaction`,
otherwise in one of its own) before the answer leaves.

Existence is not leaked: a caller whose scope is narrower than `any` gets the same
PERMISSION_DENIED ("not permitted for this case") whether the case is out of its scope
or does not exist; NOT_FOUND is for callers in scope only.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg
import grpc
from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from services.common.access import PURPOSE_FIELDS, AccessTable, Entry, Rule, Scope, load_access
from services.common.audit import Auditor
from services.common.audit import Entry as AuditEntry
from services.common.checks import STAFF_ID
from services.common.config import Settings
from services.common.errors import DomainError, NotFound, PermissionDenied, Unauthenticated
from services.common.identity import WORKLOAD_PREFIX, WORKLOAD_ROLE, InvalidToken, Principal, TokenVerifier, bearer
from services.common.tracing import current_trace_id

log = logging.getLogger(__name__)

DENIED = "not permitted for this case"
YOUTH_OFFENDING = "CONCERN_CATEGORY_YOUTH_OFFENDING"
#: Served to anyone, with or without a token.
ANONYMOUS_PREFIXES = ("/grpc.health.v1.Health/",)
#: Served to any authenticated caller.
AUTHENTICATED_PREFIXES = ("/grpc.reflection.v1alpha.ServerReflection/", "/grpc.reflection.v1.ServerReflection/")


@dataclass(frozen=True)
class Place:
    """Where a case belongs."""

    site: str
    region: str


class CaseLookup(Protocol):
    """What a service can find out about a case, for checking a caller's scope."""

    async def place(self, case_id: str) -> Place | None:
        """The case's site and region; None when there is no such case."""

    async def agencies(self, case_id: str) -> frozenset[str]:
        """The agencies that reported on the case (empty when unknown here)."""

    async def social_worker(self, case_id: str) -> str | None:
        """The social worker the case's assessment is allocated to."""

    async def concerns(self, case_id: str) -> frozenset[str]:
        """The case's concern categories (empty when unknown here)."""


@dataclass
class Call:
    """One authorised call in progress."""

    principal: Principal
    method: str
    entry: Entry | None  # None: a service's own background work (background_call)
    rules: list[Rule]
    table: AccessTable | None
    auditor: Auditor | None
    case_id: str = ""
    admitted: list[Rule] | None = None
    audited: bool = False
    last_result: str = ""

    # -- audit -------------------------------------------------------------------------

    def audit_entry(self, result: str) -> AuditEntry:
        p = self.principal
        return AuditEntry(
            actor=p.subject,
            roles=",".join(sorted(p.roles)),
            agency=p.agency,
            action=self.method,
            case_id=self.case_id,
            purpose=p.purpose,
            result=result,
            trace_id=current_trace_id(),
        )

    async def audit_in(self, conn: asyncpg.Connection, result: str) -> None:
        """Append this call's record within `conn`'s transaction."""
        if self.auditor is None:
            raise RuntimeError(f"{self.method} has no audit trail")
        await self.auditor.append(conn, self.audit_entry(result))
        self.audited, self.last_result = True, result

    async def audit_if_missing(self, result: str) -> None:
        """Record the call's outcome unless a record of it was written (a PENDING action
        still gets its outcome recorded)."""
        if not self.audited or (self.last_result == "PENDING" and result != "OK"):
            if self.auditor is None:
                raise RuntimeError(f"{self.method} has no audit trail")
            await self.auditor.append_alone(self.audit_entry(result))
            self.audited, self.last_result = True, result

    # -- admission ---------------------------------------------------------------------

    def admit(self, rules: list[Rule]) -> None:
        if not rules:
            raise PermissionDenied(DENIED)
        self.admitted = rules

    def fields(self) -> tuple[str, ...] | None:
        """The response fields the admitting rules allow (None: every field)."""
        assert self.admitted is not None
        paths: set[str] = set()
        assert self.table is not None
        for rule in self.admitted:
            if rule.fields is None:
                return None
            if rule.fields == PURPOSE_FIELDS:
                paths.update(self.table.purpose_fields(self.principal.purpose, self.method) or ())
            else:
                paths.update(rule.fields)
        return tuple(sorted(paths))

    def cut(self, response: Message) -> Message:
        """The response with only the fields the caller may see."""
        paths = self.fields()
        if paths is None:
            return response
        visible = type(response)()
        field_mask_pb2.FieldMask(paths=list(paths)).MergeMessage(response, visible)
        return visible


_CURRENT: ContextVar[Call | None] = ContextVar("kahu_call", default=None)


def current() -> Call:
    """The call in progress; RuntimeError outside an authorised call (fail closed)."""
    call = _CURRENT.get()
    if call is None:
        raise RuntimeError("no authorised call in progress")
    return call


def current_principal() -> Principal:
    return current().principal


@contextmanager
def background_call(service: str, action: str, auditor: Auditor) -> Iterator[Call]:
    """Run a piece of a service's own background work (its outbox) as a call of its
    workload identity, `workload:<service>`: what it reads and changes is audited like any
    call's, and nothing of a caller's is admitted to it."""
    principal = Principal(subject=f"{WORKLOAD_PREFIX}{service}", roles=frozenset({WORKLOAD_ROLE}))
    call = Call(principal, action, None, [], None, auditor)
    token = _CURRENT.set(call)
    try:
        yield call
    finally:
        _CURRENT.reset(token)


def note_case(case_id: str) -> None:
    """Name the case the call is about, for its audit record (once the service knows it)."""
    current().case_id = case_id


# -- scope checks, called by the services --------------------------------------------------


def _purpose_allows(call: Call) -> bool:
    return call.table is not None and call.table.purpose_fields(call.principal.purpose, call.method) is not None


async def _in_scope(call: Call, rule: Rule, case_id: str, place: Place, lookup: CaseLookup | None) -> bool:
    p = call.principal
    match rule.scope:
        case Scope.ANY:
            return True
        case Scope.SITE:
            return place.site in p.sites
        case Scope.REGION:
            return place.region in p.regions
        case Scope.SHARED_CASE:
            return bool(p.case_id) and p.case_id == case_id and _purpose_allows(call)
        case Scope.ALLOCATED:
            return lookup is not None and (await lookup.social_worker(case_id)) == p.subject
        case Scope.AGENCY:
            return bool(p.agency) and lookup is not None and p.agency in await lookup.agencies(case_id)
        case Scope.YOUTH_JUSTICE:
            return place.site in p.sites and lookup is not None and YOUTH_OFFENDING in await lookup.concerns(case_id)
    return False


async def _admit(call: Call, case_id: str, place: Place | None, lookup: CaseLookup | None) -> None:
    call.case_id = case_id
    if call.admitted is not None:
        return
    if place is None:
        if any(rule.scope is Scope.ANY for rule in call.rules):
            raise NotFound("no such case")
        raise PermissionDenied(DENIED)
    call.admit([rule for rule in call.rules if await _in_scope(call, rule, case_id, place, lookup)])


async def admit_case(case_id: str, lookup: CaseLookup) -> None:
    """Admit the call for `case_id` if one of the caller's rules covers the case; else
    PERMISSION_DENIED (or NOT_FOUND for a caller with scope `any` when there is no such
    case). Looks the case up only when a rule needs it."""
    call = current()
    call.case_id = case_id
    if call.admitted is not None:
        return
    await _admit(call, case_id, await lookup.place(case_id), lookup)


async def admit_place(case_id: str, place: Place | None, lookup: CaseLookup | None = None) -> None:
    """As `admit_case`, when the service already knows where the case is (None: it does not
    exist, as far as the service can tell)."""
    await _admit(current(), case_id, place, lookup)


def admit_report(site: str, region: str, agency: str) -> None:
    """Admit a report being submitted: for the caller's sites or regions, or its agency."""
    call = current()
    p = call.principal
    if call.admitted is not None:
        return
    admitted = []
    for rule in call.rules:
        if (
            rule.scope is Scope.ANY
            or (rule.scope is Scope.SITE and site in p.sites)
            or (rule.scope is Scope.REGION and region in p.regions)
            or (rule.scope is Scope.AGENCY and bool(p.agency) and agency == p.agency)
        ):
            admitted.append(rule)
    if not admitted:
        raise PermissionDenied("not permitted to report for this site or agency")
    call.admitted = admitted


def reporting_for_an_agency() -> bool:
    """Whether the call was admitted as an agency's (scope `agency` only), not as staff's:
    a reporter, told of its own report only."""
    admitted = current().admitted or []
    return bool(admitted) and all(rule.scope is Scope.AGENCY for rule in admitted)


def shared_with_an_agency() -> bool:
    """Whether the call was admitted as a partner agency's (scope `shared_case` only), not
    as staff's: it sees what is shared with its agency only."""
    admitted = current().admitted or []
    return bool(admitted) and all(rule.scope is Scope.SHARED_CASE for rule in admitted)


@dataclass(frozen=True)
class Restriction:
    """What a listing may show: None for no restriction, else the sites and regions."""

    sites: frozenset[str] | None = None
    regions: frozenset[str] = frozenset()

    @property
    def unrestricted(self) -> bool:
        return self.sites is None

    def allows(self, site: str, region: str) -> bool:
        return self.sites is None or site in self.sites or region in self.regions


UNRESTRICTED = Restriction()


def listing(site: str = "", region: str = "", site_region: str = "") -> Restriction:
    """Admit a listing filtered on `site` (in `site_region`) and/or `region`: refused when
    a filter names a site or region outside the caller's scope; otherwise the restriction
    the listing must apply."""
    call = current()
    p = call.principal
    if any(rule.scope is Scope.ANY for rule in call.rules):
        call.admitted = [rule for rule in call.rules if rule.scope is Scope.ANY]
        return Restriction()
    sites = frozenset(p.sites) if any(rule.scope is Scope.SITE for rule in call.rules) else frozenset()
    regions = frozenset(p.regions) if any(rule.scope is Scope.REGION for rule in call.rules) else frozenset()
    restriction = Restriction(sites, regions)
    if site and not restriction.allows(site, site_region):
        raise PermissionDenied(f"not permitted to list site {site}")
    if region and region not in regions and not (site and restriction.allows(site, site_region)):
        raise PermissionDenied(f"not permitted to list region {region}")
    call.admitted = list(call.rules)
    return restriction


# -- the server side ---------------------------------------------------------------------


@dataclass
class Guard:
    """What a server needs to authorise calls: the token verifier and the access table."""

    verifier: TokenVerifier
    table: AccessTable
    auditors: dict[str, Auditor] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> Guard:
        return cls(
            TokenVerifier.from_dir(
                settings.signing_keys_dir, issuer=settings.token_issuer, audience=settings.token_audience
            ),
            load_access(settings.access_file),
        )

    def authenticate(self, metadata: Any) -> Principal:
        token = bearer(metadata)
        if not token:
            raise Unauthenticated("a bearer token is required (authorization: Bearer <token>)")
        try:
            return self.verifier.verify(token)
        except InvalidToken as error:
            raise Unauthenticated(str(error)) from None


def _service_of(method: str) -> str:
    return method.lstrip("/").partition("/")[0]


def _check_actor(entry: Entry, principal: Principal, request: Any) -> None:
    """Staff act as themselves: a request's actor field (decided_by, ...) that names a
    staff id must name the caller's own (a missing or malformed one is left to the
    service's validation: INVALID_ARGUMENT)."""
    if entry.actor is None or principal.is_workload:
        return
    named = getattr(request, entry.actor, "")
    if isinstance(named, str) and STAFF_ID.fullmatch(named) and named != principal.subject:
        raise PermissionDenied(f"{entry.actor} must be the caller's own staff id")


class Authorisation(grpc.aio.ServerInterceptor):
    """Authenticates, authorises and audits each call (installed by GrpcServer)."""

    def __init__(self, guard: Guard) -> None:
        self._guard = guard

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(ANONYMOUS_PREFIXES):
            return handler
        if handler.unary_unary is None:
            return self._authenticated_stream(handler)
        behaviour = handler.unary_unary
        guard = self._guard

        async def authorised(request: Any, context: grpc.aio.ServicerContext) -> Any:
            principal = guard.authenticate(context.invocation_metadata())
            if method.startswith(AUTHENTICATED_PREFIXES):
                return await behaviour(request, context)
            entry = guard.table.entry(method)
            rules = guard.table.rules(method, principal.roles)
            auditor = guard.auditors.get(_service_of(method))
            if entry is None:
                log.error("refusing %s: the access table has no entry for it", method)
                raise PermissionDenied(f"{method.lstrip('/')} is not in the access table")
            call = Call(principal, method.lstrip("/"), entry, rules, guard.table, auditor)
            token = _CURRENT.set(call)
            try:
                if not rules:
                    raise PermissionDenied(f"no role of the caller may call {call.method}")
                _check_actor(entry, principal, request)
                if all(rule.scope is Scope.ANY for rule in rules):
                    call.admitted = list(rules)
                response = await behaviour(request, context)
                if call.admitted is None:
                    log.error("refusing %s: the service did not check the caller's scope", method)
                    raise PermissionDenied(DENIED)
                response = call.cut(response)
                await call.audit_if_missing("OK")
                return response
            except DomainError as error:
                await call.audit_if_missing(error.code.name)
                raise
            except grpc.aio.AbortError:
                await call.audit_if_missing("ABORTED")
                raise
            except Exception:
                try:
                    await call.audit_if_missing("INTERNAL")
                except Exception:
                    log.exception("could not write the audit record of a failed call to %s", method)
                raise
            finally:
                _CURRENT.reset(token)

        return grpc.unary_unary_rpc_method_handler(
            authorised,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _authenticated_stream(self, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """Streaming methods (reflection): any authenticated caller."""
        guard = self._guard

        async def check(context: grpc.aio.ServicerContext) -> None:
            try:
                guard.authenticate(context.invocation_metadata())
            except Unauthenticated as error:
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, error.message)

        if handler.stream_stream is not None:
            behaviour = handler.stream_stream

            async def stream_stream(request_iterator: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                await check(context)
                async for response in behaviour(request_iterator, context):
                    yield response

            return grpc.stream_stream_rpc_method_handler(
                stream_stream,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )

        async def refuse(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "streaming calls are not served")

        return grpc.unary_unary_rpc_method_handler(refuse)
