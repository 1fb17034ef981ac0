"""Opaque page tokens, bound to the filters they were issued for."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from services.common.errors import Violations

MAX_TOKEN = 4096


def _scope(filters: str) -> str:
    return hashlib.sha256(filters.encode()).hexdigest()[:16]


def encode(filters: str, position: dict[str, Any]) -> str:
    """A token for the page after `position` in a listing by `filters`."""
    raw = json.dumps({"f": _scope(filters), "p": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(v: Violations, token: str, filters: str, field: str = "page_token") -> dict[str, Any] | None:
    """The position in `token` (None for the first page, or after adding a violation)."""
    if not token:
        return None
    try:
        if len(token) > MAX_TOKEN:
            raise ValueError
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(data, dict) or not isinstance(data.get("p"), dict):
            raise ValueError
    except (ValueError, binascii.Error):
        v.add(field, "is not a page token from this listing")
        return None
    if data.get("f") != _scope(filters):
        v.add(field, "belongs to a listing with other filters")
        return None
    position: dict[str, Any] = data["p"]
    return position
