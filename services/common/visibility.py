"""Temporal visibility queries over Kahu's search attributes, built from checked values only.

Callers validate every value against what it may be (a known site, region, enum name or an
instant) before it gets here; `literal` refuses anything that could change the query's
meaning all the same.
"""

from __future__ import annotations

import datetime as dt
import re

from services.common.authz import Restriction
from workflows import search_attributes as sa

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


def within(restriction: Restriction) -> str | None:
    """The clause that keeps a listing within the caller's sites and regions (None: all)."""
    if restriction.sites is None:
        return None
    parts = []
    if restriction.sites:
        parts.append(f"{sa.SITE.name} IN ({', '.join(literal(s) for s in sorted(restriction.sites))})")
    if restriction.regions:
        parts.append(f"{sa.REGION.name} IN ({', '.join(literal(r) for r in sorted(restriction.regions))})")
    return f"({' OR '.join(parts)})" if parts else "WorkflowId = 'none'"
