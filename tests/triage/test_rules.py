"""The triage rules engine: the shipped rules express the domain; precedence and invariants hold."""

from __future__ import annotations

from itertools import combinations, permutations
from typing import Any

import pytest

from services.triage.rules import STATUTORY, fires, propose
from workflows.case.model import CaseFacts
from workflows.policy.loader import DEFAULT_POLICY, load_policy
from workflows.policy.model import Pathway, RuleCondition, Timeframe, TriageRule

SHIPPED = load_policy(DEFAULT_POLICY).triage_rules

CRITICAL, VERY_URGENT, URGENT = Timeframe.CRITICAL, Timeframe.VERY_URGENT, Timeframe.URGENT
NFA = Pathway.NO_FURTHER_ACTION
COMMUNITY = Pathway.REFER_COMMUNITY_PARTNER
FAMILIES = Pathway.REFER_STRENGTHENING_FAMILIES
CHILDRENS_TEAM = Pathway.REFER_CHILDRENS_TEAM
YOUTH_JUSTICE = Pathway.YOUTH_JUSTICE_FGC
ASSESSMENT = Pathway.CHILD_AND_FAMILY_ASSESSMENT
JOINT = Pathway.JOINT_INVESTIGATION

#: The pathways from the least to the most intensive response, as the practice guidance
#: orders them (written here, not read from the rules engine).
LEAST_TO_MOST_INTENSIVE = (NFA, COMMUNITY, FAMILIES, CHILDRENS_TEAM, YOUTH_JUSTICE, ASSESSMENT, JOINT)
#: The ids the statutory invariants are listed under among the fired rules.
IMMEDIATE_DANGER = "statutory:immediate-danger"
CHILD_SAFETY_HUB = "statutory:child-safety-hub"


def facts(
    *concerns: str,
    danger: bool = False,
    agency: str = "AGENCY_CONTACT_CENTRE",
    prior: bool = False,
    age: int | None = 8,
    hub: bool = False,
) -> CaseFacts:
    return CaseFacts(
        concerns=[f"CONCERN_CATEGORY_{concern}" for concern in concerns],
        immediate_danger=danger,
        agency=agency,
        prior_involvement=prior,
        youngest_child_age=age,
        child_safety_hub=hub,
    )


def rule(rule_id: str, timeframe: Timeframe | None = None, pathway: Pathway | None = None, **when: Any) -> TriageRule:
    """A rule on the conditions in `when` (by default: the report is about neglect)."""
    condition = RuleCondition(**(when or {"concerns_any": ["CONCERN_CATEGORY_NEGLECT"]}))
    return TriageRule(id=rule_id, description=rule_id, when=condition, timeframe=timeframe, pathway=pathway)


SHIPPED_CASES = [
    (
        "danger",
        facts("GENERAL_WELLBEING", danger=True),
        ["immediate-danger", "wellbeing-first-contact"],
        CRITICAL,
        JOINT,
    ),
    ("sexual-abuse", facts("SEXUAL_ABUSE"), ["sexual-abuse"], VERY_URGENT, JOINT),
    ("sexual-abuse-age-4", facts("SEXUAL_ABUSE", age=4), ["sexual-abuse", "sexual-abuse-young-child"], CRITICAL, JOINT),
    ("sexual-abuse-age-5", facts("SEXUAL_ABUSE", age=5), ["sexual-abuse"], VERY_URGENT, JOINT),
    ("physical-abuse", facts("PHYSICAL_ABUSE"), ["physical-abuse"], VERY_URGENT, ASSESSMENT),
    (
        "physical-abuse-police",
        facts("PHYSICAL_ABUSE", agency="AGENCY_POLICE"),
        ["physical-abuse", "physical-abuse-injury-seen"],
        VERY_URGENT,
        JOINT,
    ),
    (
        "physical-abuse-hospital",
        facts("PHYSICAL_ABUSE", agency="AGENCY_HEALTH_NZ"),
        ["physical-abuse", "physical-abuse-injury-seen"],
        VERY_URGENT,
        JOINT,
    ),
    (
        "physical-abuse-infant",
        facts("PHYSICAL_ABUSE", age=1),
        ["physical-abuse", "physical-abuse-infant"],
        CRITICAL,
        JOINT,
    ),
    ("neglect", facts("NEGLECT"), ["neglect"], URGENT, ASSESSMENT),
    ("neglect-age-unknown", facts("NEGLECT", age=None), ["neglect"], URGENT, ASSESSMENT),
    ("neglect-infant", facts("NEGLECT", age=1), ["neglect", "neglect-infant"], VERY_URGENT, ASSESSMENT),
    ("neglect-age-2", facts("NEGLECT", age=2), ["neglect"], URGENT, ASSESSMENT),
    ("family-violence", facts("FAMILY_VIOLENCE"), ["family-violence"], VERY_URGENT, ASSESSMENT),
    ("emotional-harm", facts("EMOTIONAL_HARM"), ["emotional-harm"], URGENT, ASSESSMENT),
    ("carer-custody", facts("CARER_ENTERING_CUSTODY"), ["carer-entering-custody"], VERY_URGENT, ASSESSMENT),
    (
        "child-safety-hub",
        facts("CARER_ENTERING_CUSTODY", agency="AGENCY_CHILD_SAFETY_HUB", hub=True),
        ["carer-entering-custody", "child-safety-hub"],
        VERY_URGENT,
        ASSESSMENT,
    ),
    ("youth-offending", facts("YOUTH_OFFENDING"), ["youth-offending"], None, CHILDRENS_TEAM),
    ("wellbeing-new", facts("GENERAL_WELLBEING"), ["wellbeing-first-contact"], None, COMMUNITY),
    ("wellbeing-known", facts("GENERAL_WELLBEING", prior=True), ["wellbeing-known-family"], None, FAMILIES),
    ("nothing", facts(), [], None, NFA),
    (
        "many-in-file-order",
        facts("YOUTH_OFFENDING", "NEGLECT", "SEXUAL_ABUSE"),
        ["sexual-abuse", "neglect", "youth-offending"],
        VERY_URGENT,
        JOINT,
    ),
]


@pytest.mark.parametrize(
    ("case_facts", "fired", "timeframe", "pathway"),
    [pytest.param(f, r, t, p, id=i) for i, f, r, t, p in SHIPPED_CASES],
)
def test_the_shipped_rules(
    case_facts: CaseFacts, fired: list[str], timeframe: Timeframe | None, pathway: Pathway
) -> None:
    proposal = propose(case_facts, SHIPPED)
    assert (proposal.fired_rules, proposal.timeframe, proposal.pathway) == (fired, timeframe, pathway)


def test_every_shipped_rule_is_exercised() -> None:
    exercised = {rule_id for _, _, fired, _, _ in SHIPPED_CASES for rule_id in fired}
    assert exercised == {rule.id for rule in SHIPPED}


@pytest.mark.parametrize("order", list(permutations(range(4))))
def test_most_urgent_timeframe_and_most_intensive_pathway_win(order: tuple[int, ...]) -> None:
    rules = [
        rule("a", URGENT, COMMUNITY),
        rule("b", CRITICAL),
        rule("c", VERY_URGENT, ASSESSMENT),
        rule("d", None, JOINT),
    ]
    chosen = [rules[i] for i in order]
    proposal = propose(facts("NEGLECT"), chosen)
    assert (proposal.timeframe, proposal.pathway) == (CRITICAL, JOINT)
    assert proposal.fired_rules == [r.id for r in chosen]


def test_every_pathway_has_its_place_in_the_order() -> None:
    assert set(LEAST_TO_MOST_INTENSIVE) == set(Pathway)


@pytest.mark.parametrize(("lower", "higher"), list(combinations(LEAST_TO_MOST_INTENSIVE, 2)))
def test_pathway_intensity(lower: Pathway, higher: Pathway) -> None:
    for rules in (
        [rule("lo", pathway=lower), rule("hi", pathway=higher)],
        [rule("hi", pathway=higher), rule("lo", pathway=lower)],
    ):
        assert propose(facts("NEGLECT"), rules).pathway is higher


@pytest.mark.parametrize(
    ("timeframes", "expected"),
    [([URGENT, VERY_URGENT], VERY_URGENT), ([CRITICAL, URGENT], CRITICAL), ([VERY_URGENT, CRITICAL], CRITICAL)],
)
def test_timeframe_urgency(timeframes: list[Timeframe], expected: Timeframe) -> None:
    rules = [rule(f"r{i}", tf, ASSESSMENT) for i, tf in enumerate(timeframes)]
    assert propose(facts("NEGLECT"), rules).timeframe is expected


def test_rules_that_do_not_fire_are_not_listed() -> None:
    rules = [
        rule("fires", URGENT, ASSESSMENT),
        rule("other-concern", CRITICAL, JOINT, concerns_any=["CONCERN_CATEGORY_SEXUAL_ABUSE"]),
    ]
    proposal = propose(facts("NEGLECT"), rules)
    assert proposal.fired_rules == ["fires"]
    assert (proposal.timeframe, proposal.pathway) == (URGENT, ASSESSMENT)


@pytest.mark.parametrize(
    ("rules", "pathway", "fired"),
    [
        pytest.param([], ASSESSMENT, [IMMEDIATE_DANGER], id="no-rule"),
        pytest.param([rule("slow", URGENT, ASSESSMENT, immediate_danger=True)], ASSESSMENT, ["slow", IMMEDIATE_DANGER]),
        pytest.param([rule("refer", None, COMMUNITY, immediate_danger=True)], ASSESSMENT, ["refer", IMMEDIATE_DANGER]),
        pytest.param([rule("joint", VERY_URGENT, JOINT, immediate_danger=True)], JOINT, ["joint", IMMEDIATE_DANGER]),
        pytest.param([rule("critical", CRITICAL, JOINT, immediate_danger=True)], JOINT, ["critical"], id="already"),
    ],
)
def test_immediate_danger_is_always_critical(rules: list[TriageRule], pathway: Pathway, fired: list[str]) -> None:
    proposal = propose(facts("NEGLECT", danger=True), rules)
    assert (proposal.timeframe, proposal.pathway, proposal.fired_rules) == (CRITICAL, pathway, fired)


@pytest.mark.parametrize(
    ("rules", "timeframe", "pathway", "fired"),
    [
        pytest.param([], VERY_URGENT, ASSESSMENT, [CHILD_SAFETY_HUB], id="no-rule"),
        pytest.param(
            [rule("refer", None, COMMUNITY)], VERY_URGENT, ASSESSMENT, ["refer", CHILD_SAFETY_HUB], id="refer"
        ),
        pytest.param(
            [rule("slow", URGENT, ASSESSMENT)], VERY_URGENT, ASSESSMENT, ["slow", CHILD_SAFETY_HUB], id="slow"
        ),
        pytest.param([rule("joint", URGENT, JOINT)], VERY_URGENT, JOINT, ["joint", CHILD_SAFETY_HUB], id="joint-slow"),
        pytest.param([rule("fast", CRITICAL, ASSESSMENT)], CRITICAL, ASSESSMENT, ["fast"], id="already-faster"),
        pytest.param([rule("enough", VERY_URGENT, JOINT)], VERY_URGENT, JOINT, ["enough"], id="already-enough"),
    ],
)
def test_a_child_safety_hub_report_gets_an_assessment_within_48_hours(
    rules: list[TriageRule], timeframe: Timeframe, pathway: Pathway, fired: list[str]
) -> None:
    proposal = propose(facts("NEGLECT", hub=True), rules)
    assert (proposal.timeframe, proposal.pathway, proposal.fired_rules) == (timeframe, pathway, fired)


def test_both_invariants_are_listed_when_both_raise_the_proposal() -> None:
    proposal = propose(facts("GENERAL_WELLBEING", danger=True, hub=True), [])
    assert (proposal.timeframe, proposal.pathway) == (CRITICAL, ASSESSMENT)
    assert proposal.fired_rules == [IMMEDIATE_DANGER, CHILD_SAFETY_HUB]
    assert set(STATUTORY) == {"statutory:immediate-danger", "statutory:child-safety-hub"}


def test_an_assessing_pathway_always_has_a_timeframe() -> None:
    proposal = propose(facts("NEGLECT"), [rule("assess", None, JOINT)])
    assert (proposal.timeframe, proposal.pathway) == (URGENT, JOINT)


def test_a_timeframe_means_an_assessment() -> None:
    proposal = propose(facts("NEGLECT"), [rule("refer", None, FAMILIES), rule("soon", VERY_URGENT)])
    assert (proposal.timeframe, proposal.pathway) == (VERY_URGENT, ASSESSMENT)


@pytest.mark.parametrize(
    ("condition", "case_facts", "fired"),
    [
        pytest.param({"concerns_any": ["CONCERN_CATEGORY_NEGLECT"]}, facts("EMOTIONAL_HARM", "NEGLECT"), True),
        pytest.param({"concerns_any": ["CONCERN_CATEGORY_NEGLECT"]}, facts("EMOTIONAL_HARM"), False),
        pytest.param({"immediate_danger": False}, facts(), True, id="not-in-danger"),
        pytest.param({"immediate_danger": False}, facts(danger=True), False, id="in-danger"),
        pytest.param({"agencies_any": ["AGENCY_POLICE"]}, facts(agency="AGENCY_POLICE"), True),
        pytest.param({"agencies_any": ["AGENCY_POLICE"]}, facts(), False),
        pytest.param({"prior_involvement": True}, facts(prior=True), True),
        pytest.param({"prior_involvement": True}, facts(), False),
        pytest.param({"max_child_age": 1}, facts(age=1), True),
        pytest.param({"max_child_age": 1}, facts(age=2), False),
        pytest.param({"max_child_age": 1}, facts(age=None), False, id="age-unknown"),
        pytest.param(
            {"concerns_any": ["CONCERN_CATEGORY_NEGLECT"], "agencies_any": ["AGENCY_POLICE"]},
            facts("NEGLECT"),
            False,
            id="all-must-hold",
        ),
    ],
)
def test_conditions(condition: dict[str, object], case_facts: CaseFacts, fired: bool) -> None:
    assert fires(rule("r", URGENT, ASSESSMENT, **condition), case_facts) is fired
