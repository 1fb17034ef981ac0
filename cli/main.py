"""`kahu`: the command line of Kahu's gRPC API, for the people who work the cases.

Global options come before the command (`kahu --timeout 5 case show ID`); `--json` works in
either place. Every write takes `--idempotency-key` (a new key per invocation by default).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from google.protobuf.timestamp_pb2 import Timestamp

from cli import audit_cmd, conference_cmd, notifications_cmd, placement_cmd, plan_cmd, render, reportfile, token_cmd
from cli.common import (
    By,
    CaseId,
    IncludeResolved,
    Json,
    Key,
    MinTier,
    OptSite,
    PageSize,
    PageToken,
    Reason,
    Region,
    Site,
    State,
    read_text,
    state_of,
)
from cli.params import (
    ATTENTION_DECISION,
    DEADLINE_KIND,
    DUPLICATE_STATUS,
    OUTCOME,
    PATHWAY,
    STAGE,
    TIMEFRAME,
    due_time,
    duration,
    idempotency_key,
    nz_time,
)
from cli.rpc import STUBS, fail
from kahu.v1 import assessment_pb2, common_pb2, intake_pb2, reporting_pb2, supervision_pb2, triage_pb2
from workflows.policy.working_days import NZ

app = typer.Typer(
    help="Kahu: report, triage, assess, supervise and place; youth justice conferences.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold a report's personal data
)
report_app = typer.Typer(help="Reports of concern, and the SLA report.", no_args_is_help=True)
case_app = typer.Typer(help="Cases: show one, list many; the triage inbox's possible duplicates.", no_args_is_help=True)
triage_app = typer.Typer(help="The social worker's triage decision and the family's consent.", no_args_is_help=True)
assessment_app = typer.Typer(
    help="Assessments: allocate, record the child seen and findings, complete.", no_args_is_help=True
)
queue_app = typer.Typer(
    help="The supervisors' queue of escalations and steps that need attention, and their actions.",
    no_args_is_help=True,
)
app.command("token")(token_cmd.token)
app.command("notifications")(notifications_cmd.notifications)
for sub, name in (
    (audit_cmd.app, "audit"),
    (report_app, "report"),
    (case_app, "case"),
    (triage_app, "triage"),
    (assessment_app, "assessment"),
    (queue_app, "queue"),
    (placement_cmd.app, "placement"),
    (conference_cmd.app, "conference"),
    (plan_cmd.app, "plan"),
):
    app.add_typer(sub, name=name)


@app.callback()
def main(
    ctx: typer.Context,
    intake: Annotated[str | None, typer.Option(help="Intake address HOST:PORT (default: INTAKE_ADDRESS).")] = None,
    triage: Annotated[str | None, typer.Option(help="Triage address (default: TRIAGE_ADDRESS).")] = None,
    assessment: Annotated[str | None, typer.Option(help="Assessment address (default: ASSESSMENT_ADDRESS).")] = None,
    supervision: Annotated[str | None, typer.Option(help="Supervision address (default: SUPERVISION_ADDRESS).")] = None,
    placement: Annotated[str | None, typer.Option(help="Placement address (default: PLACEMENT_ADDRESS).")] = None,
    conference: Annotated[str | None, typer.Option(help="Conference address (default: CONFERENCE_ADDRESS).")] = None,
    plan: Annotated[str | None, typer.Option(help="Plan address (default: PLAN_ADDRESS).")] = None,
    timeout: Annotated[
        float, typer.Option(min=0.1, envvar="KAHU_TIMEOUT", help="Deadline of each call, seconds.")
    ] = 10.0,
    token: Annotated[
        str | None,
        typer.Option(envvar="KAHU_TOKEN", help="Your bearer token (default: KAHU_TOKEN).", show_default=False),
    ] = None,
    as_json: Json = False,
) -> None:
    """Kahu's command line. Addresses come from the same environment as the services
    (INTAKE_ADDRESS or KAHU_HOST and INTAKE_PORT, ...); every call carries your token."""
    overrides = {
        "intake": intake,
        "triage": triage,
        "assessment": assessment,
        "supervision": supervision,
        "placement": placement,
        "conference": conference,
        "plan": plan,
    }
    assert set(overrides) == set(STUBS)
    state = State(overrides, timeout, as_json, token)
    ctx.obj = state
    ctx.call_on_close(state.close)


# -- reports and cases -------------------------------------------------------------------


@report_app.command("submit")
def report_submit(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE", help='A kahu.v1.Report as JSON ("-": stdin).')],
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Submit a report of concern; prints the case it opened (or was added to)."""
    try:
        report = reportfile.load(file)
    except reportfile.ReportFileError as error:
        fail(str(error), 2)
    request = intake_pb2.SubmitReportRequest(idempotency_key=idempotency_key(key), report=report)
    answer = state_of(ctx).call("intake", "SubmitReport", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.submitted(c, answer))


@case_app.command("show")
def case_show(ctx: typer.Context, case_id: CaseId, as_json: Json = False) -> None:
    """Show a case: its stage, triage, deadline, outcome, the people its reports name, and its timeline."""
    answer = state_of(ctx).call("intake", "GetCase", intake_pb2.GetCaseRequest(case_id=case_id))
    state_of(ctx).show(answer, as_json, lambda c: render.case(c, answer))


@case_app.command("list")
def case_list(
    ctx: typer.Context,
    site: OptSite = "",
    region: Region = "",
    stage: Annotated[int | None, typer.Option(parser=STAGE, metavar=STAGE.metavar, help="Only this stage.")] = None,
    min_tier: MinTier = 0,
    overdue: Annotated[bool, typer.Option(help="Only cases whose deadline has passed.")] = False,
    timeframe: Annotated[
        int | None, typer.Option(parser=TIMEFRAME, metavar=TIMEFRAME.metavar, help="Only this response timeframe.")
    ] = None,
    assignee: Annotated[str, typer.Option(help="Only cases allocated to this social worker.")] = "",
    received_from: Annotated[
        dt.datetime | None, typer.Option(parser=nz_time, metavar="WHEN", help="Only received at or after.")
    ] = None,
    received_before: Annotated[
        dt.datetime | None, typer.Option(parser=nz_time, metavar="WHEN", help="Only received before.")
    ] = None,
    urgent: Annotated[bool, typer.Option(help="Most urgent (soonest deadline) first, not newest.")] = False,
    page_size: PageSize = 0,
    page_token: PageToken = "",
    as_json: Json = False,
) -> None:
    """List cases, newest (or most urgent) first."""
    request = intake_pb2.ListCasesRequest(
        site=site,
        region=region,
        stage=stage or 0,  # type: ignore[arg-type]
        min_tier=min_tier,
        overdue_only=overdue,
        timeframe=timeframe or 0,  # type: ignore[arg-type]
        assignee=assignee,
        order=intake_pb2.CASE_ORDER_MOST_URGENT if urgent else intake_pb2.CASE_ORDER_NEWEST,
        page_size=page_size,
        page_token=page_token,
    )
    if received_from is not None:
        request.received_from.FromDatetime(received_from)
    if received_before is not None:
        request.received_before.FromDatetime(received_before)
    answer = state_of(ctx).call("intake", "ListCases", request)
    state_of(ctx).show(answer, as_json, lambda c: render.cases(c, answer))


OtherCaseId = Annotated[str, typer.Argument(metavar="OTHER_CASE_ID", help="The open case it may duplicate.")]
DuplicateReason = Annotated[str, typer.Option(help="Why (on both cases' timelines).")]


@case_app.command("duplicates")
def case_duplicates(
    ctx: typer.Context,
    site: OptSite = "",
    region: Region = "",
    status: Annotated[
        int | None,
        typer.Option(
            parser=DUPLICATE_STATUS, metavar=DUPLICATE_STATUS.metavar, help="Only these (default: open, the inbox)."
        ),
    ] = None,
    page_size: PageSize = 0,
    page_token: PageToken = "",
    as_json: Json = False,
) -> None:
    """List reports flagged as possibly about the same child as another open case, oldest first."""
    request = intake_pb2.ListPossibleDuplicatesRequest(
        site=site,
        region=region,
        status=status or 0,  # type: ignore[arg-type]
        page_size=page_size,
        page_token=page_token,
    )
    answer = state_of(ctx).call("intake", "ListPossibleDuplicates", request)
    state_of(ctx).show(answer, as_json, lambda c: render.possible_duplicates(c, answer))


def _resolve_duplicate(
    ctx: typer.Context,
    case_id: str,
    other_case_id: str,
    decision: intake_pb2.DuplicateDecision,
    reason: str,
    by: str,
    key: str | None,
    as_json: bool,
) -> None:
    request = intake_pb2.ResolvePossibleDuplicateRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        other_case_id=other_case_id,
        decision=decision,
        reason=reason,
        decided_by=state_of(ctx).actor(by),
    )
    answer = state_of(ctx).call("intake", "ResolvePossibleDuplicate", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.duplicate_resolved(c, answer))


@case_app.command("link")
def case_link(
    ctx: typer.Context,
    case_id: Annotated[str, typer.Argument(metavar="CASE_ID", help="The case the flagged report opened.")],
    other_case_id: OtherCaseId,
    reason: DuplicateReason,
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Decide a possible duplicate: the same child. Both cases show the link; they go on apart."""
    _resolve_duplicate(ctx, case_id, other_case_id, intake_pb2.DUPLICATE_DECISION_LINK, reason, by, key, as_json)


@case_app.command("separate")
def case_separate(
    ctx: typer.Context,
    case_id: Annotated[str, typer.Argument(metavar="CASE_ID", help="The case the flagged report opened.")],
    other_case_id: OtherCaseId,
    reason: DuplicateReason,
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Decide a possible duplicate: different children."""
    _resolve_duplicate(ctx, case_id, other_case_id, intake_pb2.DUPLICATE_DECISION_SEPARATE, reason, by, key, as_json)


_PERIOD_HELP = "a date (New Zealand midnight) or a time, as for other WHEN options"


@report_app.command("sla")
def report_sla(
    ctx: typer.Context,
    period_from: Annotated[
        dt.datetime,
        typer.Option("--from", parser=nz_time, metavar="DATE", help=f"Start of the period: {_PERIOD_HELP}."),
    ],
    period_to: Annotated[
        dt.datetime,
        typer.Option("--to", parser=nz_time, metavar="DATE", help=f"End of the period (not included): {_PERIOD_HELP}."),
    ],
    site: OptSite = "",
    region: Region = "",
    timeframe: Annotated[
        int | None, typer.Option(parser=TIMEFRAME, metavar=TIMEFRAME.metavar, help="Only this response timeframe.")
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the report as CSV (ExportSlaReport).")] = False,
    as_json: Json = False,
) -> None:
    """The SLA figures over a period [--from, --to) per site, region and timeframe, with a total
    (figures only; within your sites or region)."""
    fields = {"site": site, "region": region, "timeframe": timeframe or 0}
    start, end = Timestamp(), Timestamp()
    start.FromDatetime(period_from.astimezone(dt.UTC))
    end.FromDatetime(period_to.astimezone(dt.UTC))
    if as_csv:
        export = reporting_pb2.ExportSlaReportRequest(period_start=start, period_end=end, **fields)  # type: ignore[arg-type]
        exported = state_of(ctx).call("reporting", "ExportSlaReport", export)
        state_of(ctx).show(exported, as_json, lambda c: print(exported.csv, end="", flush=True))
        return
    request = reporting_pb2.GetSlaReportRequest(period_start=start, period_end=end, **fields)  # type: ignore[arg-type]
    answer = state_of(ctx).call("reporting", "GetSlaReport", request)
    title = f"SLA report {period_from.astimezone(NZ):%Y-%m-%d %H:%M %Z} to {period_to.astimezone(NZ):%Y-%m-%d %H:%M %Z}"
    state_of(ctx).show(answer, as_json, lambda c: render.sla_report(c, answer, title))


# -- triage ------------------------------------------------------------------------------


@triage_app.command("proposal")
def triage_proposal(ctx: typer.Context, case_id: CaseId, as_json: Json = False) -> None:
    """Show what the triage rules propose for a case, and which rules fired."""
    answer = state_of(ctx).call("triage", "GetProposal", triage_pb2.GetProposalRequest(case_id=case_id))
    state_of(ctx).show(
        answer, as_json, lambda c: c.print(f"Proposal: {render.proposal(answer.proposal)}", markup=False)
    )


@triage_app.command("decide")
def triage_decide(
    ctx: typer.Context,
    case_id: CaseId,
    pathway: Annotated[int, typer.Option(parser=PATHWAY, metavar=PATHWAY.metavar, help="What follows triage.")],
    by: By = "",
    timeframe: Annotated[
        int | None,
        typer.Option(parser=TIMEFRAME, metavar=TIMEFRAME.metavar, help="Required when the pathway assesses."),
    ] = None,
    reason: Annotated[str, typer.Option(help="Why; required when the decision differs from the proposal.")] = "",
    police_consulted: Annotated[bool, typer.Option(help="Police were consulted (Protocol cases).")] = False,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record the social worker's triage decision."""
    request = triage_pb2.RecordDecisionRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        decided_by=state_of(ctx).actor(by),
        pathway=pathway,  # type: ignore[arg-type]
        timeframe=timeframe or 0,  # type: ignore[arg-type]
        reason=reason,
        police_consulted=police_consulted,
    )
    answer = state_of(ctx).call("triage", "RecordDecision", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.summary(c, answer.case, answer.replayed))


@triage_app.command("consent")
def triage_consent(
    ctx: typer.Context,
    case_id: CaseId,
    given: Annotated[bool, typer.Option("--given/--declined", help="The family's answer to the referral.")],
    by: By = "",
    note: Annotated[str, typer.Option(help="A note on the answer.")] = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record the family's consent to (or refusal of) a referral to services."""
    request = triage_pb2.RecordConsentRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        recorded_by=state_of(ctx).actor(by),
        given=given,
        note=note,
    )
    answer = state_of(ctx).call("triage", "RecordConsent", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.summary(c, answer.case, answer.replayed))


# -- assessment --------------------------------------------------------------------------


@assessment_app.command("show")
def assessment_show(ctx: typer.Context, case_id: CaseId, as_json: Json = False) -> None:
    """Show a case's assessment with its findings."""
    answer = state_of(ctx).call("assessment", "GetAssessment", assessment_pb2.GetAssessmentRequest(case_id=case_id))
    state_of(ctx).show(answer, as_json, lambda c: render.assessment(c, answer.assessment, answer.findings))


@assessment_app.command("allocate")
def assessment_allocate(
    ctx: typer.Context,
    case_id: CaseId,
    social_worker: Annotated[str, typer.Option(help="Staff id of the social worker.")],
    site: Site,
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Allocate a case's assessment to a social worker at the case's site."""
    request = assessment_pb2.AllocateRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        social_worker=social_worker,
        site=site,
        allocated_by=state_of(ctx).actor(by),
    )
    answer = state_of(ctx).call("assessment", "Allocate", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.assessment(c, answer.assessment, replayed=answer.replayed))


@assessment_app.command("seen")
def assessment_seen(
    ctx: typer.Context,
    case_id: CaseId,
    at: Annotated[
        dt.datetime,
        typer.Option(
            "--at",
            parser=nz_time,
            metavar="WHEN",
            help="When: now, -DURATION (e.g. -30m), 2026-11-25 14:00 (New Zealand time) or ISO 8601.",
        ),
    ],
    place: Annotated[str, typer.Option(help='Where, in a few words (e.g. "at school").')],
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record that you met the case's child for the safety and risk screen: the response
    timeframe is met then, and the assessment's completion clock starts."""
    seen_at = Timestamp()
    seen_at.FromDatetime(at.astimezone(dt.UTC))
    request = assessment_pb2.RecordChildSeenRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        seen_by=state_of(ctx).actor(by),
        seen_at=seen_at,
        place=place,
    )
    retry = f"--at {at.astimezone(NZ).isoformat()}"  # a retry must send the same time
    answer = state_of(ctx).call("assessment", "RecordChildSeen", request, request.idempotency_key, retry=retry)
    state_of(ctx).show(answer, as_json, lambda c: render.assessment(c, answer.assessment, replayed=answer.replayed))


@assessment_app.command("findings")
def assessment_findings(
    ctx: typer.Context,
    case_id: CaseId,
    by: By = "",
    summary: Annotated[str | None, typer.Option(help="The findings.")] = None,
    summary_file: Annotated[str | None, typer.Option(help='Read the findings from a file ("-": stdin).')] = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record findings on a case's assessment."""
    if (summary is None) == (summary_file is None):
        fail("give one of --summary or --summary-file", 2)
    text = summary if summary is not None else read_text(str(summary_file))
    request = assessment_pb2.RecordFindingsRequest(
        idempotency_key=idempotency_key(key), case_id=case_id, recorded_by=state_of(ctx).actor(by), summary=text
    )
    answer = state_of(ctx).call("assessment", "RecordFindings", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.assessment(c, answer.assessment, replayed=answer.replayed))


@assessment_app.command("complete")
def assessment_complete(
    ctx: typer.Context,
    case_id: CaseId,
    outcome: Annotated[int, typer.Option(parser=OUTCOME, metavar=OUTCOME.metavar, help="How it ends.")],
    by: By = "",
    reason: Reason = "",
    police_consulted: Annotated[bool, typer.Option(help="Police were consulted (Protocol cases).")] = False,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Complete a case's assessment (seek-custody waits for a supervisor's approval)."""
    request = assessment_pb2.CompleteAssessmentRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        completed_by=state_of(ctx).actor(by),
        outcome=outcome,  # type: ignore[arg-type]
        reason=reason,
        police_consulted=police_consulted,
    )
    answer = state_of(ctx).call("assessment", "CompleteAssessment", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.assessment(c, answer.assessment, replayed=answer.replayed))


# -- the supervisors' queue --------------------------------------------------------------


@queue_app.command("list")
def queue_list(
    ctx: typer.Context,
    site: OptSite = "",
    region: Region = "",
    min_tier: MinTier = 0,
    breached_only: Annotated[bool, typer.Option(help="Only escalations, no due-soon cases.")] = False,
    kind: Annotated[
        int | None,
        typer.Option(parser=DEADLINE_KIND, metavar=DEADLINE_KIND.metavar, help="Only this clock's escalations."),
    ] = None,
    due_within: Annotated[
        int | None, typer.Option(parser=duration, metavar="DURATION", help="Also cases due within e.g. 4h or 2d.")
    ] = None,
    older_than: Annotated[
        int | None,
        typer.Option(parser=duration, metavar="DURATION", help="Only escalations raised at least e.g. 1d ago."),
    ] = None,
    include_resolved: IncludeResolved = False,
    page_size: PageSize = 0,
    page_token: PageToken = "",
    as_json: Json = False,
) -> None:
    """List open escalations, oldest first, cases due soon, and (first page) steps that need attention."""
    request = supervision_pb2.ListQueueRequest(
        site=site,
        region=region,
        min_tier=min_tier,
        breached_only=breached_only,
        due_within_seconds=due_within or 0,
        older_than_seconds=older_than or 0,
        include_resolved=include_resolved,
        page_size=page_size,
        page_token=page_token,
        kind=kind or 0,  # type: ignore[arg-type]
    )
    answer = state_of(ctx).call("supervision", "ListQueue", request)
    state_of(ctx).show(answer, as_json, lambda c: render.queue(c, answer))


@queue_app.command("ack")
def queue_ack(
    ctx: typer.Context,
    escalation_id: Annotated[str, typer.Argument(metavar="ESCALATION_ID", help="From `kahu queue list`.")],
    by: By = "",
    note: Annotated[str, typer.Option(help="A note on the case's record.")] = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Acknowledge an escalation."""
    request = supervision_pb2.AcknowledgeRequest(
        idempotency_key=idempotency_key(key),
        escalation_id=escalation_id,
        acknowledged_by=state_of(ctx).actor(by),
        note=note,
    )
    answer = state_of(ctx).call("supervision", "Acknowledge", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.escalation(c, answer))


@queue_app.command("reassign")
def queue_reassign(
    ctx: typer.Context,
    case_id: CaseId,
    social_worker: Annotated[str, typer.Option(help="Staff id of the new social worker.")],
    site: Site,
    reason: Annotated[str, typer.Option(help="Why (recorded on the case).")],
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Reassign a case's assessment to another social worker."""
    request = supervision_pb2.ReassignRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        social_worker=social_worker,
        site=site,
        reassigned_by=state_of(ctx).actor(by),
        reason=reason,
    )
    answer = state_of(ctx).call("supervision", "Reassign", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.assessment(c, answer.assessment, replayed=answer.replayed))


@queue_app.command("extend")
def queue_extend(
    ctx: typer.Context,
    case_id: Annotated[
        str,
        typer.Argument(
            metavar="CASE_OR_CONFERENCE_ID", help="The case's id; the conference's for CONVENING and COMPLETION."
        ),
    ],
    kind: Annotated[int, typer.Option(parser=DEADLINE_KIND, metavar=DEADLINE_KIND.metavar, help="Which clock.")],
    due: Annotated[
        dt.datetime,
        typer.Option(parser=due_time, metavar="WHEN", help="New deadline: +DURATION (e.g. +2d) or ISO 8601."),
    ],
    reason: Annotated[str, typer.Option(help="Why (recorded on the case).")],
    reason_code: Annotated[
        str,
        typer.Option(
            "--reason-code",
            metavar="CODE",
            help="One of the policy's extension_reasons (policy/kahu.yaml), e.g. CHILD_NOT_LOCATED.",
        ),
    ],
    by: By = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Move a case's (or a conference's) deadline later, for one of the policy's reasons; its
    timer moves with it, and the record keeps the deadline it moved."""
    due_at = Timestamp()
    due_at.FromDatetime(due.astimezone(dt.UTC))
    conference = kind in (common_pb2.DEADLINE_KIND_CONVENING, common_pb2.DEADLINE_KIND_COMPLETION)
    request = supervision_pb2.ExtendDeadlineRequest(
        idempotency_key=idempotency_key(key),
        case_id="" if conference else case_id,
        conference_id=case_id if conference else "",
        kind=kind,  # type: ignore[arg-type]
        due_at=due_at,
        extended_by=state_of(ctx).actor(by),
        reason=reason,
        reason_code=reason_code,
    )
    answer = state_of(ctx).call("supervision", "ExtendDeadline", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.extended(c, answer))


TriageApproval = Annotated[
    bool,
    typer.Option(
        "--triage", help="The case's triage decision waiting for approval (default: an assessment's seeking custody)."
    ),
]
ReferralApproval = Annotated[
    bool,
    typer.Option(
        "--referral",
        help="The assessment's referral to a care and protection family group conference waiting for approval.",
    ),
]


def _decide_approval(
    ctx: typer.Context,
    case_id: str,
    approved: bool,
    by: str,
    reason: str,
    key: str | None,
    as_json: bool,
    triage: bool,
    referral: bool = False,
) -> None:
    if triage and referral:
        fail("give at most one of --triage or --referral", 2)
    kind = supervision_pb2.APPROVAL_KIND_SEEK_CUSTODY
    if triage:
        kind = supervision_pb2.APPROVAL_KIND_TRIAGE_DECISION
    elif referral:
        kind = supervision_pb2.APPROVAL_KIND_CARE_AND_PROTECTION_REFERRAL
    request = supervision_pb2.DecideApprovalRequest(
        idempotency_key=idempotency_key(key),
        case_id=case_id,
        approved=approved,
        decided_by=state_of(ctx).actor(by),
        reason=reason,
        kind=kind,
    )
    answer = state_of(ctx).call("supervision", "DecideApproval", request, request.idempotency_key)
    if triage:
        state_of(ctx).show(answer, as_json, lambda c: render.summary(c, answer.case, answer.replayed))
    else:
        state_of(ctx).show(answer, as_json, lambda c: render.assessment(c, answer.assessment, replayed=answer.replayed))


@queue_app.command("resolve-attention")
def queue_resolve_attention(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ITEM_ID", help="From `kahu queue list` (Needs attention).")],
    decision: Annotated[
        int,
        typer.Option(
            parser=ATTENTION_DECISION,
            metavar=ATTENTION_DECISION.metavar,
            help="retry the step, or skip it (go on without it; closes an item no workflow waits on).",
        ),
    ],
    by: By = "",
    note: Annotated[str, typer.Option(help="A note (recorded on the case when its workflow waits).")] = "",
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Decide a step that needs attention: retry it, or go on without it."""
    request = supervision_pb2.ResolveAttentionRequest(
        idempotency_key=idempotency_key(key),
        item_id=item_id,
        decided_by=state_of(ctx).actor(by),
        decision=decision,  # type: ignore[arg-type]
        note=note,
    )
    answer = state_of(ctx).call("supervision", "ResolveAttention", request, request.idempotency_key)
    state_of(ctx).show(answer, as_json, lambda c: render.attention_resolved(c, answer))


@queue_app.command("approve")
def queue_approve(
    ctx: typer.Context,
    case_id: CaseId,
    reason: Reason,
    by: By = "",
    key: Key = None,
    as_json: Json = False,
    triage: TriageApproval = False,
    referral: ReferralApproval = False,
) -> None:
    """Approve a decision that needs approval (seeking custody; with --triage, a triage decision;
    with --referral, a referral to a care and protection family group conference, which starts it)."""
    _decide_approval(ctx, case_id, True, by, reason, key, as_json, triage, referral)


@queue_app.command("decline")
def queue_decline(
    ctx: typer.Context,
    case_id: CaseId,
    reason: Reason,
    by: By = "",
    key: Key = None,
    as_json: Json = False,
    triage: TriageApproval = False,
    referral: ReferralApproval = False,
) -> None:
    """Decline a decision that needs approval (seeking custody; with --triage, return a triage
    decision to the social worker with the reason; with --referral, a referral to a care and
    protection family group conference)."""
    _decide_approval(ctx, case_id, False, by, reason, key, as_json, triage, referral)


if __name__ == "__main__":
    app()
