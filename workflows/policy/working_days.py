"""Deadlines in elapsed seconds or in working days at a site.

A working day is a weekday that is not a New Zealand public holiday (as observed, so a
holiday falling on a weekend moves to the Monday or Tuesday) nor the site's provincial
anniversary day. N working days after an instant is the same Pacific/Auckland wall-clock
time on the Nth working day after its local date: Friday 15:00 + 1 is Monday 15:00, and a
Saturday or Sunday start counts from Monday (Saturday 10:00 + 1 is Monday 10:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from services.common.sites import load_sites
from workflows.case.model import DueRequest
from workflows.policy.model import Span

NZ = ZoneInfo("Pacific/Auckland")


@cache
def _holidays(subdivision: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NZ", subdiv=subdivision, years=year))


def _subdivision(site: str) -> str:
    try:
        return load_sites()[site].anniversary
    except KeyError:
        raise ValueError(f"unknown site {site}") from None


def is_working_day(day: date, site: str) -> bool:
    """Whether `day` is a working day at `site`."""
    subdivision = _subdivision(site)
    return day.weekday() < 5 and day not in _holidays(subdivision, day.year)


def add_span(start: datetime, span: Span, site: str) -> datetime:
    """The instant `span` after `start` (timezone-aware) at `site`, in UTC."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    due = start.astimezone(UTC)
    if span.working_days:
        local = start.astimezone(NZ)
        day = local.date()
        for _ in range(span.working_days):
            day += timedelta(days=1)
            while not is_working_day(day, site):
                day += timedelta(days=1)
        due = datetime.combine(day, local.time(), tzinfo=NZ).astimezone(UTC)
    return due + timedelta(seconds=span.seconds)


def due_at(request: DueRequest) -> datetime:
    """The deadline a `DueRequest` asks for (the body of the workflow's due-time activity)."""
    return add_span(request.start, Span(seconds=request.seconds, working_days=request.working_days), request.site)
