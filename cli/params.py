"""Command-line words to proto values and back: enum choices, durations and due times."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import typer
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from kahu.v1 import common_pb2


class Choice:
    """A proto enum as lower-case words (`CASE_STAGE_AWAITING_CONSENT` is `awaiting-consent`),
    both for parsing options and for labelling values in tables."""

    def __init__(self, enum: EnumTypeWrapper, prefix: str) -> None:
        self._prefix = prefix
        self.numbers = {self._word(name): number for name, number in enum.items() if number != 0}
        self._words = {number: word for word, number in self.numbers.items()}
        self.metavar = "[" + "|".join(self.numbers) + "]"

    def _word(self, name: str) -> str:
        return name.removeprefix(self._prefix).lower().replace("_", "-")

    def __call__(self, word: str) -> int:
        """Parse a word (or the proto name); a typo is a usage error listing the choices."""
        number = self.numbers.get(self._word(word.strip().upper().replace("-", "_")))
        if number is None:
            raise typer.BadParameter(f"{word!r} is not one of: {', '.join(self.numbers)}")
        return number

    def label(self, number: int) -> str:
        """The word for a value; "-" when unset, the number when this CLI does not know it."""
        if number == 0:
            return "-"
        return self._words.get(number, str(number))


STAGE = Choice(common_pb2.CaseStage, "CASE_STAGE_")
PATHWAY = Choice(common_pb2.Pathway, "PATHWAY_")
TIMEFRAME = Choice(common_pb2.Timeframe, "TIMEFRAME_")
OUTCOME = Choice(common_pb2.Outcome, "OUTCOME_")
DEADLINE_KIND = Choice(common_pb2.DeadlineKind, "DEADLINE_KIND_")
CONCERN = Choice(common_pb2.ConcernCategory, "CONCERN_CATEGORY_")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d+)([smhdw])")


def duration(word: str) -> int:
    """Seconds in `90`, `90s`, `30m`, `48h`, `2d`, `1w` or a sum such as `1d12h`."""
    text = word.strip().lower()
    if text.isdigit():
        return int(text)
    parts = _DURATION.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise typer.BadParameter(f"{word!r} is not a duration such as 90s, 30m, 48h, 2d or 1d12h")
    return sum(int(n) * _UNITS[u] for n, u in parts)


def due_time(word: str, now: dt.datetime | None = None) -> dt.datetime:
    """An instant from `+DURATION` (from now) or ISO 8601 (local time when it has no offset)."""
    now = now or dt.datetime.now(dt.UTC)
    text = word.strip()
    if text.startswith("+"):
        return now + dt.timedelta(seconds=duration(text[1:]))
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{word!r} is neither +DURATION (e.g. +2d) nor an ISO 8601 time") from None
    return value if value.tzinfo else value.astimezone()


def idempotency_key(given: str | None) -> str:
    """The caller's key, or a fresh one for this invocation."""
    return given or f"cli-{uuid.uuid4()}"
