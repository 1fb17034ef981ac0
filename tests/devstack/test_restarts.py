"""The supervisor's backoff and crash-loop rule for a part that dies."""

from __future__ import annotations

import pytest

from devstack.restarts import CrashLoop, Restarts


def test_backoff_doubles_per_recent_restart_up_to_the_cap() -> None:
    restarts = Restarts("intake", first_delay=1.0, max_delay=5.0, limit=10, window=1000.0)
    assert [restarts.next_delay(now) for now in (0.0, 2.0, 5.0, 10.0, 20.0)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_restarts_outside_the_window_are_forgotten() -> None:
    restarts = Restarts("worker", first_delay=1.0, limit=3, window=60.0)
    assert restarts.next_delay(0.0) == 1.0
    assert restarts.next_delay(10.0) == 2.0
    assert restarts.next_delay(200.0) == 1.0  # both earlier restarts are past the window


def test_a_part_restarted_too_often_in_the_window_is_a_crash_loop() -> None:
    restarts = Restarts("temporal", first_delay=1.0, limit=3, window=60.0)
    for now in (0.0, 5.0, 10.0):
        restarts.next_delay(now)
    with pytest.raises(CrashLoop, match="temporal keeps dying \\(3 restarts within 60 s\\)"):
        restarts.next_delay(20.0)
