"""The policy file: the shipped one loads, every kind of mistake is refused with its place."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from workflows.policy.loader import (
    DEFAULT_POLICY,
    POLICY_ENV,
    PolicyError,
    load_policy,
    policy_path,
    shortened,
    write_policy,
)
from workflows.policy.model import (
    CARE_AND_PROTECTION_TRIGGERS,
    YOUTH_JUSTICE_TRIGGERS,
    EscalationTier,
    FurtherReportsPolicy,
    JoinRule,
    Pathway,
    PlacementPolicy,
    PlansPolicy,
    Span,
    StatedDays,
    Timeframe,
    TriageApprovalPolicy,
    TriggerKind,
)

SHIPPED: dict[str, Any] = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))


def test_the_shipped_policy_loads() -> None:
    policy = load_policy(DEFAULT_POLICY)
    case = policy.case
    assert policy.version == 1
    assert case.timeframes == {
        Timeframe.CRITICAL: Span(seconds=24 * 3600),
        Timeframe.VERY_URGENT: Span(seconds=48 * 3600),
        Timeframe.URGENT: Span(working_days=10),
    }
    assert case.child_safety_hub_assessment == Span(seconds=48 * 3600)
    assert case.triage_deadline == Span(seconds=24 * 3600)
    assert case.consent_deadline == Span(working_days=5)
    assert [(t.tier, t.role) for t in case.escalation] == [
        (1, "site_supervisor"),
        (2, "site_manager"),
        (3, "regional_manager"),
    ]
    assert case.escalation[0].after == Span()
    rules = {rule.id: rule for rule in policy.triage_rules}
    assert rules["immediate-danger"].timeframe is Timeframe.CRITICAL
    assert rules["sexual-abuse"].pathway is Pathway.JOINT_INVESTIGATION
    assert rules["wellbeing-first-contact"].when.prior_involvement is False
    assert case.placement == PlacementPolicy(
        selection_deadline=Span(working_days=2),
        hold_expiry=Span(seconds=48 * 3600),
        max_kinship_degree=4,
        max_candidates=20,
        release_abandoned_holds_after=Span(seconds=24 * 3600),
    )


def test_a_further_report_joins_per_the_policy_and_always_without_it(tmp_path: Path) -> None:
    assert load_policy(DEFAULT_POLICY).further_reports.join is JoinRule.SAME_KIND_FROM_A_NEW_NOTIFIER
    old = copy.deepcopy(SHIPPED)
    del old["further_reports"]
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(old, sort_keys=False), encoding="utf-8")
    assert load_policy(path).further_reports.join is JoinRule.ALWAYS  # as before the rule
    always = replace(load_policy(DEFAULT_POLICY), further_reports=FurtherReportsPolicy(JoinRule.ALWAYS))
    assert load_policy(write_policy(always, tmp_path / "always.yaml")).further_reports.join is JoinRule.ALWAYS


def test_supervisors_approve_the_decisions_the_shipped_policy_names_and_none_without_it(tmp_path: Path) -> None:
    assert load_policy(DEFAULT_POLICY).case.triage_approval == TriageApprovalPolicy(
        deadline=Span(seconds=2 * 3600),
        departures=True,
        no_further_action=True,
        pathways=[Pathway.REFER_COMMUNITY_PARTNER, Pathway.REFER_STRENGTHENING_FAMILIES, Pathway.REFER_CHILDRENS_TEAM],
    )
    old = copy.deepcopy(SHIPPED)
    del old["triage_approval"]
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(old, sort_keys=False), encoding="utf-8")
    assert load_policy(path).case.triage_approval is None  # every decision takes effect at once
    short = shortened(load_policy(DEFAULT_POLICY), approval_deadline=5).case.triage_approval
    assert short is not None and short.deadline == Span(seconds=5) and short.no_further_action


def test_placement_spans_can_be_shortened() -> None:
    short = shortened(load_policy(DEFAULT_POLICY), selection_deadline=60, hold_expiry=30).case.placement
    assert short is not None and (short.selection_deadline, short.hold_expiry) == (Span(seconds=60), Span(seconds=30))


def test_policy_path_defaults_to_the_repository_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POLICY_ENV, raising=False)
    assert policy_path() == DEFAULT_POLICY
    assert load_policy() == load_policy(DEFAULT_POLICY)


def test_kahu_policy_file_is_respected(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    short = shortened(load_policy(DEFAULT_POLICY), critical=5, urgent=30, triage_deadline=3, tier1=0, tier2=2)
    path = write_policy(short, tmp_path / "short.yaml")
    monkeypatch.setenv(POLICY_ENV, str(path))
    assert policy_path() == path
    loaded = load_policy()
    assert loaded == short
    assert loaded.case.timeframes[Timeframe.URGENT] == Span(seconds=30)
    assert loaded.case.escalation[1] == EscalationTier(tier=2, role="site_manager", after=Span(seconds=2))


def test_write_policy_round_trips_the_shipped_policy(tmp_path: Path) -> None:
    policy = load_policy(DEFAULT_POLICY)
    assert load_policy(write_policy(policy, tmp_path / "copy.yaml")) == policy


@pytest.mark.parametrize("name", ["fortnight", "tier4", "tier0", "CRITICAL"])
def test_shortened_refuses_an_unknown_span(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        shortened(load_policy(DEFAULT_POLICY), **{name: 1})


Mutation = Callable[[dict[str, Any]], object]


def _set(*keys: str | int, value: object) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return mutate


def _delete(*keys: str | int) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return mutate


RULE = ("triage_rules", 1)
TIERS = ("escalation", "tiers")
UNITS = "must be one of seconds/minutes/hours/days/working_days"

BAD: list[tuple[str, Mutation, str]] = [
    ("unknown-top-key", _set("colour", value="blue"), "colour: unknown key"),
    ("version", _set("version", value=2), "version: must be 1"),
    ("version-text", _set("version", value="1"), "version: must be 1"),
    ("missing-deadline", _delete("triage_deadline"), "triage_deadline: missing"),
    ("missing-escalation", _delete("escalation"), "escalation: missing"),
    ("timeframes-not-mapping", _set("timeframes", value=[]), "timeframes: must be a mapping"),
    ("missing-timeframe", _delete("timeframes", "URGENT"), "timeframes.URGENT: missing"),
    ("unknown-timeframe", _set("timeframes", "SOON", value={"hours": 1}), "timeframes.SOON: unknown key"),
    ("unknown-unit", _set(*TIERS, 1, "after", value={"fortnights": 1}), f"escalation.tiers[1].after: {UNITS}"),
    ("two-units", _set("triage_deadline", value={"hours": 1, "minutes": 5}), "triage_deadline: must be one duration"),
    ("bare-number", _set("triage_deadline", value=24), "triage_deadline: must be one duration"),
    ("zero", _set("timeframes", "CRITICAL", value={"hours": 0}), "timeframes.CRITICAL.hours: must be a positive"),
    ("negative", _set("consent_deadline", value={"working_days": -1}), "consent_deadline.working_days: must be a pos"),
    ("fraction", _set("triage_deadline", value={"hours": 1.5}), "triage_deadline.hours: must be a positive"),
    ("text-amount", _set("triage_deadline", value={"hours": "24"}), "triage_deadline.hours: must be a positive"),
    ("bool-amount", _set("triage_deadline", value={"days": True}), "triage_deadline.days: must be a positive"),
    ("tier2-zero", _set(*TIERS, 1, "after", value={"seconds": 0}), "escalation.tiers[1].after.seconds: must be a pos"),
    ("tier1-negative", _set(*TIERS, 0, "after", value={"seconds": -1}), "escalation.tiers[0].after.seconds: must be"),
    ("no-tiers", _set(*TIERS, value=[]), "escalation.tiers: must be a non-empty list"),
    (
        "urgent-triage-longer",
        _set("immediate_danger_triage_deadline", value={"hours": 48}),
        "immediate_danger_triage_deadline: must not be longer than triage_deadline",
    ),
    (
        "hub-triage-working-days",
        _set("child_safety_hub_triage_deadline", value={"working_days": 1}),
        "child_safety_hub_triage_deadline: must be elapsed time",
    ),
    ("escalation-key", _set("escalation", "grace", value=1), "escalation.grace: unknown key"),
    ("tier-order", _set(*TIERS, 1, "tier", value=3), "escalation.tiers[1].tier: must be 2"),
    ("tier-from-zero", _set(*TIERS, 0, "tier", value=0), "escalation.tiers[0].tier: must be 1"),
    ("tier-missing-role", _delete(*TIERS, 2, "role"), "escalation.tiers[2].role: missing"),
    ("tier-role", _set(*TIERS, 2, "role", value="minister"), "escalation.tiers[2].role: must be one of site_super"),
    ("tier-key", _set(*TIERS, 0, "notify", value=True), "escalation.tiers[0].notify: unknown key"),
    ("tier-not-mapping", _set(*TIERS, 0, value="site_supervisor"), "escalation.tiers[0]: must be a mapping"),
    ("no-rules", _set("triage_rules", value=[]), "triage_rules: must be a non-empty list"),
    ("rule-key", _set(*RULE, "priority", value=1), "triage_rules[1].priority: unknown key"),
    ("rule-missing-when", _delete(*RULE, "when"), "triage_rules[1].when: missing"),
    ("rule-proposes-nothing", lambda d: [d["triage_rules"][1].pop(k) for k in ("timeframe", "pathway")], "[1]: must"),
    ("rule-id-duplicate", _set("triage_rules", 3, "id", value="immediate-danger"), "triage_rules[3].id: immediate-"),
    ("rule-id-format", _set(*RULE, "id", value="Sexual Abuse"), "triage_rules[1].id: must be lower-case"),
    ("rule-id-number", _set(*RULE, "id", value=7), "triage_rules[1].id: must be non-empty text"),
    ("rule-description", _set(*RULE, "description", value=" "), "triage_rules[1].description: must be non-empty"),
    ("rule-timeframe", _set(*RULE, "timeframe", value="SOON"), "triage_rules[1].timeframe: must be one of CRITICAL"),
    ("rule-pathway", _set(*RULE, "pathway", value="PRISON"), "triage_rules[1].pathway: must be one of NO_FURTHER"),
    ("when-empty", _set(*RULE, "when", value={}), "triage_rules[1].when: must state at least one condition"),
    ("when-key", _set(*RULE, "when", "colour", value="red"), "triage_rules[1].when.colour: unknown key"),
    ("concern", _set(*RULE, "when", "concerns_any", value=["SEXUAL_ABUSE"]), "when.concerns_any[0]: must be one of"),
    ("concern-unspecified", _set(*RULE, "when", "concerns_any", value=["CONCERN_CATEGORY_UNSPECIFIED"]), "any[0]:"),
    ("concerns-empty", _set(*RULE, "when", "concerns_any", value=[]), "when.concerns_any: must be a non-empty list"),
    ("concerns-text", _set(*RULE, "when", "concerns_any", value="CONCERN_CATEGORY_NEGLECT"), "concerns_any: must be"),
    (
        "concern-twice",
        _set(*RULE, "when", "concerns_any", value=["CONCERN_CATEGORY_NEGLECT", "CONCERN_CATEGORY_NEGLECT"]),
        "triage_rules[1].when.concerns_any: names the same value twice",
    ),
    ("agency", _set(*RULE, "when", "agencies_any", value=["AGENCY_FBI"]), "triage_rules[1].when.agencies_any[0]: must"),
    ("danger-text", _set(*RULE, "when", "immediate_danger", value="yes"), "when.immediate_danger: must be true or"),
    ("prior-number", _set(*RULE, "when", "prior_involvement", value=1), "when.prior_involvement: must be true or"),
    ("age-negative", _set(*RULE, "when", "max_child_age", value=-1), "when.max_child_age: must be a whole number"),
    ("age-text", _set(*RULE, "when", "max_child_age", value="two"), "when.max_child_age: must be a whole number"),
    ("placement-missing", _delete("placement"), "placement: missing"),
    ("placement-key", _set("placement", "radius", value=5), "placement.radius: unknown key"),
    ("placement-hold", _delete("placement", "hold_expiry"), "placement.hold_expiry: missing"),
    ("placement-zero", _set("placement", "selection_deadline", value={"hours": 0}), "selection_deadline.hours: must"),
    ("placement-degree", _set("placement", "max_kinship_degree", value=5), "max_kinship_degree: must be at most 4"),
    ("placement-candidates", _set("placement", "max_candidates", value=0), "max_candidates: must be a positive"),
    ("placement-many", _set("placement", "max_candidates", value=101), "max_candidates: must be at most 100"),
    (
        "placement-abandoned-working-days",
        _set("placement", "release_abandoned_holds_after", value={"working_days": 1}),
        "placement.release_abandoned_holds_after: must be elapsed time",
    ),
    (
        "placement-abandoned",
        _delete("placement", "release_abandoned_holds_after"),
        "placement.release_abandoned_holds_after: missing",
    ),
    ("further-join", _set("further_reports", "join", value="never"), "further_reports.join: must be one of always"),
    ("further-missing-join", _set("further_reports", value={}), "further_reports.join: missing"),
    ("further-key", _set("further_reports", "within", value=3), "further_reports.within: unknown key"),
    ("further-not-mapping", _set("further_reports", value="always"), "further_reports: must be a mapping"),
    ("approval-deadline", _delete("triage_approval", "deadline"), "triage_approval.deadline: missing"),
    (
        "approval-pathway",
        _set("triage_approval", "pathways", value=["REFER_ELSEWHERE"]),
        "triage_approval.pathways[0]: must be one of NO_FURTHER_ACTION",
    ),
    (
        "approval-pathway-twice",
        _set("triage_approval", "pathways", value=["REFER_CHILDRENS_TEAM", "REFER_CHILDRENS_TEAM"]),
        "triage_approval.pathways: names the same value twice",
    ),
    ("approval-flag", _set("triage_approval", "departures", value="yes"), "triage_approval.departures: must be true"),
    ("approval-key", _set("triage_approval", "by", value="sup"), "triage_approval.by: unknown key"),
    ("approval-span", _set("triage_approval", "deadline", value={"hours": 0}), "triage_approval.deadline.hours"),
]


@pytest.mark.parametrize(("mutate", "expected"), [pytest.param(m, e, id=i) for i, m, e in BAD])
def test_a_bad_policy_names_the_file_and_the_place(tmp_path: Path, mutate: Mutation, expected: str) -> None:
    data = copy.deepcopy(SHIPPED)
    mutate(data)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert expected in str(raised.value)


def test_tier_one_may_start_at_the_breach_or_later(tmp_path: Path) -> None:
    data = copy.deepcopy(SHIPPED)
    data["escalation"]["tiers"][0]["after"] = {"minutes": 15}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert load_policy(path).case.escalation[0].after == Span(seconds=900)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", ": must be a mapping", id="empty"),
        pytest.param("- version: 1\n", ": must be a mapping", id="list"),
        pytest.param("version: 1\ntimeframes: [\n", ": line 3 column 1: ", id="syntax"),
        pytest.param("version: 1\nversion: 1\n", ": line 2 column 1: duplicate key 'version'", id="duplicate-key"),
        pytest.param(
            "timeframes:\n  URGENT: {hours: 1}\n  URGENT: {hours: 2}\n", ": line 3 column 3: dup", id="dup-in"
        ),
    ],
)
def test_unreadable_yaml_names_the_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match="^" + str(path).replace("\\", "\\\\")) as raised:
        load_policy(path)
    assert expected in str(raised.value)


def test_a_missing_file_is_a_policy_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nowhere.yaml"
    monkeypatch.setenv(POLICY_ENV, str(missing))
    with pytest.raises(PolicyError, match=r"nowhere\.yaml: cannot read"):
        load_policy()


# -- youth justice family group conferences ----------------------------------------------


def test_the_shipped_youth_justice_clocks_are_the_statutory_ones() -> None:
    yj = load_policy(DEFAULT_POLICY).case.youth_justice
    assert yj is not None
    court = yj.clocks[TriggerKind.COURT_DIRECTION]
    assert (court.convene(detained=True), court.convene(detained=False), court.complete_days) == (7, 14, 7)
    charge = yj.clocks[TriggerKind.INTENTION_TO_CHARGE]
    assert (charge.convene(detained=False), charge.complete_days) == (21, None)
    assert set(yj.clocks) == set(YOUTH_JUSTICE_TRIGGERS)
    assert yj.advocate_required_min_years == 10
    assert yj.minimum_notice == Span(seconds=48 * 3600) and yj.warning_before == Span(seconds=2 * 86400)
    assert (yj.conference_length, yj.slot_granularity) == (Span(seconds=7200), Span(seconds=900))
    hours = yj.conference_hours
    assert (hours.weekdays, hours.start_minute, hours.end_minute, hours.public_holidays) == (
        [0, 1, 2, 3, 4],
        540,
        1020,
        False,
    )


YJ = ("youth_justice",)
CLOCK = (*YJ, "clocks", "COURT_DIRECTION")
HOURS = (*YJ, "conference_hours")

YJ_BAD: list[tuple[str, Mutation, str]] = [
    ("missing", _delete(*YJ), "youth_justice: missing"),
    ("unknown-key", _set(*YJ, "colour", value="red"), "youth_justice.colour: unknown key"),
    ("missing-trigger", _delete(*YJ, "clocks", "CHARGE_PROVED"), "youth_justice.clocks.CHARGE_PROVED: missing"),
    ("unknown-trigger", _set(*YJ, "clocks", "ARREST", value={"convene_days": 7}), "clocks.ARREST: unknown key"),
    ("clock-missing", _delete(*CLOCK, "convene_days"), "clocks.COURT_DIRECTION.convene_days: missing"),
    ("clock-zero", _set(*CLOCK, "convene_days", value=0), "COURT_DIRECTION.convene_days: must be a positive"),
    ("clock-span", _set(*CLOCK, "complete_days", value={"days": 7}), "COURT_DIRECTION.complete_days: must be a pos"),
    ("detained-longer", _set(*CLOCK, "convene_days_detained", value=15), "convene_days_detained: must not be longer"),
    ("clock-key", _set(*CLOCK, "within", value=3), "clocks.COURT_DIRECTION.within: unknown key"),
    ("years", _set(*YJ, "advocate_required_min_years", value=0), "advocate_required_min_years: must be a positive"),
    ("notice-working-days", _set(*YJ, "minimum_notice", value={"working_days": 2}), "minimum_notice: must be elapsed"),
    ("warning-zero", _set(*YJ, "warning_before", value={"hours": 0}), "warning_before.hours: must be a positive"),
    ("grid", _set(*YJ, "slot_granularity", value={"minutes": 7}), "slot_granularity: must divide a day"),
    ("length", _set(*YJ, "conference_length", value={"hours": 9}), "conference_length: must fit within"),
    ("rescan", _delete(*YJ, "rescan_every"), "youth_justice.rescan_every: missing"),
    ("weekday", _set(*HOURS, "weekdays", value=["MONDAY"]), "conference_hours.weekdays[0]: must be one of MON"),
    ("unquoted-time", _set(*HOURS, "to", value=1020), 'conference_hours.to: must be a local time "HH:MM"'),
    ("bad-time", _set(*HOURS, "from", value="9am"), 'conference_hours.from: must be a local time "HH:MM"'),
    ("backwards", _set(*HOURS, "to", value="08:00"), "conference_hours.to: must be later than from"),
    ("holidays", _set(*HOURS, "public_holidays", value="no"), "conference_hours.public_holidays: must be true or"),
]


@pytest.mark.parametrize(("mutate", "expected"), [pytest.param(m, e, id=i) for i, m, e in YJ_BAD])
def test_a_bad_youth_justice_section_names_the_place(tmp_path: Path, mutate: Mutation, expected: str) -> None:
    data = copy.deepcopy(SHIPPED)
    mutate(data)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert expected in str(raised.value)


def test_conference_hours_may_run_to_midnight_and_include_public_holidays(tmp_path: Path) -> None:
    data = copy.deepcopy(SHIPPED)
    data["youth_justice"]["conference_hours"] = {
        "weekdays": ["SAT", "SUN"],
        "from": "00:00",
        "to": "24:00",
        "public_holidays": True,
    }
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    hours = load_policy(path).case.youth_justice.conference_hours  # type: ignore[union-attr]
    assert (hours.weekdays, hours.start_minute, hours.end_minute, hours.public_holidays) == ([5, 6], 0, 1440, True)
    assert load_policy(write_policy(load_policy(path), tmp_path / "again.yaml")) == load_policy(path)


def test_the_shipped_plan_policy_reminds_three_days_ahead_and_escalates_lead_then_manager() -> None:
    plans = load_policy(DEFAULT_POLICY).plans
    assert plans == PlansPolicy(
        reminder_before=Span(seconds=3 * 86400),
        escalation=[
            EscalationTier(tier=1, role="lead_professional", after=Span(seconds=0)),
            EscalationTier(tier=2, role="owner_manager", after=Span(working_days=5)),
        ],
        review_interval=Span(seconds=90 * 86400),
    )
    short = shortened(load_policy(DEFAULT_POLICY), plan_reminder_before=2, plan_tier2=5, plan_review_interval=9)
    assert short.plans == PlansPolicy(
        reminder_before=Span(seconds=2),
        escalation=[
            EscalationTier(tier=1, role="lead_professional", after=Span(seconds=0)),
            EscalationTier(tier=2, role="owner_manager", after=Span(seconds=5)),
        ],
        review_interval=Span(seconds=9),
    )


def test_a_policy_without_plans_loads_without_them(tmp_path: Path) -> None:
    data = copy.deepcopy(SHIPPED)
    del data["plans"]
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert load_policy(path).plans is None


PLAN_TIERS = ("plans", "escalation", "tiers")
PLANS_BAD: list[tuple[str, Mutation, str]] = [
    ("unknown-key", _set("plans", "colour", value="blue"), "plans.colour: unknown key"),
    ("missing-review", _delete("plans", "review_interval"), "plans.review_interval: missing"),
    ("reminder-working-days", _set("plans", "reminder_before", value={"working_days": 1}), "must be elapsed"),
    ("reminder-zero", _set("plans", "reminder_before", value={"days": 0}), "plans.reminder_before.days: must be"),
    ("case-role", _set(*PLAN_TIERS, 0, "role", value="site_manager"), "plans.escalation.tiers[0].role: must be one"),
    ("no-tiers", _set(*PLAN_TIERS, value=[]), "plans.escalation.tiers: must be a non-empty list"),
    (
        "order",
        _set(
            *PLAN_TIERS,
            value=[
                {"tier": 1, "role": "owner_manager", "after": {"seconds": 0}},
                {"tier": 2, "role": "lead_professional", "after": {"days": 1}},
            ],
        ),
        "plans.escalation.tiers: must go to lead_professional then owner_manager",
    ),
    ("tier-number", _set(*PLAN_TIERS, 1, "tier", value=3), "plans.escalation.tiers[1].tier: must be 2"),
]


@pytest.mark.parametrize(("mutate", "expected"), [pytest.param(m, e, id=i) for i, m, e in PLANS_BAD])
def test_a_bad_plans_section_names_the_place(tmp_path: Path, mutate: Mutation, expected: str) -> None:
    data = copy.deepcopy(SHIPPED)
    mutate(data)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert expected in str(raised.value)


# -- care and protection family group conferences ----------------------------------------


def test_the_shipped_care_and_protection_clocks_each_state_their_source() -> None:
    care = load_policy(DEFAULT_POLICY).case.care_and_protection
    assert care is not None
    assert (
        set(care.clocks)
        == set(CARE_AND_PROTECTION_TRIGGERS)
        == {
            TriggerKind.CARE_AND_PROTECTION_REFERRAL,
            TriggerKind.CARE_AND_PROTECTION_COURT_DIRECTION,
        }
    )
    referral = care.clocks[TriggerKind.CARE_AND_PROTECTION_REFERRAL]
    court = care.clocks[TriggerKind.CARE_AND_PROTECTION_COURT_DIRECTION]
    assert (referral.convene.days, referral.complete.days) == (21, 14)
    assert (court.convene.days, court.complete.days) == (14, 28)
    # the Act where it sets the clock, the practice guidance where it does not
    assert "s 19(4)" in court.complete.source and "28 days" in court.complete.source
    for clock in (referral.convene, referral.complete, care.no_agreement_decision):
        assert clock.source.startswith("Practice guidance.")
    assert care.no_agreement_decision.span == Span(working_days=5)
    # a conference's workflow runs the care and protection clocks in the shape every conference has
    conference = care.conference_policy()
    assert set(conference.clocks) == set(CARE_AND_PROTECTION_TRIGGERS)
    assert conference.clocks[TriggerKind.CARE_AND_PROTECTION_REFERRAL].complete_days == 14
    assert conference.conference_length == Span(seconds=4 * 3600)
    assert conference.minimum_notice == Span(seconds=3 * 86400)
    hours = conference.conference_hours
    assert (hours.weekdays, hours.start_minute, hours.end_minute) == ([0, 1, 2, 3, 4, 5], 540, 1200)


def test_a_policy_without_care_and_protection_loads_without_it(tmp_path: Path) -> None:
    data = copy.deepcopy(SHIPPED)
    del data["care_and_protection"]
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert load_policy(path).case.care_and_protection is None
    assert load_policy(write_policy(load_policy(path), tmp_path / "again.yaml")) == load_policy(path)


def test_the_care_and_protection_section_round_trips_with_its_sources(tmp_path: Path) -> None:
    policy = load_policy(DEFAULT_POLICY)
    again = load_policy(write_policy(policy, tmp_path / "again.yaml"))
    assert again.case.care_and_protection == policy.case.care_and_protection
    care = again.case.care_and_protection
    assert care is not None
    convene = care.clocks[TriggerKind.CARE_AND_PROTECTION_REFERRAL].convene
    assert convene == StatedDays(21, convene.source) and "ss 18, 20 and 21" in convene.source


CP = ("care_and_protection",)
CP_CLOCK = (*CP, "clocks", "CARE_AND_PROTECTION_REFERRAL")
CP_BAD: list[tuple[str, Mutation, str]] = [
    ("unknown-key", _set(*CP, "colour", value="red"), "care_and_protection.colour: unknown key"),
    (
        "missing-trigger",
        _delete(*CP, "clocks", "CARE_AND_PROTECTION_COURT_DIRECTION"),
        "care_and_protection.clocks.CARE_AND_PROTECTION_COURT_DIRECTION: missing",
    ),
    (
        "youth-justice-trigger",
        _set(*CP, "clocks", "COURT_DIRECTION", value={}),
        "care_and_protection.clocks.COURT_DIRECTION: unknown key",
    ),
    ("missing-clock", _delete(*CP_CLOCK, "complete"), "clocks.CARE_AND_PROTECTION_REFERRAL.complete: missing"),
    ("missing-source", _delete(*CP_CLOCK, "convene", "source"), "CARE_AND_PROTECTION_REFERRAL.convene.source: missing"),
    ("empty-source", _set(*CP_CLOCK, "convene", "source", value="  "), "convene.source: must be non-empty text"),
    ("long-source", _set(*CP_CLOCK, "convene", "source", value="x" * 501), "convene.source: must be at most 500"),
    ("zero-days", _set(*CP_CLOCK, "complete", "days", value=0), "complete.days: must be a positive whole number"),
    ("too-many-days", _set(*CP_CLOCK, "convene", "days", value=400), "convene.days: must be at most 366"),
    ("bare-days", _set(*CP_CLOCK, "convene", value=21), "REFERRAL.convene: must be a mapping"),
    ("clock-key", _set(*CP_CLOCK, "within", value=3), "clocks.CARE_AND_PROTECTION_REFERRAL.within: unknown key"),
    (
        "decision-source",
        _delete(*CP, "no_agreement_decision", "source"),
        "care_and_protection.no_agreement_decision.source: missing",
    ),
    (
        "decision-span",
        _set(*CP, "no_agreement_decision", "span", value={"fortnights": 1}),
        "care_and_protection.no_agreement_decision.span: must be one of",
    ),
    ("length", _set(*CP, "conference_length", value={"hours": 12}), "care_and_protection.conference_length: must fit"),
    ("grid", _set(*CP, "slot_granularity", value={"minutes": 7}), "care_and_protection.slot_granularity: must divide"),
    ("notice", _set(*CP, "minimum_notice", value={"working_days": 2}), "minimum_notice: must be elapsed"),
    ("hours", _set(*CP, "conference_hours", "weekdays", value=["SABBATH"]), "conference_hours.weekdays[0]: must be"),
]


@pytest.mark.parametrize(("mutate", "expected"), [pytest.param(m, e, id=i) for i, m, e in CP_BAD])
def test_a_bad_care_and_protection_section_names_the_place(tmp_path: Path, mutate: Mutation, expected: str) -> None:
    data = copy.deepcopy(SHIPPED)
    mutate(data)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert expected in str(raised.value)
