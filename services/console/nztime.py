"""Times as the console shows them: New Zealand time (Pacific/Auckland), and where a
deadline stands (on time, due soon, breached)."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from google.protobuf.timestamp_pb2 import Timestamp

NZ = ZoneInfo("Pacific/Auckland")
#: A deadline this close is "due soon".
DUE_SOON = dt.timedelta(hours=4)


def from_proto(stamp: Timestamp | None) -> dt.datetime | None:
    """A protobuf Timestamp as an aware UTC datetime; None when unset."""
    if stamp is None or (stamp.seconds == 0 and stamp.nanos == 0):
        return None
    return stamp.ToDatetime(tzinfo=dt.UTC)


def shown(when: dt.datetime | None) -> str:
    """`Tue 8 Dec 2026, 2:05 pm` in New Zealand time ("" for none)."""
    if when is None:
        return ""
    local = when.astimezone(NZ)
    # one strftime (a case page shows hundreds): the day and the hour without padding
    return local.strftime("%a %-d %b %Y, %-I:%M ") + ("am" if local.hour < 12 else "pm")


def shown_stamp(stamp: Timestamp) -> str:
    """`shown` for a protobuf Timestamp, to the minute (the form a timeline of hundreds of
    entries is shown in: no intermediate UTC datetime)."""
    if stamp.seconds == 0 and stamp.nanos == 0:
        return ""
    return _shown_minute(stamp.seconds // 60)


@functools.lru_cache(maxsize=4096)
def _shown_minute(minute: int) -> str:
    """`shown` of a minute since the epoch (a timeline's entries come in bursts: formatted once)."""
    local = dt.datetime.fromtimestamp(minute * 60, NZ)
    return local.strftime("%a %-d %b %Y, %-I:%M ") + ("am" if local.hour < 12 else "pm")


def iso(when: dt.datetime | None) -> str:
    return "" if when is None else when.astimezone(dt.UTC).isoformat(timespec="seconds")


def span(seconds: float) -> str:
    """`2 d 3 h`, `3 h 12 min`, `45 min`, `under a minute`."""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else "under a minute"


def standing(due: dt.datetime | None, breached: bool, now: dt.datetime) -> tuple[str, str]:
    """(tag text, tag colour) for a deadline: breached, due soon or on time."""
    if due is None:
        return ("no deadline", "grey")
    if breached or due <= now:
        return ("breached", "red")
    if due - now <= DUE_SOON:
        return ("due soon", "yellow")
    return ("on time", "green")


def parse_local(text: str) -> dt.datetime:
    """A `datetime-local` field's value (New Zealand time) as an aware UTC datetime;
    ValueError when it is not one."""
    naive = dt.datetime.fromisoformat(text.strip())
    if naive.tzinfo is not None:
        raise ValueError("give the time without a zone: it is New Zealand time")
    return naive.replace(tzinfo=NZ).astimezone(dt.UTC)


def parse_iso(text: str) -> dt.datetime:
    """An ISO 8601 time with its offset (as `iso` writes it), as an aware UTC datetime;
    ValueError otherwise."""
    when = dt.datetime.fromisoformat(text.strip())
    if when.tzinfo is None:
        raise ValueError("a time needs its offset")
    return when.astimezone(dt.UTC)


def local_input(when: dt.datetime) -> str:
    """`2026-12-08T14:05` in New Zealand time (a `datetime-local` field's value)."""
    return when.astimezone(NZ).strftime("%Y-%m-%dT%H:%M")
