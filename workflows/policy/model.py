"""The policy a case runs under, as plain data (safe inside the workflow sandbox).

Loaded and validated from the policy file by `workflows.policy.loader`; a case takes a
snapshot when it starts, so a policy change applies to new cases, never mid-case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Timeframe(StrEnum):
    """The response timeframe a triage decision sets."""

    CRITICAL = "CRITICAL"
    VERY_URGENT = "VERY_URGENT"
    URGENT = "URGENT"


class Pathway(StrEnum):
    """What follows triage."""

    NO_FURTHER_ACTION = "NO_FURTHER_ACTION"
    REFER_COMMUNITY_PARTNER = "REFER_COMMUNITY_PARTNER"
    REFER_STRENGTHENING_FAMILIES = "REFER_STRENGTHENING_FAMILIES"
    REFER_CHILDRENS_TEAM = "REFER_CHILDRENS_TEAM"
    CHILD_AND_FAMILY_ASSESSMENT = "CHILD_AND_FAMILY_ASSESSMENT"
    JOINT_INVESTIGATION = "JOINT_INVESTIGATION"

    @property
    def needs_consent(self) -> bool:
        return self.name.startswith("REFER_")

    @property
    def assesses(self) -> bool:
        return self in (Pathway.CHILD_AND_FAMILY_ASSESSMENT, Pathway.JOINT_INVESTIGATION)


@dataclass(frozen=True)
class Span:
    """A policy duration: elapsed seconds, or working days at the case's site (one of them)."""

    seconds: int = 0
    working_days: int = 0


@dataclass(frozen=True)
class EscalationTier:
    """Tier n is raised `after` tier n-1 (tier 1: after the deadline passes) and goes to `role`."""

    tier: int
    role: str
    after: Span


@dataclass(frozen=True)
class CasePolicy:
    """Timeframes, deadlines and escalation tiers, in the form a workflow uses them."""

    timeframes: dict[Timeframe, Span]
    child_safety_hub_assessment: Span
    triage_deadline: Span
    consent_deadline: Span
    escalation: list[EscalationTier] = field(default_factory=list)


@dataclass(frozen=True)
class RuleCondition:
    """All stated conditions must hold for a rule to fire (unset ones are ignored)."""

    concerns_any: list[str] = field(default_factory=list)
    immediate_danger: bool | None = None
    agencies_any: list[str] = field(default_factory=list)
    prior_involvement: bool | None = None
    max_child_age: int | None = None


@dataclass(frozen=True)
class TriageRule:
    """A rule that proposes a timeframe and/or a pathway when its condition holds."""

    id: str
    description: str
    when: RuleCondition
    timeframe: Timeframe | None = None
    pathway: Pathway | None = None


@dataclass(frozen=True)
class Policy:
    version: int
    case: CasePolicy
    triage_rules: list[TriageRule]
