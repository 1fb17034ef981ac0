"""Ids the conference service derives rather than draws, so a retry finds what it made
before: `derived_id`, and each calendar's id (a staff member's, a venue's, a participant's)."""

from __future__ import annotations

import uuid

_IDS = uuid.UUID("5d0c2a8e-7b14-4f3a-8e61-2c9a0b7d3f15")


def derived_id(*parts: str) -> str:
    """An id that is the same for the same parts."""
    return str(uuid.uuid5(_IDS, "/".join(parts)))


def staff_calendar(staff_id: str) -> str:
    return f"staff:{staff_id}"


def venue_calendar(venue_id: str) -> str:
    return f"venue:{venue_id}"


def participant_calendar(participant_id: str) -> str:
    return f"participant:{participant_id}"
