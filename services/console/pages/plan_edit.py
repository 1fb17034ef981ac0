"""Making a child's plan (PlanService.CreatePlan) and revising it (RevisePlan) in one form:
the lead professional and their manager, the review date, the goals, and the actions with
their owners, due dates and statuses, with the reason for the change. Without JavaScript:
"Add rows" sends the form back with more empty rows, and empty rows are left out. A
revision names the version it was made from, so a change made meanwhile is refused (the
service's words, the entries kept) rather than overwritten."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import grpc
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from kahu.v1 import plan_pb2
from services.console import nztime
from services.console.backend import Refusal, act, acting_as, call, settled
from services.console.forms import Problem, submitted, text
from services.console.pages.common import context, done
from services.console.render import page

FORM = "plan"
GOAL_FIELDS = ("goal_id", "description")
ACTION_FIELDS = ("action_id", "goal_id", "description", "owner_agency", "owner_id", "owner_manager_id", "due_at")
PLAN_FIELDS = ("lead_professional", "lead_manager_id", "review_due", "reason")
#: Empty rows a form offers, and how many "Add rows" adds.
SPARE_GOALS = 1
SPARE_ACTIONS = 2
#: The plan service's limits on goals and actions (services/plan/validation.py).
MAX_GOALS = 50
MAX_ACTIONS = 200
_ROW = re.compile(r"content\.(goals|actions)\[(\d+)\]\.(\w+)")
#: An action's statuses, as the form's choices.
STATUSES = [name for name, number in plan_pb2.PlanActionStatus.items() if number]


@dataclass
class Rows:
    """What the form shows: the plan's own fields, and one dict per goal and action row."""

    plan: dict[str, str] = field(default_factory=dict)
    goals: list[dict[str, str]] = field(default_factory=list)
    actions: list[dict[str, str]] = field(default_factory=list)
    expected_version: int = 0

    def padded(self, goals: int = SPARE_GOALS, actions: int = SPARE_ACTIONS) -> Rows:
        """These rows with empty ones after them (within the service's limits)."""
        self.goals += [{} for _ in range(min(goals, MAX_GOALS - len(self.goals)))]
        self.actions += [{} for _ in range(min(actions, MAX_ACTIONS - len(self.actions)))]
        return self


def _local(stamp: object) -> str:
    when = nztime.from_proto(stamp)  # type: ignore[arg-type]
    return nztime.local_input(when) if when is not None else ""


def rows_of(plan: plan_pb2.Plan) -> Rows:
    """The current version's content as rows of the form."""
    content = plan.current.content
    return Rows(
        plan={
            "lead_professional": content.lead_professional,
            "lead_manager_id": content.lead_manager_id,
            "review_due": _local(content.review_due),
            "reason": "",
        },
        goals=[{"goal_id": g.goal_id, "description": g.description} for g in content.goals],
        actions=[
            {
                "action_id": a.action_id,
                "goal_id": a.goal_id,
                "description": a.description,
                "owner_agency": a.owner_agency,
                "owner_id": a.owner_id,
                "owner_manager_id": a.owner_manager_id,
                "due_at": _local(a.due_at),
                "status": plan_pb2.PlanActionStatus.Name(a.status or plan_pb2.PLAN_ACTION_STATUS_OPEN),
            }
            for a in content.actions
        ],
        expected_version=plan.current.version,
    )


def _count(form: FormData, name: str, maximum: int) -> int:
    value = text(form, name)
    return min(int(value), maximum) if value.isdigit() else 0


def rows_posted(form: FormData) -> Rows:
    """The rows as sent back."""
    goals = _count(form, "goal_rows", MAX_GOALS)
    actions = _count(form, "action_rows", MAX_ACTIONS)
    version = text(form, "expected_version")
    return Rows(
        plan={name: text(form, name) for name in PLAN_FIELDS},
        goals=[{name: text(form, f"goal-{i}-{name}") for name in GOAL_FIELDS} for i in range(goals)],
        actions=[
            {name: text(form, f"action-{i}-{name}") for name in (*ACTION_FIELDS, "status")} for i in range(actions)
        ],
        expected_version=int(version) if version.isdigit() else 0,
    )


def _blank(row: dict[str, str], names: tuple[str, ...]) -> bool:
    return not any(row.get(name) for name in names)


@dataclass
class Built:
    """The content a form's rows make, which row each goal and action came from, and what
    the console itself could not read (a date that is not one)."""

    content: plan_pb2.PlanContent
    goal_rows: list[int]
    action_rows: list[int]
    unreadable: dict[str, str]


_NOT_A_TIME = "Enter a date and time (New Zealand time)"


def build(rows: Rows) -> Built:
    content = plan_pb2.PlanContent(
        lead_professional=rows.plan.get("lead_professional", ""),
        lead_manager_id=rows.plan.get("lead_manager_id", ""),
    )
    unreadable: dict[str, str] = {}
    _when(rows.plan.get("review_due", ""), content.review_due, "review_due", unreadable)
    goal_rows = [i for i, row in enumerate(rows.goals) if not _blank(row, GOAL_FIELDS)]
    for i in goal_rows:
        content.goals.add(goal_id=rows.goals[i]["goal_id"], description=rows.goals[i]["description"])
    action_rows = [i for i, row in enumerate(rows.actions) if not _blank(row, ACTION_FIELDS)]
    for i in action_rows:
        row = rows.actions[i]
        status = row.get("status", "")
        action = content.actions.add(
            status=status if status in STATUSES else None,
            action_id=row["action_id"],
            goal_id=row["goal_id"],
            description=row["description"],
            owner_agency=row["owner_agency"],
            owner_id=row["owner_id"],
            owner_manager_id=row["owner_manager_id"],
        )
        _when(row["due_at"], action.due_at, f"action-{i}-due_at", unreadable)
    return Built(content, goal_rows, action_rows, unreadable)


def _when(value: str, into: object, name: str, unreadable: dict[str, str]) -> None:
    if not value:
        return
    try:
        into.FromDatetime(nztime.parse_local(value))  # type: ignore[attr-defined]
    except ValueError:
        unreadable[name] = _NOT_A_TIME


def field_of(path: str, built: Built) -> str | None:
    """The form's field a service's violation names (None: the form as a whole)."""
    found = _ROW.fullmatch(path)
    if found is not None:
        kind, index, leaf = found.group(1), int(found.group(2)), found.group(3)
        rows = built.goal_rows if kind == "goals" else built.action_rows
        if index < len(rows):
            return f"{kind[:-1]}-{rows[index]}-{leaf}"
        return None
    leaf = path.removeprefix("content.")
    if leaf in (*PLAN_FIELDS, "goals", "actions"):
        return leaf
    return None


def refused(refusal: Refusal, built: Built) -> Problem:
    named: dict[str, str] = {}
    others = []
    for violation in refusal.violations:
        name = field_of(violation.field, built)
        if name is None:
            others.append(f"{violation.field}: {violation.description}")
        else:
            named[name] = violation.description
    message = refusal.message if not others else f"{refusal.message} ({'; '.join(others)})"
    return Problem(FORM, message, named)


async def _render(request: Request, case_id: str, rows: Rows, problem: Problem | None = None) -> Response:
    making = rows.expected_version == 0
    title = f"{'Make' if making else 'Revise'} the plan of case {case_id[:8]}"
    values = dict(rows.plan)
    for i, goal in enumerate(rows.goals):
        values.update({f"goal-{i}-{k}": v for k, v in goal.items()})
    for i, action in enumerate(rows.actions):
        values.update({f"action-{i}-{k}": v for k, v in action.items()})
    if problem is not None:
        problem.values = values
    context_ = {
        "title": title,
        "case_id": case_id,
        "rows": rows,
        "making": making,
        "values": values,
        "statuses": STATUSES,
        "problem": problem,
    }
    return page(request, "plan_edit.html", context_, 200 if problem is None else 400)


async def show(request: Request) -> Response:
    """The form: the plan's current version to revise, or empty rows to make one."""
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    with acting_as(who):
        found = await settled(call(ctx.backend.plan.GetPlan, plan_pb2.GetPlanRequest(case_id=case_id)))
    if isinstance(found, Refusal):
        if found.code != grpc.StatusCode.NOT_FOUND:
            return page(request, "refused.html", {"title": "Plan", "refusal": found}, 403)
        return await _render(request, case_id, Rows().padded(goals=2, actions=3))
    return await _render(request, case_id, rows_of(found.plan).padded())


async def save(request: Request) -> Response:
    """Add rows, or make or revise the plan as the person signed in."""
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    form = await submitted(request)
    rows = rows_posted(form)
    if text(form, "more"):
        return await _render(request, case_id, rows.padded())
    built = build(rows)
    if built.unreadable:
        message = "Enter each date as a date and time (New Zealand time)"
        return await _render(request, case_id, rows, Problem(FORM, message, built.unreadable))
    key = text(form, "idempotency_key")
    reason = rows.plan.get("reason", "")
    if rows.expected_version == 0:
        made = plan_pb2.CreatePlanRequest(
            idempotency_key=key, case_id=case_id, created_by=who.subject, reason=reason, content=built.content
        )
        refusal = await act(who, ctx.backend.plan.CreatePlan, made)
        said = "Plan made."
    else:
        revised = plan_pb2.RevisePlanRequest(
            idempotency_key=key,
            case_id=case_id,
            expected_version=rows.expected_version,
            revised_by=who.subject,
            reason=reason,
            content=built.content,
        )
        refusal = await act(who, ctx.backend.plan.RevisePlan, revised)
        said = "Plan revised."
    if refusal is not None:
        return await _render(request, case_id, rows, refused(refusal, built))
    return done(request, said, f"/cases/{case_id}/plan")
