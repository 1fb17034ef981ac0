"""The triage inbox: cases awaiting a triage decision (IntakeService.ListCases, stage
TRIAGE, most urgent first), each with the rules' proposal and why (TriageService.GetProposal)
and the time left; a decision with its rationale (TriageService.RecordDecision)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from kahu.v1 import common_pb2, intake_pb2, triage_pb2
from services.console.backend import Refusal, acting_as, call, settled
from services.console.forms import Problem, choice, problem, submitted, text
from services.console.pages.common import context, done, sites_of
from services.console.render import page

PAGE_SIZE = 50
FIELDS = ("pathway", "timeframe", "reason", "police_consulted")
PATHWAYS = [p for p in common_pb2.Pathway.values() if p]
TIMEFRAMES = [t for t in common_pb2.Timeframe.values() if t]


async def inbox(request: Request) -> Response:
    ctx, who = context(request)
    site = request.query_params.get("site", "").strip()
    listing = intake_pb2.ListCasesRequest(
        site=site, stage=common_pb2.CASE_STAGE_TRIAGE, order=intake_pb2.CASE_ORDER_MOST_URGENT, page_size=PAGE_SIZE
    )
    with acting_as(who):
        try:
            answer = await call(ctx.backend.intake.ListCases, listing)
        except Refusal as refusal:
            return page(request, "refused.html", {"title": "Triage inbox", "refusal": refusal}, 403)
        proposals = await asyncio.gather(
            *(
                settled(call(ctx.backend.triage.GetProposal, triage_pb2.GetProposalRequest(case_id=case.case_id)))
                for case in answer.cases
            )
        )
    rows = [
        (case, None if isinstance(found, Refusal) else found.proposal)
        for case, found in zip(answer.cases, proposals, strict=True)
    ]
    return page(
        request,
        "triage.html",
        {
            "title": "Triage inbox",
            "rows": rows,
            "site": site,
            "sites": sites_of(who),
            "more": bool(answer.next_page_token),
        },
    )


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
