"""Bad input, by property: every write RPC answers OK or INVALID_ARGUMENT naming the fields
(or, through the platform, an answer about the case: PERMISSION_DENIED, NOT_FOUND,
FAILED_PRECONDITION, ALREADY_EXISTS), never INTERNAL or UNKNOWN, and writes nothing when
it refuses the input. Real names, macrons and all, are kept byte for byte; control
characters are refused; birth dates are between 1900 and today.

Thousands of requests run through each RPC's validation in process (where no database is
needed); a smaller number of each goes end to end through the running platform.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import grpc
import pytest
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kahu.v1 import assessment_pb2, common_pb2, intake_pb2, supervision_pb2, triage_pb2
from services.assessment import validation as assessment
from services.common.access import DEFAULT_ACCESS, load_access
from services.common.convert import timestamp
from services.common.errors import InvalidArgument, field_violations
from services.intake import validation as intake
from services.supervision import validation as supervision
from services.triage import validation as triage
from tests import factories
from tests.conftest import Platform
from tests.strategies import CONTROL, dates, mutated, names, requests
from workflows.policy.loader import load_policy

NZ = ZoneInfo("Pacific/Auckland")
EXTENSION_REASONS = load_policy().case.extension_reasons
IN_PROCESS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
END_TO_END = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


def _today() -> dt.date:
    return dt.datetime.now(NZ).date()


#: Every write RPC: its request type and its validation.
WRITES: dict[str, tuple[type[Message], Callable[[Any], object]]] = {
    "kahu.v1.IntakeService/SubmitReport": (
        intake_pb2.SubmitReportRequest,
        lambda r: intake.validate_submit(r, today=_today()),
    ),
    "kahu.v1.IntakeService/RecordCaseStage": (intake_pb2.RecordCaseStageRequest, intake.validate_stage),
    "kahu.v1.IntakeService/RecordCaseEvents": (intake_pb2.RecordCaseEventsRequest, intake.validate_record),
    "kahu.v1.IntakeService/ResolvePossibleDuplicate": (
        intake_pb2.ResolvePossibleDuplicateRequest,
        intake.validate_resolve_duplicate,
    ),
    "kahu.v1.AssessmentService/RecordAssessment": (
        assessment_pb2.RecordAssessmentRequest,
        assessment.validate_record,
    ),
    "kahu.v1.TriageService/ProposeTriage": (triage_pb2.ProposeTriageRequest, triage.validate_propose),
    "kahu.v1.TriageService/NotifyPolice": (triage_pb2.NotifyPoliceRequest, triage.validate_notify),
    "kahu.v1.TriageService/RecordDecision": (triage_pb2.RecordDecisionRequest, triage.validate_decision),
    "kahu.v1.TriageService/RecordConsent": (triage_pb2.RecordConsentRequest, triage.validate_consent),
    "kahu.v1.AssessmentService/Allocate": (assessment_pb2.AllocateRequest, assessment.validate_allocate),
    "kahu.v1.AssessmentService/RecordFindings": (assessment_pb2.RecordFindingsRequest, assessment.validate_findings),
    "kahu.v1.AssessmentService/CompleteAssessment": (
        assessment_pb2.CompleteAssessmentRequest,
        assessment.validate_complete,
    ),
    "kahu.v1.AssessmentService/RecordChildSeen": (
        assessment_pb2.RecordChildSeenRequest,
        lambda r: assessment.validate_child_seen(r, dt.datetime.now(dt.UTC)),
    ),
    "kahu.v1.SupervisionService/RaiseEscalation": (supervision_pb2.RaiseEscalationRequest, supervision.validate_raise),
    "kahu.v1.SupervisionService/ResolveEscalations": (
        supervision_pb2.ResolveEscalationsRequest,
        supervision.validate_resolve,
    ),
    "kahu.v1.SupervisionService/Acknowledge": (supervision_pb2.AcknowledgeRequest, supervision.validate_acknowledge),
    "kahu.v1.SupervisionService/Reassign": (supervision_pb2.ReassignRequest, supervision.validate_reassign),
    "kahu.v1.SupervisionService/ExtendDeadline": (
        supervision_pb2.ExtendDeadlineRequest,
        lambda r: supervision.validate_extend(r, dt.datetime.now(dt.UTC), EXTENSION_REASONS),
    ),
    "kahu.v1.SupervisionService/DecideApproval": (supervision_pb2.DecideApprovalRequest, supervision.validate_approval),
    "kahu.v1.SupervisionService/RaiseAttention": (
        supervision_pb2.RaiseAttentionRequest,
        supervision.validate_raise_attention,
    ),
    "kahu.v1.SupervisionService/ResolveAttention": (
        supervision_pb2.ResolveAttentionRequest,
        supervision.validate_resolve_attention,
    ),
}
PLATFORM_SERVICES = ("IntakeService", "TriageService", "AssessmentService", "SupervisionService")


def _valid(method: str) -> Message:
    """A request each write RPC's validation accepts (which the draws then spoil)."""
    case_id, key, when = str(uuid.uuid4()), f"prop-{uuid.uuid4()}", dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    due_at = timestamp(when)
    return {
        "kahu.v1.IntakeService/SubmitReport": factories.submit_request(),
        "kahu.v1.IntakeService/RecordCaseStage": intake_pb2.RecordCaseStageRequest(
            case_id=case_id, stage=common_pb2.CASE_STAGE_TRIAGE
        ),
        "kahu.v1.IntakeService/RecordCaseEvents": intake_pb2.RecordCaseEventsRequest(
            case_id=case_id,
            workflow_id=f"case-{case_id}",
            events=[
                intake_pb2.CaseEvent(
                    event_id=f"case-{case_id}:0",
                    entry=common_pb2.TimelineEntry(at=due_at, actor="kahu", action="case.opened", detail="site hutt"),
                )
            ],
            standing=intake_pb2.CaseStanding(version=1, stage=common_pb2.CASE_STAGE_TRIAGE),
        ),
        "kahu.v1.IntakeService/ResolvePossibleDuplicate": intake_pb2.ResolvePossibleDuplicateRequest(
            idempotency_key=key,
            case_id=case_id,
            other_case_id=str(uuid.uuid4()),
            decision=intake_pb2.DUPLICATE_DECISION_LINK,
            reason="The same school and whānau.",
            decided_by="sw.aroha",
        ),
        "kahu.v1.AssessmentService/RecordAssessment": assessment_pb2.RecordAssessmentRequest(
            case_id=case_id,
            site="hutt",
            region="greater-wellington",
            events=[
                intake_pb2.CaseEvent(
                    event_id=f"case-{case_id}-assessment:0",
                    entry=common_pb2.TimelineEntry(at=due_at, actor="kahu", action="assessment.started"),
                )
            ],
            standing=intake_pb2.AssessmentStanding(
                version=2, assessment=common_pb2.Assessment(case_id=case_id, social_worker="sw.tama")
            ),
        ),
        "kahu.v1.TriageService/ProposeTriage": triage_pb2.ProposeTriageRequest(
            case_id=case_id, facts=common_pb2.CaseFacts(concerns=[common_pb2.CONCERN_CATEGORY_NEGLECT])
        ),
        "kahu.v1.TriageService/NotifyPolice": triage_pb2.NotifyPoliceRequest(case_id=case_id, reason="danger"),
        "kahu.v1.TriageService/RecordDecision": triage_pb2.RecordDecisionRequest(
            idempotency_key=key,
            case_id=case_id,
            decided_by="sw.aroha",
            pathway=common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
            timeframe=common_pb2.TIMEFRAME_URGENT,
        ),
        "kahu.v1.TriageService/RecordConsent": triage_pb2.RecordConsentRequest(
            idempotency_key=key, case_id=case_id, recorded_by="sw.aroha", given=True
        ),
        "kahu.v1.AssessmentService/Allocate": assessment_pb2.AllocateRequest(
            idempotency_key=key, case_id=case_id, social_worker="sw.tama", site="hutt", allocated_by="sup.mere"
        ),
        "kahu.v1.AssessmentService/RecordFindings": assessment_pb2.RecordFindingsRequest(
            idempotency_key=key, case_id=case_id, recorded_by="sw.tama", summary="Kōrero with the whānau."
        ),
        "kahu.v1.AssessmentService/CompleteAssessment": assessment_pb2.CompleteAssessmentRequest(
            idempotency_key=key,
            case_id=case_id,
            completed_by="sw.tama",
            outcome=common_pb2.OUTCOME_FAMILY_SUPPORT_PLAN,
            reason="Plan agreed.",
        ),
        "kahu.v1.AssessmentService/RecordChildSeen": assessment_pb2.RecordChildSeenRequest(
            idempotency_key=key,
            case_id=case_id,
            seen_by="sw.tama",
            seen_at=timestamp(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)),
            place="At the whānau's home.",
        ),
        "kahu.v1.SupervisionService/RaiseEscalation": factories.escalation_request(case_id, due_at=when),
        "kahu.v1.SupervisionService/ResolveEscalations": supervision_pb2.ResolveEscalationsRequest(
            case_id=case_id, kind=common_pb2.DEADLINE_KIND_TRIAGE
        ),
        "kahu.v1.SupervisionService/Acknowledge": supervision_pb2.AcknowledgeRequest(
            idempotency_key=key, escalation_id=str(uuid.uuid4()), acknowledged_by="sup.mere"
        ),
        "kahu.v1.SupervisionService/Reassign": supervision_pb2.ReassignRequest(
            idempotency_key=key,
            case_id=case_id,
            social_worker="sw.hemi",
            site="hutt",
            reassigned_by="sup.mere",
            reason="Leave.",
        ),
        "kahu.v1.SupervisionService/ExtendDeadline": supervision_pb2.ExtendDeadlineRequest(
            idempotency_key=key,
            case_id=case_id,
            kind=common_pb2.DEADLINE_KIND_ASSESSMENT,
            due_at=due_at,
            extended_by="sup.mere",
            reason="Records.",
            reason_code="SPECIALIST_ASSESSMENT",
        ),
        "kahu.v1.SupervisionService/DecideApproval": supervision_pb2.DecideApprovalRequest(
            idempotency_key=key, case_id=case_id, approved=True, decided_by="sup.mere", reason="Unsafe."
        ),
        "kahu.v1.SupervisionService/RaiseAttention": supervision_pb2.RaiseAttentionRequest(
            item_key=f"case-{case_id}:1",
            case_id=case_id,
            workflow_id=f"case-{case_id}",
            step="propose_triage",
            reason=supervision_pb2.ATTENTION_REASON_STILL_FAILING,
            error="UNAVAILABLE: triage is down",
            site="hutt",
            region="greater-wellington",
            failing_since=due_at,
        ),
        "kahu.v1.SupervisionService/ResolveAttention": supervision_pb2.ResolveAttentionRequest(
            idempotency_key=key,
            item_id=str(uuid.uuid4()),
            decided_by="sup.mere",
            decision=supervision_pb2.ATTENTION_DECISION_SKIP,
            note="Triage is back.",
        ),
    }[method]


def drawn(method: str) -> st.SearchStrategy[Message]:
    """Requests for `method`: a valid one spoilt in a few fields, or anything at all."""
    cls, _ = WRITES[method]
    return st.one_of(mutated(_valid(method)), mutated(_valid(method)), requests(cls))


def test_every_write_rpc_of_the_platform_is_covered() -> None:
    table = load_access(DEFAULT_ACCESS)
    served = [m for m in table.entries if m.split("/")[0].rpartition(".")[2] in PLATFORM_SERVICES]
    writes = [m for m in served if not m.split("/")[1].startswith(("Get", "List"))]
    assert sorted(writes) == sorted(WRITES)


def _fields_exist(request: Message, violations: list[Any]) -> None:
    top = set(request.DESCRIPTOR.fields_by_name)
    for violation in violations:
        assert violation.field.split(".")[0].split("[")[0] in top, violation.field
        assert violation.description


def check(method: str, request: Message) -> bool:
    """Validate `request` as `method` does: True when accepted; the violations must name
    fields of the request; any other exception fails the test."""
    _, validate = WRITES[method]
    try:
        validate(request)
    except InvalidArgument as error:
        assert error.violations
        _fields_exist(request, error.violations)
        return False
    return True


@pytest.mark.parametrize("method", sorted(WRITES))
def test_validation_accepts_or_names_every_bad_field(method: str) -> None:
    assert check(method, _valid(method))
    outcomes = set()

    @IN_PROCESS
    @given(drawn(method))
    def each(request: Message) -> None:
        outcomes.add(check(method, request))

    each()
    assert outcomes == {True, False}, "the draws should be both accepted and refused"


# -- reports: real names, control characters, dates ------------------------------------------


def _report_with(child_name: str | None = None, dob: common_pb2.Date | None = None) -> intake_pb2.SubmitReportRequest:
    request = factories.submit_request()
    child = request.report.children[0]
    if child_name is not None:
        child.name = child_name
    if dob is not None:
        child.date_of_birth.CopyFrom(dob)
    return request


@IN_PROCESS
@given(names)
def test_real_names_in_any_script_are_accepted(name: str) -> None:
    assert check("kahu.v1.IntakeService/SubmitReport", _report_with(name))


@IN_PROCESS
@given(names, CONTROL, st.integers(0, 200))
def test_control_characters_in_a_name_are_refused(name: str, control: str, at: int) -> None:
    at = min(at, len(name))
    request = _report_with(name[:at] + control + name[at:])
    with pytest.raises(InvalidArgument) as raised:
        intake.validate_submit(request, today=_today())
    assert "report.children[0].name" in [v.field for v in raised.value.violations]


def _partial(dob: common_pb2.Date, day: bool) -> common_pb2.Date:
    """A year alone, or a year and month (`day`): what a reporter may know of a birth."""
    return common_pb2.Date(year=dob.year, month=dob.month if day else 0, day=0)


#: Dates of birth as drawn, and made partial (a year; a year and month).
BIRTHS = st.one_of(dates(), st.builds(_partial, dates(), st.booleans()))


@IN_PROCESS
@given(BIRTHS)
def test_birth_dates_are_between_1900_and_today(dob: common_pb2.Date) -> None:
    """A full date, or a partial one (day 0: a year and month; month and day 0: a year)."""
    today = _today()
    if dob.day == 0 and dob.month == 0:
        valid = 1900 <= dob.year <= today.year
    elif dob.day == 0:
        valid = 1 <= dob.month <= 12 and (1900, 1) <= (dob.year, dob.month) <= (today.year, today.month)
    else:
        try:
            valid = dt.date(1900, 1, 1) <= dt.date(dob.year, dob.month, dob.day) <= today
        except (ValueError, OverflowError):
            valid = False
    accepted = check("kahu.v1.IntakeService/SubmitReport", _report_with(dob=dob))
    assert accepted == valid


#: Fields of a report a draw may spoil, by the path a violation names them with.
REPORT_CHANGES: dict[str, Callable[[common_pb2.Report, Any], None]] = {
    "report.children[0].name": lambda r, v: setattr(r.children[0], "name", v),
    "report.reporter.name": lambda r, v: setattr(r.reporter, "name", v),
    "report.reporter.contact": lambda r, v: setattr(r.reporter, "contact", v),
    "report.children[0].address": lambda r, v: setattr(r.children[0], "address", v),
    "report.children[0].school": lambda r, v: setattr(r.children[0], "school", v),
    "report.household[0].name": lambda r, v: setattr(r.household[0], "name", v),
    "report.incidents[0].description": lambda r, v: setattr(r.incidents[0], "description", v),
    "report.risk_reason": lambda r, v: setattr(r, "risk_reason", v),
    "report.site": lambda r, v: setattr(r, "site", v),
}
#: At most this many children in a report (the API's documented limit).
MAX_CHILDREN = 20


@st.composite
def reports(draw: st.DrawFn) -> tuple[intake_pb2.SubmitReportRequest, set[str]]:
    """A valid report with a few of its fields drawn from anything a caller might send, and
    the paths of the fields the draw touched (any other field is still valid)."""
    request = _report_with(draw(names))
    from tests.strategies import free_text

    touched = set()
    for path in draw(st.lists(st.sampled_from(sorted(REPORT_CHANGES)), max_size=3)):
        REPORT_CHANGES[path](request.report, draw(free_text))
        touched.add(path)
    if draw(st.booleans()):
        request.report.children[0].date_of_birth.CopyFrom(draw(dates()))
        touched.add("report.children[0].date_of_birth")
    if draw(st.booleans()):
        extra = draw(st.integers(0, 25))
        request.report.children.extend([request.report.children[0]] * extra)
        # the copies carry the first child's fields, at their own index
        touched |= {
            path.replace("children[0]", f"children[{i}]")
            for path in touched
            if path.startswith("report.children[0].")
            for i in range(1, extra + 1)
        }
        if extra + 1 > MAX_CHILDREN:
            touched.add("report.children")
    return request, touched


def _violations(method: str, request: Message) -> list[str]:
    """The fields `method`'s validation names (none: the request is accepted)."""
    if check(method, request):
        return []
    _, validate = WRITES[method]
    with pytest.raises(InvalidArgument) as raised:
        validate(request)
    return [v.field for v in raised.value.violations]


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_mostly_valid_reports_are_accepted_or_refused_field_by_field(
    drawn_report: tuple[intake_pb2.SubmitReportRequest, set[str]],
) -> None:
    request, touched = drawn_report
    named = _violations("kahu.v1.IntakeService/SubmitReport", request)
    if not touched:
        assert named == [], "an untouched valid report is accepted"
    # a report too big as a whole is refused as "report"; otherwise each field the draw spoilt
    assert set(named) <= touched | {"report"}, f"refused fields the draw left valid: {set(named) - touched}"
    if "report.children" in touched:
        assert "report.children" in named, "more children than the limit are refused"


# -- end to end ------------------------------------------------------------------------------

#: Where each write records what it wrote, by idempotency key ("nothing half-written").
WRITTEN_BY_KEY = {
    "kahu.v1.IntakeService/SubmitReport": "intake.reports",
    "kahu.v1.IntakeService/ResolvePossibleDuplicate": "intake.actions",
    "kahu.v1.TriageService/RecordDecision": "triage.actions",
    "kahu.v1.TriageService/RecordConsent": "triage.actions",
    "kahu.v1.AssessmentService/Allocate": "assessment.actions",
    "kahu.v1.AssessmentService/RecordFindings": "assessment.actions",
    "kahu.v1.AssessmentService/CompleteAssessment": "assessment.actions",
    "kahu.v1.AssessmentService/RecordChildSeen": "assessment.actions",
    "kahu.v1.SupervisionService/Acknowledge": "supervision.actions",
    "kahu.v1.SupervisionService/Reassign": "supervision.actions",
    "kahu.v1.SupervisionService/ExtendDeadline": "supervision.actions",
    "kahu.v1.SupervisionService/DecideApproval": "supervision.actions",
    "kahu.v1.SupervisionService/ResolveAttention": "supervision.actions",
}
ANSWERS_ABOUT_THE_CASE = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ALREADY_EXISTS,
}


@pytest.fixture(scope="module")
async def known_case(platform: Platform) -> str:
    return str((await platform.intake.SubmitReport(factories.submit_request())).case_id)


async def _written(platform: Platform, table: str, key: str) -> int:
    conn = await asyncpg.connect(platform.database_url)
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table} WHERE idempotency_key = $1", key))
    finally:
        await conn.close()


async def _send(platform: Platform, method: str, request: Message) -> None:
    service, name = method.split("/")
    stub = getattr(platform, service.rpartition(".")[2].removesuffix("Service").lower())
    try:
        await getattr(stub, name)(request, timeout=30)
        code = grpc.StatusCode.OK
    except grpc.aio.AioRpcError as error:
        code = error.code()
        if code == grpc.StatusCode.INVALID_ARGUMENT:
            violations = field_violations(error)
            assert violations, f"{method}: INVALID_ARGUMENT without field details"
            _fields_exist(request, violations)
    assert code in ANSWERS_ABOUT_THE_CASE, f"{method} answered {code.name}"
    table = WRITTEN_BY_KEY.get(method)
    key = getattr(request, "idempotency_key", "")
    if table and key and code == grpc.StatusCode.INVALID_ARGUMENT:
        assert await _written(platform, table, key) == 0, f"{method}: refused input was written"


@pytest.mark.parametrize("method", sorted(WRITES))
@END_TO_END
@given(data=st.data())
async def test_end_to_end_every_answer_is_ok_or_says_what_is_wrong(
    platform: Platform, known_case: str, method: str, data: st.DataObject
) -> None:
    request = data.draw(drawn(method))
    if data.draw(st.booleans()) and "case_id" in request.DESCRIPTOR.fields_by_name:
        request.case_id = known_case  # type: ignore[attr-defined]
    if getattr(request, "idempotency_key", None):
        request.idempotency_key = f"prop-{uuid.uuid4()}"  # type: ignore[attr-defined]
    await _send(platform, method, request)


@END_TO_END
@given(names)
async def test_names_round_trip_byte_for_byte(platform: Platform, name: str) -> None:
    request = _report_with(f"{name} {uuid.uuid4().hex[:6]}")
    await platform.intake.SubmitReport(request)
    conn = await asyncpg.connect(platform.database_url)
    try:
        stored = await conn.fetchval(
            "SELECT report FROM intake.reports WHERE idempotency_key = $1", request.idempotency_key
        )
    finally:
        await conn.close()
    kept = common_pb2.Report.FromString(stored).children[0].name
    sent = request.report.children[0].name
    assert kept.encode("utf-8") == sent.encode("utf-8")  # not normalised, not trimmed
    assert unicodedata.normalize("NFC", kept) == unicodedata.normalize("NFC", sent)


@pytest.mark.parametrize("sneaky", ["\u202e", "\u2066", "\u2028", "\u0007", "\u0000"])
def test_direction_overrides_and_separators_are_refused_in_a_name(sneaky: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        intake.validate_submit(_report_with(f"Mere{sneaky}Tūhoe"), today=_today())
    assert [v.field for v in raised.value.violations] == ["report.children[0].name"]


def test_a_report_is_bounded_in_size() -> None:
    request = _report_with()
    request.report.incidents.extend([request.report.incidents[0]] * 99)
    for incident in request.report.incidents:
        incident.description = "ā" * 9_000
    with pytest.raises(InvalidArgument) as raised:
        intake.validate_submit(request, today=_today())
    assert [v.field for v in raised.value.violations] == ["report"]
