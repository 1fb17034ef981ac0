"""Youth justice statutory clocks: N days counted from the day after a trigger.

The day of the trigger does not count; the Nth day after it ends at local midnight
(Pacific/Auckland): a trigger at any time on Monday 3 November with a 7-day clock is due by
the end of Monday 10 November, that is 00:00 on Tuesday 11 November.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from workflows.conference.model import DayCount, Due
from workflows.policy.working_days import NZ


def statutory_due(start: datetime, days: int) -> datetime:
    """The end of the `days`th day after the local date of `start`, in UTC."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    if days < 1:
        raise ValueError("a statutory clock counts at least one day")
    last_day = start.astimezone(NZ).date() + timedelta(days=days)
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=NZ).astimezone(UTC)


def due_after(request: DayCount) -> Due:
    """The deadline a `DayCount` asks for (the body of the workflow's clock activity)."""
    return Due(statutory_due(request.start, request.days))
