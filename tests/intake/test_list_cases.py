"""ListCases from PostgreSQL: the query built from checked filters (values always arguments),
listing through real gRPC by every filter, newest and most urgent first, keyset pages bound
to their listing; and on 100,000 cases no filter's plan reads the whole table."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

import asyncpg
import grpc
import pytest

from kahu.v1 import common_pb2, intake_pb2
from services.common.authz import UNRESTRICTED, Restriction
from services.common.convert import timestamp
from services.common.db import create_pool, migrate
from services.common.errors import InvalidArgument, field_violations
from services.common.sites import load_sites
from services.intake.generator import generate_cases
from services.intake.listing import CaseFilter, Listing, cases_sql, parse
from services.intake.store import MIGRATIONS
from tests.conftest import Platform
from tests.intake.reports import submit_request
from tests.polling import eventually
from workflows.case.model import Stage
from workflows.policy.model import Timeframe

#: Only this module opens cases at this site, so what is listed there is this module's.
SITE, REGION = "taranaki", "central"
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def test_each_filter_is_one_condition_and_every_value_an_argument() -> None:
    assert cases_sql(parse(intake_pb2.ListCasesRequest()), NOW) == (
        "SELECT * FROM intake.cases ORDER BY received_at DESC, case_id DESC LIMIT $1",
        [51],
    )
    request = intake_pb2.ListCasesRequest(
        site="hutt",
        region="greater-wellington",
        stage=common_pb2.CASE_STAGE_ASSESSMENT,
        timeframe=common_pb2.TIMEFRAME_URGENT,
        min_tier=2,
        overdue_only=True,
        assignee="sw.tama",
        received_from=timestamp(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        received_before=timestamp(dt.datetime(2026, 7, 1, tzinfo=dt.UTC)),
        order=intake_pb2.CASE_ORDER_MOST_URGENT,
        page_size=10,
    )
    scope = Restriction(frozenset({"hutt", "porirua"}), frozenset({"central"}))
    sql, args = cases_sql(parse(request, lambda: scope), NOW)
    assert sql == (
        "SELECT * FROM intake.cases WHERE (site = ANY($1::text[]) OR region = ANY($2::text[]))"
        " AND site = $3 AND region = $4 AND stage = $5 AND timeframe = $6 AND tier >= $7 AND urgent_at <= $8"
        " AND assignee = $9 AND received_at >= $10 AND received_at < $11 ORDER BY urgent_at, case_id LIMIT $12"
    )
    assert args == [
        ["hutt", "porirua"],
        ["central"],
        "hutt",
        "greater-wellington",
        "ASSESSMENT",
        "URGENT",
        2,
        NOW,
        "sw.tama",
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
        11,
    ]
    nothing, _ = cases_sql(Listing(CaseFilter(within=Restriction(frozenset(), frozenset())), 5), NOW)
    assert "WHERE false" in nothing  # a caller scoped to no site and no region sees nothing


@pytest.mark.parametrize(
    ("filters", "fields"),
    [
        ({"site": "hutt' OR site != 'x"}, {"site"}),
        ({"region": "central') OR ('a' = 'a"}, {"region"}),
        ({"stage": cast(Any, 99)}, {"stage"}),
        ({"timeframe": cast(Any, 99)}, {"timeframe"}),
        ({"min_tier": 11}, {"min_tier"}),
        ({"assignee": "sw tama; --"}, {"assignee"}),
        ({"order": cast(Any, 7)}, {"order"}),
        (
            {"received_from": timestamp(NOW), "received_before": timestamp(NOW - dt.timedelta(days=1))},
            {"received_before"},
        ),
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
    for other in (
        intake_pb2.ListCasesRequest(site="hutt", page_size=1, page_token=token),
        intake_pb2.ListCasesRequest(site=SITE, page_size=1, page_token=token, order=intake_pb2.CASE_ORDER_MOST_URGENT),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await platform.intake.ListCases(other)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [v.field for v in field_violations(raised.value)] == ["page_token"]


# -- every filter, on cases arranged in PostgreSQL ----------------------------------------

#: The arranged cases are received in this window, before any case another test opens.
WINDOW = dt.datetime(2001, 3, 1, tzinfo=dt.UTC)


def _at(day: int, hour: int = 0) -> dt.datetime:
    return WINDOW + dt.timedelta(days=day, hours=hour)


#: name: (site, stage, timeframe, due day (None: no running deadline), tier, assignee, received day)
ARRANGED: dict[str, tuple[str, str, str | None, int | None, int, str | None, int]] = {
    "a": ("taranaki", "TRIAGE", None, 40, 0, None, 1),
    "b": ("taranaki", "ASSESSMENT", "URGENT", 12, 2, "sw.kiri", 2),
    "c": ("taranaki", "ASSESSMENT", "CRITICAL", 3, 1, "sw.kiri", 3),
    "d": ("taranaki", "CLOSED", "URGENT", None, 0, "sw.tama", 4),
    "e": ("hutt", "ASSESSMENT", "URGENT", 20, 0, "sw.kiri", 5),
    "f": ("taranaki", "INVESTIGATION", "VERY_URGENT", 7, 3, "sw.tama", 6),
    "g": ("taranaki", "TRIAGE", None, 40000, 0, None, 7),
}


@pytest.fixture(scope="module")
async def arranged(platform: Platform) -> dict[str, str]:
    """The ARRANGED cases, by name to case id, as their workflows would have recorded them."""
    sites = load_sites()
    ids = {name: str(uuid.uuid4()) for name in ARRANGED}
    conn = await asyncpg.connect(platform.database_url)
    try:
        for name, (site, stage, timeframe, due, tier, assignee, received) in ARRANGED.items():
            due_at = _at(due) if due is not None else None
            await conn.execute(
                "INSERT INTO intake.cases (case_id, workflow_id, site, region, stage, concerns, immediate_danger,"
                " child_count, received_at, workflow_started_at, timeframe, deadline_kind, due_at, breached, tier,"
                " assignee, standing_version)"
                " VALUES ($1, $2, $3, $4, $5, $6, false, 1, $7, $7, $8, $9, $10, $11, $12, $13, 1)",
                uuid.UUID(ids[name]),
                f"case-{ids[name]}",
                site,
                sites[site].region,
                stage,
                ["CONCERN_CATEGORY_NEGLECT"],
                _at(received),
                timeframe,
                None if due_at is None else ("TRIAGE" if stage == "TRIAGE" else "ASSESSMENT"),
                due_at,
                tier > 0,
                tier,
                assignee,
            )
    finally:
        await conn.close()
    return ids


async def test_every_filter_newest_and_most_urgent_first_page_by_page(
    platform: Platform, arranged: dict[str, str]
) -> None:
    named = {case_id: name for name, case_id in arranged.items()}
    window = {"received_from": timestamp(WINDOW), "received_before": timestamp(_at(30))}

    async def names(**filters: Any) -> str:
        cases = await _listed(platform, **{**window, **filters})
        return "".join(named[c.case_id] for c in cases)

    assert await names() == "gfedcba"
    assert await names(page_size=2) == "gfedcba"
    assert await names(order=intake_pb2.CASE_ORDER_MOST_URGENT, page_size=2) == "cfbeagd"
    assert await names(site="taranaki") == "gfdcba"
    assert await names(region="central", stage=common_pb2.CASE_STAGE_ASSESSMENT) == "cb"
    assert await names(region="greater-wellington") == "e"
    assert await names(stage=common_pb2.CASE_STAGE_TRIAGE) == "ga"
    assert await names(timeframe=common_pb2.TIMEFRAME_URGENT, page_size=1) == "edb"
    assert await names(min_tier=2, order=intake_pb2.CASE_ORDER_MOST_URGENT) == "fb"
    assert await names(overdue_only=True, order=intake_pb2.CASE_ORDER_MOST_URGENT) == "cfbea"
    assert await names(assignee="sw.kiri") == "ecb"
    assert await names(assignee="sw.tama", stage=common_pb2.CASE_STAGE_CLOSED) == "d"
    assert await names(received_from=timestamp(_at(3)), received_before=timestamp(_at(6))) == "edc"

    f = next(c for c in await _listed(platform, **window, assignee="sw.tama") if c.case_id == arranged["f"])
    assert (f.stage, f.urgency, f.assignee) == (
        common_pb2.CASE_STAGE_INVESTIGATION,
        common_pb2.TIMEFRAME_VERY_URGENT,
        "sw.tama",
    )
    assert (f.deadline.kind, f.deadline.due_at.ToDatetime(tzinfo=dt.UTC), f.deadline.breached, f.deadline.tier) == (
        common_pb2.DEADLINE_KIND_ASSESSMENT,
        _at(7),
        True,
        3,
    )


# -- on 100,000 cases, no filter reads the whole table ----------------------------------------


@pytest.fixture(scope="module")
async def hundred_thousand(postgres_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A database of its own with intake's schema and 100,000 generated cases, analysed."""
    name = f"kahu_listing_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_url)
    await admin.execute(f"CREATE DATABASE {name}")
    pool = await create_pool(postgres_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        await migrate(pool, "intake", MIGRATIONS)
        async with pool.acquire() as conn:
            await generate_cases(conn, 100_000, NOW)
        yield pool
    finally:
        await pool.close()
        await admin.execute(f"DROP DATABASE {name}")
        await admin.close()


def _scans(node: dict[str, Any]) -> list[str]:
    """The node types of a plan, all the way down."""
    return [node["Node Type"], *(found for child in node.get("Plans", []) for found in _scans(child))]


SCOPES = {
    "any": UNRESTRICTED,
    "one site": Restriction(frozenset({"hutt"}), frozenset()),
    "sites and a region": Restriction(frozenset({"hutt", "taranaki"}), frozenset({"central"})),
    "a region": Restriction(frozenset(), frozenset({"greater-wellington"})),
}
FILTERS: dict[str, dict[str, Any]] = {
    "none": {},
    "site": {"site": "hutt"},
    "region": {"region": "greater-wellington"},
    "stage": {"stage": Stage.ASSESSMENT},
    "a rare stage": {"stage": Stage.YOUTH_JUSTICE_CONFERENCE},
    "closed": {"stage": Stage.CLOSED},
    "timeframe": {"timeframe": Timeframe.CRITICAL},
    "tier": {"min_tier": 2},
    "overdue": {"overdue": True},
    "assignee": {"assignee": "sw.17"},
    "opened between": {"received_from": NOW - dt.timedelta(days=30), "received_before": NOW - dt.timedelta(days=20)},
    "site and stage": {"site": "hutt", "stage": Stage.TRIAGE},
    "region and overdue": {"region": "greater-wellington", "overdue": True},
    "site and tier": {"site": "hutt", "min_tier": 1},
    "assignee and timeframe": {"assignee": "sw.17", "timeframe": Timeframe.URGENT},
    "site, opened between": {
        "site": "hutt",
        "received_from": NOW - dt.timedelta(days=300),
        "received_before": NOW - dt.timedelta(days=200),
    },
    "every filter": {
        "site": "hutt",
        "region": "greater-wellington",
        "stage": Stage.ASSESSMENT,
        "timeframe": Timeframe.URGENT,
        "min_tier": 1,
        "overdue": True,
        "assignee": "sw.17",
    },
}


async def test_no_filter_reads_the_whole_table_of_100000_cases(hundred_thousand: asyncpg.Pool) -> None:
    assert await hundred_thousand.fetchval("SELECT count(*) FROM intake.cases") == 100_000
    reads_the_table = []
    plans = 0
    for (scope, within), (named, filters), urgent, page in itertools.product(
        SCOPES.items(), FILTERS.items(), (False, True), (1, 2)
    ):
        after = None
        if page == 2:  # a later page: after the keyset position of a page's last case
            after = (NOW if urgent else NOW - dt.timedelta(days=100), str(uuid.UUID(int=0)))
        sql, args = cases_sql(Listing(CaseFilter(**filters, urgent=urgent, within=within), 50, after), NOW)
        plan = json.loads(await hundred_thousand.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args))
        plans += 1
        if "Seq Scan" in _scans(plan[0]["Plan"]):
            reads_the_table.append((scope, named, "most urgent" if urgent else "newest", page))
    assert plans == 4 * 17 * 2 * 2
    assert reads_the_table == []
