"""ListCases' paging: the visibility query for a request's checked filters, within the
caller's scope, and its page tokens."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass

from kahu.v1 import intake_pb2
from services.common import checks, convert, paging, visibility
from services.common.authz import UNRESTRICTED, Restriction
from services.common.errors import Violations
from services.common.sites import load_sites
from workflows import search_attributes as sa


@dataclass(frozen=True)
class Listing:
    """A page of cases asked for: its visibility query, size and Temporal's page token."""

    query: str
    size: int
    token: bytes | None


def cases_query(request: intake_pb2.ListCasesRequest, v: Violations, restriction: Restriction = UNRESTRICTED) -> str:
    """The visibility query for the request's filters (values checked, never raw), within
    the caller's scope."""
    clauses = ["WorkflowType = 'CaseWorkflow'"]
    scope = visibility.within(restriction)
    if scope is not None:
        clauses.append(scope)
    site = checks.site(v, request.site, required=False)
    if site is not None:
        clauses.append(f"{sa.SITE.name} = {visibility.literal(site.code)}")
    checks.region(v, request.region)
    if request.region and request.region in {s.region for s in load_sites().values()}:
        clauses.append(f"{sa.REGION.name} = {visibility.literal(request.region)}")
    stage = checks.enum(v, request.stage, convert.STAGE, "stage", required=False)
    if stage is not None:
        clauses.append(f"{sa.STAGE.name} = {visibility.literal(stage.value)}")
    if request.min_tier > checks.MAX_TIER:
        v.add("min_tier", f"must be at most {checks.MAX_TIER}")
    elif request.min_tier:
        clauses.append(f"{sa.ESCALATION_TIER.name} >= {int(request.min_tier)}")
    if request.overdue_only:
        clauses.append(f"{sa.BREACHED.name} = true")
    return visibility.all_of(*clauses)


def parse(request: intake_pb2.ListCasesRequest, scope: Callable[[], Restriction] = lambda: UNRESTRICTED) -> Listing:
    """The listing a request asks for: bad filters are INVALID_ARGUMENT before `scope` (the
    caller's, services/common/authz.py) is asked for; the page token is bound to both."""
    v = Violations()
    cases_query(request, v)
    size = checks.page_size(v, request.page_size)
    v.raise_if_any()
    query = cases_query(request, v, scope())
    position = paging.decode(v, request.page_token, query)
    token = None
    if position is not None:
        try:
            token = base64.b64decode(position["t"], validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error):
            v.add("page_token", "is not a page token from this listing")
    v.raise_if_any()
    return Listing(query, size, token)


def next_token(listing: Listing, temporal_token: bytes | None) -> str:
    """The page token for the page after `listing` ("" when it was the last)."""
    if not temporal_token:
        return ""
    return paging.encode(listing.query, {"t": base64.b64encode(temporal_token).decode()})
