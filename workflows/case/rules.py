"""Where the case's rules meet: the facts of every report on a case taken together, the
deadlines that apply to them, and the triage decisions they allow.

Several deadlines may apply at once (the triage deadline and the shorter ones for immediate
danger or a child safety hub report; a decision's response timeframe and the hub's 48-hour
assessment): the earliest wins, so no rule ever lengthens a deadline another rule set. Pure
functions of the policy and the facts, used alike by intake (at receipt) and the case's
workflow (deterministic: no clock, no I/O).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from workflows.case.model import CaseFacts, TriageDecision, TriageProposal
from workflows.policy.model import CasePolicy, Pathway, Span, Timeframe, TriageApprovalPolicy

#: The Child Protection Protocol: a report of one of these concerns is investigated jointly
#: with Police (as the policy's rules propose); no further action needs them consulted.
PROTOCOL_PATHWAY = Pathway.JOINT_INVESTIGATION


def merged(facts: CaseFacts | None, more: CaseFacts | None) -> CaseFacts | None:
    """The facts of a case after a further report: every concern either names, immediate
    danger or a hub report if either says so, prior involvement if either knows of it, the
    youngest child either names. Nothing a report said is taken back by a later one."""
    if facts is None or more is None:
        return facts or more
    ages = [age for age in (facts.youngest_child_age, more.youngest_child_age) if age is not None]
    return CaseFacts(
        concerns=[*facts.concerns, *(c for c in more.concerns if c not in facts.concerns)],
        immediate_danger=facts.immediate_danger or more.immediate_danger,
        agency=facts.agency,
        prior_involvement=facts.prior_involvement or more.prior_involvement,
        youngest_child_age=min(ages) if ages else None,
        child_safety_hub=facts.child_safety_hub or more.child_safety_hub,
    )


def triage_spans(policy: CasePolicy, facts: CaseFacts | None) -> list[Span]:
    """Every triage deadline that applies to `facts`, counted from receipt."""
    spans = [policy.triage_deadline]
    if facts is not None and facts.immediate_danger and policy.immediate_danger_triage_deadline is not None:
        spans.append(policy.immediate_danger_triage_deadline)
    if facts is not None and facts.child_safety_hub and policy.child_safety_hub_triage_deadline is not None:
        spans.append(policy.child_safety_hub_triage_deadline)
    return spans


def response_spans(policy: CasePolicy, facts: CaseFacts | None, timeframe: Timeframe) -> list[Span]:
    """Every response deadline that applies to a decision of `timeframe`, counted from it."""
    spans = [policy.timeframes[timeframe]]
    if facts is not None and facts.child_safety_hub:
        spans.append(policy.child_safety_hub_assessment)
    return spans


def earliest(dues: Iterable[datetime]) -> datetime:
    """The deadline that wins: the earliest."""
    return min(dues)


def urgency_at_receipt(facts: CaseFacts) -> Timeframe | None:
    """The urgency a report's facts give its case before anyone triages it."""
    if facts.immediate_danger:
        return Timeframe.CRITICAL
    if facts.child_safety_hub:
        return Timeframe.VERY_URGENT
    return None


def further_action(pathway: Pathway) -> bool:
    """Whether a decision of `pathway` is further action by Oranga Tamariki (an assessment,
    an investigation, a youth justice conference), as against no further action or a
    referral to services."""
    return pathway.assesses or pathway == Pathway.YOUTH_JUSTICE_FGC


def approval_needed(
    policy: TriageApprovalPolicy | None, proposal: TriageProposal | None, decision: TriageDecision
) -> str | None:
    """Why `decision` waits for a supervisor's approval before it takes effect (None: it
    takes effect at once)."""
    if policy is None:
        return None
    if policy.no_further_action and decision.pathway == Pathway.NO_FURTHER_ACTION:
        return "no further action"
    if policy.departures and proposal is None:
        return "made without the rules' proposal"
    if (
        policy.departures
        and proposal is not None
        and (decision.pathway, decision.timeframe) != (proposal.pathway, proposal.timeframe)
    ):
        return "departs from the rules' proposal"
    if decision.pathway in policy.pathways:
        return f"the policy has supervisors approve {decision.pathway}"
    return None


def decision_refusal(
    facts: CaseFacts | None,
    proposal: TriageProposal | None,
    decision: TriageDecision,
    *,
    youth_justice: bool,
    immediate_danger: bool = False,
    further_action_decided: bool = False,
) -> str | None:
    """Why the rules refuse `decision` for a case with `facts` (all its reports; a case
    from before facts were kept has only `immediate_danger`) and the rules' `proposal`
    (None: the rules gave none), on which a decision of further action has been made before
    (`further_action_decided`: one a supervisor returned); None when they allow it."""
    danger = immediate_danger or (facts is not None and facts.immediate_danger)
    hub = facts is not None and facts.child_safety_hub
    if further_action_decided and not further_action(decision.pathway):
        return "a further-action decision cannot be turned into no further action or a referral at the site"
    if decision.pathway.assesses and decision.timeframe is None:
        return "an assessment or investigation needs a response timeframe"
    if not decision.pathway.assesses and decision.timeframe is not None:
        return "a timeframe applies only to an assessment or investigation"
    if danger and decision.timeframe != Timeframe.CRITICAL:
        return "a child in immediate danger is always critical"
    if decision.pathway == Pathway.YOUTH_JUSTICE_FGC and not youth_justice:
        return "this case started under a policy without youth justice conferences"
    protocol = (proposal is not None and proposal.pathway == PROTOCOL_PATHWAY) or (proposal is None and danger)
    if protocol and decision.pathway == Pathway.NO_FURTHER_ACTION and not decision.police_consulted:
        return "a Child Protection Protocol case needs a recorded Police consultation before no further action"
    if hub and not decision.pathway.assesses:
        return "a child safety hub report always gets an initial assessment"
    if proposal is None and not decision.reason.strip():
        return "a decision made without the rules' proposal needs a reason"
    differs = proposal is not None and (decision.pathway, decision.timeframe) != (proposal.pathway, proposal.timeframe)
    if differs and not decision.reason.strip():
        return "a decision that differs from the proposal needs a reason"
    return None
