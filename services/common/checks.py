"""Field checks shared by the domain services' request validation, and the limits they share.

Each check adds a violation naming the field to a `Violations` collector, so a request's
problems are all reported at once; none raises but `require_case_id`, for a request that
holds nothing else to check.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from enum import StrEnum
from typing import TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

from kahu.v1 import common_pb2
from services.common.convert import EnumMap, from_timestamp
from services.common.errors import FieldViolation, InvalidArgument, Violations
from services.common.sites import Site, load_sites, regions

MAX_REASON = 2000
MAX_NAME = 200
MAX_STAFF_ID = 64
#: A child or young person is under 18.
MAX_CHILD_AGE = 17
#: The highest escalation tier a request may name.
MAX_TIER = 10
#: No date a person gives (a birth, an incident, an approval) is before this year.
EARLIEST_YEAR = 1900
#: Characters no text field takes: bidirectional overrides and isolates (they make a
#: name display as something else), and in single-line fields line and paragraph separators.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_SEPARATORS = frozenset("\u2028\u2029")
#: A staff id: what `decided_by`, `allocated_by`, … and a token's subject must look like.
STAFF_ID = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_STAFF_ID}}}")
_KEY = re.compile(r"[A-Za-z0-9._:-]{8,128}")

E = TypeVar("E", bound=StrEnum)


def idempotency_key(v: Violations, value: str, field: str = "idempotency_key") -> None:
    """An idempotency key: 8-128 characters of letters, digits and . _ : -."""
    if not _KEY.fullmatch(value):
        v.add(field, "must be 8-128 characters of letters, digits and . _ : -")


def case_id(v: Violations, value: str, field: str = "case_id") -> str:
    """The case id in canonical form ("" after adding a violation)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        v.add(field, "must be a case id (UUID)")
        return ""


def conference_id(v: Violations, value: str, field: str = "conference_id") -> str:
    """The conference id in canonical form ("" after adding a violation)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        v.add(field, "must be a conference id (UUID)")
        return ""


def require_conference_id(value: str, field: str = "conference_id") -> str:
    """The conference id in canonical form; raises InvalidArgument when it is not one."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidArgument([FieldViolation(field, "must be a conference id (UUID)")]) from None


def require_case_id(value: str, field: str = "case_id") -> str:
    """The case id in canonical form; raises InvalidArgument when it is not one."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidArgument([FieldViolation(field, "must be a case id (UUID)")]) from None


def staff_id(v: Violations, value: str, field: str) -> None:
    """A staff id (required)."""
    if not value:
        v.add(field, "is required")
    elif not STAFF_ID.fullmatch(value):
        v.add(field, f"must be a staff id: 1-{MAX_STAFF_ID} characters of letters, digits and . _ -")


def refused_characters(value: str, *, multiline: bool) -> bool:
    """Whether `value` holds a control character (line breaks and tabs allowed in multiline
    text), a bidirectional override, or (single-line) a line separator."""
    allowed = "\n\r\t" if multiline else ""
    return any(
        (unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed)
        or ch in BIDI_CONTROLS
        or (not multiline and ch in LINE_SEPARATORS)
        for ch in value
    )


def text(
    v: Violations, value: str, field: str, *, limit: int = MAX_REASON, required: bool = False, multiline: bool = True
) -> None:
    """Free text: at most `limit` characters; line breaks and tabs (when `multiline`) the only
    control characters. Letters of every script, macrons and combining marks are kept as sent."""
    if required and not value.strip():
        v.add(field, "is required")
        return
    if len(value) > limit:
        v.add(field, f"must be at most {limit} characters")
    if refused_characters(value, multiline=multiline):
        v.add(field, "must not contain control characters")


def listed(v: Violations, count: int, field: str, *, maximum: int) -> bool:
    """A repeated field of at most `maximum` entries; False (after a violation) when longer."""
    if count > maximum:
        v.add(field, f"must have at most {maximum} entries")
        return False
    return True


def enum(v: Violations, number: int, emap: EnumMap[E], field: str, *, required: bool = True) -> E | None:
    """The Python value of a proto enum field (None when unset or invalid)."""
    if number not in emap.proto.values():
        v.add(field, "is not a known value")
        return None
    if number == 0:
        if required:
            v.add(field, "is required")
        return None
    return emap.from_proto(number)


def instant(v: Violations, message: Timestamp | None, field: str) -> dt.datetime | None:
    """The instant of a Timestamp field (None, after adding a violation, when unset or invalid)."""
    if message is None:
        v.add(field, "is required")
        return None
    try:
        return from_timestamp(message)
    except (ValueError, OverflowError):
        v.add(field, "is not a valid time")
        return None


def site(v: Violations, value: str, field: str = "site", *, required: bool = True) -> Site | None:
    """The site a site code names (None when unset or unknown)."""
    if not value:
        if required:
            v.add(field, "is required")
        return None
    found = load_sites().get(value)
    if found is None:
        v.add(field, "is not a known site code")
    return found


def region(v: Violations, value: str, field: str = "region", *, required: bool = False) -> None:
    """A region's name."""
    if not value:
        if required:
            v.add(field, "is required")
    elif value not in regions():
        v.add(field, "is not a known region")


def date(v: Violations, message: common_pb2.Date, field: str, *, today: dt.date | None = None) -> dt.date | None:
    """The date of a Date field (None, after adding a violation, when it is not a calendar
    date, or with `today`, when it is before EARLIEST_YEAR or after today)."""
    try:
        value = dt.date(message.year, message.month, message.day)
    except ValueError:
        v.add(field, "is not a calendar date")
        return None
    if today is None:
        return value
    if value.year < EARLIEST_YEAR:
        v.add(field, f"must not be before {EARLIEST_YEAR}")
        return None
    if value > today:
        v.add(field, "must not be in the future")
        return None
    return value


def page_size(v: Violations, value: int, *, default: int = 50, maximum: int = 500, field: str = "page_size") -> int:
    """The page size asked for (`default` when unset)."""
    if value > maximum:
        v.add(field, f"must be at most {maximum}")
    return value or default
