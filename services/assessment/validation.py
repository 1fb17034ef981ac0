"""Checks of assessment's requests: each `validate_*` raises InvalidArgument naming every
bad field, or returns what the request holds."""

from __future__ import annotations

from dataclasses import dataclass

from kahu.v1 import assessment_pb2
from services.common import checks
from services.common.convert import OUTCOME
from services.common.errors import Violations
from workflows.case.model import Completion

MAX_FINDINGS = 10_000


@dataclass(frozen=True)
class CaseCompletion:
    """How a social worker completes a case's assessment, and the case."""

    case_id: str
    completion: Completion


def validate_allocate(request: assessment_pb2.AllocateRequest) -> str:
    """Checks an allocation to a social worker; returns the case id."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.social_worker, "social_worker")
    checks.site(v, request.site)
    checks.staff_id(v, request.allocated_by, "allocated_by")
    v.raise_if_any()
    return case_id


def validate_findings(request: assessment_pb2.RecordFindingsRequest) -> str:
    """Checks findings to record; returns the case id."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.recorded_by, "recorded_by")
    checks.text(v, request.summary, "summary", limit=MAX_FINDINGS, required=True)
    v.raise_if_any()
    return case_id


def validate_complete(request: assessment_pb2.CompleteAssessmentRequest) -> CaseCompletion:
    """Checks the completion of an assessment; returns it with its case."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.completed_by, "completed_by")
    outcome = checks.enum(v, request.outcome, OUTCOME, "outcome")
    checks.text(v, request.reason, "reason", required=True)
    v.raise_if_any()
    assert outcome is not None
    completion = Completion(
        completed_by=request.completed_by,
        outcome=outcome,
        reason=request.reason,
        police_consulted=request.police_consulted,
    )
    return CaseCompletion(case_id, completion)
