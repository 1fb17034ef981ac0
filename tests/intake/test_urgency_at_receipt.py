"""Urgency from receipt: a report of a child in immediate danger, or one the child safety hub
takes (a sole parent or carer remanded or sentenced: the concern "carer entering custody",
whoever reports it), makes its case urgent and gives it a short triage deadline the moment
it is received, counted from receipt, before anyone triages it; an ordinary report gets the
ordinary deadline and no urgency."""

from __future__ import annotations

import datetime as dt

import pytest

from kahu.v1 import common_pb2, intake_pb2
from services.common.convert import from_timestamp
from tests.conftest import Platform
from tests.intake.reports import get_case, open_case, submit_request
from tests.polling import eventually
from workflows.policy.loader import load_policy

CASE = load_policy().case


def _report(*, danger: bool = False, custody: bool = False) -> intake_pb2.SubmitReportRequest:
    request = submit_request()
    request.report.immediate_danger = danger
    request.report.reporter.kind = common_pb2.REPORTER_KIND_AGENCY
    request.report.reporter.agency = common_pb2.AGENCY_POLICE  # not the hub: what the report says counts
    del request.report.concerns[:]
    request.report.concerns.append(
        common_pb2.CONCERN_CATEGORY_CARER_ENTERING_CUSTODY if custody else common_pb2.CONCERN_CATEGORY_NEGLECT
    )
    return request


@pytest.mark.parametrize(
    ("danger", "custody", "urgency", "span"),
    [
        (True, False, common_pb2.TIMEFRAME_CRITICAL, CASE.immediate_danger_triage_deadline),
        (False, True, common_pb2.TIMEFRAME_VERY_URGENT, CASE.child_safety_hub_triage_deadline),
        (True, True, common_pb2.TIMEFRAME_CRITICAL, CASE.immediate_danger_triage_deadline),
        (False, False, common_pb2.TIMEFRAME_UNSPECIFIED, CASE.triage_deadline),
    ],
)
async def test_urgency_and_the_triage_deadline_are_set_at_receipt(
    platform: Platform, danger: bool, custody: bool, urgency: int, span: object
) -> None:
    assert span is not None and hasattr(span, "seconds")
    response = await platform.intake.SubmitReport(_report(danger=danger, custody=custody))
    at_receipt = (await get_case(platform, response.case_id)).case  # as intake wrote it, workflow or not
    assert at_receipt.urgency == urgency
    received = from_timestamp(at_receipt.received_at)
    assert from_timestamp(at_receipt.deadline.due_at) == received + dt.timedelta(seconds=span.seconds)
    assert at_receipt.deadline.kind == common_pb2.DEADLINE_KIND_TRIAGE

    triaged = (await open_case(platform, _report(danger=danger, custody=custody))).case  # once the workflow recorded
    assert triaged.urgency == urgency  # kept until a decision sets the timeframe
    assert from_timestamp(triaged.deadline.due_at) == from_timestamp(triaged.received_at) + dt.timedelta(
        seconds=span.seconds
    )


async def test_an_urgent_report_is_listed_before_older_ordinary_ones(platform: Platform) -> None:
    ordinary = submit_request()
    ordinary.report.site = "waitaki"
    urgent = _report(danger=True)
    urgent.report.site = "waitaki"
    first = (await platform.intake.SubmitReport(ordinary)).case_id
    second = (await platform.intake.SubmitReport(urgent)).case_id
    listed = await platform.intake.ListCases(
        intake_pb2.ListCasesRequest(site="waitaki", order=intake_pb2.CASE_ORDER_MOST_URGENT, page_size=500)
    )
    ids = [c.case_id for c in listed.cases]
    assert ids.index(second) < ids.index(first)


async def test_a_further_report_of_immediate_danger_makes_the_case_critical_on_the_record(platform: Platform) -> None:
    first = submit_request()
    opened = await open_case(platform, first)
    assert opened.case.urgency == common_pb2.TIMEFRAME_UNSPECIFIED  # an ordinary report: no urgency yet
    further = intake_pb2.SubmitReportRequest(idempotency_key=f"{first.idempotency_key}-police", report=first.report)
    further.report.reporter.agency = common_pb2.AGENCY_POLICE  # a new notifier, the same concern
    further.report.immediate_danger = True
    joined = await platform.intake.SubmitReport(further)
    assert joined.case_id == opened.case.case_id and joined.additional_information

    async def critical() -> intake_pb2.Case | None:
        case = (await get_case(platform, opened.case.case_id)).case
        return case if case.urgency == common_pb2.TIMEFRAME_CRITICAL else None

    case = await eventually(critical)  # before anyone decides: listings show it critical
    assert not (await get_case(platform, case.case_id)).HasField("decision")
    hour = dt.timedelta(seconds=CASE.immediate_danger_triage_deadline.seconds)  # type: ignore[union-attr]
    assert from_timestamp(case.deadline.due_at) <= dt.datetime.now(dt.UTC) + hour
