"""Checks of supervision's requests: each `validate_*` raises InvalidArgument naming every
bad field, or returns what the request holds."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from kahu.v1 import supervision_pb2
from services.common import checks
from services.common.convert import DEADLINE_KIND
from services.common.errors import Violations
from services.common.sites import load_sites
from workflows.case.model import (
    DeadlineKind,
    Escalation,
    Extension,
    assessment_workflow_id,
    placement_workflow_id,
    workflow_id,
)
from workflows.policy.loader import ROLES

MAX_CYCLE = 1_000
MAX_DUE_WITHIN = 30 * 24 * 3600
MAX_EXTENSION = dt.timedelta(days=366)


@dataclass(frozen=True)
class CaseDeadline:
    """One of a case's deadlines: the case and the deadline's kind."""

    case_id: str
    kind: DeadlineKind


@dataclass(frozen=True)
class CaseExtension:
    """A supervisor's extension of one of a case's deadlines."""

    case_id: str
    kind: DeadlineKind
    extension: Extension


def validate_raise(request: supervision_pb2.RaiseEscalationRequest) -> Escalation:
    """Checks an escalation the worker raises; returns it."""
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    if case_id and request.workflow_id not in (
        workflow_id(case_id),
        assessment_workflow_id(case_id),
        placement_workflow_id(case_id),
    ):
        v.add("workflow_id", "must be the case's workflow, its assessment's or its placement search's")
    kind = checks.enum(v, request.kind, DEADLINE_KIND, "kind")
    if not 1 <= request.cycle <= MAX_CYCLE:
        v.add("cycle", f"must be 1..{MAX_CYCLE}")
    if not 1 <= request.tier <= checks.MAX_TIER:
        v.add("tier", f"must be 1..{checks.MAX_TIER}")
    if request.role not in ROLES:
        v.add("role", f"must be one of {', '.join(ROLES)}")
    site = checks.site(v, request.site)
    if site is not None and request.region != site.region:
        v.add("region", f"must be the site's region ({site.region})")
    due_at = checks.instant(v, request.due_at if request.HasField("due_at") else None, "due_at")
    v.raise_if_any()
    assert kind is not None and due_at is not None
    return Escalation(
        case_id=case_id,
        workflow_id=request.workflow_id,
        kind=kind,
        cycle=request.cycle,
        tier=request.tier,
        role=request.role,
        site=request.site,
        region=request.region,
        due_at=due_at,
    )


def validate_resolve(request: supervision_pb2.ResolveEscalationsRequest) -> CaseDeadline:
    """Checks a request to resolve a case's escalations; returns the case and the deadline's kind."""
    v = Violations()
    case_id = checks.case_id(v, request.case_id)
    kind = checks.enum(v, request.kind, DEADLINE_KIND, "kind")
    v.raise_if_any()
    assert kind is not None
    return CaseDeadline(case_id, kind)


def validate_queue(request: supervision_pb2.ListQueueRequest) -> int:
    """Checks the queue's filters (not its page token, services/supervision/queue.py);
    returns the page size."""
    v = Violations()
    checks.site(v, request.site, required=False)
    checks.region(v, request.region)
    site = load_sites().get(request.site)
    if site is not None and request.region and request.region != site.region:
        v.add("region", f"site {site.code} is in region {site.region}")
    if request.min_tier > checks.MAX_TIER:
        v.add("min_tier", f"must be at most {checks.MAX_TIER}")
    if request.due_within_seconds > MAX_DUE_WITHIN:
        v.add("due_within_seconds", f"must be at most {MAX_DUE_WITHIN}")
    size = checks.page_size(v, request.page_size)
    v.raise_if_any()
    return size


def validate_acknowledge(request: supervision_pb2.AcknowledgeRequest) -> str:
    """Checks an acknowledgement; returns the escalation id in canonical form."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    try:
        escalation_id = str(uuid.UUID(request.escalation_id))
    except ValueError:
        v.add("escalation_id", "must be an escalation id (UUID)")
        escalation_id = ""
    checks.staff_id(v, request.acknowledged_by, "acknowledged_by")
    checks.text(v, request.note, "note")
    v.raise_if_any()
    return escalation_id


def validate_reassign(request: supervision_pb2.ReassignRequest) -> str:
    """Checks a reassignment to another social worker; returns the case id."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.social_worker, "social_worker")
    checks.site(v, request.site)
    checks.staff_id(v, request.reassigned_by, "reassigned_by")
    checks.text(v, request.reason, "reason", required=True)
    v.raise_if_any()
    return case_id


def validate_extend(request: supervision_pb2.ExtendDeadlineRequest, now: dt.datetime) -> CaseExtension:
    """Checks an extension of a deadline (to after `now`, within a year); returns it with
    its case and the deadline's kind."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    kind = checks.enum(v, request.kind, DEADLINE_KIND, "kind")
    due_at = checks.instant(v, request.due_at if request.HasField("due_at") else None, "due_at")
    if due_at is not None:
        if due_at <= now:
            v.add("due_at", "must be in the future")
        elif due_at > now + MAX_EXTENSION:
            v.add("due_at", "must be within a year")
    checks.staff_id(v, request.extended_by, "extended_by")
    checks.text(v, request.reason, "reason", required=True)
    v.raise_if_any()
    assert kind is not None and due_at is not None
    return CaseExtension(
        case_id, kind, Extension(extended_by=request.extended_by, due_at=due_at, reason=request.reason)
    )


def validate_approval(request: supervision_pb2.DecideApprovalRequest) -> str:
    """Checks a supervisor's decision on seeking custody; returns the case id."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.decided_by, "decided_by")
    checks.text(v, request.reason, "reason", required=True)
    v.raise_if_any()
    return case_id
