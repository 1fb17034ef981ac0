"""ReportingService: SLA figures as data, from the case record intake keeps (PostgreSQL
only), per site, region and timeframe over a period; the same figures as CSV and as OTLP
gauges. Figures only: no case id, name or text leaves here, and gauges are labelled by site,
region and timeframe alone.

What each figure counts (README, "SLA reporting"), for the cases within the filters and the
caller's scope, over [period_start, period_end):

- reports received: `intake.reports` received in the period (first and further reports);
- distinct children: the distinct keyed child digests (`intake.cases.child_keys`, never a
  name in clear) of the cases those reports are on;
- decisions by pathway: `triage.decided` events in the period, by the pathway they name;
- seen within the timeframe: critical and very urgent cases whose response deadline was set
  in the period (their first `timer.started` event of the ASSESSMENT clock: the deadline set
  at the decision, so an extension never hides a late response; or the earliest a further
  report brought it forward to, `deadline.shortened`); seen within when their
  first `child.seen` event says the child was seen by that deadline; awaiting when not seen
  and the deadline is still ahead;
- breaches by tier: `escalation.raised` events of a tier (any of a case's clocks) in the period;
- time to first action: from the case's receipt to its first `triage.decided` event, for the
  cases first decided in the period.

A case's site, region and timeframe (`intake.cases`: the decision's, or the urgency at
receipt before it) place it in a row.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import io
import logging
from dataclasses import dataclass, field

import asyncpg
import grpc

from kahu.v1 import common_pb2, reporting_pb2, reporting_pb2_grpc
from services.common import authz, checks
from services.common.authz import Restriction
from services.common.convert import PATHWAY, TIMEFRAME
from services.common.errors import Violations
from services.common.metrics import record_sla
from services.common.sites import load_sites
from workflows.policy.model import Pathway, Timeframe

log = logging.getLogger(__name__)

FULL_NAME = reporting_pb2.DESCRIPTOR.services_by_name["ReportingService"].full_name
MAX_PERIOD = dt.timedelta(days=400)
#: The timeframes whose share seen within the response timeframe is measured.
MEASURED = (Timeframe.CRITICAL.value, Timeframe.VERY_URGENT.value)
#: How often the gauges are refreshed, and over how long a trailing period.
GAUGE_INTERVAL = 300.0
GAUGE_PERIOD = dt.timedelta(days=30)

Key = tuple[str, str, str]  # site, region, timeframe ("" for none)
TOTAL: Key = ("", "", "")


@dataclass(frozen=True)
class ReportQuery:
    site: str
    region: str
    timeframe: str
    start: dt.datetime
    end: dt.datetime


@dataclass
class Figures:
    reports_received: int = 0
    distinct_children: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    seen_due: int = 0
    seen_within: int = 0
    seen_awaiting: int = 0
    breaches: dict[int, int] = field(default_factory=dict)
    first_actions: int = 0
    first_action_mean_seconds: float = 0.0
    first_action_median_seconds: float = 0.0

    def share(self) -> float:
        return self.seen_within / self.seen_due if self.seen_due else 0.0


def validate_report(request: reporting_pb2.GetSlaReportRequest | reporting_pb2.ExportSlaReportRequest) -> ReportQuery:
    v = Violations()
    site = checks.site(v, request.site, required=False)
    checks.region(v, request.region)
    if site is not None and request.region and site.region != request.region:
        v.add("region", f"must be the site's region ({site.region}) when both are given")
    timeframe = checks.enum(v, request.timeframe, TIMEFRAME, "timeframe", required=False)
    start = checks.instant(v, request.period_start if request.HasField("period_start") else None, "period_start")
    end = checks.instant(v, request.period_end if request.HasField("period_end") else None, "period_end")
    if start is not None and end is not None:
        if end <= start:
            v.add("period_end", "must be after period_start")
        elif end - start > MAX_PERIOD:
            v.add("period_end", f"must be at most {MAX_PERIOD.days} days after period_start")
    v.raise_if_any()
    assert start is not None and end is not None
    return ReportQuery(request.site, request.region, timeframe.value if timeframe else "", start, end)


#: The cases within the filters ($1 site, $2 region, $3 timeframe) and the caller's scope
#: ($4 sites, NULL for any; $5 regions).
_CASES = """
    cases AS (
        SELECT case_id, site, region, COALESCE(timeframe, '') AS timeframe, received_at, child_keys
        FROM intake.cases
        WHERE ($1 = '' OR site = $1) AND ($2 = '' OR region = $2) AND ($3 = '' OR timeframe = $3)
          AND ($4::text[] IS NULL OR site = ANY($4::text[]) OR region = ANY($5::text[]))
    )"""


def _in_period(column: str) -> str:
    return f"{column} >= $6 AND {column} < $7"


_REPORTS = f"""WITH {_CASES}
    SELECT c.site, c.region, c.timeframe, count(*) AS n
    FROM intake.reports r JOIN cases c USING (case_id)
    WHERE {_in_period("r.received_at")}
    GROUP BY GROUPING SETS ((c.site, c.region, c.timeframe), ())"""

_CHILDREN = f"""WITH {_CASES},
    reported AS (
        SELECT c.* FROM cases c
        WHERE EXISTS (SELECT 1 FROM intake.reports r WHERE r.case_id = c.case_id AND {_in_period("r.received_at")})
    )
    SELECT site, region, timeframe, count(DISTINCT child) AS n
    FROM reported, unnest(child_keys) AS child
    GROUP BY GROUPING SETS ((site, region, timeframe), ())"""

_DECISIONS = f"""WITH {_CASES},
    decided AS (
        SELECT c.site, c.region, c.timeframe, split_part(e.detail, ' ', 1) AS pathway
        FROM intake.case_events e JOIN cases c USING (case_id)
        WHERE e.action = 'triage.decided' AND {_in_period("e.at")}
    )
    SELECT site, region, timeframe, pathway, count(*) AS n FROM decided
    GROUP BY GROUPING SETS ((site, region, timeframe, pathway), (pathway))"""

_BREACHES = f"""WITH {_CASES},
    raised AS (
        SELECT c.site, c.region, c.timeframe, substring(e.detail FROM '^[A-Z_]+ tier ([0-9]+) ')::int AS tier
        FROM intake.case_events e JOIN cases c USING (case_id)
        WHERE e.action = 'escalation.raised' AND e.detail ~ '^[A-Z_]+ tier [0-9]+ ' AND {_in_period("e.at")}
    )
    SELECT site, region, timeframe, tier, count(*) AS n FROM raised
    GROUP BY GROUPING SETS ((site, region, timeframe, tier), (tier))"""

_FIRST_ACTIONS = f"""WITH {_CASES},
    first AS (
        SELECT c.site, c.region, c.timeframe, c.received_at, min(e.at) AS decided_at
        FROM cases c JOIN intake.case_events e USING (case_id)
        WHERE e.action = 'triage.decided'
        GROUP BY c.case_id, c.site, c.region, c.timeframe, c.received_at
    )
    SELECT site, region, timeframe, count(*) AS n,
        avg(extract(epoch FROM decided_at - received_at))::float8 AS mean,
        (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - received_at)))::float8 AS median
    FROM first WHERE {_in_period("decided_at")}
    GROUP BY GROUPING SETS ((site, region, timeframe), ())"""

_SEEN = f"""WITH {_CASES},
    responses AS (
        SELECT c.case_id, c.site, c.region, c.timeframe,
            LEAST(
                (SELECT substring(e.detail FROM '^ASSESSMENT due (.+)$')::timestamptz
                 FROM intake.case_events e
                 WHERE e.case_id = c.case_id AND e.action = 'timer.started' AND e.detail LIKE 'ASSESSMENT due %'
                 ORDER BY e.at, e.event_id LIMIT 1),
                (SELECT min(substring(e.detail FROM '^ASSESSMENT due [^ ]+ -> ([^ ]+): ')::timestamptz)
                 FROM intake.case_events e
                 WHERE e.case_id = c.case_id AND e.action = 'deadline.shortened'
                   AND e.detail LIKE 'ASSESSMENT due %')
            ) AS due_at,
            (SELECT e.at FROM intake.case_events e
             WHERE e.case_id = c.case_id AND e.action = 'timer.started' AND e.detail LIKE 'ASSESSMENT due %'
             ORDER BY e.at, e.event_id LIMIT 1) AS set_at,
            (SELECT split_part(e.detail, ' ', 1)::timestamptz FROM intake.case_events e
             WHERE e.case_id = c.case_id AND e.action = 'child.seen'
             ORDER BY e.at, e.event_id LIMIT 1) AS seen_at
        FROM cases c
        WHERE c.timeframe = ANY($9::text[])
    )
    SELECT site, region, timeframe, count(*) AS n,
        count(*) FILTER (WHERE seen_at <= due_at) AS within,
        count(*) FILTER (WHERE seen_at IS NULL AND due_at > $8) AS awaiting
    FROM responses WHERE set_at IS NOT NULL AND {_in_period("set_at")}
    GROUP BY GROUPING SETS ((site, region, timeframe), ())"""


def _key(row: asyncpg.Record) -> Key:
    if row["site"] is None:
        return TOTAL
    return (row["site"], row["region"], row["timeframe"])


async def compute(
    pool: asyncpg.Pool | asyncpg.Connection, query: ReportQuery, restriction: Restriction, now: dt.datetime
) -> dict[Key, Figures]:
    """The figures per (site, region, timeframe), and the total under TOTAL."""
    sites = None if restriction.unrestricted else sorted(restriction.sites or ())
    regions = sorted(restriction.regions)
    args = [query.site, query.region, query.timeframe, sites, regions, query.start, query.end]
    figures: dict[Key, Figures] = {TOTAL: Figures()}

    def at(row: asyncpg.Record) -> Figures:
        return figures.setdefault(_key(row), Figures())

    async with _connection(pool) as conn:
        for row in await conn.fetch(_REPORTS, *args):
            at(row).reports_received = row["n"]
        for row in await conn.fetch(_CHILDREN, *args):
            at(row).distinct_children = row["n"]
        for row in await conn.fetch(_DECISIONS, *args):
            at(row).decisions[row["pathway"]] = row["n"]
        for row in await conn.fetch(_BREACHES, *args):
            at(row).breaches[row["tier"]] = row["n"]
        for row in await conn.fetch(_FIRST_ACTIONS, *args):
            f = at(row)
            f.first_actions, f.first_action_mean_seconds, f.first_action_median_seconds = (
                row["n"],
                row["mean"] or 0.0,
                row["median"] or 0.0,
            )
        for row in await conn.fetch(_SEEN, *args, now, list(MEASURED)):
            f = at(row)
            f.seen_due, f.seen_within, f.seen_awaiting = row["n"], row["within"], row["awaiting"]
    return figures


@contextlib.asynccontextmanager
async def _connection(pool: asyncpg.Pool | asyncpg.Connection):  # type: ignore[no-untyped-def]
    if isinstance(pool, asyncpg.Pool):
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            yield conn
    else:
        yield pool


def _pathway(name: str) -> Pathway | None:
    try:
        return Pathway(name)
    except ValueError:
        return None


def _timeframe(name: str) -> Timeframe | None:
    return Timeframe(name) if name else None


def figures_to_proto(key: Key, f: Figures, target: float) -> reporting_pb2.SlaFigures:
    site, region, timeframe = key
    return reporting_pb2.SlaFigures(
        site=site,
        region=region,
        timeframe=TIMEFRAME.to_proto(_timeframe(timeframe)),
        reports_received=f.reports_received,
        distinct_children=f.distinct_children,
        decisions=[
            reporting_pb2.PathwayCount(pathway=PATHWAY.to_proto(_pathway(name)), count=n)
            for name, n in sorted(f.decisions.items())
        ],
        seen_due=f.seen_due,
        seen_within=f.seen_within,
        seen_awaiting=f.seen_awaiting,
        seen_within_share=f.share(),
        seen_target_met=f.seen_due > 0 and f.share() >= target,
        breaches=[common_pb2.TierCount(tier=tier, count=n) for tier, n in sorted(f.breaches.items())],
        first_actions=f.first_actions,
        first_action_mean_seconds=f.first_action_mean_seconds,
        first_action_median_seconds=f.first_action_median_seconds,
    )


def report_to_proto(figures: dict[Key, Figures], target: float) -> reporting_pb2.GetSlaReportResponse:
    rows = [figures_to_proto(key, f, target) for key, f in sorted(figures.items()) if key != TOTAL]
    return reporting_pb2.GetSlaReportResponse(
        rows=rows, total=figures_to_proto(TOTAL, figures[TOTAL], target), seen_target=target
    )


PATHWAYS = [p.value for p in Pathway]
CSV_HEADER = [
    "site",
    "region",
    "timeframe",
    "reports_received",
    "distinct_children",
    *(f"decisions_{p.lower()}" for p in PATHWAYS),
    "seen_due",
    "seen_within",
    "seen_awaiting",
    "seen_within_share",
    "seen_target",
    "seen_target_met",
    "breaches_tier_1",
    "breaches_tier_2",
    "breaches_tier_3",
    "first_actions",
    "first_action_mean_seconds",
    "first_action_median_seconds",
]


def report_to_csv(report: reporting_pb2.GetSlaReportResponse) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in [*report.rows, report.total]:
        decisions = {PATHWAY.from_proto(d.pathway): d.count for d in row.decisions}
        breaches = {b.tier: b.count for b in row.breaches}
        timeframe = TIMEFRAME.from_proto(row.timeframe)
        writer.writerow(
            [
                row.site or "total",
                row.region,
                timeframe.value if timeframe else "",
                row.reports_received,
                row.distinct_children,
                *(decisions.get(Pathway(p), 0) for p in PATHWAYS),
                row.seen_due,
                row.seen_within,
                row.seen_awaiting,
                f"{row.seen_within_share:.4f}",
                f"{report.seen_target:.2f}",
                "yes" if row.seen_target_met else "no",
                breaches.get(1, 0),
                breaches.get(2, 0),
                breaches.get(3, 0),
                row.first_actions,
                f"{row.first_action_mean_seconds:.0f}",
                f"{row.first_action_median_seconds:.0f}",
            ]
        )
    return out.getvalue()


def publish(figures: dict[Key, Figures], target: float) -> None:
    """Set the SLA gauges (labels: site, region and timeframe only)."""
    for key, f in figures.items():
        site, region, timeframe = key if key != TOTAL else ("all", "all", "all")
        labels = {"kahu.site": site, "kahu.region": region, "kahu.timeframe": timeframe or "none"}
        values: dict[str, float] = {
            "reports_received": f.reports_received,
            "distinct_children": f.distinct_children,
            "seen_due": f.seen_due,
            "seen_within": f.seen_within,
            "seen_within_share": f.share(),
            "seen_target": target,
            "first_action_median_seconds": f.first_action_median_seconds,
            **{f"decisions.{p.lower()}": f.decisions.get(p, 0) for p in PATHWAYS},
            **{f"breaches.tier{tier}": f.breaches.get(tier, 0) for tier in (1, 2, 3)},
        }
        for name, value in values.items():
            record_sla(name, value, labels)


class ReportingServicer(reporting_pb2_grpc.ReportingServiceServicer):
    def __init__(self, pool: asyncpg.Pool, target_percent: int) -> None:
        self._pool = pool
        self._target = target_percent / 100

    async def _report(
        self, request: reporting_pb2.GetSlaReportRequest | reporting_pb2.ExportSlaReportRequest
    ) -> reporting_pb2.GetSlaReportResponse:
        query = validate_report(request)
        region_of_site = load_sites().get(query.site) if query.site else None
        restriction = authz.listing(query.site, query.region, region_of_site.region if region_of_site else "")
        figures = await compute(self._pool, query, restriction, dt.datetime.now(dt.UTC))
        return report_to_proto(figures, self._target)

    async def GetSlaReport(
        self, request: reporting_pb2.GetSlaReportRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.GetSlaReportResponse:
        return await self._report(request)

    async def ExportSlaReport(
        self, request: reporting_pb2.ExportSlaReportRequest, context: grpc.aio.ServicerContext
    ) -> reporting_pb2.ExportSlaReportResponse:
        return reporting_pb2.ExportSlaReportResponse(csv=report_to_csv(await self._report(request)))

    async def publish_gauges(self, now: dt.datetime | None = None) -> dict[Key, Figures]:
        """Compute the trailing GAUGE_PERIOD's figures over every case and set the gauges."""
        end = now or dt.datetime.now(dt.UTC)
        query = ReportQuery("", "", "", end - GAUGE_PERIOD, end)
        figures = await compute(self._pool, query, authz.UNRESTRICTED, end)
        publish(figures, self._target)
        return figures

    async def run_gauges(self) -> None:
        """Refresh the gauges every GAUGE_INTERVAL seconds (an outage only delays them)."""
        while True:
            try:
                await self.publish_gauges()
            except Exception as error:  # an outage, or anything else: the next round tries again
                log.warning("SLA gauges not refreshed: %s", type(error).__name__)
            await asyncio.sleep(GAUGE_INTERVAL)
