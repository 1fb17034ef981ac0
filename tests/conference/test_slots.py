"""The slot search as arithmetic: the earliest slots everyone is free for, checked against
the grid-by-grid brute force on random calendars, and on the cases that matter."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from services.conference.slots import (
    Calendar,
    Rules,
    Slot,
    Venue,
    brute_force_slots,
    find_slots,
    is_public_holiday,
    local,
)
from workflows.policy.model import ConferenceHours
from workflows.policy.working_days import NZ

NINE_TO_FIVE = ConferenceHours(weekdays=[0, 1, 2, 3, 4], start_minute=9 * 60, end_minute=17 * 60)
RULES = Rules(length=2 * 3600, granularity=15 * 60, hours=NINE_TO_FIVE, site="hutt")
MONDAY = dt.date(2027, 3, 1)  # no public holiday that week in Wellington
HOUR = 3600


def t(day: dt.date, hour: int, minute: int = 0) -> int:
    return local(day, hour * 60 + minute)


def starts(slots: list[Slot]) -> list[tuple[str, str]]:
    return [(dt.datetime.fromtimestamp(s.start, NZ).strftime("%a %H:%M"), s.venue_id) for s in slots]


ROOM = Venue("room", "Room", Calendar(None, []))
WEEK = (t(MONDAY, 0), t(MONDAY + dt.timedelta(days=7), 0))


def test_nobody_busy_the_first_slot_is_monday_at_nine_and_slots_follow_the_grid() -> None:
    found = find_slots(*WEEK, [Calendar(None, [])], [ROOM], RULES, 3)
    assert starts(found) == [("Mon 09:00", "room"), ("Mon 09:15", "room"), ("Mon 09:30", "room")]
    assert all(s.end - s.start == 2 * HOUR for s in found)


def test_the_last_slot_of_a_day_ends_at_five_and_weekends_are_skipped() -> None:
    friday = MONDAY + dt.timedelta(days=4)
    busy = Calendar(None, [(WEEK[0], t(friday, 14, 45))])
    assert starts(find_slots(*WEEK, [busy], [ROOM], RULES, 2)) == [("Fri 14:45", "room"), ("Fri 15:00", "room")]
    busy_friday = Calendar(None, [(WEEK[0], t(friday, 15, 15))])
    assert find_slots(*WEEK, [busy_friday], [ROOM], RULES, 1) == []  # the week ends; Saturday is not a day


def test_working_hours_and_busy_blocks_of_everyone_required_combine() -> None:
    coordinator = Calendar(((1, 10 * 60, 16 * 60),), [])  # Mondays 10 to 4
    police = Calendar(None, [(t(MONDAY, 11), t(MONDAY, 12))])
    found = find_slots(*WEEK, [coordinator, police], [ROOM], RULES, 3)
    assert starts(found) == [("Mon 12:00", "room"), ("Mon 12:15", "room"), ("Mon 12:30", "room")]


def test_the_first_free_venue_in_order_is_chosen_and_any_venue_will_do() -> None:
    hall = Venue("hall", "Hall", Calendar(None, [(t(MONDAY, 9), t(MONDAY, 12))]))
    marae = Venue("marae", "Marae", Calendar(((1, 13 * 60, 17 * 60),), []))
    found = find_slots(*WEEK, [Calendar(None, [])], [hall, marae], RULES, 5)
    assert starts(found)[:2] == [("Mon 12:00", "hall"), ("Mon 12:15", "hall")]
    booked_hall = Venue("hall", "Hall", Calendar(None, [(t(MONDAY, 9), t(MONDAY, 17))]))
    assert starts(find_slots(*WEEK, [Calendar(None, [])], [booked_hall, marae], RULES, 1)) == [("Mon 13:00", "marae")]


def test_public_holidays_are_not_conference_days_unless_the_policy_says() -> None:
    waitangi = dt.date(2027, 2, 8)  # Waitangi Day (Saturday 6th) observed on Monday 8th
    assert is_public_holiday(waitangi, "hutt")
    window = (t(waitangi, 0), t(waitangi + dt.timedelta(days=1), 0))
    assert find_slots(*window, [Calendar(None, [])], [ROOM], RULES, 1) == []
    any_day = Rules(RULES.length, RULES.granularity, ConferenceHours([0, 1, 2, 3, 4], 540, 1020, True), "hutt")
    assert starts(find_slots(*window, [Calendar(None, [])], [ROOM], any_day, 1)) == [("Mon 09:00", "room")]


def test_the_grid_counts_from_local_midnight_across_daylight_saving() -> None:
    change = dt.date(2027, 9, 26)  # NZDT begins at 2am: a 23-hour day
    hours = Rules(3 * HOUR, 2 * HOUR, ConferenceHours(list(range(7)), 0, 24 * 60), "hutt")
    found = find_slots(t(change, 0), t(change + dt.timedelta(days=1), 0), [Calendar(None, [])], [ROOM], hours, 20)
    wall = [dt.datetime.fromtimestamp(s.start, NZ) for s in found]
    assert [w.date() for w in wall] == [change] * len(wall)
    assert found == brute_force_slots(
        t(change, 0), t(change + dt.timedelta(days=1), 0), [Calendar(None, [])], [ROOM], hours, 20
    )


#: Three weeks over Easter 2027 (Good Friday 26 March, Easter Monday 29 March).
EASTER = dt.date(2027, 3, 22)
_minutes = st.integers(min_value=0, max_value=21 * 24 * 4 - 1)
_block = st.tuples(_minutes, st.integers(min_value=1, max_value=16)).map(
    lambda b: (t(EASTER, 0) + b[0] * 900, t(EASTER, 0) + (b[0] + b[1]) * 900)
)
_hours = st.one_of(
    st.none(),
    st.lists(
        st.tuples(st.integers(1, 7), st.integers(0, 95), st.integers(1, 96)).map(
            lambda p: (p[0], min(p[1], p[2] - 1) * 15, max(p[1] + 1, p[2]) * 15)
        ),
        min_size=1,
        max_size=6,
    ).map(tuple),
)
_calendar = st.builds(Calendar, _hours, st.lists(_block, max_size=25))


@settings(max_examples=60, deadline=None)
@given(
    people=st.lists(_calendar, min_size=1, max_size=4),
    venues=st.lists(_calendar, min_size=1, max_size=3),
    length=st.sampled_from([900, 3600, 7200]),
    granularity=st.sampled_from([900, 1800, 3600]),
    limit=st.integers(1, 40),
    holidays=st.booleans(),
)
def test_the_interval_search_agrees_with_the_brute_force(
    people: list[Calendar],
    venues: list[Calendar],
    length: int,
    granularity: int,
    limit: int,
    holidays: bool,
) -> None:
    rules = Rules(length, granularity, ConferenceHours([0, 1, 2, 3, 4, 5], 8 * 60, 20 * 60, holidays), "hutt")
    rooms = [Venue(f"v{i}", f"Venue {i}", c) for i, c in enumerate(venues)]
    window = (t(EASTER, 0) + 7 * 900, t(EASTER, 0) + 21 * 24 * HOUR)
    assert find_slots(*window, people, rooms, rules, limit) == brute_force_slots(*window, people, rooms, rules, limit)
