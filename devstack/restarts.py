"""When the supervisor restarts a part that died, and when it gives up: backoff that
doubles per recent restart, and a crash loop (too many restarts in a window) that stops
the stack."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

FIRST_DELAY = 1.0
"""Seconds before the first restart of a part; each further recent restart doubles it."""
MAX_DELAY = 30.0
CRASH_LOOP_RESTARTS = 5
"""A part restarted this many times within CRASH_LOOP_WINDOW is in a crash loop."""
CRASH_LOOP_WINDOW = 120.0


class CrashLoop(Exception):
    """A part keeps dying; the message says which and how often."""


@dataclass
class Restarts:
    """The restarts of one part, by the monotonic time they happened."""

    part: str
    first_delay: float = FIRST_DELAY
    max_delay: float = MAX_DELAY
    limit: int = CRASH_LOOP_RESTARTS
    window: float = CRASH_LOOP_WINDOW
    _times: deque[float] = field(default_factory=deque)

    def next_delay(self, now: float) -> float:
        """Seconds to wait before restarting the part that died at `now`; raises CrashLoop
        when it has already been restarted `limit` times within `window`."""
        while self._times and now - self._times[0] > self.window:
            self._times.popleft()
        if len(self._times) >= self.limit:
            raise CrashLoop(f"{self.part} keeps dying ({len(self._times)} restarts within {self.window:.0f} s)")
        delay = min(self.max_delay, self.first_delay * 2.0 ** len(self._times))
        self._times.append(now + delay)
        return delay
