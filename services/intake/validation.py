"""Validation of reports of concern: every violated field is named, nothing is partial."""

from __future__ import annotations

import datetime as dt
import re

from kahu.v1 import common_pb2, intake_pb2
from services.common import checks
from services.common.errors import Violations
from services.common.sites import load_sites, regions

MAX_NAME = 200
MAX_SHORT_TEXT = 500
MAX_LONG_TEXT = 10_000
MAX_CHILDREN = 20
MAX_HOUSEHOLD = 50
MAX_INCIDENTS = 100
MAX_NEEDS = 20
MAX_CHILD_AGE = 17
EARLIEST_YEAR = 1900
#: A report is at most this big, serialized (the transport's limit, KAHU_MAX_MESSAGE_MIB, is larger).
MAX_REPORT_BYTES = 1024 * 1024
_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def _check_text(
    v: Violations, field: str, value: str, *, limit: int, required: bool = False, multiline: bool = False
) -> None:
    if required and not value.strip():
        v.add(field, "is required")
        return
    if len(value) > limit:
        v.add(field, f"must be at most {limit} characters")
    if checks.refused_characters(value, multiline=multiline):
        v.add(field, "must not contain control characters")


def _check_date(v: Violations, field: str, date: common_pb2.Date, today: dt.date) -> dt.date | None:
    try:
        value = dt.date(date.year, date.month, date.day)
    except ValueError:
        v.add(field, "is not a calendar date")
        return None
    if value.year < EARLIEST_YEAR:
        v.add(field, f"must not be before {EARLIEST_YEAR}")
    elif value > today:
        v.add(field, "must not be in the future")
    return value


def _check_enum(v: Violations, field: str, value: int, enum: type, *, required: bool) -> None:
    if value not in enum.DESCRIPTOR.values_by_number:  # type: ignore[attr-defined]
        v.add(field, "is not a known value")
    elif required and value == 0:
        v.add(field, "is required")


def _check_child(v: Violations, f: str, child: common_pb2.Child, today: dt.date) -> None:
    _check_text(v, f"{f}.name", child.name, limit=MAX_NAME, required=True)
    if child.HasField("date_of_birth"):
        _check_date(v, f"{f}.date_of_birth", child.date_of_birth, today)
    elif not child.HasField("age_years"):
        v.add(f"{f}.date_of_birth", "date_of_birth or age_years is required")
    if child.HasField("age_years") and child.age_years > MAX_CHILD_AGE:
        v.add(f"{f}.age_years", f"must be at most {MAX_CHILD_AGE}")
    for name, value in (("iwi", child.iwi), ("school", child.school)):
        _check_text(v, f"{f}.{name}", value, limit=MAX_NAME)
    _check_text(v, f"{f}.address", child.address, limit=MAX_SHORT_TEXT, multiline=True)
    if child.region and child.region not in regions():
        v.add(f"{f}.region", "is not a known region")
    for list_name in ("disability_needs", "languages"):
        items = getattr(child, list_name)
        if len(items) > MAX_NEEDS:
            v.add(f"{f}.{list_name}", f"must have at most {MAX_NEEDS} entries")
        for i, item in enumerate(items):
            _check_text(v, f"{f}.{list_name}[{i}]", item, limit=MAX_NAME, required=True)


def _check_reporter(v: Violations, reporter: common_pb2.Reporter) -> None:
    f = "report.reporter"
    _check_enum(v, f"{f}.kind", reporter.kind, common_pb2.ReporterKind, required=True)
    _check_enum(v, f"{f}.agency", reporter.agency, common_pb2.Agency, required=False)
    if reporter.kind == common_pb2.REPORTER_KIND_AGENCY and reporter.agency == common_pb2.AGENCY_UNSPECIFIED:
        v.add(f"{f}.agency", "is required when the reporter is an agency")
    if reporter.anonymous:
        if reporter.name:
            v.add(f"{f}.name", "must be empty for an anonymous reporter")
        if reporter.contact:
            v.add(f"{f}.contact", "must be empty for an anonymous reporter")
    _check_text(v, f"{f}.name", reporter.name, limit=MAX_NAME)
    _check_text(v, f"{f}.contact", reporter.contact, limit=MAX_NAME)


def validate_stage(request: intake_pb2.RecordCaseStageRequest) -> tuple[str, str]:
    """The case id and the stage's name, once the request is valid."""
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    if request.stage not in common_pb2.CaseStage.values() or request.stage == common_pb2.CASE_STAGE_UNSPECIFIED:
        v.add("stage", "must be a known case stage")
    v.raise_if_any()
    return case_id, common_pb2.CaseStage.Name(request.stage).removeprefix("CASE_STAGE_")


def validate_submit(request: intake_pb2.SubmitReportRequest, today: dt.date) -> None:
    """Raise InvalidArgument listing every problem with the request; return if it is valid."""
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
    if not report.site:
        v.add("report.site", "is required")
    elif report.site not in load_sites():
        v.add("report.site", "is not a known site code")
    if not report.children:
        v.add("report.children", "must name at least one child or young person")
    elif len(report.children) > MAX_CHILDREN:
        v.add("report.children", f"must have at most {MAX_CHILDREN} entries")
    else:
        for i, child in enumerate(report.children):
            _check_child(v, f"report.children[{i}]", child, today)
    if len(report.household) > MAX_HOUSEHOLD:
        v.add("report.household", f"must have at most {MAX_HOUSEHOLD} entries")
    else:
        for i, member in enumerate(report.household):
            _check_text(v, f"report.household[{i}].name", member.name, limit=MAX_NAME, required=True)
            _check_text(v, f"report.household[{i}].relationship", member.relationship, limit=MAX_NAME)
    if not report.concerns:
        v.add("report.concerns", "must name at least one concern category")
    for i, concern in enumerate(report.concerns):
        _check_enum(v, f"report.concerns[{i}]", concern, common_pb2.ConcernCategory, required=True)
    if len(set(report.concerns)) != len(report.concerns):
        v.add("report.concerns", "must not repeat a category")
    if len(report.incidents) > MAX_INCIDENTS:
        v.add("report.incidents", f"must have at most {MAX_INCIDENTS} entries")
    else:
        for i, incident in enumerate(report.incidents):
            f = f"report.incidents[{i}]"
            if not incident.HasField("occurred_on"):
                v.add(f"{f}.occurred_on", "is required")
            else:
                _check_date(v, f"{f}.occurred_on", incident.occurred_on, today)
            _check_text(v, f"{f}.description", incident.description, limit=MAX_LONG_TEXT, required=True, multiline=True)
    _check_text(v, "report.risk_reason", report.risk_reason, limit=MAX_LONG_TEXT, required=True, multiline=True)
    _check_text(
        v, "report.prior_involvement.details", report.prior_involvement.details, limit=MAX_LONG_TEXT, multiline=True
    )
    v.raise_if_any()
