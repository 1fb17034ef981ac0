"""What a reporter is told: an agency's system follows the case its report opened, and for
a report that joined an open case gets a receipt only, never that case nor that it exists;
staff allowed to see the case see both."""

from __future__ import annotations

import grpc
import pytest

from kahu.v1 import common_pb2, intake_pb2
from services.common.identity import Principal
from tests.conftest import Platform
from tests.intake.reports import submit_request
from tests.polling import eventually


def _reporter(agency: str) -> Principal:
    return Principal(subject=f"system.{agency.lower()}", roles=frozenset({"agency_reporter"}), agency=agency)


async def test_a_further_report_tells_its_agency_nothing_of_the_case_it_joined(platform: Platform) -> None:
    first = submit_request()
    first.report.reporter.agency = common_pb2.AGENCY_EDUCATION
    school = (await platform.as_(_reporter("AGENCY_EDUCATION"))).intake
    opened = await school.SubmitReport(first)
    assert opened.case_id and opened.report_id and not opened.additional_information  # its own case: it may follow it

    second = intake_pb2.SubmitReportRequest(idempotency_key=f"{first.idempotency_key}-health", report=first.report)
    second.report.reporter.agency = common_pb2.AGENCY_HEALTH_NZ
    health = (await platform.as_(_reporter("AGENCY_HEALTH_NZ"))).intake
    receipt = await health.SubmitReport(second)
    assert receipt.report_id and receipt.report_id != opened.report_id
    assert receipt == intake_pb2.SubmitReportResponse(report_id=receipt.report_id)  # a receipt, nothing more
    again = await health.SubmitReport(second)
    assert again == intake_pb2.SubmitReportResponse(report_id=receipt.report_id, replayed=True)

    # staff see that it joined the open case
    async def joined() -> intake_pb2.GetCaseResponse | None:
        found = await platform.intake.GetCase(intake_pb2.GetCaseRequest(case_id=opened.case_id))
        return found if len(found.reports) == 2 else None

    assert [r.report_id for r in (await eventually(joined)).reports] == [opened.report_id, receipt.report_id]
    # the joining agency cannot read the case; the one whose report opened it can
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await health.GetCase(intake_pb2.GetCaseRequest(case_id=opened.case_id))
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert (await school.GetCase(intake_pb2.GetCaseRequest(case_id=opened.case_id))).case.case_id == opened.case_id
