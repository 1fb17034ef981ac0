"""Validation of triage requests: every violated field is named, nothing is half-done."""

from __future__ import annotations

from kahu.v1 import common_pb2, triage_pb2
from services.common import checks
from services.common.convert import PATHWAY, TIMEFRAME
from services.common.errors import Violations
from workflows.policy.model import Pathway, Timeframe

MAX_CHILD_AGE = 17
MAX_CONCERNS = len(common_pb2.ConcernCategory.values()) - 1


def validate_propose(request: triage_pb2.ProposeTriageRequest) -> str:
    """The case id, once the request is valid."""
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
        if facts.HasField("youngest_child_age") and facts.youngest_child_age > MAX_CHILD_AGE:
            v.add("facts.youngest_child_age", f"must be at most {MAX_CHILD_AGE}")
    v.raise_if_any()
    return case_id


def validate_notify(request: triage_pb2.NotifyPoliceRequest) -> str:
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    checks.text(v, request.reason, "reason", required=True)
    v.raise_if_any()
    return case_id


def validate_decision(request: triage_pb2.RecordDecisionRequest) -> tuple[str, Pathway, Timeframe | None]:
    """The case id, pathway and timeframe, once the request is valid."""
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
    return case_id, pathway, timeframe


def validate_consent(request: triage_pb2.RecordConsentRequest) -> str:
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.recorded_by, "recorded_by")
    checks.text(v, request.note, "note")
    v.raise_if_any()
    return case_id
