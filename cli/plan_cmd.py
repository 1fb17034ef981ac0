"""`kahu plan`: a case's child's plan (PlanService), for the social worker and the
supervisor: show it with its versions, make it from a file (a Children's Team's with
--childrens-team), revise it from the version it was read at, record an action's status and
a review held, record or withdraw the family's consent to sharing, show what one team
agency sees, and list plans by lead professional or agency."""

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
#: What `--share AGENCY=PART,...` names, beyond the agency's own actions.
PARTS = {
    "goals": plan_pb2.SHARED_PART_GOALS,
    "views": plan_pb2.SHARED_PART_VIEWS,
    "team": plan_pb2.SHARED_PART_TEAM,
    "others": plan_pb2.SHARED_PART_OTHER_ACTIONS,
}


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


@app.command("create")
def create(
    ctx: typer.Context,
    case_id: UuidCaseId,
    file: PlanFile,
    reason: Reason,
    childrens_team: Annotated[
        bool,
        typer.Option(
            "--childrens-team",
            help="A Children's Team plan (FILE with its team and views), for a case referred to one at triage.",
        ),
    ] = False,
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
        kind=plan_pb2.PLAN_KIND_CHILDRENS_TEAM if childrens_team else plan_pb2.PLAN_KIND_CASE,
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


def _share(value: str) -> plan_pb2.ConsentShare:
    agency, _, parts = value.partition("=")
    names = [p.strip() for p in parts.split(",") if p.strip()]
    unknown = [n for n in names if n not in PARTS]
    if not agency or unknown:
        fail(f"--share {value}: AGENCY[=PART,...], each PART one of {', '.join(PARTS)}", 2)
    return plan_pb2.ConsentShare(agency=agency, parts=[PARTS[n] for n in names])


@app.command("consent")
def consent(
    ctx: typer.Context,
    case_id: UuidCaseId,
    given_by: Annotated[str, typer.Option(help="Who in the family gave it.")],
    share: Annotated[
        list[str],
        typer.Option(
            help="AGENCY[=PART,...]: an agency the family agreed to share with (its own actions, the lead"
            f" professional, the review date) and what more ({', '.join(PARTS)}). Repeat per agency."
        ),
    ],
    note: Annotated[str, typer.Option(help="A note (kept with the version).")] = "",
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record the family's consent to sharing a Children's Team plan (it replaces any before)."""
    request = plan_pb2.RecordSharingConsentRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        recorded_by=state_of(ctx).actor(by),
        given_by=given_by,
        shares=[_share(s) for s in share],
        note=note,
    )
    answer = state_of(ctx).call("plan", "RecordSharingConsent", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.plan(c, answer.plan, answer.replayed))


@app.command("withdraw-consent")
def withdraw_consent(
    ctx: typer.Context,
    case_id: UuidCaseId,
    note: Annotated[str, typer.Option(help="A note (kept with the version).")] = "",
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record that the family withdrew its consent: nothing of the plan is shared from now."""
    request = plan_pb2.WithdrawSharingConsentRequest(
        idempotency_key=idempotency_key(key), case_id=case_id, recorded_by=state_of(ctx).actor(by), note=note
    )
    answer = state_of(ctx).call("plan", "WithdrawSharingConsent", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.plan(c, answer.plan, answer.replayed))


@app.command("shared")
def shared(
    ctx: typer.Context,
    case_id: UuidCaseId,
    agency: Annotated[
        str, typer.Option(help="The team agency whose view to show (a partner agency's token: its own).")
    ] = "",
    as_json: Json = False,
) -> None:
    """Show a Children's Team plan as one team agency sees it: its own actions and what the
    family agreed to share with it."""
    request = plan_pb2.GetSharedPlanRequest(case_id=case_id, agency=agency)
    answer = state_of(ctx).call("plan", "GetSharedPlan", request)
    state_of(ctx).show(answer, as_json, lambda c: render.shared_plan(c, answer.plan))


@app.command("list")
def list_plans(
    ctx: typer.Context,
    site: OptSite = "",
    region: Region = "",
    lead: Annotated[str, typer.Option(help="Only plans this staff member leads.")] = "",
    owner: Annotated[str, typer.Option(help="Only plans in which this staff member owns an open action.")] = "",
    agency: Annotated[str, typer.Option(help="Only plans in which this agency owns an open action (its code).")] = "",
    childrens_team: Annotated[bool, typer.Option("--childrens-team", help="Only Children's Team plans.")] = False,
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
        kind=plan_pb2.PLAN_KIND_CHILDRENS_TEAM if childrens_team else plan_pb2.PLAN_KIND_UNSPECIFIED,
        page_size=page_size,
        page_token=page_token,
    )
    answer = state_of(ctx).call("plan", "ListPlans", request)
    state_of(ctx).show(answer, as_json, lambda c: render.plans(c, answer))
