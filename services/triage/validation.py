"""Checks of triage's requests: each `validate_*` raises InvalidArgument naming every bad
field, or returns what the request holds."""

from __future__ import annotations

from dataclasses import dataclass

from kahu.v1 import common_pb2, triage_pb2
from services.common import checks
from services.common.convert import PATHWAY, TIMEFRAME
from services.common.errors import Violations
from workflows.case.model import TriageDecision

MAX_CONCERNS = len(common_pb2.ConcernCategory.values()) - 1


@dataclass(frozen=True)
class CaseDecision:
    """A social worker's triage decision and the case it decides."""

    case_id: str
    decision: TriageDecision


def validate_propose(request: triage_pb2.ProposeTriageRequest) -> str:
    """Checks a request for the rules' proposal; returns the case id."""
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    if not request.HasField("facts"):
        v.add("facts", "is required")
    else:
        facts = request.facts
        if checks.listed(v, len(facts.concerns), "facts.concerns", maximum=MAX_CONCERNS):
            for i, concern in enumerate(facts.concerns):
                if concern not in common_pb2.ConcernCategory.values() or concern == 0:
                    v.add(f"facts.concerns[{i}]", "is not a known concern category")
            if len(set(facts.concerns)) != len(facts.concerns):
                v.add("facts.concerns", "must not repeat a category")
        if not facts.concerns:
            v.add("facts.concerns", "must name at least one concern category")
        if facts.agency not in common_pb2.Agency.values():
            v.add("facts.agency", "is not a known value")
        if facts.HasField("youngest_child_age") and facts.youngest_child_age > checks.MAX_CHILD_AGE:
            v.add("facts.youngest_child_age", f"must be at most {checks.MAX_CHILD_AGE}")
    v.raise_if_any()
    return case_id


def validate_notify(request: triage_pb2.NotifyPoliceRequest) -> str:
    """Checks a Police notification; returns the case id."""
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    checks.text(v, request.reason, "reason", required=True)
    v.raise_if_any()
    return case_id


def validate_decision(request: triage_pb2.RecordDecisionRequest) -> CaseDecision:
    """Checks a triage decision; returns it with its case."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.decided_by, "decided_by")
    pathway = checks.enum(v, request.pathway, PATHWAY, "pathway")
    timeframe = checks.enum(v, request.timeframe, TIMEFRAME, "timeframe", required=False)
    if pathway is not None and pathway.assesses and timeframe is None and request.timeframe == 0:
        v.add("timeframe", "is required for an assessment or investigation")
    if pathway is not None and not pathway.assesses and timeframe is not None:
        v.add("timeframe", "must be unset unless the pathway is an assessment or investigation")
    checks.text(v, request.reason, "reason")
    v.raise_if_any()
    assert pathway is not None
    decision = TriageDecision(
        decided_by=request.decided_by,
        pathway=pathway,
        timeframe=timeframe,
        reason=request.reason,
        police_consulted=request.police_consulted,
    )
    return CaseDecision(case_id, decision)


def validate_consent(request: triage_pb2.RecordConsentRequest) -> str:
    """Checks the family's answer to a referral; returns the case id."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.recorded_by, "recorded_by")
    checks.text(v, request.note, "note")
    v.raise_if_any()
    return case_id
