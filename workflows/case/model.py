"""Data passed into and out of the case workflow: case metadata only, no personal data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    """A case's stage; the names match kahu.v1.CaseStage without its prefix."""

    INTAKE = "INTAKE"
    TRIAGE = "TRIAGE"
    AWAITING_CONSENT = "AWAITING_CONSENT"
    ASSESSMENT = "ASSESSMENT"
    INVESTIGATION = "INVESTIGATION"
    OUTCOME = "OUTCOME"
    CLOSED = "CLOSED"


@dataclass(frozen=True)
class CaseInput:
    case_id: str
    site: str
    region: str
    concerns: list[str]
    immediate_danger: bool
    child_count: int


@dataclass(frozen=True)
class StageChange:
    case_id: str
    stage: Stage


def workflow_id(case_id: str) -> str:
    """The case workflow's ID: derived from the opaque case id only."""
    return f"case-{case_id}"
