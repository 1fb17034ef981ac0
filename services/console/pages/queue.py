"""The escalation queue (SupervisionService.ListQueue): filter by site, tier and kind;
counts per tier; oldest first; acknowledge, extend with a policy reason, reassign; the
steps that need attention beside it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from kahu.v1 import common_pb2, supervision_pb2
from services.console import nztime
from services.console.backend import Refusal, act, acting_as, call
from services.console.forms import Problem, choice, problem, submitted, text
from services.console.pages.common import context, done, sites_of
from services.console.render import countdown, label, page, site_name, tag

TIERS = (1, 2, 3)
#: The ages the queue can be filtered by: raised at least this long ago (seconds, words).
AGES = ((3600, "an hour"), (4 * 3600, "4 hours"), (86400, "a day"), (7 * 86400, "a week"))
FILTERS = ("site", "tier", "kind", "age")
KINDS = [k for k in common_pb2.DeadlineKind.values() if k]
#: The clocks whose escalations can be answered by reassigning the social worker.
REASSIGNABLE = frozenset({common_pb2.DEADLINE_KIND_ASSESSMENT, common_pb2.DEADLINE_KIND_ASSESSMENT_COMPLETION})
#: Escalations per page of the queue (the next page follows ListQueue's page token).
PAGE_SIZE = 50
ACK_FIELDS = ("note",)
EXTEND_FIELDS = ("due_at", "reason_code", "reason")
REASSIGN_FIELDS = ("social_worker", "reason")
ATTENTION_FIELDS = ("decision", "note")


def _filters(request: Request) -> dict[str, str]:
    query = request.query_params
    return {name: query.get(name, "").strip() for name in FILTERS}


async def show(request: Request, problem_: Problem | None = None, filters: dict[str, str] | None = None) -> Response:
    ctx, who = context(request)
    filters = filters if filters is not None else _filters(request)
    tier = int(filters["tier"]) if filters["tier"].isdigit() and int(filters["tier"]) in TIERS else 0
    kind = int(filters["kind"]) if filters["kind"].isdigit() and int(filters["kind"]) in KINDS else 0
    age = int(filters["age"]) if filters["age"] in {str(seconds) for seconds, _ in AGES} else 0
    listing = supervision_pb2.ListQueueRequest(
        site=filters["site"],
        tier=tier or None,
        kind=common_pb2.DeadlineKind.Name(kind),
        page_size=PAGE_SIZE,
        page_token=request.query_params.get("page", "")[:512],
        due_within_seconds=4 * 3600,
        older_than_seconds=age,
    )
    with acting_as(who):
        try:
            answer = await call(ctx.backend.supervision.ListQueue, listing)
        except Refusal as refusal:
            return page(request, "refused.html", {"title": "Escalation queue", "refusal": refusal}, 403)
    items = list(answer.items)
    chosen = {k: v for k, v in filters.items() if v}
    back = "/queue" + (f"?{urlencode(chosen)}" if chosen else "")
    now = dt.datetime.now(dt.UTC)
    counts = {c.tier: c.count for c in answer.tier_counts}  # every page's, sent with the first
    context_: dict[str, Any] = {
        "title": "Escalation queue",
        "cards": [_card(item, ctx.tiers, back, now) for item in items],
        "counts": [(t, counts.get(t, 0)) for t in TIERS] if not request.query_params.get("page") else [],
        "attention": list(answer.attention),
        "due_soon": list(answer.due_soon),
        "next_page": "/queue?" + urlencode({**chosen, "page": answer.next_page_token})
        if answer.next_page_token
        else "",
        "first_page": "page" in request.query_params,
        "filters": filters,
        "sites": sites_of(who),
        "kinds": KINDS,
        "tiers": TIERS,
        "ages": AGES,
        "problem": problem_,
        "back": back,
    }
    return page(request, "queue.html", context_, 200 if problem_ is None else 400)


#: What an action page about one escalation is given (ids only: no personal data).
SUBJECT = ("escalation_id", "case_id", "kind", "conference_id", "site", "back")


@dataclass(frozen=True, slots=True)
class Card:
    """What an escalation's card shows, worked out before rendering (a page has fifty:
    the template only places these)."""

    e: supervision_pb2.Escalation
    kind: str
    #: Awaiting approval, acknowledged, or its deadline's tag.
    state: Markup
    approval: bool
    site: str
    due: str
    due_left: Markup
    raised: str
    late: str
    #: Whom it goes to next, when and the time left ("" at the last tier).
    next_tier: Markup
    acknowledged: str
    #: The query string of its action pages (extend, reassign).
    subject: str
    reassignable: bool


def _card(
    item: supervision_pb2.Escalation, tiers: dict[int, tuple[str, int | None]], back: str, now: dt.datetime
) -> Card:
    due = nztime.from_proto(item.due_at)
    approval = item.level == supervision_pb2.ESCALATION_LEVEL_APPROVAL
    if approval:
        state = Markup('<strong class="tag tag-blue">awaiting approval</strong>')
    elif item.acknowledged_by:
        state = Markup('<strong class="tag tag-blue">acknowledged</strong>')
    else:
        state = tag(due, True, now)
    following = _next_tier(tiers, item)
    next_tier = (
        Markup("to the {}, {} ({})").format(following[0], nztime.shown(following[1]), countdown(following[1], now))
        if following
        else Markup("")
    )
    acknowledged = (
        f"by {item.acknowledged_by}, {nztime.shown(nztime.from_proto(item.acknowledged_at))}"
        if item.acknowledged_by
        else ""
    )
    return Card(
        e=item,
        kind=label(common_pb2.DeadlineKind, item.kind),
        state=state,
        approval=approval,
        site=site_name(item.site),
        due=nztime.shown(due),
        due_left=countdown(due, now),
        raised=nztime.shown(nztime.from_proto(item.raised_at)),
        late=nztime.span(item.late_seconds) if item.late_seconds else "",
        next_tier=next_tier,
        acknowledged=acknowledged,
        subject=_subject_query(item, back),
        reassignable=item.kind in REASSIGNABLE,
    )


def _subject_query(item: supervision_pb2.Escalation, back: str) -> str:
    """The query string of an escalation's action pages (extend, reassign)."""
    subject = {"escalation_id": item.escalation_id, "case_id": item.case_id, "kind": item.kind}
    return urlencode({**subject, "conference_id": item.conference_id, "site": item.site, "back": back})


def _subject(values: Any) -> dict[str, str]:
    subject = {name: str(values.get(name, "")).strip() for name in SUBJECT}
    subject["back"] = _back(values)
    return subject


async def extend_form(
    request: Request, problem_: Problem | None = None, subject: dict[str, str] | None = None
) -> Response:
    """The page that extends one escalation's deadline (a new time and a policy reason)."""
    ctx, _ = context(request)
    subject = subject or _subject(request.query_params)
    context_ = {
        "title": "Extend a deadline",
        "subject": subject,
        "reasons": ctx.extension_reasons,
        "default_due": nztime.local_input(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)),
        "problem": problem_,
    }
    return page(request, "extend.html", context_, 200 if problem_ is None else 400)


async def reassign_form(
    request: Request, problem_: Problem | None = None, subject: dict[str, str] | None = None
) -> Response:
    """The page that reassigns the social worker of an escalated case."""
    context(request)
    subject = subject or _subject(request.query_params)
    context_ = {"title": "Reassign the social worker", "subject": subject, "problem": problem_}
    return page(request, "reassign.html", context_, 200 if problem_ is None else 400)


def _next_tier(
    tiers: dict[int, tuple[str, int | None]], item: supervision_pb2.Escalation
) -> tuple[str, dt.datetime] | None:
    """Whom the escalation goes to next and when, by the policy's tiers (None: the last
    tier, or one counted in working days)."""
    following = tiers.get(item.tier + 1)
    raised = nztime.from_proto(item.raise_at) or nztime.from_proto(item.raised_at)
    if following is None or following[1] is None or raised is None:
        return None
    return following[0].replace("_", " "), raised + dt.timedelta(seconds=following[1])


def _back(values: Any) -> str:
    back = str(values.get("back", "")).strip()
    return back if back.startswith("/queue") and "//" not in back else "/queue"


def _filters_of(back: str) -> dict[str, str]:
    query = parse_qs(urlsplit(back).query)
    return {name: query.get(name, [""])[0] for name in FILTERS}


async def acknowledge(request: Request) -> Response:
    ctx, who = context(request)
    form = await submitted(request)
    escalation_id = text(form, "escalation_id")
    action = supervision_pb2.AcknowledgeRequest(
        idempotency_key=text(form, "idempotency_key"),
        escalation_id=escalation_id,
        acknowledged_by=who.subject,
        note=text(form, "note"),
    )
    refusal = await act(who, ctx.backend.supervision.Acknowledge, action)
    if refusal is not None:
        failed = problem(f"ack-{escalation_id}", refusal, form, ACK_FIELDS)
        return await show(request, failed, _filters_of(_back(form)))
    return done(request, "Escalation acknowledged.", _back(form))


async def extend(request: Request) -> Response:
    ctx, who = context(request)
    form = await submitted(request)
    escalation_id = text(form, "escalation_id")
    form_id = f"extend-{escalation_id}"
    action = supervision_pb2.ExtendDeadlineRequest(
        idempotency_key=text(form, "idempotency_key"),
        case_id=text(form, "case_id"),
        kind=choice(form, "kind", common_pb2.DeadlineKind),
        extended_by=who.subject,
        reason=text(form, "reason"),
        reason_code=text(form, "reason_code"),
        conference_id=text(form, "conference_id"),
    )
    try:
        action.due_at.FromDatetime(nztime.parse_local(text(form, "due_at")))
    except ValueError:
        message = "Enter the new deadline as a date and time (New Zealand time)"
        values = {name: text(form, name) for name in EXTEND_FIELDS}
        failed = Problem(form_id, message, {"due_at": message}, values)
        return await extend_form(request, failed, _subject(form))
    refusal = await act(who, ctx.backend.supervision.ExtendDeadline, action)
    if refusal is not None:
        return await extend_form(request, problem(form_id, refusal, form, EXTEND_FIELDS), _subject(form))
    return done(request, "Deadline extended.", _back(form))


async def reassign(request: Request) -> Response:
    ctx, who = context(request)
    form = await submitted(request)
    escalation_id = text(form, "escalation_id")
    action = supervision_pb2.ReassignRequest(
        idempotency_key=text(form, "idempotency_key"),
        case_id=text(form, "case_id"),
        social_worker=text(form, "social_worker"),
        site=text(form, "site"),
        reassigned_by=who.subject,
        reason=text(form, "reason"),
    )
    refusal = await act(who, ctx.backend.supervision.Reassign, action)
    if refusal is not None:
        failed = problem(f"reassign-{escalation_id}", refusal, form, REASSIGN_FIELDS)
        return await reassign_form(request, failed, _subject(form))
    return done(request, "Case reassigned.", _back(form))


async def resolve_attention(request: Request) -> Response:
    ctx, who = context(request)
    form = await submitted(request)
    item_id = text(form, "item_id")
    action = supervision_pb2.ResolveAttentionRequest(
        idempotency_key=text(form, "idempotency_key"),
        item_id=item_id,
        decision=choice(form, "decision", supervision_pb2.AttentionDecision),
        decided_by=who.subject,
        note=text(form, "note"),
    )
    refusal = await act(who, ctx.backend.supervision.ResolveAttention, action)
    if refusal is not None:
        failed = problem(f"attention-{item_id}", refusal, form, ATTENTION_FIELDS)
        return await show(request, failed, _filters_of(_back(form)))
    return done(request, "Step decided.", _back(form))
