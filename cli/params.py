"""Command-line words to proto values and back: enum choices, durations, due times, ids,
times in New Zealand time and weekly working hours."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import typer
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from kahu.v1 import common_pb2, conference_pb2, intake_pb2, placement_pb2, supervision_pb2
from workflows.policy.working_days import NZ


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
# intake: possible duplicates in the triage inbox
DUPLICATE_STATUS = Choice(intake_pb2.PossibleDuplicateStatus, "POSSIBLE_DUPLICATE_STATUS_")
# supervision: escalations' levels, steps that need attention
ESCALATION_LEVEL = Choice(supervision_pb2.EscalationLevel, "ESCALATION_LEVEL_")
ATTENTION_REASON = Choice(supervision_pb2.AttentionReason, "ATTENTION_REASON_")
ATTENTION_DECISION = Choice(supervision_pb2.AttentionDecision, "ATTENTION_DECISION_")
# placement
SEARCH_STAGE = Choice(placement_pb2.PlacementSearchStage, "PLACEMENT_SEARCH_STAGE_")
TIER = Choice(placement_pb2.PlacementTier, "PLACEMENT_TIER_")
EXCLUSION = Choice(placement_pb2.ExclusionReason, "EXCLUSION_REASON_")
HOLD_STATUS = Choice(placement_pb2.HoldStatus, "HOLD_STATUS_")
RELEASE_REASON = Choice(placement_pb2.ReleaseReason, "RELEASE_REASON_")
APPROVAL = Choice(placement_pb2.ApprovalStatus, "APPROVAL_STATUS_")
CAREGIVER_KIND = Choice(placement_pb2.CaregiverKind, "CAREGIVER_KIND_")
SUPPORT_NEED = Choice(placement_pb2.SupportNeed, "SUPPORT_NEED_")
# conference
TRIGGER = Choice(conference_pb2.TriggerKind, "TRIGGER_KIND_")
ROLE = Choice(conference_pb2.ParticipantRole, "PARTICIPANT_ROLE_")
RESPONSE = Choice(conference_pb2.InvitationResponse, "INVITATION_RESPONSE_")
CONFERENCE_STAGE = Choice(conference_pb2.ConferenceStage, "CONFERENCE_STAGE_")
CONFERENCE_DEADLINE = Choice(conference_pb2.ConferenceDeadline, "CONFERENCE_DEADLINE_")
CONFERENCE_ESCALATION_LEVEL = Choice(conference_pb2.ConferenceEscalationLevel, "CONFERENCE_ESCALATION_LEVEL_")
ROUTE = Choice(conference_pb2.NoAgreementRoute, "NO_AGREEMENT_ROUTE_")

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


_NZ_ZONE = re.compile(r"\s*(NZDT|NZST|NZT|NZ)$", re.IGNORECASE)


def nz_time(word: str, now: dt.datetime | None = None) -> dt.datetime:
    """An instant from `now`, `+DURATION` (from now), `-DURATION` (ago) or ISO 8601, where a
    time without an offset is New Zealand time (`2026-11-25 14:00`, also as printed with its
    zone: `2026-11-25 14:00 NZDT`)."""
    now = now or dt.datetime.now(dt.UTC)
    text = word.strip()
    if text.lower() == "now":
        return now
    if text[:1] in "+-" and len(text) > 1:
        seconds = duration(text[1:])
        return now + dt.timedelta(seconds=seconds if text[0] == "+" else -seconds)
    try:
        value = dt.datetime.fromisoformat(_NZ_ZONE.sub("", text))
    except ValueError:
        raise typer.BadParameter(
            f"{word!r} is not a time such as 2026-11-25 14:00 (New Zealand time), an ISO 8601 time"
            " with an offset, now, +DURATION or -DURATION"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=NZ)


def uuid_value(word: str) -> str:
    """An id that must be a UUID, in its canonical form."""
    try:
        return str(uuid.UUID(word.strip()))
    except ValueError:
        raise typer.BadParameter(f"{word!r} is not an id (a UUID)") from None


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


class Hours:
    """Weekly working periods from `DAYS HH:MM-HH:MM`: `mon-fri 09:00-17:00`, `sat 10:00-13:00`,
    `mon,wed 08:30-12:00` (New Zealand time; 24:00 is the end of the day)."""

    def __init__(self, periods: list[conference_pb2.WorkingPeriod]) -> None:
        self.periods = periods

    @staticmethod
    def parse(word: str) -> Hours:
        usage = f"{word!r} is not working hours such as 'mon-fri 09:00-17:00' or 'sat 10:00-13:00'"
        parts = word.strip().lower().split()
        if len(parts) != 2:
            raise typer.BadParameter(usage)
        days_text, clock = parts
        days: list[int] = []
        for item in days_text.split(","):
            first, _, last = item.partition("-")
            if first not in _DAYS or (last and last not in _DAYS):
                raise typer.BadParameter(f"{usage}: days are {', '.join(_DAYS)}")
            start_day, end_day = _DAYS.index(first), _DAYS.index(last or first)
            if end_day < start_day:
                raise typer.BadParameter(f"{usage}: {item} runs backwards")
            days.extend(range(start_day + 1, end_day + 2))
        start, _, end = clock.partition("-")
        minutes = [_minute(start), _minute(end)]
        if None in minutes:
            raise typer.BadParameter(usage)
        first_minute, last_minute = minutes
        assert first_minute is not None and last_minute is not None
        if not first_minute < last_minute:
            raise typer.BadParameter(f"{usage}: the end must be after the start")
        return Hours(
            [
                conference_pb2.WorkingPeriod(iso_weekday=day, start_minute=first_minute, end_minute=last_minute)
                for day in dict.fromkeys(days)
            ]
        )


def _minute(text: str) -> int | None:
    found = _CLOCK.fullmatch(text)
    if found is None:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        return None
    return hour * 60 + minute


def idempotency_key(given: str | None) -> str:
    """The caller's key, or a fresh one for this invocation."""
    return given or f"cli-{uuid.uuid4()}"
