"""A child's plan (PlanService.GetPlan): the lead professional and the review date, the
goals and their actions (owner, due date, status), every version with who made it and
why; a Children's Team plan's team, the child's and whānau's views and the family's consent
to sharing (what each agency sees); an action marked done, cancelled or open again
(RecordActionStatus) and a review recorded (RecordReview). A plan is made and revised on its
own form (pages/plan_edit.py); consent is recorded through the API or the CLI."""

from __future__ import annotations

import grpc
from starlette.requests import Request
from starlette.responses import Response

from kahu.v1 import plan_pb2
from services.console import nztime
from services.console.backend import Refusal, act, acting_as, call, settled
from services.console.forms import Problem, choice, problem, submitted, text
from services.console.pages.common import context, done
from services.console.render import page

STATUS_FIELDS = ("status", "note")
#: A team agency's code as the page names it.
AGENCY_NAMES = {
    "iwi": "Iwi",
    "health": "Health",
    "education": "Education",
    "police": "Police",
    "justice": "Justice",
    "social-services": "Social services",
}
#: What consent may share beyond an agency's own actions, as the page says it.
PARTS = {
    plan_pb2.SHARED_PART_GOALS: "the goals",
    plan_pb2.SHARED_PART_VIEWS: "the child's and whānau's views",
    plan_pb2.SHARED_PART_TEAM: "who is on the team",
    plan_pb2.SHARED_PART_OTHER_ACTIONS: "the other agencies' actions",
}
REVIEW_FIELDS = ("note", "next_review_due")
#: What an action's buttons record, and what is said once recorded.
RECORDED = {
    "PLAN_ACTION_STATUS_DONE": "Action {action} marked done.",
    "PLAN_ACTION_STATUS_CANCELLED": "Action {action} cancelled.",
    "PLAN_ACTION_STATUS_OPEN": "Action {action} open again.",
}


async def show(request: Request, problem_: Problem | None = None) -> Response:
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    with acting_as(who):
        found = await settled(call(ctx.backend.plan.GetPlan, plan_pb2.GetPlanRequest(case_id=case_id)))
    title = f"Plan of case {case_id[:8]}"
    if isinstance(found, Refusal):
        if found.code == grpc.StatusCode.NOT_FOUND:
            return page(request, "plan.html", {"title": title, "case_id": case_id, "plan": None})
        return page(request, "refused.html", {"title": title, "refusal": found}, 403)
    content = found.plan.current.content
    goals = [(goal, [a for a in content.actions if a.goal_id == goal.goal_id]) for goal in content.goals]
    context_ = {
        "title": title,
        "case_id": case_id,
        "plan": found.plan,
        "content": content,
        "goals": goals,
        "versions": [found.plan.current, *found.plan.history],
        "problem": problem_,
        "agency_names": AGENCY_NAMES,
        "shares": [(share.agency, _shared(share)) for share in content.consent.shares],
    }
    return page(request, "plan.html", context_, 200 if problem_ is None else 400)


async def action_status(request: Request) -> Response:
    """An action's status, with a note (as a new version of the plan)."""
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    form = await submitted(request)
    status = choice(form, "status", plan_pb2.PlanActionStatus)
    action = plan_pb2.RecordActionStatusRequest(
        idempotency_key=text(form, "idempotency_key"),
        case_id=case_id,
        action_id=text(form, "action_id"),
        status=status,
        recorded_by=who.subject,
        note=text(form, "note"),
    )
    refusal = await act(who, ctx.backend.plan.RecordActionStatus, action)
    if refusal is not None:
        return await show(request, problem(f"action-{action.action_id}", refusal, form, STATUS_FIELDS))
    said = RECORDED.get(status, "Recorded.").format(action=action.action_id)
    return done(request, said, f"/cases/{case_id}/plan")


async def review(request: Request) -> Response:
    """A review held, with a note and, when given, the next review's date (New Zealand time)."""
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    form = await submitted(request)
    action = plan_pb2.RecordReviewRequest(
        idempotency_key=text(form, "idempotency_key"),
        case_id=case_id,
        held_by=who.subject,
        note=text(form, "note"),
    )
    if text(form, "next_review_due"):
        try:
            action.next_review_due.FromDatetime(nztime.parse_local(text(form, "next_review_due")))
        except ValueError:
            message = "Enter the next review as a date and time (New Zealand time), or leave it empty"
            values = {name: text(form, name) for name in REVIEW_FIELDS}
            return await show(request, Problem("review", message, {"next_review_due": message}, values))
    refusal = await act(who, ctx.backend.plan.RecordReview, action)
    if refusal is not None:
        return await show(request, problem("review", refusal, form, REVIEW_FIELDS))
    return done(request, "Review recorded.", f"/cases/{case_id}/plan")


def _shared(share: plan_pb2.ConsentShare) -> str:
    """What one agency sees, in words."""
    return ", ".join(["its own actions", *(PARTS.get(part, "?") for part in share.parts)])
