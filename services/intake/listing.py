"""ListCases: Temporal visibility over Kahu's search attributes, filters checked first."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass

from temporalio.client import WorkflowExecution

from kahu.v1 import common_pb2, intake_pb2
from services.common import checks, convert, paging
from services.common import visibility as vq
from services.common.authz import UNRESTRICTED, Restriction
from services.common.errors import Violations
from services.common.sites import load_sites
from services.intake.store import CaseRow
from workflows import search_attributes as sa
from workflows.case.model import DeadlineKind, Stage
from workflows.policy.model import Pathway, Timeframe

MAX_TIER = 10
#: Which clock runs in a stage.
_CLOCKS = {
    Stage.TRIAGE: DeadlineKind.TRIAGE,
    Stage.ASSESSMENT: DeadlineKind.ASSESSMENT,
    Stage.INVESTIGATION: DeadlineKind.ASSESSMENT,
    Stage.PLACEMENT: DeadlineKind.PLACEMENT,
}


@dataclass(frozen=True)
class Listing:
    query: str
    size: int
    token: bytes | None


def cases_query(request: intake_pb2.ListCasesRequest, v: Violations, restriction: Restriction = UNRESTRICTED) -> str:
    """The visibility query for the request's filters (values checked, never raw), within
    the caller's scope."""
    clauses = ["WorkflowType = 'CaseWorkflow'"]
    scope = vq.within(restriction)
    if scope is not None:
        clauses.append(scope)
    site = checks.site(v, request.site, required=False)
    if site is not None:
        clauses.append(f"{sa.SITE.name} = {vq.literal(site.code)}")
    checks.region(v, request.region)
    if request.region and request.region in {s.region for s in load_sites().values()}:
        clauses.append(f"{sa.REGION.name} = {vq.literal(request.region)}")
    stage = checks.enum(v, request.stage, convert.STAGE, "stage", required=False)
    if stage is not None:
        clauses.append(f"{sa.STAGE.name} = {vq.literal(stage.value)}")
    if request.min_tier > MAX_TIER:
        v.add("min_tier", f"must be at most {MAX_TIER}")
    elif request.min_tier:
        clauses.append(f"{sa.ESCALATION_TIER.name} >= {int(request.min_tier)}")
    if request.overdue_only:
        clauses.append(f"{sa.BREACHED.name} = true")
    return vq.all_of(*clauses)


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
    if not temporal_token:
        return ""
    return paging.encode(listing.query, {"t": base64.b64encode(temporal_token).decode()})


def case_message(execution: WorkflowExecution, row: CaseRow | None) -> intake_pb2.Case:
    """A case from its search attributes, with intake's own metadata when it has the row."""
    attributes = execution.typed_search_attributes
    stage_name = attributes.get(sa.STAGE) or (row.stage if row else "")
    stage = Stage(stage_name) if stage_name in Stage.__members__ else None
    urgency = attributes.get(sa.URGENCY) or ""
    pathway = attributes.get(sa.PATHWAY) or ""
    case = intake_pb2.Case(
        case_id=execution.id.removeprefix("case-"),
        site=attributes.get(sa.SITE) or "",
        region=attributes.get(sa.REGION) or "",
        stage=convert.STAGE.to_proto(stage),
        workflow_id=execution.id,
        urgency=convert.TIMEFRAME.to_proto(Timeframe(urgency) if urgency in Timeframe.__members__ else None),
        pathway=convert.PATHWAY.to_proto(Pathway(pathway) if pathway in Pathway.__members__ else None),
        concerns=row.concerns if row is not None else [],
    )
    if row is not None:
        case.immediate_danger = row.immediate_danger
        case.child_count = row.child_count
        case.received_at.CopyFrom(convert.timestamp(row.received_at))
    due_at = attributes.get(sa.DUE_AT)
    kind = _CLOCKS.get(stage) if stage is not None else None
    if due_at is not None and kind is not None:
        case.deadline.CopyFrom(
            common_pb2.DeadlineStatus(
                kind=convert.DEADLINE_KIND.to_proto(kind),
                due_at=convert.timestamp(due_at),
                breached=bool(attributes.get(sa.BREACHED)),
                tier=attributes.get(sa.ESCALATION_TIER) or 0,
            )
        )
    return case
