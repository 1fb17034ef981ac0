"""Conversions between kahu.v1 messages and the workflows' dataclasses, used by every service
and by the worker's activities.

A proto enum value's name is the Python enum's value with the type's prefix
(`Pathway.JOINT_INVESTIGATION` <-> `PATHWAY_JOINT_INVESTIGATION`); the zero value means unset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.timestamp_pb2 import Timestamp

from kahu.v1 import common_pb2, intake_pb2, placement_pb2, supervision_pb2
from workflows.case import model
from workflows.policy.model import Pathway, Timeframe
from workflows.record_model import RecordBatch

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class EnumMap(Generic[E]):
    """One Python enum and its proto twin."""

    python: type[E]
    proto: EnumTypeWrapper
    prefix: str

    def to_proto(self, value: E | None) -> Any:
        """The proto number of `value` (typed Any: the stubs give each enum its own int type)."""
        return 0 if value is None else self.proto.Value(self.prefix + value.value)

    def from_proto(self, number: int) -> E | None:
        """The Python value of `number` (None for the zero value); ValueError if unknown."""
        if number == 0:
            return None
        return self.python(self.proto.Name(number).removeprefix(self.prefix))

    def names(self) -> set[str]:
        """The Python values the proto enum names (without its zero value)."""
        return {name.removeprefix(self.prefix) for name, number in self.proto.items() if number}


TIMEFRAME = EnumMap(Timeframe, common_pb2.Timeframe, "TIMEFRAME_")
PATHWAY = EnumMap(Pathway, common_pb2.Pathway, "PATHWAY_")
OUTCOME = EnumMap(model.Outcome, common_pb2.Outcome, "OUTCOME_")
DEADLINE_KIND = EnumMap(model.DeadlineKind, common_pb2.DeadlineKind, "DEADLINE_KIND_")
STAGE = EnumMap(model.Stage, common_pb2.CaseStage, "CASE_STAGE_")
ESCALATION_LEVEL = EnumMap(model.EscalationLevel, supervision_pb2.EscalationLevel, "ESCALATION_LEVEL_")
ATTENTION_REASON = EnumMap(model.AttentionReason, supervision_pb2.AttentionReason, "ATTENTION_REASON_")
ATTENTION_DECISION = EnumMap(model.AttentionDecision, supervision_pb2.AttentionDecision, "ATTENTION_DECISION_")
ENUMS: tuple[EnumMap[StrEnum], ...] = (  # type: ignore[assignment]
    TIMEFRAME,
    PATHWAY,
    OUTCOME,
    DEADLINE_KIND,
    STAGE,
    ESCALATION_LEVEL,
    ATTENTION_REASON,
    ATTENTION_DECISION,
)


def timestamp(value: dt.datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def from_timestamp(stamp: Timestamp) -> dt.datetime:
    return stamp.ToDatetime(tzinfo=dt.UTC)


# -- triage ----------------------------------------------------------------------------


def facts_to_proto(facts: model.CaseFacts) -> common_pb2.CaseFacts:
    message = common_pb2.CaseFacts(
        concerns=list(facts.concerns),
        immediate_danger=facts.immediate_danger,
        agency=facts.agency or common_pb2.AGENCY_UNSPECIFIED,
        prior_involvement=facts.prior_involvement,
        child_safety_hub=facts.child_safety_hub,
    )
    if facts.youngest_child_age is not None:
        message.youngest_child_age = facts.youngest_child_age
    return message


def facts_from_proto(message: common_pb2.CaseFacts) -> model.CaseFacts:
    """Facts as the rules read them: concerns and agency by their full proto names."""
    return model.CaseFacts(
        concerns=[common_pb2.ConcernCategory.Name(c) for c in message.concerns],
        immediate_danger=message.immediate_danger,
        agency=common_pb2.Agency.Name(message.agency) if message.agency else "",
        prior_involvement=message.prior_involvement,
        youngest_child_age=message.youngest_child_age if message.HasField("youngest_child_age") else None,
        child_safety_hub=message.child_safety_hub,
    )


def proposal_to_proto(
    proposal: model.TriageProposal, rule_descriptions: Mapping[str, str]
) -> common_pb2.TriageProposal:
    """The proposal, each fired rule with its description (`rule_descriptions`, by rule id)."""
    return common_pb2.TriageProposal(
        timeframe=TIMEFRAME.to_proto(proposal.timeframe),
        pathway=PATHWAY.to_proto(proposal.pathway),
        fired_rules=[
            common_pb2.FiredRule(id=i, description=rule_descriptions.get(i, "")) for i in proposal.fired_rules
        ],
    )


def proposal_from_proto(message: common_pb2.TriageProposal) -> model.TriageProposal:
    pathway = PATHWAY.from_proto(message.pathway)
    if pathway is None:
        raise ValueError("a proposal names a pathway")
    return model.TriageProposal(
        timeframe=TIMEFRAME.from_proto(message.timeframe),
        pathway=pathway,
        fired_rules=[rule.id for rule in message.fired_rules],
    )


def decision_to_proto(decision: model.TriageDecision) -> common_pb2.TriageDecision:
    return common_pb2.TriageDecision(
        decided_by=decision.decided_by,
        pathway=PATHWAY.to_proto(decision.pathway),
        timeframe=TIMEFRAME.to_proto(decision.timeframe),
        reason=decision.reason,
        police_consulted=decision.police_consulted,
    )


# -- case and assessment views ------------------------------------------------------------


def timeline_to_proto(entries: Iterable[model.TimelineEntry]) -> list[common_pb2.TimelineEntry]:
    return [
        common_pb2.TimelineEntry(at=timestamp(e.at), actor=e.actor, action=e.action, detail=e.detail) for e in entries
    ]


def events_to_proto(batch: RecordBatch) -> list[common_pb2.TimelineEntry]:
    """The entries of a record batch's events, in order (each service wraps them with their
    ids in its own event message)."""
    return timeline_to_proto(event.entry for event in batch.events)


def merge_timelines(*timelines: Iterable[model.TimelineEntry]) -> list[model.TimelineEntry]:
    """One timeline, oldest first (entries at the same instant keep their order)."""
    return sorted((entry for timeline in timelines for entry in timeline), key=lambda e: e.at)


def deadline_to_proto(status: model.DeadlineStatus) -> common_pb2.DeadlineStatus:
    message = common_pb2.DeadlineStatus(
        kind=DEADLINE_KIND.to_proto(status.kind), breached=status.breached, tier=status.tier
    )
    if status.due_at is not None:
        message.due_at.CopyFrom(timestamp(status.due_at))
    if status.original_due_at is not None:
        message.original_due_at.CopyFrom(timestamp(status.original_due_at))
    return message


def case_summary(view: model.CaseView, rule_descriptions: Mapping[str, str]) -> common_pb2.CaseSummary:
    summary = common_pb2.CaseSummary(
        case_id=view.case_id,
        stage=STAGE.to_proto(view.stage),
        outcome=OUTCOME.to_proto(view.outcome),
        assessment_workflow_id=view.assessment_workflow_id or "",
    )
    if view.proposal is not None:
        summary.proposal.CopyFrom(proposal_to_proto(view.proposal, rule_descriptions))
    if view.decision is not None:
        summary.decision.CopyFrom(decision_to_proto(view.decision))
    if view.deadline is not None:
        summary.deadline.CopyFrom(deadline_to_proto(view.deadline))
    if view.awaiting_approval is not None:
        summary.awaiting_approval.CopyFrom(decision_to_proto(view.awaiting_approval))
    return summary


def completion_to_proto(completion: model.Completion) -> common_pb2.Completion:
    return common_pb2.Completion(
        completed_by=completion.completed_by, outcome=OUTCOME.to_proto(completion.outcome), reason=completion.reason
    )


def assessment_to_proto(view: model.AssessmentView) -> common_pb2.Assessment:
    message = common_pb2.Assessment(
        case_id=view.case_id,
        social_worker=view.social_worker or "",
        due_at=timestamp(view.due_at),
        breached=view.breached,
        tier=view.tier,
        timeline=timeline_to_proto(view.timeline),
    )
    if view.awaiting_approval is not None:
        message.awaiting_approval.CopyFrom(completion_to_proto(view.awaiting_approval))
    if view.result is not None:
        message.result.CopyFrom(completion_to_proto(view.result))
    message.deadline_kind = DEADLINE_KIND.to_proto(view.deadline_kind)
    if view.child_seen is not None:
        message.child_seen.CopyFrom(
            common_pb2.ChildSeen(
                seen_by=view.child_seen.seen_by,
                seen_at=timestamp(view.child_seen.seen_at),
                place=view.child_seen.place,
            )
        )
    return message


def assessment_deadline(view: model.AssessmentView) -> model.DeadlineStatus:
    return model.DeadlineStatus(kind=view.deadline_kind, due_at=view.due_at, breached=view.breached, tier=view.tier)


# -- the case's record in PostgreSQL (workflows/record.py) ---------------------------------


def placement_to_proto(placement: model.PlacementRecord) -> intake_pb2.CasePlacement:
    tier: Any = placement_pb2.PlacementTier.Value(f"PLACEMENT_TIER_{placement.tier}")
    return intake_pb2.CasePlacement(
        caregiver_id=placement.caregiver_id,
        tier=tier,
        places=placement.places,
        confirmed_by=placement.confirmed_by,
    )


def case_standing_to_proto(standing: model.CaseStanding, version: int) -> intake_pb2.CaseStanding:
    message = intake_pb2.CaseStanding(
        version=version, stage=STAGE.to_proto(standing.stage), outcome=OUTCOME.to_proto(standing.outcome)
    )
    if standing.proposal is not None:
        message.proposal.CopyFrom(proposal_to_proto(standing.proposal, {}))
    if standing.decision is not None:
        message.decision.CopyFrom(decision_to_proto(standing.decision))
    if standing.decided_at is not None:
        message.decided_at.CopyFrom(timestamp(standing.decided_at))
    if standing.deadline is not None:
        message.deadline.CopyFrom(deadline_to_proto(standing.deadline))
    if standing.placement is not None:
        message.placement.CopyFrom(placement_to_proto(standing.placement))
    if standing.urgency is not None:
        message.urgency = TIMEFRAME.to_proto(standing.urgency)
    if standing.awaiting_approval is not None:
        message.awaiting_approval.CopyFrom(decision_to_proto(standing.awaiting_approval))
    return message


def assessment_standing_to_proto(
    standing: model.AssessmentStanding, case_id: str, version: int
) -> intake_pb2.AssessmentStanding:
    view = model.AssessmentView(
        case_id=case_id,
        social_worker=standing.social_worker,
        due_at=standing.due_at,
        breached=standing.breached,
        tier=standing.tier,
        awaiting_approval=standing.awaiting_approval,
        result=standing.result,
        timeline=[],
        deadline_kind=standing.deadline_kind,
        child_seen=standing.child_seen,
    )
    return intake_pb2.AssessmentStanding(
        version=version, assessment=assessment_to_proto(view), approved_by=standing.approved_by or ""
    )


def record_batch_to_proto(batch: RecordBatch) -> intake_pb2.RecordCaseEventsRequest:
    request = intake_pb2.RecordCaseEventsRequest(
        case_id=batch.case_id,
        workflow_id=batch.workflow_id,
        events=[
            intake_pb2.CaseEvent(event_id=event.event_id, entry=entry)
            for event, entry in zip(batch.events, events_to_proto(batch), strict=True)
        ],
    )
    if batch.case is not None:
        request.standing.CopyFrom(case_standing_to_proto(batch.case, batch.version))
    if batch.assessment is not None:
        request.assessment.CopyFrom(assessment_standing_to_proto(batch.assessment, batch.case_id, batch.version))
    clock = child_clock(batch)
    if clock is not None:
        request.child_clock.CopyFrom(deadline_to_proto(clock))
    return request


def child_clock(batch: RecordBatch) -> model.DeadlineStatus | None:
    """The clock of a case's assessment or placement search, as its batch's standing has it
    (None when the batch has no such standing, or the search's clock has not started)."""
    a = batch.assessment
    if a is not None:
        return model.DeadlineStatus(a.deadline_kind, a.due_at, a.breached, a.tier, a.original_due_at)
    if batch.placement is not None:
        return batch.placement.deadline or model.DeadlineStatus(model.DeadlineKind.PLACEMENT, None, False, 0)
    return None


def attention_request(item: model.AttentionItem) -> supervision_pb2.RaiseAttentionRequest:
    """The RaiseAttention request for a step that needs a person (the worker's, or a
    service's for a delivery that kept failing)."""
    subject = item.subject
    return supervision_pb2.RaiseAttentionRequest(
        item_key=item.item_key,
        case_id=subject.case_id or "",
        conference_id=subject.conference_id or "",
        workflow_id=item.workflow_id,
        step=item.step,
        reason=ATTENTION_REASON.to_proto(item.reason),
        error=item.error,
        trace_id=item.trace_id,
        site=subject.site,
        region=subject.region,
        waiting=item.waiting,
        failing_since=timestamp(item.failing_since),
    )
