"""The earliest conference slots: interval arithmetic over everyone's calendar.

Times are whole seconds since the epoch. A slot is `length` long, starts on the
`granularity` grid counted from local midnight (Pacific/Auckland), lies within the
policy's conference hours on a day that is not a public holiday at the site, within every
calendar's working hours (a calendar without hours is only bound by the conference hours),
and overlaps none of the people's nor the venue's busy time. `find_slots` works on merged
intervals (cost grows with the number of busy blocks, not with the window's grid);
`brute_force_slots` checks every grid point against every block and is kept as the
reference the benchmark and the property tests compare it with.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

import holidays

from services.common.sites import load_sites
from workflows.policy.model import ConferenceHours
from workflows.policy.working_days import NZ

Interval = tuple[int, int]
#: A weekly working period: ISO weekday (1 = Monday), start and end minute after local midnight.
Period = tuple[int, int, int]
DAY_MINUTES = 1440


@dataclass(frozen=True)
class Calendar:
    """Someone's (or a venue's) working hours (None: any time) and busy time."""

    hours: tuple[Period, ...] | None
    busy: Sequence[Interval]


@dataclass(frozen=True)
class Venue:
    venue_id: str
    name: str
    calendar: Calendar


@dataclass(frozen=True)
class Rules:
    length: int
    granularity: int
    hours: ConferenceHours
    site: str


@dataclass(frozen=True)
class Slot:
    start: int
    end: int
    venue_id: str
    venue_name: str


@cache
def _holidays(subdivision: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NZ", subdiv=subdivision, years=year))


def is_public_holiday(day: date, site: str) -> bool:
    """A New Zealand public holiday (as observed) or the site's anniversary day."""
    return day in _holidays(load_sites()[site].anniversary, day.year)


@cache
def local(day: date, minute: int) -> int:
    """The instant `minute` minutes after local midnight on `day` (1440: the next midnight)."""
    if minute >= DAY_MINUTES:
        day, minute = day + timedelta(days=minute // DAY_MINUTES), minute % DAY_MINUTES
    return int(datetime.combine(day, time(minute // 60, minute % 60), NZ).timestamp())


def _days(start: int, end: int) -> list[date]:
    first = datetime.fromtimestamp(start, NZ).date()
    last = datetime.fromtimestamp(max(start, end - 1), NZ).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def day_periods(hours: Iterable[Period], weekday: int) -> list[tuple[int, int]]:
    """A calendar's periods on an ISO weekday, merged, in minutes after local midnight."""
    return [(a, b) for a, b in _merge((a, b) for w, a, b in hours if w == weekday)]


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for a, b in sorted(intervals):
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _intersect(xs: list[Interval], ys: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    i = j = 0
    while i < len(xs) and j < len(ys):
        a = max(xs[i][0], ys[j][0])
        b = min(xs[i][1], ys[j][1])
        if a < b:
            out.append((a, b))
        if xs[i][1] < ys[j][1]:
            i += 1
        else:
            j += 1
    return out


def _subtract(xs: list[Interval], busy: list[Interval]) -> list[Interval]:
    """`xs` without `busy` (both sorted and disjoint)."""
    out: list[Interval] = []
    j = 0
    for a, b in xs:
        while j < len(busy) and busy[j][1] <= a:
            j += 1
        k = j
        cursor = a
        while k < len(busy) and busy[k][0] < b:
            if busy[k][0] > cursor:
                out.append((cursor, busy[k][0]))
            cursor = max(cursor, busy[k][1])
            k += 1
        if cursor < b:
            out.append((cursor, b))
    return out


def _conference_days(start: int, end: int, rules: Rules) -> tuple[list[date], list[Interval]]:
    """The days in the window, and the conference hours on them, clipped to the window."""
    days = _days(start, end)
    hours = rules.hours
    windows = [
        (max(start, local(d, hours.start_minute)), min(end, local(d, hours.end_minute)))
        for d in days
        if d.weekday() in hours.weekdays and (hours.public_holidays or not is_public_holiday(d, rules.site))
    ]
    return days, [(a, b) for a, b in windows if a < b]


def _expand(hours: tuple[Period, ...], days: list[date]) -> list[Interval]:
    return _merge((local(d, a), local(d, b)) for d in days for a, b in day_periods(hours, d.isoweekday()))


def _starts(free: list[Interval], midnights: list[int], rules: Rules, order: int) -> Iterator[tuple[int, int]]:
    """(start, order) of every grid start of a slot that fits in a free interval, in order."""
    g, length = rules.granularity, rules.length
    for a, b in free:
        origin = midnights[bisect_right(midnights, a) - 1]
        s = origin + -(-(a - origin) // g) * g
        while s + length <= b:
            yield s, order
            s += g


def find_slots(
    start: int, end: int, people: Sequence[Calendar], venues: Sequence[Venue], rules: Rules, limit: int
) -> list[Slot]:
    """The earliest `limit` slots in [start, end), each with the first venue free then."""
    if limit <= 0 or end - start < rules.length or not venues:
        return []
    days, allowed = _conference_days(start, end, rules)
    for person in people:
        if person.hours is not None:
            allowed = _intersect(allowed, _expand(person.hours, days))
    free = _subtract(allowed, _merge(block for person in people for block in person.busy))
    midnights = [local(d, 0) for d in days]
    streams = []
    for order, venue in enumerate(venues):
        room = free
        if venue.calendar.hours is not None:
            room = _intersect(room, _expand(venue.calendar.hours, days))
        room = _subtract(room, _merge(venue.calendar.busy))
        streams.append(_starts(room, midnights, rules, order))
    slots: list[Slot] = []
    last = None
    for s, order in heapq.merge(*streams):
        if s == last:
            continue
        last = s
        venue = venues[order]
        slots.append(Slot(s, s + rules.length, venue.venue_id, venue.name))
        if len(slots) == limit:
            break
    return slots


def within_hours(hours: tuple[Period, ...], s: int, e: int) -> bool:
    """Whether [s, e) lies within one of the weekly periods (on the local day of s)."""
    day = datetime.fromtimestamp(s, NZ).date()
    return any(local(day, a) <= s and e <= local(day, b) for a, b in day_periods(hours, day.isoweekday()))


def _free(calendar: Calendar, day: date, s: int, e: int) -> bool:
    if calendar.hours is not None and not any(
        local(day, a) <= s and e <= local(day, b) for a, b in day_periods(calendar.hours, day.isoweekday())
    ):
        return False
    return not any(a < e and s < b for a, b in calendar.busy)


def brute_force_slots(
    start: int, end: int, people: Sequence[Calendar], venues: Sequence[Venue], rules: Rules, limit: int
) -> list[Slot]:
    """The same answer as `find_slots`, by checking every grid point of the window."""
    slots: list[Slot] = []
    if limit <= 0:
        return slots
    hours = rules.hours
    for day in _days(start, end):
        origin = local(day, 0)
        for k in range(DAY_MINUTES * 60 // rules.granularity + 1):
            s = origin + k * rules.granularity
            e = s + rules.length
            if s < start or e > end:
                continue
            if day.weekday() not in hours.weekdays or not (
                hours.public_holidays or not is_public_holiday(day, rules.site)
            ):
                continue
            if not (local(day, hours.start_minute) <= s and e <= local(day, hours.end_minute)):
                continue
            if not all(_free(person, day, s, e) for person in people):
                continue
            venue = next((v for v in venues if _free(v.calendar, day, s, e)), None)
            if venue is None:
                continue
            slots.append(Slot(s, e, venue.venue_id, venue.name))
            if len(slots) == limit:
                return slots
    return slots
