"""`kahu plan`: a case's child's plan (PlanService), for the social worker and the
supervisor: list plans as they stand, show one with its versions, make it from a file, revise it from the version it
was read at, record an action's status and a review held."""

from __future__ import annotations

from typing import Annotated

import typer
from google.protobuf import json_format

from cli import render
from cli.common import By, Json, Key, OptSite, PageSize, PageToken, Region, read_text, state_of
from cli.params import idempotency_key, nz_time, uuid_value
from cli.rpc import fail
from kahu.v1 import plan_pb2
from services.common.convert import timestamp

app = typer.Typer(
    help="A case's child's plan: goals, actions, owners, due dates, reviews; every change a version.",
    no_args_is_help=True,
)

UuidCaseId = Annotated[str, typer.Argument(metavar="CASE_ID", parser=uuid_value, help="The case's id.")]
PlanFile = Annotated[
    str,
    typer.Argument(metavar="FILE", help='What the plan says: a kahu.v1.PlanContent as JSON ("-": stdin).'),
]
Reason = Annotated[str, typer.Option(help="Why (kept with the version).")]
STATUSES = {"open": plan_pb2.PLAN_ACTION_STATUS_OPEN, "done": plan_pb2.PLAN_ACTION_STATUS_DONE}
STATUSES["cancelled"] = plan_pb2.PLAN_ACTION_STATUS_CANCELLED


def _content(file: str) -> plan_pb2.PlanContent:
    try:
        return json_format.Parse(read_text(file), plan_pb2.PlanContent())
    except json_format.ParseError as error:
        fail(f"{file}: not a kahu.v1.PlanContent: {error}", 2)


@app.command("show")
def show(ctx: typer.Context, case_id: UuidCaseId, as_json: Json = False) -> None:
    """Show the case's plan: its current version (goals, actions with owners, due dates and
    statuses, review date, lead professional) and who changed it before, when and why."""
    answer = state_of(ctx).call("plan", "GetPlan", plan_pb2.GetPlanRequest(case_id=case_id))
    state_of(ctx).show(answer, as_json, lambda c: render.plan(c, answer.plan))


@app.command("list")
def list_plans(
    ctx: typer.Context,
    site: OptSite = "",
    region: Region = "",
    lead: Annotated[str, typer.Option(help="Only plans this staff member leads.")] = "",
    owner: Annotated[str, typer.Option(help="Only plans in which this staff member owns an open action.")] = "",
    agency: Annotated[str, typer.Option(help="Only plans in which this agency owns an open action.")] = "",
    page_size: PageSize = 0,
    page_token: PageToken = "",
    as_json: Json = False,
) -> None:
    """List plans as they stand, most pressing first (the earliest of the review and the open
    actions' due dates): no goal's or action's words."""
    request = plan_pb2.ListPlansRequest(
        site=site,
        region=region,
        lead_professional=lead,
        owner_id=owner,
        owner_agency=agency,
        page_size=page_size,
        page_token=page_token,
    )
    answer = state_of(ctx).call("plan", "ListPlans", request)
    state_of(ctx).show(answer, as_json, lambda c: render.plans(c, answer))


@app.command("create")
def create(
    ctx: typer.Context,
    case_id: UuidCaseId,
    file: PlanFile,
    reason: Reason,
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Make the case's plan (version 1) from FILE; its clocks start at once."""
    request = plan_pb2.CreatePlanRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        created_by=state_of(ctx).actor(by),
        reason=reason,
        content=_content(file),
    )
    answer = state_of(ctx).call("plan", "CreatePlan", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.plan(c, answer.plan, answer.replayed))


@app.command("revise")
def revise(
    ctx: typer.Context,
    case_id: UuidCaseId,
    file: PlanFile,
    expected_version: Annotated[
        int, typer.Option(min=1, help="The version FILE was made from (`kahu plan show`): refused if it moved on.")
    ],
    reason: Reason,
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Make a new version of the plan from FILE."""
    request = plan_pb2.RevisePlanRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        expected_version=expected_version,
        revised_by=state_of(ctx).actor(by),
        reason=reason,
        content=_content(file),
    )
    answer = state_of(ctx).call("plan", "RevisePlan", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.plan(c, answer.plan, answer.replayed))


@app.command("status")
def status(
    ctx: typer.Context,
    case_id: UuidCaseId,
    action_id: Annotated[str, typer.Argument(metavar="ACTION_ID", help="The action (`kahu plan show`).")],
    to: Annotated[str, typer.Option("--to", help="open, done or cancelled.")],
    note: Annotated[str, typer.Option(help="A note (kept with the version).")] = "",
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record an action's status: done or cancelled ends its clock; open starts it again."""
    if to not in STATUSES:
        fail(f"--to must be one of {', '.join(STATUSES)}", 2)
    request = plan_pb2.RecordActionStatusRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        action_id=action_id,
        status=STATUSES[to],
        recorded_by=state_of(ctx).actor(by),
        note=note,
    )
    answer = state_of(ctx).call("plan", "RecordActionStatus", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.plan(c, answer.plan, answer.replayed))


@app.command("review")
def review(
    ctx: typer.Context,
    case_id: UuidCaseId,
    next_review: Annotated[
        str | None,
        typer.Option("--next", help="When the next review is due (default: the policy's interval on)."),
    ] = None,
    note: Annotated[str, typer.Option(help="A note (kept with the version).")] = "",
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record a review of the plan held now; the next one is due at --next."""
    request = plan_pb2.RecordReviewRequest(
        idempotency_key=idempotency_key(key), case_id=case_id, held_by=state_of(ctx).actor(by), note=note
    )
    if next_review is not None:
        request.next_review_due.CopyFrom(timestamp(nz_time(next_review)))
    answer = state_of(ctx).call("plan", "RecordReview", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.plan(c, answer.plan, answer.replayed))
