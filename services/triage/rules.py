"""The triage rules engine: which policy rules fire for a case's facts, and what they propose.

The proposal takes the most urgent timeframe and the most intensive pathway among the rules
that fired, then the statutory invariants hold whatever the policy file says: immediate
danger is CRITICAL; a child safety hub report gets at least a child and family assessment
within VERY_URGENT; a timeframe means an assessing pathway and an assessing pathway has a
timeframe (URGENT unless a rule says otherwise). When an invariant raises the proposal, its
id (`IMMEDIATE_DANGER`, `CHILD_SAFETY_HUB`) follows the fired rules' ids so the social worker
sees why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from workflows.case.model import CaseFacts, TriageProposal
from workflows.policy.model import Pathway, Policy, Timeframe, TriageRule

#: Least to most urgent.
URGENCY = (Timeframe.URGENT, Timeframe.VERY_URGENT, Timeframe.CRITICAL)
#: Least to most intensive.
INTENSITY = (
    Pathway.NO_FURTHER_ACTION,
    Pathway.REFER_COMMUNITY_PARTNER,
    Pathway.REFER_STRENGTHENING_FAMILIES,
    Pathway.REFER_CHILDRENS_TEAM,
    Pathway.YOUTH_JUSTICE_FGC,
    Pathway.CHILD_AND_FAMILY_ASSESSMENT,
    Pathway.JOINT_INVESTIGATION,
)

IMMEDIATE_DANGER = "statutory:immediate-danger"
CHILD_SAFETY_HUB = "statutory:child-safety-hub"
#: What each statutory id means, for showing beside the policy rules' descriptions.
STATUTORY = {
    IMMEDIATE_DANGER: "A child in immediate danger is always critical.",
    CHILD_SAFETY_HUB: "A child safety hub report always gets an initial assessment within 48 hours.",
}

_T = TypeVar("_T", Timeframe, Pathway)


def describe_rules(policy: Policy) -> dict[str, str]:
    """Each rule's description by its id: the policy's triage rules and the statutory ones."""
    return {rule.id: rule.description for rule in policy.triage_rules} | STATUTORY


def fires(rule: TriageRule, facts: CaseFacts) -> bool:
    """Whether every condition `rule` states holds for `facts` (an unknown age never matches)."""
    when = rule.when
    age = facts.youngest_child_age
    return (
        (not when.concerns_any or any(concern in when.concerns_any for concern in facts.concerns))
        and (when.immediate_danger is None or when.immediate_danger == facts.immediate_danger)
        and (not when.agencies_any or facts.agency in when.agencies_any)
        and (when.prior_involvement is None or when.prior_involvement == facts.prior_involvement)
        and (when.max_child_age is None or (age is not None and age <= when.max_child_age))
    )


def propose(facts: CaseFacts, rules: Sequence[TriageRule]) -> TriageProposal:
    """What `rules` propose for `facts`, with the statutory invariants applied."""
    fired = [rule for rule in rules if fires(rule, facts)]
    ids = [rule.id for rule in fired]
    timeframe = _highest((rule.timeframe for rule in fired if rule.timeframe), URGENCY)
    pathway = _highest((rule.pathway for rule in fired if rule.pathway), INTENSITY) or Pathway.NO_FURTHER_ACTION
    if facts.immediate_danger and timeframe is not Timeframe.CRITICAL:
        timeframe = Timeframe.CRITICAL
        ids.append(IMMEDIATE_DANGER)
    if facts.child_safety_hub:
        raised = (
            _at_least(pathway, Pathway.CHILD_AND_FAMILY_ASSESSMENT, INTENSITY),
            _at_least(timeframe, Timeframe.VERY_URGENT, URGENCY),
        )
        if raised != (pathway, timeframe):
            pathway, timeframe = raised
            ids.append(CHILD_SAFETY_HUB)
    if timeframe is not None and not pathway.assesses:
        pathway = Pathway.CHILD_AND_FAMILY_ASSESSMENT
    if pathway.assesses and timeframe is None:
        timeframe = Timeframe.URGENT
    return TriageProposal(timeframe=timeframe, pathway=pathway, fired_rules=ids)


def _highest(values: Iterable[_T | None], order: Sequence[_T]) -> _T | None:
    return max((value for value in values if value is not None), key=order.index, default=None)


def _at_least(value: _T | None, floor: _T, order: Sequence[_T]) -> _T:
    return floor if value is None or order.index(value) < order.index(floor) else value
