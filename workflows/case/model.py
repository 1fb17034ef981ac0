"""Data passed into, out of and between the case workflows: case metadata, staff ids and
decisions; never a child's or family member's personal data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from workflows.common import HISTORY_LIMIT
from workflows.policy.model import CasePolicy, Pathway, Timeframe


class Stage(StrEnum):
    """A case's stage; the names match kahu.v1.CaseStage without its prefix."""

    INTAKE = "INTAKE"
    TRIAGE = "TRIAGE"
    AWAITING_CONSENT = "AWAITING_CONSENT"
    ASSESSMENT = "ASSESSMENT"
    INVESTIGATION = "INVESTIGATION"
    OUTCOME = "OUTCOME"
    CLOSED = "CLOSED"
    YOUTH_JUSTICE_CONFERENCE = "YOUTH_JUSTICE_CONFERENCE"
    #: Seeking custody was approved: a placement is being found.
    PLACEMENT = "PLACEMENT"
    #: A referral to a care and protection family group conference was approved: it runs.
    CARE_AND_PROTECTION_CONFERENCE = "CARE_AND_PROTECTION_CONFERENCE"


class Outcome(StrEnum):
    """How an assessment or investigation ends."""

    NO_FURTHER_ACTION = "NO_FURTHER_ACTION"
    FAMILY_SUPPORT_PLAN = "FAMILY_SUPPORT_PLAN"
    FAMILY_GROUP_CONFERENCE = "FAMILY_GROUP_CONFERENCE"
    SEEK_CUSTODY = "SEEK_CUSTODY"

    @property
    def needs_approval(self) -> bool:
        """Seeking custody waits for a supervisor's approval (a referral to a family group
        conference does too, where the case's policy has care and protection conferences:
        AssessmentWorkflow, patch `care-and-protection-referral`)."""
        return self is Outcome.SEEK_CUSTODY


class DeadlineKind(StrEnum):
    """Which statutory clock a deadline or escalation belongs to."""

    TRIAGE = "TRIAGE"
    ASSESSMENT = "ASSESSMENT"
    PLACEMENT = "PLACEMENT"
    #: A youth justice conference's clocks (YouthJusticeConferenceWorkflow).
    CONVENING = "CONVENING"
    COMPLETION = "COMPLETION"
    #: The assessment's own completion clock, once the child is seen (the response clock,
    #: ASSESSMENT, ends then: patch `child-seen`).
    ASSESSMENT_COMPLETION = "ASSESSMENT_COMPLETION"
    #: A supervisor's approval of a triage decision (policy `triage_approval`).
    TRIAGE_APPROVAL = "TRIAGE_APPROVAL"
    #: A child's plan (PlanWorkflow): an action's due date (one clock per action, each its
    #: own cycle of the plan's sequence), and the plan's review date.
    PLAN_ACTION = "PLAN_ACTION"
    PLAN_REVIEW = "PLAN_REVIEW"

    @property
    def conference(self) -> bool:
        return self in (DeadlineKind.CONVENING, DeadlineKind.COMPLETION)

    @property
    def plan(self) -> bool:
        return self in (DeadlineKind.PLAN_ACTION, DeadlineKind.PLAN_REVIEW)


class EscalationLevel(StrEnum):
    """What an escalation says: the deadline passed (tiers 1..n), it is near (tier 0), a
    conference scheduling round found no free slot (tier 0, the round as its cycle), or a
    decision waits for a supervisor's approval (tier 0, TRIAGE_APPROVAL)."""

    BREACH = "BREACH"
    WARNING = "WARNING"
    NO_SLOT = "NO_SLOT"
    APPROVAL = "APPROVAL"


@dataclass(frozen=True)
class CaseFacts:
    """What the triage rules read: categories and flags, no names or free text."""

    concerns: list[str]
    immediate_danger: bool
    agency: str
    prior_involvement: bool
    youngest_child_age: int | None
    child_safety_hub: bool


@dataclass(frozen=True)
class CaseInput:
    case_id: str
    site: str
    region: str
    concerns: list[str]
    immediate_danger: bool
    child_count: int
    facts: CaseFacts | None = None
    policy: CasePolicy | None = None
    resumed: CaseSnapshot | None = None
    history_limit: int = HISTORY_LIMIT
    #: When intake received the report, and the triage deadline counted from then: the
    #: workflow arms it before anything else (None in cases started before intake sent them).
    received_at: datetime | None = None
    triage_due_at: datetime | None = None


@dataclass
class ClockState:
    """A running deadline: what a workflow carries across continue-as-new."""

    due_at: datetime
    cycle: int = 1
    tier: int = 0
    breached: bool = False
    last_escalated_at: datetime | None = None
    #: A warning ahead of the deadline was raised in this cycle (a conference's clocks).
    warned: bool = False
    #: The deadline before any extension moved it (None: never extended), and how often.
    original_due_at: datetime | None = None
    extensions: int = 0


@dataclass(frozen=True)
class StageChange:
    case_id: str
    stage: Stage


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case's record: when, who (a staff id or "kahu"), what, and why."""

    at: datetime
    actor: str
    action: str
    detail: str = ""


@dataclass(frozen=True)
class TriageProposal:
    timeframe: Timeframe | None
    pathway: Pathway
    fired_rules: list[str]


@dataclass(frozen=True)
class TriageDecision:
    """A social worker's decision; final, and may differ from the proposal with a reason."""

    decided_by: str
    pathway: Pathway
    timeframe: Timeframe | None
    reason: str = ""
    police_consulted: bool = False


@dataclass(frozen=True)
class ConsentResponse:
    recorded_by: str
    given: bool
    note: str = ""


@dataclass(frozen=True)
class AdditionalInformation:
    """A further report about a child whose case is open."""

    report_id: str
    concerns: list[str]
    immediate_danger: bool
    #: What the report says, as triage reads it (None: sent before further reports counted).
    facts: CaseFacts | None = None


@dataclass(frozen=True)
class BringForward:
    """The case tells its assessment: a further report made it more urgent; `due_at` is the
    earliest deadline that now applies (the assessment's moves only if that is earlier)."""

    due_at: datetime
    why: str


@dataclass(frozen=True)
class Extension:
    """A supervisor moves a deadline to `due_at`, with a reason (`kind` names the clock
    where a workflow has more than one)."""

    extended_by: str
    due_at: datetime
    reason: str
    kind: DeadlineKind | None = None
    #: Why, from the policy's list (`extension_reasons`); "" from before extensions named one.
    reason_code: str = ""


@dataclass(frozen=True)
class Acknowledgement:
    """A supervisor saw an escalation (`kind`: the clock, where a workflow has more than one;
    tier 0: a warning or a round with no slot)."""

    acknowledged_by: str
    tier: int
    note: str = ""
    kind: DeadlineKind | None = None
    #: The escalation's cycle (0: not said): which of a plan's clocks of `kind` it is.
    cycle: int = 0


@dataclass(frozen=True)
class Allocation:
    """A social worker at the case's site takes the assessment (also used to reassign)."""

    social_worker: str
    site: str
    allocated_by: str
    reason: str = ""


@dataclass(frozen=True)
class Findings:
    recorded_by: str
    summary: str


@dataclass(frozen=True)
class ChildSeen:
    """A social worker met the child for the safety and risk screen: who, when and where
    (`place` is case data, a short description: never logged)."""

    seen_by: str
    seen_at: datetime
    place: str


@dataclass(frozen=True)
class Completion:
    completed_by: str
    outcome: Outcome
    reason: str
    #: Police were consulted (a joint investigation closed with no further action needs it).
    police_consulted: bool = False


@dataclass(frozen=True)
class ApprovalDecision:
    """A supervisor's answer to a decision that needs approval (seeking custody; a triage
    decision the policy names): approved, or not (a triage decision returned)."""

    decided_by: str
    approved: bool
    reason: str
    #: The decision the supervisor means to answer (SupervisionService.DecideApproval's kind,
    #: when it names one): refused when another is waiting. None: whichever is waiting.
    outcome: Outcome | None = None


@dataclass(frozen=True)
class DeadlineStatus:
    """The state of a statutory clock, as search attributes and queues show it."""

    kind: DeadlineKind
    due_at: datetime | None
    breached: bool
    tier: int
    #: The deadline before any extension moved it (None: never extended).
    original_due_at: datetime | None = None


@dataclass(frozen=True)
class Escalation:
    """An escalation to raise exactly once: its key is (case_id or conference_id, kind,
    cycle, tier, level). `raise_at` is when it fell due, so its lateness shows."""

    case_id: str
    workflow_id: str
    kind: DeadlineKind
    cycle: int
    tier: int
    role: str
    site: str
    region: str
    due_at: datetime
    conference_id: str | None = None
    level: EscalationLevel = EscalationLevel.BREACH
    raise_at: datetime | None = None
    #: The staff member it goes to, when one is known (a conference's coordinator's manager).
    assignee: str = ""


@dataclass(frozen=True)
class DueRequest:
    """Ask for the instant `span` after `start` at `site` (working days skip holidays)."""

    start: datetime
    seconds: int
    working_days: int
    site: str


@dataclass(frozen=True)
class PlacementRecord:
    """Where the case's children were placed: ids and the search's tier, no personal data."""

    caregiver_id: str
    tier: str
    places: int
    hold_id: str
    confirmed_by: str


@dataclass
class PendingApproval:
    """A triage decision waiting for a supervisor's approval: why, since when, its clock,
    and the supervisor's answer once given."""

    decision: TriageDecision
    decided_at: datetime
    why: str
    clock: ClockState | None = None
    answer: ApprovalDecision | None = None


@dataclass
class CaseSnapshot:
    """Everything the case workflow carries across continue-as-new."""

    stage: Stage = Stage.INTAKE
    proposal: TriageProposal | None = None
    decision: TriageDecision | None = None
    decided_at: datetime | None = None
    police_notified: bool = False
    outcome: Outcome | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    deadline: DeadlineStatus | None = None
    clock: ClockState | None = None
    reports: list[str] = field(default_factory=list)
    placement: PlacementRecord | None = None
    #: The highest cycle any triage deadline of the case has reached (extensions included).
    deadline_cycles: int = 0
    #: Ids of the updates applied (workflows/applied_updates.py), the last MAX_REMEMBERED.
    applied_updates: list[str] = field(default_factory=list)
    attention: AttentionState = field(default_factory=lambda: AttentionState())
    #: Triage refused to propose (workflows/attention.py): a decision goes without one.
    proposal_refused: bool = False
    #: The case's record in PostgreSQL (workflows/record.py).
    record: RecordState = field(default_factory=lambda: RecordState())
    #: The facts of every report on the case together (workflows/case/rules.py), once a
    #: further report has added to the first's; None: the first report's alone.
    facts: CaseFacts | None = None
    #: A triage decision waiting for a supervisor's approval (policy `triage_approval`).
    approval: PendingApproval | None = None
    #: A decision of further action was made (workflows/case/rules.py `further_action`):
    #: no later decision may be no further action or a referral.
    further_action_decided: bool = False
    #: A referral to a care and protection conference approved (the supervisor's staff id),
    #: waiting to start it; how many such conferences the case has started; and the
    #: assessment to open again when one agreed no plan (back to the social worker).
    care_referral_approved_by: str | None = None
    care_conferences: int = 0
    reopening: Reopening | None = None
    #: What the case's last assessment carried out: its record's numbering and its clocks'
    #: highest cycle (an assessment opened again continues both).
    assessment_record: RecordState | None = None
    assessment_cycles: int = 0
    assessment_social_worker: str | None = None


@dataclass(frozen=True)
class CaseView:
    """The case as the `state` query returns it."""

    case_id: str
    stage: Stage
    proposal: TriageProposal | None
    decision: TriageDecision | None
    outcome: Outcome | None
    deadline: DeadlineStatus | None
    assessment_workflow_id: str | None
    timeline: list[TimelineEntry]
    #: Set while the case is in the placement stage.
    placement_workflow_id: str | None = None
    placement: PlacementRecord | None = None
    #: A triage decision waiting for a supervisor's approval.
    awaiting_approval: TriageDecision | None = None


@dataclass(frozen=True)
class Reopening:
    """An assessment opened again after a care and protection conference agreed no plan:
    the social worker decides the next step by `due_at` (policy
    `care_and_protection.no_agreement_decision`)."""

    why: str
    due_at: datetime


@dataclass(frozen=True)
class AssessmentInput:
    case_id: str
    site: str
    region: str
    pathway: Pathway
    due_at: datetime
    policy: CasePolicy
    resumed: AssessmentSnapshot | None = None
    history_limit: int = HISTORY_LIMIT
    #: Set when the case opens its assessment again (a care and protection conference agreed
    #: no plan): why, with the social worker it was allocated to, the record's numbering to
    #: continue and the first clock cycle to use (above every earlier one).
    reopened: Reopening | None = None
    social_worker: str | None = None
    record: RecordState | None = None
    first_cycle: int = 1
    #: The case started it under patch `child-clock-recorded`: its clock reaches the case's
    #: record with its own batches, and is not signalled to the case.
    clock_recorded: bool = False


@dataclass
class AssessmentSnapshot:
    """Everything the assessment workflow carries across continue-as-new."""

    clock: ClockState
    social_worker: str | None = None
    findings: list[str] = field(default_factory=list)
    pending: Completion | None = None
    result: Completion | None = None
    approved_by: str | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    #: Ids of the updates applied (workflows/applied_updates.py), the last MAX_REMEMBERED.
    applied_updates: list[str] = field(default_factory=list)
    attention: AttentionState = field(default_factory=lambda: AttentionState())
    #: The assessment's part of the case's record in PostgreSQL (workflows/record.py).
    record: RecordState = field(default_factory=lambda: RecordState())
    #: Patch `child-seen`: the response clock (`clock`) ends when the child is seen, and the
    #: assessment's completion clock runs from then. False in runs from before the patch.
    child_seen_flow: bool = False
    child_seen: ChildSeen | None = None
    completion_clock: ClockState | None = None


@dataclass(frozen=True)
class AssessmentView:
    case_id: str
    social_worker: str | None
    due_at: datetime
    breached: bool
    tier: int
    awaiting_approval: Completion | None
    result: Completion | None
    timeline: list[TimelineEntry]
    #: Which clock due_at, breached and tier are (patch `child-seen`: the completion clock
    #: once the child is seen), and the child's being seen.
    deadline_kind: DeadlineKind = DeadlineKind.ASSESSMENT
    child_seen: ChildSeen | None = None


@dataclass(frozen=True)
class AssessmentResult:
    outcome: Outcome
    completed_by: str
    approved_by: str | None
    timeline: list[TimelineEntry]
    #: Its social worker, its record as it finished (numbering) and its clocks' highest cycle:
    #: what an assessment opened again continues from.
    social_worker: str | None = None
    record: RecordState | None = None
    cycles: int = 0


def workflow_id(case_id: str) -> str:
    """The case workflow's ID: derived from the opaque case id only."""
    return f"case-{case_id}"


def case_id_of(case_workflow_id: str) -> str:
    """The case id in a case workflow's ID (the inverse of `workflow_id`)."""
    return case_workflow_id.removeprefix("case-")


def assessment_workflow_id(case_id: str) -> str:
    return f"case-{case_id}-assessment"


def placement_workflow_id(case_id: str) -> str:
    return f"case-{case_id}-placement"


# -- steps that need a person (workflows/attention.py) ----------------------------------


class AttentionReason(StrEnum):
    """Why a step needs a person: its service refused it, or it is still failing after the
    policy's `attention_after`."""

    REFUSED = "REFUSED"
    STILL_FAILING = "STILL_FAILING"


class AttentionDecision(StrEnum):
    RETRY = "RETRY"
    SKIP = "SKIP"


@dataclass(frozen=True)
class Subject:
    """What a workflow's items are about (ids and places, no personal data)."""

    case_id: str | None
    conference_id: str | None
    site: str
    region: str


@dataclass(frozen=True)
class AttentionItem:
    """A step that needs a person (the `raise_attention` activity's argument)."""

    item_key: str
    subject: Subject
    workflow_id: str
    step: str
    reason: AttentionReason
    error: str
    trace_id: str
    #: The workflow waits for a supervisor's decision before it goes on.
    waiting: bool
    failing_since: datetime


@dataclass(frozen=True)
class AttentionAnswer:
    """A supervisor's decision on an item the workflow waits on (the update's argument)."""

    item_key: str
    decision: AttentionDecision
    decided_by: str
    note: str = ""


@dataclass
class AttentionState:
    """What a workflow carries across continue-as-new: how many items it raised (their keys'
    sequence) and the ones it waits on."""

    raised: int = 0
    waiting: list[str] = field(default_factory=list)


# -- the case's record in PostgreSQL (workflows/record.py) --------------------------------


@dataclass
class RecordState:
    """What a workflow carries across continue-as-new of its part of the case's record:
    whether it records, how many of its events it has numbered, those not recorded yet
    (numbered `noted - len(pending)` on), the version of the standing it sent last, and
    whether its own service keeps its record too (patch `standing-recorded`: a placement
    search's or a conference's, with where it stands)."""

    started: bool = False
    noted: int = 0
    pending: list[TimelineEntry] = field(default_factory=list)
    version: int = 0
    own: bool = False


@dataclass(frozen=True)
class RecordedEvent:
    """One event of a case's record: its id is `<workflow id>:<n>`, n counting the
    workflow's events from 0 (the same for every retry and every run)."""

    event_id: str
    entry: TimelineEntry


@dataclass(frozen=True)
class CaseStanding:
    """Where a case stands, as its CaseWorkflow sees it (ids and choices, no personal data)."""

    stage: Stage
    proposal: TriageProposal | None
    decision: TriageDecision | None
    decided_at: datetime | None
    outcome: Outcome | None
    deadline: DeadlineStatus | None
    placement: PlacementRecord | None
    #: What the facts of all its reports make the case's urgency before a decision
    #: (workflows/case/rules.py urgency_at_receipt).
    urgency: Timeframe | None = None
    #: A triage decision waiting for a supervisor's approval.
    awaiting_approval: TriageDecision | None = None


@dataclass(frozen=True)
class AssessmentStanding:
    """Where a case's assessment stands, as its AssessmentWorkflow sees it."""

    social_worker: str | None
    due_at: datetime
    breached: bool
    tier: int
    awaiting_approval: Completion | None
    result: Completion | None
    approved_by: str | None
    deadline_kind: DeadlineKind = DeadlineKind.ASSESSMENT
    child_seen: ChildSeen | None = None
    #: The deadline before any extension moved it (None: never extended).
    original_due_at: datetime | None = None
