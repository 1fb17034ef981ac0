"""ListCases: the visibility query built from checked filters, and listing through real
gRPC and the Temporal dev server's visibility."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import grpc
import pytest

from kahu.v1 import common_pb2, intake_pb2
from services.common.errors import InvalidArgument, Violations, field_violations
from services.intake.listing import cases_query, parse
from tests.conftest import Platform
from tests.intake.reports import submit_request
from tests.polling import eventually

#: Only this module opens cases at this site, so what is listed there is this module's.
SITE, REGION = "taranaki", "central"


def _query(**filters: Any) -> str:
    v = Violations()
    query = cases_query(intake_pb2.ListCasesRequest(**filters), v)
    v.raise_if_any()
    return query


def test_every_filter_becomes_one_clause() -> None:
    assert _query() == "WorkflowType = 'CaseWorkflow'"
    assert _query(site="hutt", stage=common_pb2.CASE_STAGE_ASSESSMENT, min_tier=2, overdue_only=True) == (
        "WorkflowType = 'CaseWorkflow' AND KahuSite = 'hutt' AND KahuStage = 'ASSESSMENT'"
        " AND KahuEscalationTier >= 2 AND KahuBreached = true"
    )
    assert _query(region="greater-wellington") == "WorkflowType = 'CaseWorkflow' AND KahuRegion = 'greater-wellington'"


@pytest.mark.parametrize(
    ("filters", "fields"),
    [
        ({"site": "hutt' OR KahuSite != 'x"}, {"site"}),
        ({"region": "central') OR ('a' = 'a"}, {"region"}),
        ({"stage": cast(Any, 99)}, {"stage"}),
        ({"min_tier": 11}, {"min_tier"}),
        ({"page_size": 501}, {"page_size"}),
        ({"page_token": "%%%"}, {"page_token"}),
    ],
)
def test_unknown_values_are_refused_not_interpolated(filters: dict[str, Any], fields: set[str]) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse(intake_pb2.ListCasesRequest(**filters))
    assert {v.field for v in raised.value.violations} == fields


async def _listed(platform: Platform, **filters: Any) -> list[intake_pb2.Case]:
    """Every page of the listing, in order."""
    cases: list[intake_pb2.Case] = []
    token = ""
    while True:
        page = await platform.intake.ListCases(intake_pb2.ListCasesRequest(page_token=token, **filters))
        cases.extend(page.cases)
        token = page.next_page_token
        if not token:
            return cases


async def test_cases_are_listed_by_site_region_and_stage_across_pages(platform: Platform) -> None:
    requests = [submit_request() for _ in range(3)]
    for request in requests:
        request.report.site = SITE
    opened = {r.case_id for r in await asyncio.gather(*(platform.intake.SubmitReport(r) for r in requests))}

    async def all_in_triage() -> list[intake_pb2.Case]:
        cases = await _listed(platform, site=SITE, stage=common_pb2.CASE_STAGE_TRIAGE)
        timed = {c.case_id for c in cases if c.deadline.kind == common_pb2.DEADLINE_KIND_TRIAGE}
        return cases if opened <= timed else []

    in_triage = await eventually(all_in_triage)
    mine = [c for c in in_triage if c.case_id in opened]
    assert {(c.site, c.region, c.stage, c.child_count) for c in mine} == {
        (SITE, REGION, common_pb2.CASE_STAGE_TRIAGE, 1)
    }
    assert all(list(c.concerns) == [common_pb2.CONCERN_CATEGORY_NEGLECT] for c in mine)
    assert all(c.workflow_id == f"case-{c.case_id}" and c.received_at.seconds for c in mine)
    assert not any(c.deadline.breached or c.deadline.tier for c in mine)

    paged = await _listed(platform, site=SITE, page_size=1)
    assert len(paged) == len({c.case_id for c in paged})
    assert opened <= {c.case_id for c in paged}
    assert opened <= {c.case_id for c in await _listed(platform, region=REGION)}
    assert not opened & {c.case_id for c in await _listed(platform, site="hutt")}
    assert not opened & {c.case_id for c in await _listed(platform, site=SITE, overdue_only=True)}
    assert not opened & {c.case_id for c in await _listed(platform, site=SITE, min_tier=1)}
    assert not opened & {c.case_id for c in await _listed(platform, site=SITE, stage=common_pb2.CASE_STAGE_CLOSED)}


async def test_a_page_token_only_continues_its_own_listing(platform: Platform) -> None:
    requests = [submit_request() for _ in range(2)]
    for request in requests:
        request.report.site = SITE
    await asyncio.gather(*(platform.intake.SubmitReport(r) for r in requests))

    async def first_page() -> intake_pb2.ListCasesResponse | None:
        page = await platform.intake.ListCases(intake_pb2.ListCasesRequest(site=SITE, page_size=1))
        return page if page.next_page_token else None

    token = (await eventually(first_page)).next_page_token
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.intake.ListCases(intake_pb2.ListCasesRequest(site="hutt", page_size=1, page_token=token))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(raised.value)] == ["page_token"]
