"""The supervisors' queue: escalations paged by keyset, cases due soon from the case record
(intake's), and (on the first page) the open steps that need attention."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from kahu.v1 import intake_pb2, intake_pb2_grpc, supervision_pb2
from services.common import convert, paging
from services.common.authz import UNRESTRICTED, Restriction
from services.common.errors import Violations
from services.supervision.attention import AttentionRow
from services.supervision.store import EscalationRow, QueueFilter
from services.supervision.validation import validate_queue
from workflows.common import RPC_TIMEOUT


@dataclass(frozen=True)
class Page:
    """A page of the queue asked for: its filters, size, the keyset position it starts
    after, the due-soon window (None when not asked), and the listing its page tokens are
    bound to (`scope`)."""

    filter: QueueFilter
    size: int
    after: tuple[dt.datetime, str] | None
    due_within: dt.timedelta | None
    scope: str


def parse(request: supervision_pb2.ListQueueRequest, caller: Callable[[], Restriction] = lambda: UNRESTRICTED) -> Page:
    """The page a request asks for: bad filters are INVALID_ARGUMENT before `caller` (the
    caller's scope, services/common/authz.py) is asked for; the page token is bound to both."""
    size = validate_queue(request)
    within = caller()
    filters = QueueFilter(
        site=request.site,
        region=request.region,
        min_tier=request.min_tier,
        include_resolved=request.include_resolved,
        within=within,
        kind=convert.DEADLINE_KIND.from_proto(request.kind),
        tier=request.tier if request.HasField("tier") else None,
        raised_before=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=request.older_than_seconds)
        if request.older_than_seconds
        else None,
    )
    limits = "*" if within.sites is None else f"{','.join(sorted(within.sites))}/{','.join(sorted(within.regions))}"
    kind = filters.kind or ""
    tier = "" if filters.tier is None else filters.tier
    age = request.older_than_seconds or ""
    parts = (filters.site, filters.region, filters.min_tier, tier, filters.include_resolved, kind, age, limits)
    scope = "|".join(["queue", *(str(part) for part in parts)])
    v = Violations()
    position = paging.decode(v, request.page_token, scope)
    after = None
    if position is not None:
        try:
            after = (dt.datetime.fromisoformat(position["raised_at"]), str(position["id"]))
        except (KeyError, TypeError, ValueError):
            v.add("page_token", "is not a page token from this listing")
    v.raise_if_any()
    wants_due_soon = request.due_within_seconds and not request.breached_only and not request.page_token
    due_within = (
        dt.timedelta(seconds=request.due_within_seconds)
        if wants_due_soon and not filters.min_tier and not filters.kind and filters.tier is None and not age
        else None
    )
    return Page(filters, size, after, due_within, scope)


def next_token(page: Page, rows: list[EscalationRow]) -> str:
    """The page token after `page`, read one row too many (`rows`); "" when it was the last."""
    if len(rows) <= page.size:
        return ""
    last = rows[page.size - 1]
    return paging.encode(page.scope, {"raised_at": last.raised_at.isoformat(), "id": last.escalation_id})


def escalation_to_proto(row: EscalationRow, now: dt.datetime) -> supervision_pb2.Escalation:
    """An escalation as the queue shows it, its age at `now`."""
    e = row.escalation
    message = supervision_pb2.Escalation(
        escalation_id=row.escalation_id,
        case_id=e.case_id,
        workflow_id=e.workflow_id,
        kind=convert.DEADLINE_KIND.to_proto(e.kind),
        cycle=e.cycle,
        tier=e.tier,
        role=e.role,
        site=e.site,
        region=e.region,
        due_at=convert.timestamp(e.due_at),
        raised_at=convert.timestamp(row.raised_at),
        age_seconds=max(0, int((now - row.raised_at).total_seconds())),
        acknowledged_by=row.acknowledged_by or "",
        resolved=row.resolved,
        conference_id=e.conference_id or "",
        level=convert.ESCALATION_LEVEL.to_proto(e.level),
        assignee=e.assignee,
    )
    if row.acknowledged_at is not None:
        message.acknowledged_at.CopyFrom(convert.timestamp(row.acknowledged_at))
    if e.raise_at is not None:
        message.raise_at.CopyFrom(convert.timestamp(e.raise_at))
        message.late_seconds = max(0, int((row.raised_at - e.raise_at).total_seconds()))
    return message


async def due_soon(
    intake: intake_pb2_grpc.IntakeServiceStub, filters: QueueFilter, before: dt.datetime, limit: int
) -> list[supervision_pb2.DueSoonCase]:
    """Cases in the caller's scope whose running deadline falls before `before` and has not
    been breached, soonest first, from the case record (`IntakeService.ListDueCases`)."""
    within = filters.within
    request = intake_pb2.ListDueCasesRequest(
        site=filters.site,
        region=filters.region,
        within_sites=sorted(within.sites or ()),
        within_regions=sorted(within.regions),
        everywhere=within.unrestricted,
        limit=limit,
    )
    request.due_before.CopyFrom(convert.timestamp(before))
    page = await intake.ListDueCases(request, timeout=RPC_TIMEOUT.total_seconds())
    return [
        supervision_pb2.DueSoonCase(
            case_id=case.case_id,
            workflow_id=case.workflow_id,
            site=case.site,
            region=case.region,
            stage=case.stage,
            due_at=case.deadline.due_at,
        )
        for case in page.cases
    ]


def attention_to_proto(row: AttentionRow) -> supervision_pb2.AttentionItem:
    """A step that needs attention as the queue shows it (its decision once resolved)."""
    item, subject = row.item, row.item.subject
    return supervision_pb2.AttentionItem(
        item_id=row.item_id,
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
        raised_at=convert.timestamp(row.raised_at),
        resolved_by=row.resolved_by or "",
        decision=convert.ATTENTION_DECISION.to_proto(row.decision),
    )
