"""Checks of supervision's requests: each `validate_*` raises InvalidArgument naming every
bad field, or returns what the request holds."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass

from kahu.v1 import supervision_pb2
from services.common import checks
from services.common.convert import ATTENTION_DECISION, ATTENTION_REASON, DEADLINE_KIND, ESCALATION_LEVEL
from services.common.errors import Violations
from services.common.sites import load_sites
from workflows.case.model import (
    AttentionDecision,
    AttentionItem,
    DeadlineKind,
    Escalation,
    EscalationLevel,
    Extension,
    Subject,
    assessment_workflow_id,
    placement_workflow_id,
    workflow_id,
)
from workflows.conference.model import COORDINATOR_MANAGER, conference_workflow_id
from workflows.plan.model import plan_id_of, plan_workflow_id
from workflows.policy.loader import ROLES
from workflows.policy.model import PLAN_ROLES

MAX_CYCLE = 1_000
MAX_DUE_WITHIN = 30 * 24 * 3600
#: The oldest an escalation the queue can be asked for (older_than_seconds): a year.
MAX_AGE = 366 * 24 * 3600
MAX_EXTENSION = dt.timedelta(days=366)


@dataclass(frozen=True)
class CaseDeadline:
    """One of a case's deadlines (or a conference's: `conference_id` set, `case_id` "" when
    no case started it), and the level of its escalations meant (None: every level)."""

    case_id: str
    kind: DeadlineKind
    conference_id: str | None = None
    level: EscalationLevel | None = None
    #: Only this cycle's (one of a plan's clocks); 0: every cycle.
    cycle: int = 0


@dataclass(frozen=True)
class CaseExtension:
    """A supervisor's extension of one of a case's (or a conference's) deadlines."""

    case_id: str
    kind: DeadlineKind
    extension: Extension
    conference_id: str | None = None

    @property
    def workflow_id(self) -> str:
        if self.conference_id is not None:
            return conference_workflow_id(self.conference_id)
        return {
            DeadlineKind.TRIAGE: workflow_id,
            DeadlineKind.ASSESSMENT: assessment_workflow_id,
            DeadlineKind.ASSESSMENT_COMPLETION: assessment_workflow_id,
            DeadlineKind.PLACEMENT: placement_workflow_id,
            DeadlineKind.PLAN_ACTION: _plan_workflow_id,
            DeadlineKind.PLAN_REVIEW: _plan_workflow_id,
        }[self.kind](self.case_id)


def _plan_workflow_id(case_id: str) -> str:
    return plan_workflow_id(plan_id_of(case_id))


def _subject(v: Violations, kind: DeadlineKind | None, case_id: str, conference_id: str) -> tuple[str, str | None]:
    """(case id, conference id) a request about a deadline of `kind` names: a conference's
    kinds name the conference (and its case, optionally), the others a case only."""
    if kind is not None and kind.conference:
        conference = checks.conference_id(v, conference_id)
        case = checks.case_id(v, case_id) if case_id else ""
        return case, conference or None
    if conference_id:
        v.add("conference_id", "applies only to a conference's deadlines (CONVENING, COMPLETION)")
    return checks.case_id(v, case_id), None


def validate_raise(request: supervision_pb2.RaiseEscalationRequest) -> Escalation:
    """Checks an escalation the worker raises; returns it."""
    v = Violations()
    kind = checks.enum(v, request.kind, DEADLINE_KIND, "kind")
    case_id, conference_id = _subject(v, kind, request.case_id, request.conference_id)
    if conference_id is not None:
        if request.workflow_id != conference_workflow_id(conference_id):
            v.add("workflow_id", "must be the conference's workflow")
    elif case_id and request.workflow_id not in (
        workflow_id(case_id),
        assessment_workflow_id(case_id),
        placement_workflow_id(case_id),
        _plan_workflow_id(case_id),
    ):
        v.add("workflow_id", "must be the case's workflow, its assessment's, its placement search's or its plan's")
    level = checks.enum(v, request.level, ESCALATION_LEVEL, "level", required=False) or EscalationLevel.BREACH
    if level is EscalationLevel.APPROVAL and kind is not DeadlineKind.TRIAGE_APPROVAL:
        v.add("level", "an approval asked of a supervisor is a TRIAGE_APPROVAL's")
    elif level is EscalationLevel.NO_SLOT and not (kind is not None and kind.conference):
        v.add("level", "a round without a slot is a conference's (CONVENING, COMPLETION)")
    elif level is EscalationLevel.WARNING and not (kind is not None and (kind.conference or kind.plan)):
        v.add("level", "a warning is a conference's (CONVENING, COMPLETION) or a plan's (PLAN_ACTION, PLAN_REVIEW)")
    if not 1 <= request.cycle <= MAX_CYCLE:
        v.add("cycle", f"must be 1..{MAX_CYCLE}")
    if level is EscalationLevel.BREACH and not 1 <= request.tier <= checks.MAX_TIER:
        v.add("tier", f"must be 1..{checks.MAX_TIER}")
    if level is not EscalationLevel.BREACH and request.tier != 0:
        v.add("tier", "must be 0 for a warning, a round without a slot or an approval asked")
    roles: tuple[str, ...] = (*ROLES, COORDINATOR_MANAGER) if kind is not None and kind.conference else ROLES
    if kind is not None and kind.plan:
        roles = PLAN_ROLES
    if request.role not in roles:
        v.add("role", f"must be one of {', '.join(roles)}")
    if request.assignee:
        checks.staff_id(v, request.assignee, "assignee")
    site = checks.site(v, request.site)
    if site is not None and request.region != site.region:
        v.add("region", f"must be the site's region ({site.region})")
    due_at = checks.instant(v, request.due_at if request.HasField("due_at") else None, "due_at")
    raise_at = checks.instant(v, request.raise_at, "raise_at") if request.HasField("raise_at") else None
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
        conference_id=conference_id,
        level=level,
        raise_at=raise_at,
        assignee=request.assignee,
    )


def validate_resolve(request: supervision_pb2.ResolveEscalationsRequest) -> CaseDeadline:
    """Checks a request to resolve a case's (or conference's) escalations; returns what it names."""
    v = Violations()
    kind = checks.enum(v, request.kind, DEADLINE_KIND, "kind")
    case_id, conference_id = _subject(v, kind, request.case_id, request.conference_id)
    level = checks.enum(v, request.level, ESCALATION_LEVEL, "level", required=False)
    if request.cycle and not (kind is not None and kind.plan):
        v.add("cycle", "applies only to a plan's clocks (PLAN_ACTION, PLAN_REVIEW)")
    if request.cycle > MAX_CYCLE:
        v.add("cycle", f"must be 0..{MAX_CYCLE}")
    v.raise_if_any()
    assert kind is not None
    return CaseDeadline(case_id, kind, conference_id, level, request.cycle)


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
    if request.HasField("tier") and request.tier > checks.MAX_TIER:
        v.add("tier", f"must be at most {checks.MAX_TIER}")
    elif request.HasField("tier") and request.tier < request.min_tier:
        v.add("tier", "is below min_tier: nothing would match")
    if request.older_than_seconds > MAX_AGE:
        v.add("older_than_seconds", f"must be at most {MAX_AGE} (a year)")
    if request.due_within_seconds > MAX_DUE_WITHIN:
        v.add("due_within_seconds", f"must be at most {MAX_DUE_WITHIN}")
    checks.enum(v, request.kind, DEADLINE_KIND, "kind", required=False)
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


def validate_extend(
    request: supervision_pb2.ExtendDeadlineRequest, now: dt.datetime, reasons: Collection[str]
) -> CaseExtension:
    """Checks an extension of a deadline (to after `now`, within a year, for one of the
    policy's `reasons`); returns it with its case and the deadline's kind."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    kind = checks.enum(v, request.kind, DEADLINE_KIND, "kind")
    if kind is DeadlineKind.TRIAGE_APPROVAL:
        v.add("kind", "an approval's deadline is not extended: approve the decision or return it (DecideApproval)")
    elif kind is not None and kind.plan:
        v.add("kind", "a plan's dates are not extended here: revise the plan (PlanService.RevisePlan)")
    case_id, conference_id = _subject(v, kind, request.case_id, request.conference_id)
    due_at = checks.instant(v, request.due_at if request.HasField("due_at") else None, "due_at")
    if due_at is not None:
        if due_at <= now:
            v.add("due_at", "must be in the future")
        elif due_at > now + MAX_EXTENSION:
            v.add("due_at", "must be within a year")
    checks.staff_id(v, request.extended_by, "extended_by")
    checks.text(v, request.reason, "reason", required=True)
    if not request.reason_code:
        v.add("reason_code", f"is required: one of {', '.join(sorted(reasons))}")
    elif request.reason_code not in reasons:
        v.add("reason_code", f"is not one of the policy's extension reasons ({', '.join(sorted(reasons))})")
    v.raise_if_any()
    assert kind is not None and due_at is not None
    extension = Extension(
        extended_by=request.extended_by,
        due_at=due_at,
        reason=request.reason,
        kind=kind,
        reason_code=request.reason_code,
    )
    return CaseExtension(case_id, kind, extension, conference_id)


def validate_approval(request: supervision_pb2.DecideApprovalRequest) -> tuple[str, bool]:
    """Checks a supervisor's decision on a decision that needs approval; returns the case id
    and whether it is a triage decision (else seeking custody)."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.decided_by, "decided_by")
    checks.text(v, request.reason, "reason", required=True)
    if request.kind not in supervision_pb2.ApprovalKind.values():
        v.add("kind", "is not a known value")
    v.raise_if_any()
    return case_id, request.kind == supervision_pb2.APPROVAL_KIND_TRIAGE_DECISION


# -- steps that need attention (workflows/attention.py) -----------------------------------

#: An item's key: the workflow's own (its id and a sequence number).
ITEM_KEY = re.compile(r"[A-Za-z0-9._:-]{1,200}")
MAX_STEP = 100
MAX_ERROR = 1000
MAX_TRACE_ID = 64


@dataclass(frozen=True)
class AttentionResolution:
    """A supervisor's decision on a step that needs attention."""

    item_id: str
    decision: AttentionDecision
    decided_by: str
    note: str


def _attention_subject(v: Violations, request: supervision_pb2.RaiseAttentionRequest) -> tuple[str, str]:
    """(case id, conference id) an item is about, "" for each one it does not name: a case
    (its workflow, its assessment's or its placement search's), or a conference (its
    workflow; with the case that started it, if any)."""
    if request.conference_id:
        conference_id = checks.conference_id(v, request.conference_id)
        case_id = checks.case_id(v, request.case_id) if request.case_id else ""
        if conference_id and request.workflow_id != conference_workflow_id(conference_id):
            v.add("workflow_id", "must be the conference's workflow")
        return case_id, conference_id
    if not request.case_id:
        v.add("case_id", "is required (or conference_id, for a conference's item)")
        return "", ""
    case_id = checks.case_id(v, request.case_id)
    if case_id and request.workflow_id not in (
        workflow_id(case_id),
        assessment_workflow_id(case_id),
        placement_workflow_id(case_id),
    ):
        v.add("workflow_id", "must be the case's workflow, its assessment's or its placement search's")
    return case_id, ""


def validate_raise_attention(request: supervision_pb2.RaiseAttentionRequest) -> AttentionItem:
    """Checks a step that needs attention, as the worker raises it; returns the item."""
    v = Violations()
    if not ITEM_KEY.fullmatch(request.item_key):
        v.add("item_key", "must be 1-200 characters of letters, digits and . _ : -")
    case_id, conference_id = _attention_subject(v, request)
    checks.text(v, request.step, "step", limit=MAX_STEP, required=True, multiline=False)
    reason = checks.enum(v, request.reason, ATTENTION_REASON, "reason")
    checks.text(v, request.error, "error", limit=MAX_ERROR)
    checks.text(v, request.trace_id, "trace_id", limit=MAX_TRACE_ID, multiline=False)
    site = checks.site(v, request.site)
    if site is not None and request.region != site.region:
        v.add("region", f"must be the site's region ({site.region})")
    failing_since = checks.instant(
        v, request.failing_since if request.HasField("failing_since") else None, "failing_since"
    )
    v.raise_if_any()
    assert reason is not None and failing_since is not None
    return AttentionItem(
        item_key=request.item_key,
        subject=Subject(case_id or None, conference_id or None, request.site, request.region),
        workflow_id=request.workflow_id,
        step=request.step,
        reason=reason,
        error=request.error,
        trace_id=request.trace_id,
        waiting=request.waiting,
        failing_since=failing_since,
    )


def validate_resolve_attention(request: supervision_pb2.ResolveAttentionRequest) -> AttentionResolution:
    """Checks a supervisor's decision on a step that needs attention; returns it."""
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    try:
        item_id = str(uuid.UUID(request.item_id))
    except ValueError:
        v.add("item_id", "must be an item id (UUID)")
        item_id = ""
    checks.staff_id(v, request.decided_by, "decided_by")
    decision = checks.enum(v, request.decision, ATTENTION_DECISION, "decision")
    checks.text(v, request.note, "note")
    v.raise_if_any()
    assert decision is not None
    return AttentionResolution(item_id, decision, request.decided_by, request.note)


def validate_list_notifications(request: supervision_pb2.ListNotificationsRequest) -> tuple[str, str | None]:
    """Checks whose notifications are asked for: (case id, conference id or None), a
    conference's only when no case is named."""
    v = Violations()
    if request.case_id:
        case_id = checks.case_id(v, request.case_id)
        v.raise_if_any()
        return case_id, None
    if not request.conference_id:
        v.add("case_id", "is required (or conference_id, for a conference's)")
    conference_id = checks.conference_id(v, request.conference_id) if request.conference_id else ""
    v.raise_if_any()
    return "", conference_id
