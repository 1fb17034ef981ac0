"""SubmitReport and GetCase through real gRPC, PostgreSQL and Temporal."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any, cast

import asyncpg
import grpc
import pytest
from temporalio.client import WorkflowExecutionStatus

from kahu.v1 import common_pb2, intake_pb2
from services.common.errors import field_violations
from services.common.identity import Principal
from tests.conftest import Platform
from tests.intake.reports import case_workflows_started_since, now, submit_request
from tests.polling import WORKFLOW_NOT_STARTED, answered, eventually
from workflows import search_attributes as sa
from workflows.case.model import workflow_id


async def _counts(platform: Platform) -> tuple[int, int]:
    """(reports, cases) as intake's database has them."""
    conn = await asyncpg.connect(platform.database_url)
    try:
        reports = await conn.fetchval("SELECT count(*) FROM intake.reports")
        cases = await conn.fetchval("SELECT count(*) FROM intake.cases")
    finally:
        await conn.close()
    return reports, cases


async def _stage(platform: Platform, case_id: str) -> int:
    response = await platform.intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id))
    return response.case.stage


async def test_submitted_report_opens_a_case_in_triage(platform: Platform) -> None:
    request = submit_request()
    response = await platform.intake.SubmitReport(request)

    assert not response.replayed
    uuid.UUID(response.case_id)
    await eventually(lambda: _is_stage(platform, response.case_id, common_pb2.CASE_STAGE_TRIAGE))
    case = (await platform.intake.GetCase(intake_pb2.GetCaseRequest(case_id=response.case_id))).case
    assert (case.site, case.region, case.child_count) == ("hutt", "greater-wellington", 1)
    assert list(case.concerns) == [common_pb2.CONCERN_CATEGORY_NEGLECT]
    assert case.workflow_id == workflow_id(response.case_id)

    handle = platform.temporal.get_workflow_handle(case.workflow_id)
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    attributes = description.typed_search_attributes
    assert attributes.get(sa.SITE) == "hutt"
    assert attributes.get(sa.REGION) == "greater-wellington"
    assert attributes.get(sa.STAGE) == "TRIAGE"

    conn = await asyncpg.connect(platform.database_url)
    try:
        stored = await conn.fetchval(
            "SELECT report FROM intake.reports WHERE report_id = $1", uuid.UUID(response.report_id)
        )
        recorded_stage = await conn.fetchval(
            "SELECT stage FROM intake.cases WHERE case_id = $1", uuid.UUID(response.case_id)
        )
    finally:
        await conn.close()
    assert common_pb2.Report.FromString(stored) == request.report
    assert common_pb2.Report.FromString(stored).children[0].name.startswith("Āniwaniwa")
    assert recorded_stage == "TRIAGE"


async def _is_stage(platform: Platform, case_id: str, stage: int) -> bool:
    return await _stage(platform, case_id) == stage


async def test_concurrent_retries_return_one_case(platform: Platform) -> None:
    since, before = now(), await _counts(platform)
    request = submit_request()
    responses = await asyncio.gather(*(platform.intake.SubmitReport(request) for _ in range(12)))

    assert len({r.case_id for r in responses}) == 1
    assert len({r.report_id for r in responses}) == 1
    assert sum(not r.replayed for r in responses) == 1
    assert await _counts(platform) == (before[0] + 1, before[1] + 1)
    handle = platform.temporal.get_workflow_handle(workflow_id(responses[0].case_id))
    assert (await answered(handle.describe, not_yet=WORKFLOW_NOT_STARTED)).id == handle.id
    assert await case_workflows_started_since(platform, since) == 1
    again = await platform.intake.SubmitReport(request)
    assert (again.case_id, again.replayed) == (responses[0].case_id, True)


async def test_reused_key_with_a_different_report_is_refused(platform: Platform) -> None:
    first = submit_request()
    await platform.intake.SubmitReport(first)
    since, before = now(), await _counts(platform)
    different = intake_pb2.SubmitReportRequest()
    different.CopyFrom(first)
    different.report.risk_reason = "Something else entirely."

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.intake.SubmitReport(different)

    assert raised.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert await _counts(platform) == before
    assert await case_workflows_started_since(platform, since) == 0


def _mutation(path: str, change: Callable[[intake_pb2.SubmitReportRequest], None]) -> object:
    return pytest.param(change, path, id=path)


def _set_dob(year: int, month: int, day: int) -> Callable[[intake_pb2.SubmitReportRequest], None]:
    def change(r: intake_pb2.SubmitReportRequest) -> None:
        r.report.children[0].date_of_birth.CopyFrom(common_pb2.Date(year=year, month=month, day=day))

    return change


BAD_INPUT = [
    _mutation("idempotency_key", lambda r: setattr(r, "idempotency_key", "short")),
    _mutation("report", lambda r: r.ClearField("report")),
    _mutation("report.reporter", lambda r: r.report.ClearField("reporter")),
    _mutation("report.reporter.kind", lambda r: setattr(r.report.reporter, "kind", 0)),
    _mutation("report.reporter.agency", lambda r: setattr(r.report.reporter, "agency", 0)),
    _mutation("report.reporter.name", lambda r: setattr(r.report.reporter, "anonymous", True)),
    _mutation("report.site", lambda r: setattr(r.report, "site", "atlantis")),
    _mutation("report.children", lambda r: r.report.ClearField("children")),
    _mutation("report.children[0].name", lambda r: setattr(r.report.children[0], "name", "")),
    _mutation("report.children[0].name", lambda r: setattr(r.report.children[0], "name", "Ana\x00")),
    _mutation("report.children[0].name", lambda r: setattr(r.report.children[0], "name", "a" * 201)),
    _mutation("report.children[0].date_of_birth", _set_dob(2099, 1, 1)),
    _mutation("report.children[0].date_of_birth", _set_dob(1899, 12, 31)),
    _mutation("report.children[0].date_of_birth", _set_dob(2020, 2, 30)),
    _mutation("report.children[0].date_of_birth", lambda r: r.report.children[0].ClearField("date_of_birth")),
    _mutation("report.children[0].age_years", lambda r: setattr(r.report.children[0], "age_years", 40)),
    _mutation("report.children[0].region", lambda r: setattr(r.report.children[0], "region", "mordor")),
    _mutation("report.concerns", lambda r: r.report.ClearField("concerns")),
    _mutation("report.concerns[0]", lambda r: r.report.concerns.__setitem__(0, cast(Any, 99))),
    _mutation("report.incidents[0].occurred_on", lambda r: r.report.incidents[0].ClearField("occurred_on")),
    _mutation("report.incidents[0].description", lambda r: setattr(r.report.incidents[0], "description", " ")),
    _mutation("report.risk_reason", lambda r: setattr(r.report, "risk_reason", "")),
    _mutation("report.household[0].name", lambda r: setattr(r.report.household[0], "name", "Bell\x07")),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUT)
async def test_bad_input_names_the_field_and_changes_nothing(
    platform: Platform, change: Callable[[intake_pb2.SubmitReportRequest], None], field: str
) -> None:
    request = submit_request()
    change(request)
    since, before = now(), await _counts(platform)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.intake.SubmitReport(request)

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in {v.field for v in field_violations(raised.value)}
    assert await _counts(platform) == before
    assert await case_workflows_started_since(platform, since) == 0


async def test_every_violation_is_reported_at_once(platform: Platform) -> None:
    request = submit_request()
    request.report.site = ""
    request.report.risk_reason = ""
    request.report.children[0].name = ""

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.intake.SubmitReport(request)

    assert {v.field for v in field_violations(raised.value)} >= {
        "report.site",
        "report.risk_reason",
        "report.children[0].name",
    }


async def test_get_case_errors(platform: Platform) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.intake.GetCase(intake_pb2.GetCaseRequest(case_id="not-a-uuid"))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(raised.value)] == ["case_id"]

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.intake.GetCase(intake_pb2.GetCaseRequest(case_id=str(uuid.uuid4())))
    # staff scoped to sites cannot tell a missing case from one outside their sites ...
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert raised.value.details() == "not permitted for this case"
    # ... a caller whose scope is every case (ops) can
    ops = await platform.as_(Principal(subject="ops.tui", roles=frozenset({"ops"})))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await ops.intake.GetCase(intake_pb2.GetCaseRequest(case_id=str(uuid.uuid4())))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
