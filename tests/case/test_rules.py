"""The rules compose, checked over combinations of reporter, concerns, immediate danger, hub
facts, further reports and decisions against a statement of the rules written here (not
imported): where several deadlines apply the earliest wins, no fact ever lengthens a
deadline, a decision is allowed exactly when the statutory rules allow it, deciding as the
rules propose is always allowed, a decision waits for a supervisor's approval exactly when
the shipped policy says, and a further-action decision never becomes no further action or a
referral."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from services.triage.rules import propose
from tests.policies import SHIPPED
from workflows.case import rules
from workflows.case.model import CaseFacts, TriageDecision
from workflows.policy.loader import load_policy
from workflows.policy.model import Pathway, Span, Timeframe
from workflows.policy.working_days import add_span

POLICY = load_policy()
CASE = POLICY.case
APPROVAL = load_policy(SHIPPED).case.triage_approval
CONCERNS = [
    "CONCERN_CATEGORY_SEXUAL_ABUSE",
    "CONCERN_CATEGORY_PHYSICAL_ABUSE",
    "CONCERN_CATEGORY_NEGLECT",
    "CONCERN_CATEGORY_EMOTIONAL_HARM",
    "CONCERN_CATEGORY_FAMILY_VIOLENCE",
    "CONCERN_CATEGORY_CARER_ENTERING_CUSTODY",
    "CONCERN_CATEGORY_YOUTH_OFFENDING",
    "CONCERN_CATEGORY_GENERAL_WELLBEING",
]
AGENCIES = ["", "AGENCY_POLICE", "AGENCY_HEALTH_NZ", "AGENCY_EDUCATION", "AGENCY_CHILD_SAFETY_HUB"]
SITES = ["hutt", "canterbury", "northland"]

facts_st = st.builds(
    CaseFacts,
    concerns=st.lists(st.sampled_from(CONCERNS), min_size=1, max_size=3, unique=True),
    immediate_danger=st.booleans(),
    agency=st.sampled_from(AGENCIES),
    prior_involvement=st.booleans(),
    youngest_child_age=st.none() | st.integers(0, 17),
    # what intake derives from the report: the hub's reports and a carer entering custody
    child_safety_hub=st.booleans(),
)
decision_st = st.builds(
    TriageDecision,
    decided_by=st.just("sw-1"),
    pathway=st.sampled_from(list(Pathway)),
    timeframe=st.none() | st.sampled_from(list(Timeframe)),
    reason=st.sampled_from(["", "Seen the family."]),
    police_consulted=st.booleans(),
)
instants = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2030, 12, 31), timezones=st.just(dt.UTC)
)


def _all(first: CaseFacts, further: list[CaseFacts]) -> CaseFacts | None:
    found: CaseFacts | None = first
    for more in further:
        found = rules.merged(found, more)
    return found


def _due(at: dt.datetime, span: Span, site: str) -> dt.datetime:
    return add_span(at, span, site)


# -- the statement of the rules, as the seeds and the policy file say them -----------------


def expected_triage_due(received: dt.datetime, reports: list[CaseFacts], site: str) -> dt.datetime:
    """24 hours (the policy's triage deadline); sooner for immediate danger or a hub report,
    whichever report said so."""
    candidates = [_due(received, CASE.triage_deadline, site)]
    if any(r.immediate_danger for r in reports) and CASE.immediate_danger_triage_deadline:
        candidates.append(_due(received, CASE.immediate_danger_triage_deadline, site))
    if any(r.child_safety_hub for r in reports) and CASE.child_safety_hub_triage_deadline:
        candidates.append(_due(received, CASE.child_safety_hub_triage_deadline, site))
    return min(candidates)


def expected_response_due(
    decided: dt.datetime, reports: list[CaseFacts], timeframe: Timeframe, site: str
) -> dt.datetime:
    """The decision's timeframe, or the hub's 48 hours if any report was the hub's and that
    comes first."""
    due = _due(decided, CASE.timeframes[timeframe], site)
    if any(r.child_safety_hub for r in reports):
        due = min(due, _due(decided, CASE.child_safety_hub_assessment, site))
    return due


def expected_allowed(reports: list[CaseFacts], proposal_pathway: Pathway | None, d: TriageDecision) -> bool:
    """The statutory rules (a reason aside): an assessment has a timeframe and nothing else
    does; immediate danger is critical; no further action on a Protocol case needs Police
    consulted; a hub report is assessed."""
    danger = any(r.immediate_danger for r in reports)
    hub = any(r.child_safety_hub for r in reports)
    assessing = d.pathway in (Pathway.CHILD_AND_FAMILY_ASSESSMENT, Pathway.JOINT_INVESTIGATION)
    if assessing != (d.timeframe is not None):
        return False
    if danger and d.timeframe is not Timeframe.CRITICAL:
        return False
    protocol = proposal_pathway is Pathway.JOINT_INVESTIGATION or (proposal_pathway is None and danger)
    if protocol and d.pathway is Pathway.NO_FURTHER_ACTION and not d.police_consulted:
        return False
    return not (hub and not assessing)


def expected_to_wait(proposal: tuple[Pathway, Timeframe | None] | None, d: TriageDecision) -> bool:
    """The shipped policy's approval: a decision takes effect at once only when it is the
    rules' proposal exactly, is not no further action, and is not a referral to services."""
    referral = d.pathway in (
        Pathway.REFER_COMMUNITY_PARTNER,
        Pathway.REFER_STRENGTHENING_FAMILIES,
        Pathway.REFER_CHILDRENS_TEAM,
    )
    as_proposed = proposal == (d.pathway, d.timeframe)
    return not as_proposed or d.pathway is Pathway.NO_FURTHER_ACTION or referral


# -- the properties ----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(first=facts_st, further=st.lists(facts_st, max_size=3), at=instants, site=st.sampled_from(SITES))
def test_the_triage_deadline_is_the_earliest_that_applies(
    first: CaseFacts, further: list[CaseFacts], at: dt.datetime, site: str
) -> None:
    reports = [first, *further]
    facts = _all(first, further)
    due = rules.earliest(_due(at, span, site) for span in rules.triage_spans(CASE, facts))
    assert due == expected_triage_due(at, reports, site)
    assert due <= _due(at, CASE.triage_deadline, site)  # never later than the ordinary deadline
    # what the first report alone set is never lengthened by a further one
    alone = rules.earliest(_due(at, span, site) for span in rules.triage_spans(CASE, first))
    assert due <= alone


@settings(max_examples=300, deadline=None)
@given(
    first=facts_st,
    further=st.lists(facts_st, max_size=3),
    at=instants,
    site=st.sampled_from(SITES),
    timeframe=st.sampled_from(list(Timeframe)),
)
def test_the_response_deadline_is_the_earliest_that_applies(
    first: CaseFacts, further: list[CaseFacts], at: dt.datetime, site: str, timeframe: Timeframe
) -> None:
    reports = [first, *further]
    facts = _all(first, further)
    due = rules.earliest(_due(at, span, site) for span in rules.response_spans(CASE, facts, timeframe))
    assert due == expected_response_due(at, reports, timeframe, site)
    # the hub's 48 hours never lengthen a critical (24-hour) decision, nor does any fact lengthen the timeframe
    assert due <= _due(at, CASE.timeframes[timeframe], site)
    # a more urgent timeframe is never due later
    order = [Timeframe.CRITICAL, Timeframe.VERY_URGENT, Timeframe.URGENT]
    for more, less in itertools.pairwise(order):
        sooner = rules.earliest(_due(at, s, site) for s in rules.response_spans(CASE, facts, more))
        later = rules.earliest(_due(at, s, site) for s in rules.response_spans(CASE, facts, less))
        assert sooner <= later


@settings(max_examples=500, deadline=None)
@given(first=facts_st, further=st.lists(facts_st, max_size=3), d=decision_st, proposed=st.booleans())
def test_a_decision_is_allowed_exactly_when_the_rules_allow_it(
    first: CaseFacts, further: list[CaseFacts], d: TriageDecision, proposed: bool
) -> None:
    reports = [first, *further]
    facts = _all(first, further)
    assert facts is not None
    proposal = propose(facts, POLICY.triage_rules) if proposed else None
    refusal = rules.decision_refusal(facts, proposal, d, youth_justice=True)
    differs = proposal is not None and (d.pathway, d.timeframe) != (proposal.pathway, proposal.timeframe)
    # a reason is needed without a proposal, or to depart from it
    allowed = expected_allowed(reports, proposal.pathway if proposal else None, d) and (
        bool(d.reason) or (proposal is not None and not differs)
    )
    assert (refusal is None) == allowed, refusal


@settings(max_examples=300, deadline=None)
@given(first=facts_st, further=st.lists(facts_st, max_size=3))
def test_deciding_as_the_rules_propose_is_always_allowed(first: CaseFacts, further: list[CaseFacts]) -> None:
    facts = _all(first, further)
    assert facts is not None
    proposal = propose(facts, POLICY.triage_rules)
    if any(r.immediate_danger for r in [first, *further]):
        assert proposal.timeframe is Timeframe.CRITICAL
    if any(r.child_safety_hub for r in [first, *further]):
        assert proposal.pathway.assesses and proposal.timeframe in (Timeframe.CRITICAL, Timeframe.VERY_URGENT)
    d = TriageDecision("sw-1", proposal.pathway, proposal.timeframe, "")
    assert rules.decision_refusal(facts, proposal, d, youth_justice=True) is None


def test_further_facts_are_kept_never_taken_back() -> None:
    first = CaseFacts(["CONCERN_CATEGORY_NEGLECT"], True, "AGENCY_POLICE", False, 6, False)
    later = CaseFacts(["CONCERN_CATEGORY_FAMILY_VIOLENCE"], False, "AGENCY_EDUCATION", True, 3, True)
    facts = rules.merged(first, later)
    assert facts == CaseFacts(
        ["CONCERN_CATEGORY_NEGLECT", "CONCERN_CATEGORY_FAMILY_VIOLENCE"], True, "AGENCY_POLICE", True, 3, True
    )


@settings(max_examples=300, deadline=None)
@given(first=facts_st, further=st.lists(facts_st, max_size=3), d=decision_st, proposed=st.booleans())
def test_a_decision_waits_for_approval_exactly_when_the_policy_says(
    first: CaseFacts, further: list[CaseFacts], d: TriageDecision, proposed: bool
) -> None:
    facts = _all(first, further)
    assert facts is not None
    proposal = propose(facts, POLICY.triage_rules) if proposed else None
    why = rules.approval_needed(APPROVAL, proposal, d)
    assert (why is not None) == expected_to_wait((proposal.pathway, proposal.timeframe) if proposal else None, d)
    assert rules.approval_needed(None, proposal, d) is None  # a policy without approval: at once


@settings(max_examples=300, deadline=None)
@given(first=facts_st, further=st.lists(facts_st, max_size=3), d=decision_st, proposed=st.booleans())
def test_a_further_action_decision_never_becomes_no_further_action_or_a_referral(
    first: CaseFacts, further: list[CaseFacts], d: TriageDecision, proposed: bool
) -> None:
    facts = _all(first, further)
    assert facts is not None
    proposal = propose(facts, POLICY.triage_rules) if proposed else None
    after = rules.decision_refusal(facts, proposal, d, youth_justice=True, further_action_decided=True)
    before = rules.decision_refusal(facts, proposal, d, youth_justice=True)
    if d.pathway is Pathway.NO_FURTHER_ACTION or d.pathway.name.startswith("REFER_"):
        assert after is not None and "cannot be turned into no further action" in after
    else:  # further action again: only the rules that always apply
        assert after == before
