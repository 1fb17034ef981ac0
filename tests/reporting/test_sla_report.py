"""ReportingService's SLA figures on a seeded month of cases (March 2025, rows and events
written into intake's tables as their owner, as the case workflows record them), each
checked against counts made here, independently, in SQL and from the seed itself; the same
figures as CSV and as gauges; and each caller sees only its own sites or region."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import random
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import grpc
import pytest

from kahu.v1 import common_pb2, reporting_pb2
from services.common.convert import PATHWAY, TIMEFRAME, timestamp
from services.common.errors import field_violations
from services.common.identity import Principal
from services.intake.reporting import ReportingServicer
from tests.conftest import METRICS, Platform
from tests.tokens import staff

START = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
SITES = {"hutt": "greater-wellington", "wellington": "greater-wellington", "canterbury": "canterbury"}
SPANS = {"CRITICAL": dt.timedelta(hours=24), "VERY_URGENT": dt.timedelta(hours=48), "URGENT": dt.timedelta(days=14)}
HOUR = dt.timedelta(hours=1)


@dataclass
class SeededCase:
    case_id: uuid.UUID
    site: str
    timeframe: str | None
    received_at: dt.datetime
    events: list[tuple[dt.datetime, str, str]] = field(default_factory=list)
    reports: list[dt.datetime] = field(default_factory=list)
    children: list[bytes] = field(default_factory=list)


def _child(n: int) -> bytes:
    return hashlib.sha256(f"sla-report-child-{n}".encode()).digest()


def _seed() -> list[SeededCase]:
    """60 cases around March 2025: some received just before or after it, further reports,
    decisions (some made twice, after triage reopened), response deadlines met, late or
    missed, and escalations of each tier."""
    rng = random.Random(16_10)
    cases = []
    for i in range(60):
        site = list(SITES)[i % 3]
        received = START + dt.timedelta(minutes=rng.randrange(-3 * 24 * 60, 33 * 24 * 60))
        timeframe = rng.choice(["CRITICAL", "VERY_URGENT", "URGENT", None])
        case = SeededCase(uuid.uuid4(), site, timeframe, received)
        case.children = [_child(rng.randrange(25)) for _ in range(rng.choice([1, 1, 2]))]
        case.reports = [received]
        if rng.random() < 0.3:
            case.reports.append(received + dt.timedelta(hours=rng.randrange(1, 120)))
        decided = received + dt.timedelta(minutes=rng.randrange(20, 30 * 60))
        if timeframe is None:
            if rng.random() < 0.5:
                case.events.append((decided, "triage.decided", "NO_FURTHER_ACTION : no concerns"))
            else:
                case.events.append((received + 24 * HOUR, "escalation.raised", "TRIAGE tier 1 to supervisor"))
            cases.append(case)
            continue
        pathway = rng.choice(["CHILD_AND_FAMILY_ASSESSMENT", "JOINT_INVESTIGATION"])
        if rng.random() < 0.1:  # decided, reopened, decided again: the first is the first action
            case.events.append(
                (
                    decided - 10 * 60 * dt.timedelta(seconds=1),
                    "triage.decided",
                    "REFER_COMMUNITY_PARTNER : consent sought",
                )
            )
        case.events.append((decided, "triage.decided", f"{pathway} {timeframe}: as proposed"))
        due = decided + SPANS[timeframe]
        case.events.append((decided + dt.timedelta(seconds=1), "timer.started", f"ASSESSMENT due {due}"))
        if rng.random() < 0.25:  # a further report brought the deadline forward: seen by then, or not within
            sooner = decided + SPANS[timeframe] / 2
            brought = f"ASSESSMENT due {due.isoformat()} -> {sooner.isoformat()}: a further report"
            case.events.append((decided + dt.timedelta(minutes=10), "deadline.shortened", brought))
        outcome = rng.choice(["in time", "late", "unseen", "recorded late"])
        seen_at = {
            "in time": decided + SPANS[timeframe] * rng.random(),
            "late": due + 5 * HOUR,
            "recorded late": due - HOUR,
            "unseen": None,
        }[outcome]
        if seen_at is not None:
            recorded = seen_at + (3 * HOUR if outcome == "recorded late" else dt.timedelta(minutes=5))
            case.events.append((recorded, "child.seen", f"{seen_at.isoformat()} at the child's school"))
        cleared = seen_at if seen_at is not None and seen_at > due else None
        for tier, after in ((1, dt.timedelta()), (2, HOUR), (3, 3 * HOUR)):
            if outcome == "in time" or (cleared is not None and due + after > cleared):
                break
            if outcome == "recorded late" and due + after > seen_at + 3 * HOUR:  # type: ignore[operator]
                break
            case.events.append((due + after, "escalation.raised", f"ASSESSMENT tier {tier} to role-{tier}"))
        case.events.append((due, "escalation.raised", "CONVENING warning to mgr"))  # no tier: not a breach
        cases.append(case)
    return cases


async def _insert(conn: asyncpg.Connection, cases: list[SeededCase]) -> None:
    for case in cases:
        await conn.execute(
            "INSERT INTO intake.cases (case_id, workflow_id, site, region, stage, concerns, immediate_danger,"
            " child_count, received_at, workflow_started_at, timeframe, child_keys, match_scheme)"
            " VALUES ($1, $2, $3, $4, 'CLOSED', '{}', false, $5, $6, $6, $7, $8, 2)",
            case.case_id,
            f"case-{case.case_id}",
            case.site,
            SITES[case.site],
            len(case.children),
            case.received_at,
            case.timeframe,
            case.children,
        )
        for n, received in enumerate(case.reports):
            await conn.execute(
                "INSERT INTO intake.reports (report_id, case_id, idempotency_key, request_digest, report,"
                " received_at, additional, delivered_at) VALUES ($1, $2, $3, '\\x00', '\\x00', $4, $5, $4)",
                uuid.uuid4(),
                case.case_id,
                f"sla-{case.case_id}-{n}",
                received,
                n > 0,
            )
        for seq, (at, action, detail) in enumerate(sorted(case.events)):
            await conn.execute(
                "INSERT INTO intake.case_events (event_id, case_id, workflow_id, seq, at, actor, action, detail)"
                " VALUES ($1, $2, $3, $4, $5, 'kahu', $6, $7)",
                f"case-{case.case_id}:{seq}",
                case.case_id,
                f"case-{case.case_id}",
                seq,
                at,
                action,
                detail,
            )


@pytest.fixture(scope="module")
async def seeded(platform: Platform) -> AsyncIterator[list[SeededCase]]:
    cases = _seed()
    conn = await asyncpg.connect(platform.database_url)
    try:
        await _insert(conn, cases)
    finally:
        await conn.close()
    yield cases


Group = tuple[str, str]  # site, timeframe ("" for none)


async def _expected(platform: Platform, cases: list[SeededCase]) -> dict[str, dict[Group, Any]]:
    """Every figure, by (site, timeframe), counted here in SQL over the seeded cases only."""
    ids = [c.case_id for c in cases]
    conn = await asyncpg.connect(platform.database_url)
    try:
        q = {
            "reports": """SELECT c.site, coalesce(c.timeframe, '') tf, count(r.report_id) n
                FROM intake.cases c JOIN intake.reports r ON r.case_id = c.case_id
                WHERE c.case_id = ANY($1) AND r.received_at >= $2 AND r.received_at < $3 GROUP BY 1, 2""",
            "children": """SELECT c.site, coalesce(c.timeframe, '') tf, count(DISTINCT k.key) n
                FROM intake.cases c CROSS JOIN LATERAL unnest(c.child_keys) AS k(key)
                WHERE c.case_id = ANY($1) AND c.case_id IN (SELECT case_id FROM intake.reports
                    WHERE received_at >= $2 AND received_at < $3) GROUP BY 1, 2""",
            "decisions": """SELECT c.site, coalesce(c.timeframe, '') tf, substring(e.detail FROM '^(\\S+)') p,
                    count(*) n
                FROM intake.case_events e JOIN intake.cases c ON c.case_id = e.case_id
                WHERE c.case_id = ANY($1) AND e.action = 'triage.decided' AND e.at >= $2 AND e.at < $3
                GROUP BY 1, 2, 3""",
            "breaches": """SELECT c.site, coalesce(c.timeframe, '') tf,
                    split_part(split_part(e.detail, ' tier ', 2), ' ', 1)::int t, count(*) n
                FROM intake.case_events e JOIN intake.cases c ON c.case_id = e.case_id
                WHERE c.case_id = ANY($1) AND e.action = 'escalation.raised' AND e.detail LIKE '% tier %'
                    AND e.at >= $2 AND e.at < $3 GROUP BY 1, 2, 3""",
            "first": """SELECT site, tf, count(*) n, avg(secs) mean,
                    percentile_disc(0.5) WITHIN GROUP (ORDER BY secs) lo,
                    percentile_disc(0.5) WITHIN GROUP (ORDER BY secs DESC) hi
                FROM (SELECT DISTINCT ON (c.case_id) c.site, coalesce(c.timeframe, '') tf, e.at,
                        extract(epoch FROM e.at - c.received_at)::float8 secs
                      FROM intake.cases c JOIN intake.case_events e ON e.case_id = c.case_id
                      WHERE c.case_id = ANY($1) AND e.action = 'triage.decided'
                      ORDER BY c.case_id, e.at) f
                WHERE at >= $2 AND at < $3 GROUP BY 1, 2""",
            "seen": """SELECT site, tf, count(*) n, count(*) FILTER (WHERE seen <= due) AS within,
                    count(*) FILTER (WHERE seen IS NULL AND due > now()) AS awaiting
                FROM (SELECT c.site, c.timeframe tf, started.at set_at,
                        LEAST(replace(started.detail, 'ASSESSMENT due ', '')::timestamptz,
                              shortened.due) due,
                        split_part(seen.detail, ' at ', 1)::timestamptz seen
                      FROM intake.cases c
                      JOIN LATERAL (SELECT * FROM intake.case_events e WHERE e.case_id = c.case_id
                          AND e.action = 'timer.started' AND e.detail LIKE 'ASSESSMENT due %'
                          ORDER BY e.at LIMIT 1) started ON true
                      LEFT JOIN LATERAL (SELECT * FROM intake.case_events e WHERE e.case_id = c.case_id
                          AND e.action = 'child.seen' ORDER BY e.at LIMIT 1) seen ON true
                      LEFT JOIN LATERAL (SELECT min(split_part(split_part(e.detail, ' -> ', 2), ': ', 1)
                                                    ::timestamptz) due
                          FROM intake.case_events e WHERE e.case_id = c.case_id
                          AND e.action = 'deadline.shortened') shortened ON true
                      WHERE c.case_id = ANY($1) AND c.timeframe IN ('CRITICAL', 'VERY_URGENT')) s
                WHERE set_at >= $2 AND set_at < $3 GROUP BY 1, 2""",
        }
        found: dict[str, dict[Group, Any]] = {}
        for name, sql in q.items():
            rows = await conn.fetch(sql, ids, START, END)
            found[name] = defaultdict(dict) if name in ("decisions", "breaches") else {}
            for row in rows:
                group = (row["site"], row["tf"])
                if name == "decisions":
                    found[name][group][row["p"]] = row["n"]
                elif name == "breaches":
                    found[name][group][row["t"]] = row["n"]
                elif name == "first":
                    found[name][group] = (row["n"], row["mean"], (row["lo"] + row["hi"]) / 2)
                elif name == "seen":
                    found[name][group] = (row["n"], row["within"], row["awaiting"])
                else:
                    found[name][group] = row["n"]
        found["total_children"] = {
            ("", ""): await conn.fetchval(
                """SELECT count(DISTINCT key) FROM intake.cases c, unnest(c.child_keys) key
                   WHERE c.case_id = ANY($1) AND EXISTS (SELECT 1 FROM intake.reports r
                   WHERE r.case_id = c.case_id AND r.received_at >= $2 AND r.received_at < $3)""",
                ids,
                START,
                END,
            )
        }
    finally:
        await conn.close()
    return found


def _request(**fields: object) -> reporting_pb2.GetSlaReportRequest:
    return reporting_pb2.GetSlaReportRequest(period_start=timestamp(START), period_end=timestamp(END), **fields)  # type: ignore[arg-type]


def _group(row: reporting_pb2.SlaFigures) -> Group:
    timeframe = TIMEFRAME.from_proto(row.timeframe)
    return (row.site, timeframe.value if timeframe else "")


OPS = Principal(subject="ops.sla", roles=frozenset({"ops"}))


async def test_every_figure_matches_counts_made_in_sql(platform: Platform, seeded: list[SeededCase]) -> None:
    stubs = await platform.as_(OPS)
    assert stubs.reporting is not None
    report = await stubs.reporting.GetSlaReport(_request())
    expected = await _expected(platform, seeded)
    rows = {_group(row): row for row in report.rows}

    groups = {(c.site, c.timeframe or "") for c in seeded}
    assert set(rows) <= groups and {g for g in groups if g in expected["reports"]} <= set(rows)
    for group, row in rows.items():
        assert row.region == SITES[group[0]]
        assert row.reports_received == expected["reports"].get(group, 0), group
        assert row.distinct_children == expected["children"].get(group, 0), group
        assert {PATHWAY.from_proto(d.pathway).value: d.count for d in row.decisions} == expected["decisions"].get(  # type: ignore[union-attr]
            group, {}
        ), group
        assert {b.tier: b.count for b in row.breaches} == expected["breaches"].get(group, {}), group
        n, mean, median = expected["first"].get(group, (0, 0.0, 0.0))
        assert row.first_actions == n, group
        assert row.first_action_mean_seconds == pytest.approx(mean, abs=1e-3), group
        assert row.first_action_median_seconds == pytest.approx(median, abs=1e-3), group
        due, within, awaiting = expected["seen"].get(group, (0, 0, 0))
        assert (row.seen_due, row.seen_within, row.seen_awaiting) == (due, within, awaiting), group
        assert row.seen_within_share == pytest.approx(within / due if due else 0.0)
        assert row.seen_target_met == (due > 0 and within / due >= 0.95)

    # the total, and the seed's own counts
    total = report.total
    in_period = [r for c in seeded for r in c.reports if START <= r < END]
    assert total.reports_received == len(in_period) == sum(r.reports_received for r in report.rows)
    assert total.distinct_children == expected["total_children"][("", "")]
    assert total.distinct_children < sum(r.distinct_children for r in report.rows)  # children recur across rows
    assert total.first_actions == sum(r.first_actions for r in report.rows)
    assert total.seen_due == sum(r.seen_due for r in report.rows) > 0
    assert 0 < total.seen_within < total.seen_due
    assert {b.tier for b in total.breaches} == {1, 2, 3}
    assert report.seen_target == pytest.approx(0.95)
    assert not any(r.timeframe == common_pb2.TIMEFRAME_URGENT and r.seen_due for r in report.rows)


async def test_the_csv_holds_the_same_figures(platform: Platform, seeded: list[SeededCase]) -> None:
    stubs = await platform.as_(OPS)
    assert stubs.reporting is not None
    report = await stubs.reporting.GetSlaReport(_request(region="greater-wellington"))
    exported = await stubs.reporting.ExportSlaReport(
        reporting_pb2.ExportSlaReportRequest(
            region="greater-wellington", period_start=timestamp(START), period_end=timestamp(END)
        )
    )
    lines = list(csv.DictReader(io.StringIO(exported.csv)))
    assert [line["site"] for line in lines] == [*(r.site for r in report.rows), "total"]
    assert {r.site for r in report.rows} == {"hutt", "wellington"}
    for line, row in zip(lines, [*report.rows, report.total], strict=True):
        assert int(line["reports_received"]) == row.reports_received
        assert int(line["distinct_children"]) == row.distinct_children
        assert int(line["seen_due"]) == row.seen_due and int(line["seen_within"]) == row.seen_within
        decisions = {PATHWAY.from_proto(d.pathway).value.lower(): d.count for d in row.decisions}  # type: ignore[union-attr]
        for pathway, count in decisions.items():
            assert int(line[f"decisions_{pathway}"]) == count
        breaches = {b.tier: b.count for b in row.breaches}
        assert [int(line[f"breaches_tier_{t}"]) for t in (1, 2, 3)] == [breaches.get(t, 0) for t in (1, 2, 3)]


async def test_callers_see_their_own_sites_or_region(platform: Platform, seeded: list[SeededCase]) -> None:
    supervisor = await platform.as_(staff("sup.sla", roles=frozenset({"supervisor"}), sites=frozenset({"hutt"})))
    regional = await platform.as_(
        Principal(subject="rm.sla", roles=frozenset({"regional_manager"}), regions=frozenset({"canterbury"}))
    )
    social_worker = await platform.as_(Principal(subject="sw.sla", roles=frozenset({"social_worker"})))
    assert supervisor.reporting and regional.reporting and social_worker.reporting

    mine = await supervisor.reporting.GetSlaReport(_request())
    assert {r.site for r in mine.rows} == {"hutt"}
    assert mine.total.reports_received == sum(
        1 for c in seeded if c.site == "hutt" for r in c.reports if START <= r < END
    )
    assert {r.site for r in (await regional.reporting.GetSlaReport(_request())).rows} == {"canterbury"}
    for stub, request in (
        (supervisor.reporting, _request(site="canterbury")),
        (regional.reporting, _request(region="greater-wellington")),
        (social_worker.reporting, _request()),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await stub.GetSlaReport(request)
        assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize(
    ("request_", "fields"),
    [
        (reporting_pb2.GetSlaReportRequest(), {"period_start", "period_end"}),
        (_request(site="atlantis"), {"site"}),
        (_request(site="hutt", region="canterbury"), {"region"}),
        (
            reporting_pb2.GetSlaReportRequest(period_start=timestamp(END), period_end=timestamp(START)),
            {"period_end"},
        ),
        (
            reporting_pb2.GetSlaReportRequest(
                period_start=timestamp(START), period_end=timestamp(START + dt.timedelta(days=500))
            ),
            {"period_end"},
        ),
    ],
)
async def test_a_bad_request_names_the_field(
    platform: Platform, request_: reporting_pb2.GetSlaReportRequest, fields: set[str]
) -> None:
    stubs = await platform.as_(OPS)
    assert stubs.reporting is not None
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stubs.reporting.GetSlaReport(request_)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(raised.value)} == fields


async def test_the_figures_are_gauges_labelled_by_site_region_and_timeframe(
    platform: Platform, seeded: list[SeededCase]
) -> None:
    pool = await asyncpg.create_pool(platform.database_url, min_size=1, max_size=2)
    try:
        figures = await ReportingServicer(pool, 95).publish_gauges(now=END)  # the 30 days before END
    finally:
        await pool.close()
    points: dict[tuple[str, frozenset[tuple[str, object]]], float] = {}
    data = METRICS.get_metrics_data()
    assert data is not None
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if not metric.name.startswith("kahu.sla."):
                    continue
                for point in metric.data.data_points:
                    points[(metric.name, frozenset((point.attributes or {}).items()))] = float(point.value)  # type: ignore[union-attr]
    sla = {key for key in points if key[0].startswith("kahu.sla.")}
    assert sla and all(
        {label for label, _ in labels} == {"kahu.site", "kahu.region", "kahu.timeframe"} for _, labels in sla
    )
    hutt = frozenset({("kahu.site", "hutt"), ("kahu.region", "greater-wellington"), ("kahu.timeframe", "CRITICAL")})
    assert (
        points[("kahu.sla.reports_received", hutt)]
        == figures[("hutt", "greater-wellington", "CRITICAL")].reports_received
    )
    assert points[("kahu.sla.seen_target", hutt)] == pytest.approx(0.95)
    everywhere = frozenset({("kahu.site", "all"), ("kahu.region", "all"), ("kahu.timeframe", "all")})
    window = [r for c in seeded for r in c.reports if END - dt.timedelta(days=30) <= r < END]
    assert points[("kahu.sla.reports_received", everywhere)] >= len(window)
