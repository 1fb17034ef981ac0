"""The triage inbox: cases awaiting a triage decision (IntakeService.ListCases, stage
TRIAGE, most urgent first), each with the rules' proposal and why (TriageService.GetProposal)
and the time left; a decision with its rationale (TriageService.RecordDecision). Beside
them, the reports flagged as possibly about the same child as another open case
(IntakeService.ListPossibleDuplicates, oldest first), which an intake worker links to the
open case or keeps separate, with a reason (IntakeService.ResolvePossibleDuplicate)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from kahu.v1 import common_pb2, intake_pb2, triage_pb2
from services.console.backend import Refusal, act, acting_as, call, settled
from services.console.forms import Problem, choice, problem, submitted, text
from services.console.pages.common import context, done, sites_of
from services.console.render import page

PAGE_SIZE = 50
FIELDS = ("pathway", "timeframe", "reason", "police_consulted")
PATHWAYS = [p for p in common_pb2.Pathway.values() if p]
TIMEFRAMES = [t for t in common_pb2.Timeframe.values() if t]
DUPLICATE_FIELDS = ("decision", "reason")
#: What the inbox's buttons decide (their `decision` values), and what is said once decided.
DECIDED = {
    "DUPLICATE_DECISION_LINK": "Case {case} is linked to case {other}: the same child.",
    "DUPLICATE_DECISION_SEPARATE": "Case {case} is kept separate from case {other}: not the same child.",
}


def _back(site: str) -> str:
    """The inbox, filtered by `site` (a site code: nothing personal)."""
    return "/triage" + (f"?{urlencode({'site': site})}" if site else "")


async def inbox(request: Request, problem_: Problem | None = None, site: str | None = None) -> Response:
    ctx, who = context(request)
    site = request.query_params.get("site", "").strip() if site is None else site
    listing = intake_pb2.ListCasesRequest(
        site=site, stage=common_pb2.CASE_STAGE_TRIAGE, order=intake_pb2.CASE_ORDER_MOST_URGENT, page_size=PAGE_SIZE
    )
    flagged_listing = intake_pb2.ListPossibleDuplicatesRequest(site=site, page_size=PAGE_SIZE)  # open ones
    with acting_as(who):
        # the cases and the possible duplicates side by side (intake checks the caller for each)
        found, flagged = await asyncio.gather(
            settled(call(ctx.backend.intake.ListCases, listing)),
            settled(call(ctx.backend.intake.ListPossibleDuplicates, flagged_listing)),
        )
        if isinstance(found, Refusal):
            return page(request, "refused.html", {"title": "Triage inbox", "refusal": found}, 403)
        answer = found
        proposals = await asyncio.gather(
            *(
                settled(call(ctx.backend.triage.GetProposal, triage_pb2.GetProposalRequest(case_id=case.case_id)))
                for case in answer.cases
            )
        )
    rows = [
        (case, None if isinstance(proposed, Refusal) else proposed.proposal)
        for case, proposed in zip(answer.cases, proposals, strict=True)
    ]
    # None: the person's role does not decide possible duplicates (intake refused the listing)
    duplicates = None if isinstance(flagged, Refusal) else list(flagged.possible_duplicates)
    return page(
        request,
        "triage.html",
        {
            "title": "Triage inbox",
            "rows": rows,
            "site": site,
            "sites": sites_of(who),
            "more": bool(answer.next_page_token),
            "duplicates": duplicates,
            "more_duplicates": not isinstance(flagged, Refusal) and bool(flagged.next_page_token),
            "flagged": {c for d in duplicates or () for c in (d.case_id, d.other_case_id)},
            "problem": problem_,
        },
        200 if problem_ is None else 400,
    )


async def decide_duplicate(request: Request) -> tuple[Problem | None, str]:
    """A person's decision on a possible duplicate (a form of duplicate_form.html): the
    service's refusal on that form, or None and what to say."""
    ctx, who = context(request)
    form = await submitted(request)
    decision = choice(form, "decision", intake_pb2.DuplicateDecision)
    action = intake_pb2.ResolvePossibleDuplicateRequest(
        idempotency_key=text(form, "idempotency_key"),
        case_id=text(form, "case_id"),
        other_case_id=text(form, "other_case_id"),
        decision=decision,
        reason=text(form, "reason"),
        decided_by=who.subject,
    )
    refusal = await act(who, ctx.backend.intake.ResolvePossibleDuplicate, action)
    if refusal is not None:
        return problem(f"duplicate-{text(form, 'duplicate_id')}", refusal, form, DUPLICATE_FIELDS), ""
    return None, DECIDED.get(decision, "Decided.").format(case=action.case_id[:8], other=action.other_case_id[:8])


async def resolve_duplicate(request: Request) -> Response:
    """An intake worker links a possible duplicate to the open case, or keeps it separate,
    with a reason; a refusal comes back to the inbox, on that duplicate's form."""
    site = text(await submitted(request), "site")
    failed, said = await decide_duplicate(request)
    if failed is not None:
        return await inbox(request, failed, site)
    return done(request, said, _back(site))


async def decision_form(request: Request, problem_: Problem | None = None) -> Response:
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    with acting_as(who):
        try:
            case = await call(ctx.backend.intake.GetCase, intake_pb2.GetCaseRequest(case_id=case_id))
        except Refusal as refusal:
            return page(request, "refused.html", {"title": "Record a triage decision", "refusal": refusal}, 403)
    return page(
        request,
        "decide.html",
        {
            "title": "Record a triage decision",
            "case": case.case,
            "proposal": case.proposal,
            "pathways": PATHWAYS,
            "timeframes": TIMEFRAMES,
            "problem": problem_,
        },
        200 if problem_ is None else 400,
    )


async def decide(request: Request) -> Response:
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    form = await submitted(request)
    action = triage_pb2.RecordDecisionRequest(
        idempotency_key=text(form, "idempotency_key"),
        case_id=case_id,
        decided_by=who.subject,
        pathway=choice(form, "pathway", common_pb2.Pathway),
        timeframe=choice(form, "timeframe", common_pb2.Timeframe),
        reason=text(form, "reason"),
        police_consulted=text(form, "police_consulted") == "yes",
    )
    with acting_as(who):
        try:
            answer = await call(ctx.backend.triage.RecordDecision, action)
        except Refusal as refusal:
            return await decision_form(request, problem("decision", refusal, form, FIELDS))
    waits = " It waits for a supervisor's approval." if answer.case.awaiting_approval.decided_by else ""
    return done(request, f"Decision recorded for case {case_id[:8]}.{waits}", "/triage")
