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
    #: A young person's offending goes to a youth justice family group conference.
    YOUTH_JUSTICE_FGC = "YOUTH_JUSTICE_FGC"

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


class TriggerKind(StrEnum):
    """What starts a family group conference: a youth justice one, or (the last two) a care
    and protection one."""

    INTENTION_TO_CHARGE = "INTENTION_TO_CHARGE"
    CHILD_OFFENDER = "CHILD_OFFENDER"
    DETAINED_AFTER_DENIAL = "DETAINED_AFTER_DENIAL"
    COURT_DIRECTION = "COURT_DIRECTION"
    CHARGE_PROVED = "CHARGE_PROVED"
    #: Triage decided the youth justice pathway for a report of concern.
    TRIAGE_REFERRAL = "TRIAGE_REFERRAL"
    #: A social worker believes a child needs care or protection (an assessment's outcome,
    #: checked by a supervisor): the case starts a care and protection conference.
    CARE_AND_PROTECTION_REFERRAL = "CARE_AND_PROTECTION_REFERRAL"
    #: The Family Court directs a care and protection conference, on the court's dates.
    CARE_AND_PROTECTION_COURT_DIRECTION = "CARE_AND_PROTECTION_COURT_DIRECTION"

    @property
    def care_and_protection(self) -> bool:
        """A care and protection conference's trigger (not youth justice)."""
        return self in (TriggerKind.CARE_AND_PROTECTION_REFERRAL, TriggerKind.CARE_AND_PROTECTION_COURT_DIRECTION)

    @property
    def court(self) -> bool:
        """A court's direction: the conference carries the court's dates."""
        return self in (
            TriggerKind.COURT_DIRECTION,
            TriggerKind.CHARGE_PROVED,
            TriggerKind.CARE_AND_PROTECTION_COURT_DIRECTION,
        )


#: The triggers of youth justice conferences (the policy's `youth_justice.clocks`).
YOUTH_JUSTICE_TRIGGERS = tuple(kind for kind in TriggerKind if not kind.care_and_protection)
#: The triggers of care and protection conferences (the policy's `care_and_protection.clocks`).
CARE_AND_PROTECTION_TRIGGERS = tuple(kind for kind in TriggerKind if kind.care_and_protection)


@dataclass(frozen=True)
class ConferenceClock:
    """A trigger's statutory clocks, in days counted from the day after the trigger (or after
    the day the conference convened): the Nth day ends at midnight, Pacific/Auckland."""

    convene_days: int
    convene_days_detained: int | None = None
    complete_days: int | None = None

    def convene(self, detained: bool) -> int:
        return self.convene_days_detained if detained and self.convene_days_detained else self.convene_days


@dataclass(frozen=True)
class ConferenceHours:
    """When conferences are held: these weekdays (0 = Monday), from `start_minute` to
    `end_minute` after local midnight (1440: midnight at the end of the day), and never on
    a public holiday at the site unless `public_holidays`."""

    weekdays: list[int]
    start_minute: int
    end_minute: int
    public_holidays: bool = False


@dataclass(frozen=True)
class YouthJusticePolicy:
    """Clocks and scheduling of youth justice family group conferences. Every span here is
    elapsed time (no working days)."""

    clocks: dict[TriggerKind, ConferenceClock]
    advocate_required_min_years: int
    minimum_notice: Span
    warning_before: Span
    conference_length: Span
    slot_granularity: Span
    rescan_every: Span
    conference_hours: ConferenceHours


@dataclass(frozen=True)
class StatedDays:
    """A clock of `days` days (counted as a conference's statutory clocks are: from the day
    after, the last day ending at midnight, Pacific/Auckland), with where it comes from: the
    Act's section where the Act sets it, the practice guidance where it does not."""

    days: int
    source: str


@dataclass(frozen=True)
class StatedSpan:
    """A policy duration with where it comes from (as `StatedDays`)."""

    span: Span
    source: str


@dataclass(frozen=True)
class CareConferenceClocks:
    """A care and protection conference's clocks for one trigger: held (convened) within
    `convene` days of the trigger, its outcome (a plan, or no agreement) recorded within
    `complete` days of being held."""

    convene: StatedDays
    complete: StatedDays


@dataclass(frozen=True)
class CareAndProtectionPolicy:
    """Care and protection family group conferences (YouthJusticeConferenceWorkflow, with a
    care and protection trigger): their clocks per trigger, each with its source; a court's
    direction carries the court's own dates, these clocks only where it gives none. The
    social worker has `no_agreement_decision` to decide the next step when a conference
    agrees no plan and the case comes back to them. Scheduling as youth justice's, with the
    conference's own length and hours (family time is part of the conference)."""

    clocks: dict[TriggerKind, CareConferenceClocks]
    no_agreement_decision: StatedSpan
    minimum_notice: Span
    warning_before: Span
    conference_length: Span
    slot_granularity: Span
    rescan_every: Span
    conference_hours: ConferenceHours

    def conference_policy(self) -> YouthJusticePolicy:
        """The policy a care and protection conference's workflow runs under, in the shape
        every conference's has (its clocks and scheduling; no youth advocate)."""
        return YouthJusticePolicy(
            clocks={
                kind: ConferenceClock(convene_days=c.convene.days, complete_days=c.complete.days)
                for kind, c in self.clocks.items()
            },
            advocate_required_min_years=1,  # never: a care and protection trigger has no offence
            minimum_notice=self.minimum_notice,
            warning_before=self.warning_before,
            conference_length=self.conference_length,
            slot_granularity=self.slot_granularity,
            rescan_every=self.rescan_every,
            conference_hours=self.conference_hours,
        )


@dataclass(frozen=True)
class PlacementPolicy:
    """The placement search: how long a social worker has to select a candidate (then it
    escalates like a missed deadline), how long a held place waits for the caregiver's
    answer, and what the search considers."""

    selection_deadline: Span
    hold_expiry: Span
    #: The widest kinship counted as whānau (1 parent, 2 grandparent or sibling, 3 aunt or
    #: uncle, 4 cousin).
    max_kinship_degree: int = 4
    #: How many ranked candidates a search returns.
    max_candidates: int = 20
    #: How long after its expiry a hold still held is taken for abandoned (its search no
    #: longer runs, e.g. its workflow was terminated) and released by the placement
    #: service, so that the caregiver's places are not lost. Elapsed time only.
    release_abandoned_holds_after: Span = Span(seconds=24 * 3600)


#: Who a plan's escalations go to (PlanWorkflow): the plan's lead professional, then the
#: manager of the action's owner (each a staff member the plan names, as the escalation's
#: assignee).
LEAD_PROFESSIONAL = "lead_professional"
OWNER_MANAGER = "owner_manager"
PLAN_ROLES = (LEAD_PROFESSIONAL, OWNER_MANAGER)


@dataclass(frozen=True)
class PlansPolicy:
    """A child's plan (PlanWorkflow): each action's owner is reminded `reminder_before` its
    due date; an action not done by then, and a review not held by its date, escalate by
    `escalation` (the lead professional, then the owner's manager), on the supervisors'
    queue; a plan made without a review date is reviewed `review_interval` after it is
    made, and again that long after each review."""

    reminder_before: Span
    escalation: list[EscalationTier]
    review_interval: Span


@dataclass(frozen=True)
class CasePolicy:
    """Timeframes, deadlines and escalation tiers, in the form a workflow uses them."""

    timeframes: dict[Timeframe, Span]
    child_safety_hub_assessment: Span
    triage_deadline: Span
    consent_deadline: Span
    escalation: list[EscalationTier] = field(default_factory=list)
    #: None only in cases started before youth justice conferences existed.
    youth_justice: YouthJusticePolicy | None = None
    #: None only in cases started before the placement search existed.
    placement: PlacementPolicy | None = None
    #: How long a step may go on failing (an outage) before a person is told
    #: (workflows/attention.py). Elapsed time only.
    attention_after: Span = Span(seconds=15 * 60)
    #: Shorter triage deadlines, counted from receipt, for a report of a child in immediate
    #: danger and for one the child safety hub takes (a sole parent or carer remanded or
    #: sentenced). None: none (cases started before they existed). The shortest that
    #: applies wins (workflows/case/rules.py).
    immediate_danger_triage_deadline: Span | None = None
    child_safety_hub_triage_deadline: Span | None = None
    #: Why a deadline may be extended: code -> what it means (empty: cases started before
    #: extensions named their reason).
    extension_reasons: dict[str, str] = field(default_factory=dict)
    #: The assessment's own completion timeframe, counted from when the child was seen
    #: (the response timeframe ends then: workflows/assessment/workflows.py, patch
    #: `child-seen`). None: the assessment has no clock after the child is seen (cases
    #: started before it existed).
    assessment_completion: Span | None = None
    #: The share (percent) of critical and very urgent cases whose child is to be seen
    #: within the response timeframe: the target SLA reporting measures against.
    seen_within_timeframe_target: int = 95
    #: Which triage decisions a supervisor approves before they take effect. None: none
    #: (cases started before approval existed, and policies without it).
    triage_approval: TriageApprovalPolicy | None = None
    #: Care and protection family group conferences. None: an assessment's outcome of a
    #: family group conference starts none (cases started before they existed).
    care_and_protection: CareAndProtectionPolicy | None = None


@dataclass(frozen=True)
class TriageApprovalPolicy:
    """Which triage decisions wait for a supervisor's approval before they take effect
    (workflows/case/rules.py `approval_needed`), and the supervisor's own deadline for it
    (its breach escalates by the case's tiers)."""

    deadline: Span
    #: A decision whose pathway or timeframe differs from the rules' proposal (or made
    #: without one).
    departures: bool = True
    #: Every decision of no further action.
    no_further_action: bool = True
    #: Decisions of these pathways, whatever the proposal said.
    pathways: list[Pathway] = field(default_factory=list)


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


class JoinRule(StrEnum):
    """When a report about a child with an open case joins that case as additional
    information (services/intake/further.py); otherwise it opens a case of its own, linked
    to the open one, that needs its own decision."""

    #: Every such report joins (the default: policies from before the rule).
    ALWAYS = "always"
    #: Only one whose concerns are of the same kind as the case's, from a new notifier.
    SAME_KIND_FROM_A_NEW_NOTIFIER = "same_kind_from_a_new_notifier"


@dataclass(frozen=True)
class FurtherReportsPolicy:
    """What intake does with a report about a child whose case is open (intake's alone: not
    in a case's snapshot)."""

    join: JoinRule = JoinRule.ALWAYS


@dataclass(frozen=True)
class Policy:
    version: int
    case: CasePolicy
    triage_rules: list[TriageRule]
    further_reports: FurtherReportsPolicy = FurtherReportsPolicy()
    #: Children's plans (PlanWorkflow); None: a policy from before plans (no plan starts).
    plans: PlansPolicy | None = None
