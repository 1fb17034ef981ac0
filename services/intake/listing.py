"""ListCases from PostgreSQL: the request's checked filters within the caller's scope as one
query of `intake.cases`, paged by keyset (newest first on (received_at, case_id), most
urgent first on (urgent_at, case_id)), each filter served by an index
(migrations/0005_case_record.sql), and page tokens bound to their listing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kahu.v1 import intake_pb2
from services.common import checks, convert, paging
from services.common.authz import UNRESTRICTED, Restriction
from services.common.errors import Violations
from services.intake.store import CaseRow
from workflows.case.model import Stage
from workflows.policy.model import Timeframe


@dataclass(frozen=True)
class CaseFilter:
    """What a listing shows (None or 0: any), in which order, within the caller's scope."""

    site: str | None = None
    region: str | None = None
    stage: Stage | None = None
    timeframe: Timeframe | None = None
    min_tier: int = 0
    overdue: bool = False
    assignee: str | None = None
    received_from: dt.datetime | None = None
    received_before: dt.datetime | None = None
    due_before: dt.datetime | None = None
    urgent: bool = False
    within: Restriction = UNRESTRICTED

    def scope(self) -> str:
        """What the listing's page tokens are bound to: every filter, the order and the scope."""
        limits = "*" if self.within.sites is None else f"{sorted(self.within.sites)}/{sorted(self.within.regions)}"
        values = [
            self.site,
            self.region,
            self.stage,
            self.timeframe,
            self.min_tier,
            self.overdue,
            self.assignee,
            self.received_from.isoformat() if self.received_from else None,
            self.received_before.isoformat() if self.received_before else None,
            self.due_before.isoformat() if self.due_before else None,
            "urgent" if self.urgent else "newest",
            limits,
        ]
        return "cases|" + "|".join("" if value is None else str(value) for value in values)


@dataclass(frozen=True)
class Listing:
    """A page of cases asked for: its filter, size and the keyset position it starts after."""

    filter: CaseFilter
    size: int
    after: tuple[dt.datetime, str] | None = None


def _filter(request: intake_pb2.ListCasesRequest, v: Violations, within: Restriction) -> CaseFilter:
    site = checks.site(v, request.site, required=False)
    checks.region(v, request.region)
    stage = checks.enum(v, request.stage, convert.STAGE, "stage", required=False)
    timeframe = checks.enum(v, request.timeframe, convert.TIMEFRAME, "timeframe", required=False)
    if request.min_tier > checks.MAX_TIER:
        v.add("min_tier", f"must be at most {checks.MAX_TIER}")
    if request.assignee:
        checks.staff_id(v, request.assignee, "assignee")
    received_from = received_before = None
    if request.HasField("received_from"):
        received_from = checks.instant(v, request.received_from, "received_from")
    if request.HasField("received_before"):
        received_before = checks.instant(v, request.received_before, "received_before")
    due_before = checks.instant(v, request.due_before, "due_before") if request.HasField("due_before") else None
    if received_from and received_before and received_from >= received_before:
        v.add("received_before", "must be after received_from")
    if request.order not in intake_pb2.CaseOrder.values():
        v.add("order", "is not a known value")
    return CaseFilter(
        site=site.code if site else None,
        region=request.region or None,
        stage=stage,
        timeframe=timeframe,
        min_tier=request.min_tier,
        overdue=request.overdue_only,
        assignee=request.assignee or None,
        received_from=received_from,
        received_before=received_before,
        due_before=due_before,
        urgent=request.order == intake_pb2.CASE_ORDER_MOST_URGENT,
        within=within,
    )


def parse(request: intake_pb2.ListCasesRequest, scope: Callable[[], Restriction] = lambda: UNRESTRICTED) -> Listing:
    """The listing a request asks for: bad filters are INVALID_ARGUMENT before `scope` (the
    caller's, services/common/authz.py) is asked for; the page token is bound to both."""
    v = Violations()
    _filter(request, v, UNRESTRICTED)
    size = checks.page_size(v, request.page_size)
    v.raise_if_any()
    found = _filter(request, v, scope())
    position = paging.decode(v, request.page_token, found.scope())
    after = None
    if position is not None:
        try:
            after = (dt.datetime.fromisoformat(position["at"]), str(uuid.UUID(position["id"])))
        except (KeyError, TypeError, ValueError):
            v.add("page_token", "is not a page token from this listing")
    v.raise_if_any()
    return Listing(found, size, after)


#: At most this many cases due soon in one answer.
MAX_DUE = 500


def parse_due(request: intake_pb2.ListDueCasesRequest) -> Listing:
    """The listing of cases due soon that supervision asks for (its caller's scope stated)."""
    v = Violations()
    site = checks.site(v, request.site, required=False)
    checks.region(v, request.region)
    for i, code in enumerate(request.within_sites):
        checks.site(v, code, f"within_sites[{i}]")
    for i, code in enumerate(request.within_regions):
        checks.region(v, code, f"within_regions[{i}]", required=True)
    due_before = checks.instant(v, request.due_before if request.HasField("due_before") else None, "due_before")
    if not 1 <= request.limit <= MAX_DUE:
        v.add("limit", f"must be 1 to {MAX_DUE}")
    v.raise_if_any()
    within = (
        UNRESTRICTED
        if request.everywhere
        else Restriction(frozenset(request.within_sites), frozenset(request.within_regions))
    )
    found = CaseFilter(
        site=site.code if site else None,
        region=request.region or None,
        due_before=due_before,
        urgent=True,
        within=within,
    )
    return Listing(found, request.limit)


def cases_sql(listing: Listing, now: dt.datetime) -> tuple[str, list[Any]]:
    """The query of a page (one row more than the page, to tell whether another follows) and
    its arguments: values are always arguments, never part of the text."""
    f = listing.filter
    clauses: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if f.within.sites is not None:
        scope = []
        if f.within.sites:
            scope.append(f"site = ANY({arg(sorted(f.within.sites))}::text[])")
        if f.within.regions:
            scope.append(f"region = ANY({arg(sorted(f.within.regions))}::text[])")
        clauses.append(f"({' OR '.join(scope)})" if scope else "false")
    if f.site is not None:
        clauses.append(f"site = {arg(f.site)}")
    if f.region is not None:
        clauses.append(f"region = {arg(f.region)}")
    if f.stage is not None:
        clauses.append(f"stage = {arg(f.stage.value)}")
    if f.timeframe is not None:
        clauses.append(f"timeframe = {arg(f.timeframe.value)}")
    if f.min_tier:
        clauses.append(f"tier >= {arg(f.min_tier)}")
    if f.overdue:
        clauses.append(f"urgent_at <= {arg(now)}")
    if f.assignee is not None:
        clauses.append(f"assignee = {arg(f.assignee)}")
    if f.received_from is not None:
        clauses.append(f"received_at >= {arg(f.received_from)}")
    if f.received_before is not None:
        clauses.append(f"received_at < {arg(f.received_before)}")
    if f.due_before is not None:
        clauses.append(f"NOT breached AND urgent_at < {arg(f.due_before)}")
    if f.urgent:
        order = "urgent_at, case_id"
        if listing.after is not None:
            clauses.append(f"(urgent_at, case_id) > ({arg(listing.after[0])}, {arg(uuid.UUID(listing.after[1]))})")
    else:
        order = "received_at DESC, case_id DESC"
        if listing.after is not None:
            clauses.append(f"(received_at, case_id) < ({arg(listing.after[0])}, {arg(uuid.UUID(listing.after[1]))})")
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return f"SELECT * FROM intake.cases{where} ORDER BY {order} LIMIT {arg(listing.size + 1)}", args


def next_token(listing: Listing, rows: list[CaseRow]) -> str:
    """The page token after `listing`, read one row too many (`rows`); "" when it was the last."""
    if len(rows) <= listing.size:
        return ""
    last = rows[listing.size - 1]
    at = last.urgent_at if listing.filter.urgent else last.received_at
    assert at is not None
    return paging.encode(listing.filter.scope(), {"at": at.isoformat(), "id": last.case_id})
