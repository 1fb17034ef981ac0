"""Working days at a site: weekends, NZ public holidays as observed, anniversary days, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import holidays
import pytest

from workflows.case.model import DueRequest
from workflows.policy.model import Span
from workflows.policy.working_days import NZ, add_span, due_at, is_working_day

ONE = Span(working_days=1)


def nz(year: int, month: int, day: int, hour: int = 15, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NZ)


@pytest.mark.parametrize(
    ("day", "site", "working"),
    [
        pytest.param(date(2026, 3, 13), "hutt", True, id="friday"),
        pytest.param(date(2026, 3, 14), "hutt", False, id="saturday"),
        pytest.param(date(2026, 3, 15), "hutt", False, id="sunday"),
        pytest.param(date(2026, 2, 6), "hutt", False, id="waitangi-day-2026-friday"),
        pytest.param(date(2027, 2, 8), "hutt", False, id="waitangi-day-2027-observed-monday"),
        pytest.param(date(2027, 3, 26), "northland", False, id="good-friday-2027"),
        pytest.param(date(2027, 3, 29), "northland", False, id="easter-monday-2027"),
        pytest.param(date(2027, 3, 30), "northland", True, id="tuesday-after-easter"),
        pytest.param(date(2026, 12, 25), "canterbury", False, id="christmas-2026"),
        pytest.param(date(2026, 12, 28), "canterbury", False, id="boxing-day-2026-observed-monday"),
        pytest.param(date(2026, 12, 29), "canterbury", True, id="tuesday-after-christmas"),
        pytest.param(date(2027, 1, 1), "canterbury", False, id="new-year-2027"),
        pytest.param(date(2027, 1, 4), "canterbury", False, id="day-after-new-year-2027-observed-monday"),
        pytest.param(date(2027, 12, 27), "waikato", False, id="christmas-2027-observed-monday"),
        pytest.param(date(2027, 12, 28), "waikato", False, id="boxing-day-2027-observed-tuesday"),
        pytest.param(date(2027, 1, 25), "hutt", False, id="wellington-anniversary-at-hutt"),
        pytest.param(date(2027, 1, 25), "canterbury", True, id="wellington-anniversary-at-canterbury"),
        pytest.param(date(2027, 11, 12), "canterbury", False, id="canterbury-anniversary-at-canterbury"),
        pytest.param(date(2027, 11, 12), "hutt", True, id="canterbury-anniversary-at-hutt"),
        pytest.param(date(2027, 9, 27), "south-canterbury", False, id="south-canterbury-anniversary"),
        pytest.param(date(2026, 7, 10), "hutt", False, id="matariki-2026"),
        pytest.param(date(2027, 6, 25), "northland", False, id="matariki-2027"),
        pytest.param(date(2027, 6, 28), "northland", True, id="monday-after-matariki-2027"),
    ],
)
def test_is_working_day(day: date, site: str, working: bool) -> None:
    assert is_working_day(day, site) is working


@pytest.mark.parametrize(
    ("start", "site", "days", "due"),
    [
        pytest.param(nz(2026, 3, 12), "hutt", 1, nz(2026, 3, 13), id="thursday-to-friday"),
        pytest.param(nz(2026, 3, 13), "hutt", 1, nz(2026, 3, 16), id="friday-over-the-weekend"),
        pytest.param(nz(2026, 3, 14, 10), "hutt", 1, nz(2026, 3, 16, 10), id="saturday-counts-from-monday"),
        pytest.param(nz(2026, 3, 15, 23, 30), "hutt", 1, nz(2026, 3, 16, 23, 30), id="sunday-counts-from-monday"),
        pytest.param(nz(2026, 3, 13), "hutt", 5, nz(2026, 3, 20), id="a-working-week"),
        pytest.param(nz(2026, 2, 5), "hutt", 1, nz(2026, 2, 9), id="waitangi-day-2026"),
        pytest.param(nz(2027, 2, 5), "hutt", 1, nz(2027, 2, 9), id="waitangi-day-2027-mondayised"),
        pytest.param(nz(2027, 3, 25), "hutt", 1, nz(2027, 3, 30), id="easter-2027"),
        pytest.param(nz(2026, 12, 24), "hutt", 1, nz(2026, 12, 29), id="christmas-2026"),
        pytest.param(nz(2026, 12, 31), "hutt", 1, nz(2027, 1, 5), id="new-year-2027"),
        pytest.param(nz(2027, 12, 24), "hutt", 1, nz(2027, 12, 29), id="christmas-2027-both-mondayised"),
        pytest.param(nz(2026, 12, 21, 9), "hutt", 10, nz(2027, 1, 8, 9), id="urgent-across-the-holidays"),
        pytest.param(nz(2026, 7, 9, 14), "hutt", 1, nz(2026, 7, 13, 14), id="matariki-2026"),
        # Good Friday and Easter Monday skipped: Tuesday 30 March is the first of the ten
        pytest.param(nz(2027, 3, 25, 9), "hutt", 10, nz(2027, 4, 12, 9), id="urgent-across-easter-2027"),
        pytest.param(nz(2027, 6, 21, 9), "canterbury", 10, nz(2027, 7, 6, 9), id="urgent-across-matariki-2027"),
        pytest.param(nz(2027, 1, 22), "hutt", 1, nz(2027, 1, 26), id="wellington-anniversary-at-hutt"),
        pytest.param(nz(2027, 1, 22), "canterbury", 1, nz(2027, 1, 25), id="no-anniversary-at-canterbury"),
    ],
)
def test_working_days_land_at_the_same_local_time(start: datetime, site: str, days: int, due: datetime) -> None:
    result = add_span(start, Span(working_days=days), site)
    assert result == due
    assert result.tzinfo is UTC


def test_a_utc_start_counts_from_its_local_date() -> None:
    start = datetime(2026, 3, 12, 22, tzinfo=UTC)  # Friday 11:00 in Auckland (NZDT)
    assert add_span(start, ONE, "hutt") == datetime(2026, 3, 15, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "due", "elapsed"),
    [
        pytest.param(nz(2027, 9, 24), datetime(2027, 9, 27, 2, tzinfo=UTC), timedelta(hours=71), id="dst-starts"),
        pytest.param(nz(2027, 4, 2), datetime(2027, 4, 5, 3, tzinfo=UTC), timedelta(hours=73), id="dst-ends"),
    ],
)
def test_working_days_keep_the_wall_clock_across_daylight_saving(
    start: datetime, due: datetime, elapsed: timedelta
) -> None:
    result = add_span(start, ONE, "wellington")
    assert result == due
    assert result.astimezone(NZ).hour == 15
    assert result - start == elapsed


@pytest.mark.parametrize(
    ("start", "seconds", "due"),
    [
        pytest.param(nz(2026, 3, 13, 23, 59), 90, datetime(2026, 3, 13, 11, 0, 30, tzinfo=UTC), id="over-midnight"),
        pytest.param(nz(2026, 12, 24), 86400, nz(2026, 12, 25), id="elapsed-on-a-holiday"),
        pytest.param(nz(2027, 9, 26, 1, 30), 3600, nz(2027, 9, 26, 3, 30), id="across-the-dst-gap"),
        pytest.param(nz(2026, 3, 13), 0, nz(2026, 3, 13), id="zero"),
    ],
)
def test_seconds_are_elapsed_time(start: datetime, seconds: int, due: datetime) -> None:
    result = add_span(start, Span(seconds=seconds), "hutt")
    assert result == due
    assert result.tzinfo is UTC


def test_a_start_in_another_offset_is_the_same_instant() -> None:
    start = datetime(2026, 3, 13, 2, tzinfo=timezone(timedelta(hours=-5)))
    assert add_span(start, Span(seconds=60), "hutt") == datetime(2026, 3, 13, 7, 1, tzinfo=UTC)


def test_due_at_answers_a_due_request() -> None:
    request = DueRequest(start=nz(2027, 2, 5), seconds=0, working_days=1, site="hutt")
    assert due_at(request) == nz(2027, 2, 9)
    request = DueRequest(start=nz(2027, 2, 5), seconds=30, working_days=0, site="hutt")
    assert due_at(request) == nz(2027, 2, 5) + timedelta(seconds=30)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_span(datetime(2026, 3, 13, 15), ONE, "hutt")


def test_an_unknown_site_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown site atlantis"):
        is_working_day(date(2026, 3, 13), "atlantis")


def test_matariki_is_no_working_day_in_any_year_the_calendar_knows() -> None:
    """Matariki's dates are set by law for 2022-2052; each is a day off at every site."""
    for year in range(2022, 2053):
        (matariki,) = [d for d, name in holidays.country_holidays("NZ", years=year).items() if "Matariki" in name]
        assert matariki.weekday() == 4, matariki  # always a Friday
        assert not is_working_day(matariki, "hutt") and not is_working_day(matariki, "west-coast")
