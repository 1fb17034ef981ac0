"""The case page: the whole record (IntakeService.GetCase: the reports' people and
concerns, the timeline, the deadline, proposal, decision, outcome and placement), the
assessment (AssessmentService.GetAssessment) with a decision awaiting approval; a supervisor
decides an approval here (SupervisionService.DecideApproval). The notifications and their
delivery (SupervisionService.ListNotifications) are a page of their own, linked from it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kahu.v1 import assessment_pb2, common_pb2, conference_pb2, intake_pb2, supervision_pb2
from services.console.backend import Refusal, act, acting_as, call, settled
from services.console.forms import Problem, problem, submitted, text
from services.console.pages.common import context, done
from services.console.pages.triage import decide_duplicate
from services.console.render import page
from workflows.conference.model import case_conference_id

APPROVAL_FIELDS = ("approved", "reason")
#: The stages in which a case has an assessment to show (its decision awaiting approval).
ASSESSED = frozenset(
    {
        common_pb2.CASE_STAGE_ASSESSMENT,
        common_pb2.CASE_STAGE_INVESTIGATION,
        common_pb2.CASE_STAGE_OUTCOME,
        common_pb2.CASE_STAGE_PLACEMENT,
        common_pb2.CASE_STAGE_CLOSED,
    }
)
#: The decisions a supervisor approves here, by the form's `kind`.
APPROVAL_KINDS = (
    "APPROVAL_KIND_TRIAGE_DECISION",
    "APPROVAL_KIND_SEEK_CUSTODY",
    "APPROVAL_KIND_CARE_AND_PROTECTION_REFERRAL",
)


async def show(request: Request, problem_: Problem | None = None) -> Response:
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    with acting_as(who):
        found = await settled(call(ctx.backend.intake.GetCase, intake_pb2.GetCaseRequest(case_id=case_id)))
        if isinstance(found, Refusal):
            return page(request, "refused.html", {"title": "Case", "refusal": found}, 403)
        record = found
        assessment = (
            await settled(
                call(ctx.backend.assessment.GetAssessment, assessment_pb2.GetAssessmentRequest(case_id=case_id))
            )
            if record.case.stage in ASSESSED
            else None
        )
        care = None
        youth_justice = record.case.pathway == common_pb2.PATHWAY_YOUTH_JUSTICE_FGC
        if not youth_justice and (
            record.case.stage == common_pb2.CASE_STAGE_CARE_AND_PROTECTION_CONFERENCE
            or record.outcome == common_pb2.OUTCOME_FAMILY_GROUP_CONFERENCE
        ):  # the case's latest care and protection conference (a reconvened one is the latest)
            conference = await settled(
                call(ctx.backend.conference.GetConference, conference_pb2.GetConferenceRequest(case_id=case_id))
            )
            care = None if isinstance(conference, Refusal) else conference.conference.conference_id
    return page(
        request,
        "case.html",
        {
            "title": f"Case {case_id[:8]}",
            "record": record,
            "case": record.case,
            "conference_id": case_conference_id(case_id),
            "care_conference_id": care,
            "assessment": None if assessment is None or isinstance(assessment, Refusal) else assessment.assessment,
            "problem": problem_,
        },
        200 if problem_ is None else 400,
    )


async def decide_approval(request: Request) -> Response:
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    form = await submitted(request)
    answer = text(form, "approved")
    kind = text(form, "kind") if text(form, "kind") in APPROVAL_KINDS else "APPROVAL_KIND_SEEK_CUSTODY"
    form_id = f"approval-{kind.removeprefix('APPROVAL_KIND_').lower()}"
    if answer not in ("yes", "no"):
        values = {name: text(form, name) for name in APPROVAL_FIELDS}
        choose = "Choose approve or return"
        return await show(request, Problem(form_id, choose, {"approved": choose}, values))
    action = supervision_pb2.DecideApprovalRequest(
        idempotency_key=text(form, "idempotency_key"),
        case_id=case_id,
        approved=answer == "yes",
        decided_by=who.subject,
        reason=text(form, "reason"),
        kind=kind,
    )
    refusal = await act(who, ctx.backend.supervision.DecideApproval, action)
    if refusal is not None:
        return await show(request, problem(form_id, refusal, form, APPROVAL_FIELDS))
    return done(request, "Approved." if action.approved else "Returned with your reason.", f"/cases/{case_id}")


async def resolve_duplicate(request: Request) -> Response:
    """A decision on a possible duplicate of this case, or the separation of a link Kahu
    made; a refusal comes back to the case page, on that form."""
    failed, said = await decide_duplicate(request)
    if failed is not None:
        return await show(request, failed)
    return done(request, said, f"/cases/{request.path_params['case_id']}#related")


async def notifications(request: Request) -> Response:
    """What Kahu told others about the case (Police, supervisors' emails and webhooks) and
    how each delivery went (SupervisionService.ListNotifications), linked from the case page."""
    ctx, who = context(request)
    case_id = str(request.path_params["case_id"])
    title = f"Notifications about case {case_id[:8]}"
    with acting_as(who):
        try:
            found = await call(
                ctx.backend.supervision.ListNotifications, supervision_pb2.ListNotificationsRequest(case_id=case_id)
            )
        except Refusal as refusal:
            return page(request, "refused.html", {"title": title, "refusal": refusal}, 403)
    context_ = {"title": title, "case_id": case_id, "notifications": list(found.notifications)}
    return page(request, "notifications.html", context_)
