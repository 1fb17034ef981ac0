"""Temporal visibility queries over Kahu's search attributes, built from checked values only.

Callers validate every value against what it may be (a known site, region, enum name or an
instant) before it gets here; `literal` refuses anything that could change the query's
meaning all the same.
"""

from __future__ import annotations

import datetime as dt
import re

_SAFE = re.compile(r"[A-Za-z0-9_.:+-]{1,64}")


def literal(value: str) -> str:
    """`value` as a quoted query literal; ValueError for anything but a plain token."""
    if not _SAFE.fullmatch(value):
        raise ValueError("refusing an unchecked value in a visibility query")
    return f"'{value}'"


def instant(value: dt.datetime) -> str:
    """An instant as an RFC 3339 literal in UTC."""
    return literal(value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def all_of(*clauses: str) -> str:
    return " AND ".join(clauses)
