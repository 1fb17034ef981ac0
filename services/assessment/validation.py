"""Checks of assessment's requests: each `validate_*` raises InvalidArgument naming every
bad field, or returns what the request holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kahu.v1 import assessment_pb2
from services.assessment.store import Recording
from services.common import checks, events
from services.common.authz import Place
from services.common.convert import OUTCOME
from services.common.errors import Violations
from workflows.case.model import ChildSeen, Completion, assessment_workflow_id

MAX_FINDINGS = 10_000
MAX_PLACE = 200
#: How far ahead of this server's clock a `seen_at` may be (clocks drift).
CLOCK_SKEW = dt.timedelta(minutes=2)


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


@dataclass(frozen=True)
class CaseChildSeen:
    """A social worker met a case's child for the safety and risk screen."""

    case_id: str
    seen: ChildSeen


def validate_child_seen(request: assessment_pb2.RecordChildSeenRequest, now: dt.datetime) -> CaseChildSeen:
    """Checks the record of the child seen (who, when, where); returns it with its case.
    Whether it is before the decision is the workflow's to say (it knows when that was)."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.seen_by, "seen_by")
    seen_at = checks.instant(v, request.seen_at if request.HasField("seen_at") else None, "seen_at")
    if seen_at is not None and seen_at > now + CLOCK_SKEW:
        v.add("seen_at", "must not be in the future")
        seen_at = None
    checks.text(v, request.place, "place", limit=MAX_PLACE, required=True, multiline=False)
    v.raise_if_any()
    assert seen_at is not None
    return CaseChildSeen(case_id, ChildSeen(seen_by=request.seen_by, seen_at=seen_at, place=request.place.strip()))


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


def validate_record(request: assessment_pb2.RecordAssessmentRequest) -> Recording:
    """Checks the assessment workflow's events and where the assessment stands."""
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    site = checks.site(v, request.site)
    if site is not None and request.region != site.region:
        v.add("region", f"must be the site's region ({site.region})")
    found = events.events(v, request.events, assessment_workflow_id(case_id)) if case_id else []
    worker = None
    if request.HasField("standing"):
        events.version(v, request.standing.version, "standing.version")
        worker = request.standing.assessment.social_worker or None
        if worker is not None:
            checks.staff_id(v, worker, "standing.assessment.social_worker")
        if request.standing.approved_by:
            checks.staff_id(v, request.standing.approved_by, "standing.approved_by")
    v.raise_if_any()
    assert site is not None
    if not request.HasField("standing"):
        return Recording(case_id, Place(site.code, site.region), found)
    return Recording(
        case_id,
        Place(site.code, site.region),
        found,
        request.standing.version,
        worker,
        request.standing.SerializeToString(deterministic=True),
    )
