"""Checks of intake's requests: each `validate_*` raises InvalidArgument naming every bad
field, or returns what the request holds."""

from __future__ import annotations

import datetime as dt
import re

from kahu.v1 import common_pb2, intake_pb2, placement_pb2
from services.common import checks, convert, events
from services.common.errors import Violations
from services.common.sites import Site
from services.intake.duplicates import DECISION, Resolution
from services.intake.record import AssessmentPart, ChildClock, Recording, Standing
from workflows.case.model import (
    Stage,
    StageChange,
    assessment_workflow_id,
    placement_workflow_id,
    workflow_id,
)
from workflows.conference.model import (
    MAX_CARE_CONFERENCES,
    care_conference_id,
    case_conference_id,
    conference_workflow_id,
)
from workflows.plan.model import plan_id_of, plan_workflow_id

MAX_SHORT_TEXT = 500
MAX_LONG_TEXT = 10_000
MAX_CHILDREN = 20
MAX_HOUSEHOLD = 50
MAX_INCIDENTS = 100
MAX_NEEDS = 20
#: A report is at most this big, serialized (the transport's limit, KAHU_MAX_MESSAGE_MIB, is larger).
MAX_REPORT_BYTES = 1024 * 1024
#: Unlike `checks.idempotency_key`, this also takes a key with one trailing newline (`$`).
_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def _check_enum(v: Violations, field: str, value: int, enum: type, *, required: bool) -> None:
    if value not in enum.DESCRIPTOR.values_by_number:  # type: ignore[attr-defined]
        v.add(field, "is not a known value")
    elif required and value == 0:
        v.add(field, "is required")


def _check_child(v: Violations, path: str, child: common_pb2.Child, today: dt.date) -> None:
    checks.text(v, child.name, f"{path}.name", limit=checks.MAX_NAME, required=True, multiline=False)
    if child.HasField("date_of_birth"):
        _check_birth(v, child.date_of_birth, f"{path}.date_of_birth", today)
    elif not child.HasField("age_years"):
        v.add(f"{path}.date_of_birth", "date_of_birth or age_years is required")
    if child.HasField("age_years") and child.age_years > checks.MAX_CHILD_AGE:
        v.add(f"{path}.age_years", f"must be at most {checks.MAX_CHILD_AGE}")
    for name, value in (("iwi", child.iwi), ("school", child.school)):
        checks.text(v, value, f"{path}.{name}", limit=checks.MAX_NAME, multiline=False)
    checks.text(v, child.address, f"{path}.address", limit=MAX_SHORT_TEXT)
    checks.region(v, child.region, f"{path}.region")
    for list_name in ("disability_needs", "languages"):
        items = getattr(child, list_name)
        checks.listed(v, len(items), f"{path}.{list_name}", maximum=MAX_NEEDS)
        for i, item in enumerate(items):
            checks.text(v, item, f"{path}.{list_name}[{i}]", limit=checks.MAX_NAME, required=True, multiline=False)


def _check_birth(v: Violations, born: common_pb2.Date, field: str, today: dt.date) -> None:
    """A date of birth, or a partial one: a year alone (month and day 0) or a year and month
    (day 0), from EARLIEST_YEAR to today."""
    if born.day == 0 and 0 <= born.month <= 12:
        if born.year < checks.EARLIEST_YEAR:
            v.add(field, f"must not be before {checks.EARLIEST_YEAR}")
        elif (born.year, born.month) > (today.year, today.month):
            v.add(field, "must not be in the future")
        return
    checks.date(v, born, field, today=today)


def _check_reporter(v: Violations, reporter: common_pb2.Reporter) -> None:
    path = "report.reporter"
    _check_enum(v, f"{path}.kind", reporter.kind, common_pb2.ReporterKind, required=True)
    _check_enum(v, f"{path}.agency", reporter.agency, common_pb2.Agency, required=False)
    if reporter.kind == common_pb2.REPORTER_KIND_AGENCY and reporter.agency == common_pb2.AGENCY_UNSPECIFIED:
        v.add(f"{path}.agency", "is required when the reporter is an agency")
    if reporter.anonymous:
        if reporter.name:
            v.add(f"{path}.name", "must be empty for an anonymous reporter")
        if reporter.contact:
            v.add(f"{path}.contact", "must be empty for an anonymous reporter")
    checks.text(v, reporter.name, f"{path}.name", limit=checks.MAX_NAME, multiline=False)
    checks.text(v, reporter.contact, f"{path}.contact", limit=checks.MAX_NAME, multiline=False)


def validate_stage(request: intake_pb2.RecordCaseStageRequest) -> StageChange:
    """Checks a stage to record; returns the case and its stage."""
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    if request.stage not in common_pb2.CaseStage.values() or request.stage == common_pb2.CASE_STAGE_UNSPECIFIED:
        v.add("stage", "must be a known case stage")
    v.raise_if_any()
    return StageChange(
        case_id=case_id, stage=Stage(common_pb2.CaseStage.Name(request.stage).removeprefix("CASE_STAGE_"))
    )


def validate_submit(request: intake_pb2.SubmitReportRequest, today: dt.date) -> Site:
    """Checks a report of concern (its dates against `today`); returns the site it is for."""
    v = Violations()
    if not _KEY.match(request.idempotency_key):
        v.add("idempotency_key", "must be 8-128 characters of letters, digits and . _ : -")
    if not request.HasField("report"):
        v.add("report", "is required")
        v.raise_if_any()
    report = request.report
    if report.ByteSize() > MAX_REPORT_BYTES:
        v.add("report", f"must be at most {MAX_REPORT_BYTES // 1024} KiB")
        v.raise_if_any()
    if not request.report.HasField("reporter"):
        v.add("report.reporter", "is required")
    else:
        _check_reporter(v, report.reporter)
    site = checks.site(v, report.site, "report.site")
    if not report.children:
        v.add("report.children", "must name at least one child or young person")
    elif checks.listed(v, len(report.children), "report.children", maximum=MAX_CHILDREN):
        for i, child in enumerate(report.children):
            _check_child(v, f"report.children[{i}]", child, today)
    if checks.listed(v, len(report.household), "report.household", maximum=MAX_HOUSEHOLD):
        for i, member in enumerate(report.household):
            path = f"report.household[{i}]"
            checks.text(v, member.name, f"{path}.name", limit=checks.MAX_NAME, required=True, multiline=False)
            checks.text(v, member.relationship, f"{path}.relationship", limit=checks.MAX_NAME, multiline=False)
    if not report.concerns:
        v.add("report.concerns", "must name at least one concern category")
    for i, concern in enumerate(report.concerns):
        _check_enum(v, f"report.concerns[{i}]", concern, common_pb2.ConcernCategory, required=True)
    if len(set(report.concerns)) != len(report.concerns):
        v.add("report.concerns", "must not repeat a category")
    if checks.listed(v, len(report.incidents), "report.incidents", maximum=MAX_INCIDENTS):
        for i, incident in enumerate(report.incidents):
            path = f"report.incidents[{i}]"
            if not incident.HasField("occurred_on"):
                v.add(f"{path}.occurred_on", "is required")
            else:
                checks.date(v, incident.occurred_on, f"{path}.occurred_on", today=today)
            checks.text(v, incident.description, f"{path}.description", limit=MAX_LONG_TEXT, required=True)
    checks.text(v, report.risk_reason, "report.risk_reason", limit=MAX_LONG_TEXT, required=True)
    checks.text(v, report.prior_involvement.details, "report.prior_involvement.details", limit=MAX_LONG_TEXT)
    v.raise_if_any()
    assert site is not None
    return site


def validate_resolve_duplicate(request: intake_pb2.ResolvePossibleDuplicateRequest) -> Resolution:
    """Checks an intake worker's decision on a possible duplicate."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    other = checks.case_id(v, request.other_case_id, "other_case_id")
    if case_id and case_id == other:
        v.add("other_case_id", "must be another case than case_id")
    decision = checks.enum(v, request.decision, DECISION, "decision")
    checks.text(v, request.reason, "reason", required=True)
    checks.staff_id(v, request.decided_by, "decided_by")
    v.raise_if_any()
    assert decision is not None
    return Resolution(case_id, other, decision, request.reason, request.decided_by)


def case_workflows(case_id: str) -> set[str]:
    """The ids of the workflows a case's events may come from."""
    return {
        workflow_id(case_id),
        assessment_workflow_id(case_id),
        placement_workflow_id(case_id),
        conference_workflow_id(case_conference_id(case_id)),
        plan_workflow_id(plan_id_of(case_id)),
        *(conference_workflow_id(care_conference_id(case_id, n)) for n in range(1, MAX_CARE_CONFERENCES + 1)),
    }


def _standing(v: Violations, message: intake_pb2.CaseStanding) -> Standing | None:
    events.version(v, message.version, "standing.version")
    stage = checks.enum(v, message.stage, convert.STAGE, "standing.stage")
    if message.HasField("proposal"):
        checks.enum(v, message.proposal.pathway, convert.PATHWAY, "standing.proposal.pathway")
        checks.enum(v, message.proposal.timeframe, convert.TIMEFRAME, "standing.proposal.timeframe", required=False)
    pathway = timeframe = None
    if message.HasField("decision"):
        decision = message.decision
        pathway = checks.enum(v, decision.pathway, convert.PATHWAY, "standing.decision.pathway")
        timeframe = checks.enum(v, decision.timeframe, convert.TIMEFRAME, "standing.decision.timeframe", required=False)
        checks.staff_id(v, decision.decided_by, "standing.decision.decided_by")
    if message.HasField("awaiting_approval"):
        waiting = message.awaiting_approval
        checks.enum(v, waiting.pathway, convert.PATHWAY, "standing.awaiting_approval.pathway")
        checks.enum(v, waiting.timeframe, convert.TIMEFRAME, "standing.awaiting_approval.timeframe", required=False)
        checks.staff_id(v, waiting.decided_by, "standing.awaiting_approval.decided_by")
    outcome = checks.enum(v, message.outcome, convert.OUTCOME, "standing.outcome", required=False)
    urgency = checks.enum(v, message.urgency, convert.TIMEFRAME, "standing.urgency", required=False)
    clock = _clock(v, message.deadline, "standing.deadline") if message.HasField("deadline") else None
    if message.HasField("placement"):
        checks.staff_id(v, message.placement.confirmed_by, "standing.placement.confirmed_by")
        if not message.placement.caregiver_id:
            v.add("standing.placement.caregiver_id", "is required")
        if message.placement.tier not in placement_pb2.PlacementTier.values() or not message.placement.tier:
            v.add("standing.placement.tier", "is not a known value")
    if stage is None:
        return None
    return Standing(
        version=message.version,
        stage=stage.value,
        pathway=pathway.value if pathway else None,
        timeframe=timeframe.value if timeframe else None,
        urgency=urgency.value if urgency else None,
        outcome=outcome.value if outcome else None,
        deadline_kind=clock.kind if clock else None,
        due_at=clock.due_at if clock else None,
        breached=message.deadline.breached,
        tier=message.deadline.tier,
        message=message.SerializeToString(deterministic=True),
    )


def _clock(v: Violations, message: common_pb2.DeadlineStatus, field: str) -> ChildClock | None:
    """A clock's kind, due time and tier, checked; the message kept to be shown as sent."""
    kind = checks.enum(v, message.kind, convert.DEADLINE_KIND, f"{field}.kind")
    due_at = checks.instant(v, message.due_at, f"{field}.due_at") if message.HasField("due_at") else None
    if message.tier > checks.MAX_TIER:
        v.add(f"{field}.tier", f"must be at most {checks.MAX_TIER}")
    if kind is None:
        return None
    return ChildClock(kind.value, due_at, message.breached, message.tier, message.SerializeToString(deterministic=True))


def _assessment(v: Violations, message: intake_pb2.AssessmentStanding) -> AssessmentPart:
    events.version(v, message.version, "assessment.version")
    worker = message.assessment.social_worker
    if worker:
        checks.staff_id(v, worker, "assessment.assessment.social_worker")
    if message.approved_by:
        checks.staff_id(v, message.approved_by, "assessment.approved_by")
    return AssessmentPart(message.version, worker or None, message.SerializeToString(deterministic=True))


def validate_record(request: intake_pb2.RecordCaseEventsRequest) -> Recording:
    """Checks a workflow's events and where the case stands: the events must be of one of
    the case's workflows, the case's standing from the case's own, its assessment's from the
    assessment's."""
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    if case_id and request.workflow_id not in case_workflows(case_id):
        v.add("workflow_id", "must be one of the case's workflows")
    found = events.events(v, request.events, request.workflow_id)
    standing = assessment = None
    if request.HasField("standing"):
        if case_id and request.workflow_id != workflow_id(case_id):
            v.add("standing", "is recorded by the case's own workflow only")
        standing = _standing(v, request.standing)
    if request.HasField("assessment"):
        if case_id and request.workflow_id != assessment_workflow_id(case_id):
            v.add("assessment", "is recorded by the case's assessment workflow only")
        assessment = _assessment(v, request.assessment)
    clock = None
    if request.HasField("child_clock"):
        if case_id and request.workflow_id not in (assessment_workflow_id(case_id), placement_workflow_id(case_id)):
            v.add("child_clock", "is recorded by the case's assessment or placement search workflow only")
        clock = _clock(v, request.child_clock, "child_clock")
    v.raise_if_any()
    return Recording(case_id, request.workflow_id, found, standing, assessment, clock)
