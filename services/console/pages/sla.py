"""The SLA dashboard (ReportingService, served by intake): over the last weeks, the share
of critical and very urgent cases whose child was seen within the timeframe against the
target, breaches by tier, the trend by week as an SVG chart, and the same figures as CSV."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from kahu.v1 import common_pb2, reporting_pb2
from services.console.backend import Refusal, acting_as, call
from services.console.nztime import NZ
from services.console.pages.common import context, sites_of
from services.console.render import page

WEEKS = 12
#: The timeframes the target is about.
MEASURED = (common_pb2.TIMEFRAME_CRITICAL, common_pb2.TIMEFRAME_VERY_URGENT)


@dataclass(frozen=True)
class Week:
    start: dt.datetime
    due: int
    within: int

    @property
    def share(self) -> float | None:
        return self.within / self.due if self.due else None


def weeks(now: dt.datetime, count: int = WEEKS) -> list[tuple[dt.datetime, dt.datetime]]:
    """The last `count` weeks (Monday 00:00 New Zealand time), the current one last."""
    today = now.astimezone(NZ).date()
    monday = today - dt.timedelta(days=today.weekday())
    starts = [monday - dt.timedelta(weeks=n) for n in range(count - 1, -1, -1)]

    def at(day: dt.date) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, tzinfo=NZ).astimezone(dt.UTC)

    return [(at(day), at(day + dt.timedelta(weeks=1))) for day in starts]


def _request(kind: type, site: str, start: dt.datetime, end: dt.datetime):  # type: ignore[no-untyped-def]
    request = kind(site=site)
    request.period_start.FromDatetime(start)
    request.period_end.FromDatetime(end)
    return request


def measured(rows: Sequence[reporting_pb2.SlaFigures]) -> tuple[int, int]:
    """(due, seen within) over the critical and very urgent rows."""
    chosen = [r for r in rows if r.timeframe in MEASURED]
    return sum(r.seen_due for r in chosen), sum(r.seen_within for r in chosen)


def chart(points: Sequence[Week], target: float) -> dict[str, object]:
    """The SVG's geometry: a 0-100% scale, a bar per week, the target line."""
    width, height, left, bottom = 600, 220, 40, 30
    step = (width - left) / max(1, len(points))
    bars = []
    for i, week in enumerate(points):
        share = week.share
        h = 0.0 if share is None else share * (height - bottom - 10)
        bars.append(
            {
                "x": left + i * step + step * 0.15,
                "y": height - bottom - h,
                "w": step * 0.7,
                "h": h,
                "label": f"{week.start.astimezone(NZ):%d %b}",
                "text": "no cases" if share is None else f"{share:.0%} ({week.within} of {week.due})",
                "met": share is not None and share * 100 >= target,
            }
        )
    target_y = height - bottom - target / 100 * (height - bottom - 10)
    return {"width": width, "height": height, "bars": bars, "target_y": target_y, "left": left, "bottom": bottom}


async def show(request: Request) -> Response:
    ctx, who = context(request)
    site = request.query_params.get("site", "").strip()
    now = dt.datetime.now(dt.UTC)
    periods = weeks(now)
    start, end = periods[0][0], periods[-1][1]
    with acting_as(who):
        try:
            whole, *weekly = await asyncio.gather(
                call(ctx.backend.reporting.GetSlaReport, _request(reporting_pb2.GetSlaReportRequest, site, start, end)),
                *(
                    call(ctx.backend.reporting.GetSlaReport, _request(reporting_pb2.GetSlaReportRequest, site, s, e))
                    for s, e in periods
                ),
            )
        except Refusal as refusal:
            return page(request, "refused.html", {"title": "SLA dashboard", "refusal": refusal}, 403)
    due, within = measured(whole.rows)
    points = [Week(s, *measured(answer.rows)) for (s, _), answer in zip(periods, weekly, strict=True)]
    breaches: dict[int, int] = {}
    for row in whole.rows:
        for count in row.breaches:
            breaches[count.tier] = breaches.get(count.tier, 0) + count.count
    return page(
        request,
        "sla.html",
        {
            "title": "SLA dashboard",
            "site": site,
            "sites": sites_of(who),
            "start": start,
            "end": end,
            "due": due,
            "within": within,
            "share": within / due if due else None,
            "target": whole.seen_target,
            "breaches": sorted(breaches.items()),
            "rows": list(whole.rows),
            "points": points,
            "chart": chart(points, whole.seen_target),
        },
    )


async def export(request: Request) -> Response:
    ctx, who = context(request)
    site = request.query_params.get("site", "").strip()
    periods = weeks(dt.datetime.now(dt.UTC))
    with acting_as(who):
        answer = await call(
            ctx.backend.reporting.ExportSlaReport,
            _request(reporting_pb2.ExportSlaReportRequest, site, periods[0][0], periods[-1][1]),
        )
    return Response(
        answer.csv,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="kahu-sla.csv"'},
    )
