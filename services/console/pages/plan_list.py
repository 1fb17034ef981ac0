"""Plans as they stand (PlanService.ListPlans), most pressing first: filtered by site, the
lead professional, or a staff member or agency owning an open action (the person signed in
by default: "plans I lead"); each with its open actions, next action due and review due as
plain tags. Summaries only: a plan's words are on its own page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from kahu.v1 import plan_pb2
from services.console.backend import Refusal, acting_as, call, settled
from services.console.forms import Problem
from services.console.pages.common import context, sites_of
from services.console.render import page

FILTERS = ("site", "lead", "owner", "agency")
PAGE_SIZE = 50
TITLE = "Plans"


async def show(request: Request) -> Response:
    ctx, who = context(request)
    query = request.query_params
    filters = {name: query.get(name, "").strip()[:64] for name in FILTERS}
    if not any(filters.values()) and "all" not in query:
        filters["lead"] = who.subject  # plans I lead, until other filters are chosen
    listing = plan_pb2.ListPlansRequest(
        site=filters["site"],
        lead_professional=filters["lead"],
        owner_id=filters["owner"],
        owner_agency=filters["agency"],
        page_size=PAGE_SIZE,
        page_token=query.get("page", "")[:512],
    )
    with acting_as(who):
        answer = await settled(call(ctx.backend.plan.ListPlans, listing))
    refused: Problem | None = None
    plans: list[plan_pb2.PlanSummary] = []
    next_page = ""
    if isinstance(answer, Refusal):
        if answer.violations:  # a filter the service refused: shown beside it
            refused = _refused(answer, filters)
        else:
            return page(request, "refused.html", {"title": TITLE, "refusal": answer}, 403)
    else:
        plans = list(answer.plans)
        chosen = {k: v for k, v in filters.items() if v}
        if answer.next_page_token:
            next_page = "/plans?" + urlencode({**chosen, "page": answer.next_page_token})
    context_: dict[str, Any] = {
        "title": TITLE,
        "plans": plans,
        "filters": filters,
        "sites": sites_of(who),
        "next_page": next_page,
        "first_page": "page" in query,
        "problem": refused,
    }
    return page(request, "plans.html", context_, 200 if refused is None else 400)


#: The request's field names, as the filter form names them.
_FIELD = {"site": "site", "lead_professional": "lead", "owner_id": "owner", "owner_agency": "agency"}


def _refused(refusal: Refusal, filters: dict[str, str]) -> Problem:
    named = {_FIELD[v.field]: v.description for v in refusal.violations if v.field in _FIELD}
    others = [f"{v.field}: {v.description}" for v in refusal.violations if v.field not in _FIELD]
    message = refusal.message if not others else f"{refusal.message} ({'; '.join(others)})"
    return Problem("filter", message, named, dict(filters))
