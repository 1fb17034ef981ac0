"""The placement search of a case (PlacementService): candidates by tier with the reasons
for their rank, those excluded, the hold and the selection deadline; select a candidate
(which holds the caregiver's places), record the caregiver's answer, or search again."""

from __future__ import annotations

from itertools import groupby

from starlette.requests import Request
from starlette.responses import Response

from kahu.v1 import placement_pb2
from services.console.backend import Refusal, act, acting_as, call
from services.console.forms import Problem, problem, submitted, text
from services.console.pages.common import context, done
from services.console.render import page

SELECT_FIELDS = ("caregiver_id", "reason")
ANSWER_FIELDS = ("accepted", "note")
RERUN_FIELDS = ("reason",)


async def show(request: Request, problem_: Problem | None = None) -> Response:
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    with acting_as(who):
        try:
            found = await call(
                ctx.backend.placement.GetPlacementSearch, placement_pb2.GetPlacementSearchRequest(case_id=case_id)
            )
        except Refusal as refusal:
            return page(request, "refused.html", {"title": "Placement search", "refusal": refusal}, 403)
    search = found.search
    unavailable = set(search.unavailable_caregiver_ids)
    tiers = [(tier, list(group)) for tier, group in groupby(search.candidates, key=lambda c: c.tier)]
    return page(
        request,
        "placement.html",
        {
            "title": f"Placement search, case {case_id[:8]}",
            "case_id": case_id,
            "search": search,
            "tiers": tiers,
            "unavailable": unavailable,
            "problem": problem_,
        },
        200 if problem_ is None else 400,
    )


async def select(request: Request) -> Response:
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    form = await submitted(request)
    action = placement_pb2.SelectCandidateRequest(
        idempotency_key=text(form, "idempotency_key"),
        case_id=case_id,
        caregiver_id=text(form, "caregiver_id"),
        selected_by=who.subject,
        reason=text(form, "reason"),
    )
    refusal = await act(who, ctx.backend.placement.SelectCandidate, action)
    if refusal is not None:
        return await show(request, problem(f"select-{action.caregiver_id}", refusal, form, SELECT_FIELDS))
    return done(request, "Candidate selected: their places are held.", f"/cases/{case_id}/placement")


async def answer(request: Request) -> Response:
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    form = await submitted(request)
    accepted = text(form, "accepted")
    if accepted not in ("yes", "no"):
        choose = "Choose whether the caregiver confirmed or declined"
        values = {name: text(form, name) for name in ANSWER_FIELDS}
        return await show(request, Problem("answer", choose, {"accepted": choose}, values))
    action = placement_pb2.RecordCaregiverAnswerRequest(
        idempotency_key=text(form, "idempotency_key"),
        case_id=case_id,
        accepted=accepted == "yes",
        recorded_by=who.subject,
        note=text(form, "note"),
    )
    refusal = await act(who, ctx.backend.placement.RecordCaregiverAnswer, action)
    if refusal is not None:
        return await show(request, problem("answer", refusal, form, ANSWER_FIELDS))
    return done(request, "The caregiver's answer is recorded.", f"/cases/{case_id}/placement")


async def rerun(request: Request) -> Response:
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    form = await submitted(request)
    action = placement_pb2.RerunSearchRequest(
        idempotency_key=text(form, "idempotency_key"),
        case_id=case_id,
        requested_by=who.subject,
        reason=text(form, "reason"),
    )
    refusal = await act(who, ctx.backend.placement.RerunSearch, action)
    if refusal is not None:
        return await show(request, problem("rerun", refusal, form, RERUN_FIELDS))
    return done(request, "A new search is under way.", f"/cases/{case_id}/placement")
