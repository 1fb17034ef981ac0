"""Activities of the case workflows: thin, idempotent gRPC calls to the domain services,
and the working-day arithmetic that needs holiday calendars."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import grpc
from temporalio import activity

from kahu.v1 import (
    assessment_pb2,
    assessment_pb2_grpc,
    conference_pb2_grpc,
    intake_pb2,
    intake_pb2_grpc,
    placement_pb2_grpc,
    supervision_pb2,
    supervision_pb2_grpc,
    triage_pb2,
    triage_pb2_grpc,
)
from services.common import convert
from services.common.metrics import record_attention_told
from services.conference import convert as conference_convert
from services.placement import convert as placement_convert
from workflows.case.model import (
    AttentionItem,
    CaseFacts,
    DeadlineKind,
    DueRequest,
    Escalation,
    EscalationLevel,
    StageChange,
    TriageProposal,
    assessment_workflow_id,
    placement_workflow_id,
)
from workflows.common import RPC_TIMEOUT
from workflows.conference.model import is_conference_workflow
from workflows.policy.working_days import due_at
from workflows.record_model import RecordBatch


class CaseActivities:
    """Holds the channels the case activities call through. Every call is safe to repeat:
    each service keys what it records (stage by case, proposal by case, the Police
    notification by case, an escalation by case, kind, cycle and tier)."""

    def __init__(
        self,
        intake: grpc.aio.Channel,
        triage: grpc.aio.Channel,
        supervision: grpc.aio.Channel,
        assessment: grpc.aio.Channel,
        placement: grpc.aio.Channel,
        conference: grpc.aio.Channel,
    ) -> None:
        self._intake = intake_pb2_grpc.IntakeServiceStub(intake)
        self._triage = triage_pb2_grpc.TriageServiceStub(triage)
        self._supervision = supervision_pb2_grpc.SupervisionServiceStub(supervision)
        self._assessment = assessment_pb2_grpc.AssessmentServiceStub(assessment)
        self._placement = placement_pb2_grpc.PlacementServiceStub(placement)
        self._conference = conference_pb2_grpc.ConferenceServiceStub(conference)

    @activity.defn
    async def record_case_stage(self, change: StageChange) -> None:
        """Tell intake the stage the case has reached."""
        await self._intake.RecordCaseStage(
            intake_pb2.RecordCaseStageRequest(case_id=change.case_id, stage=convert.STAGE.to_proto(change.stage)),
            timeout=RPC_TIMEOUT.total_seconds(),
        )

    @activity.defn
    async def record_case_events(self, batch: RecordBatch) -> None:
        """Record a workflow's events with intake, each once per event id, and where the case
        (or its assessment) stands (workflows/record.py); an assessment's also with the
        assessment service, a placement search's with the placement service and a
        conference's with the conference service, each of which keeps its part of the record
        (a conference without a case: that part only)."""
        timeout = RPC_TIMEOUT.total_seconds()
        request = convert.record_batch_to_proto(batch)
        if batch.case_id:
            await self._intake.RecordCaseEvents(request, timeout=timeout)
        if batch.case_id and batch.workflow_id == assessment_workflow_id(batch.case_id):
            assessment = assessment_pb2.RecordAssessmentRequest(
                case_id=batch.case_id, site=batch.site, region=batch.region, events=request.events
            )
            if request.HasField("assessment"):
                assessment.standing.CopyFrom(request.assessment)
            await self._assessment.RecordAssessment(assessment, timeout=timeout)
        if not batch.own:  # recorded before the placement and conference services kept theirs
            return
        if batch.case_id and batch.workflow_id == placement_workflow_id(batch.case_id):
            await self._placement.RecordPlacementSearch(placement_convert.record_to_proto(batch), timeout=timeout)
        elif is_conference_workflow(batch.workflow_id):
            await self._conference.RecordConference(conference_convert.record_to_proto(batch), timeout=timeout)

    @activity.defn
    async def propose_triage(self, case_id: str, facts: CaseFacts | None) -> TriageProposal:
        """Ask triage's rules engine for a proposal (a retry returns the stored one)."""
        request = triage_pb2.ProposeTriageRequest(case_id=case_id)
        if facts is not None:
            request.facts.CopyFrom(convert.facts_to_proto(facts))
        response = await self._triage.ProposeTriage(request, timeout=RPC_TIMEOUT.total_seconds())
        return convert.proposal_from_proto(response.proposal)

    @activity.defn
    async def notify_police(self, case_id: str, reason: str) -> None:
        """Record the outbound Police notification; triage keeps exactly one per case."""
        await self._triage.NotifyPolice(
            triage_pb2.NotifyPoliceRequest(case_id=case_id, reason=reason), timeout=RPC_TIMEOUT.total_seconds()
        )

    @activity.defn
    async def raise_escalation(self, escalation: Escalation) -> None:
        """Put an escalation in the supervisors' queue, once per (case or conference, kind,
        cycle, tier, level)."""
        request = supervision_pb2.RaiseEscalationRequest(
            case_id=escalation.case_id,
            workflow_id=escalation.workflow_id,
            kind=convert.DEADLINE_KIND.to_proto(escalation.kind),
            cycle=escalation.cycle,
            tier=escalation.tier,
            role=escalation.role,
            site=escalation.site,
            region=escalation.region,
            due_at=convert.timestamp(escalation.due_at),
            conference_id=escalation.conference_id or "",
            level=convert.ESCALATION_LEVEL.to_proto(escalation.level),
            assignee=escalation.assignee,
        )
        if escalation.raise_at is not None:
            request.raise_at.CopyFrom(convert.timestamp(escalation.raise_at))
        await self._supervision.RaiseEscalation(request, timeout=RPC_TIMEOUT.total_seconds())

    @activity.defn
    async def resolve_escalations(
        self,
        case_id: str,
        kind: DeadlineKind,
        conference_id: str | None = None,
        level: EscalationLevel | None = None,
    ) -> None:
        """Close the open escalations of `kind` (of `level` only, when given) of a case, or of
        a conference: the work is done or the deadline moved."""
        # A call with fewer arguments than parameters (a case's) reaches here undecoded: the
        # SDK applies the type hints only when every parameter is given.
        kind = DeadlineKind(kind)
        await self._supervision.ResolveEscalations(
            supervision_pb2.ResolveEscalationsRequest(
                case_id=case_id,
                kind=convert.DEADLINE_KIND.to_proto(kind),
                conference_id=conference_id or "",
                level=convert.ESCALATION_LEVEL.to_proto(EscalationLevel(level) if level else None),
            ),
            timeout=RPC_TIMEOUT.total_seconds(),
        )

    @activity.defn
    async def raise_attention(self, item: AttentionItem) -> None:
        """Put a step that needs a person on the supervisors' queue, once per item key; the
        alert's metric counts it at the first attempt, even while supervision is down."""
        if activity.info().attempt == 1:
            record_attention_told(item.step, item.reason.value)
        await self._supervision.RaiseAttention(convert.attention_request(item), timeout=RPC_TIMEOUT.total_seconds())

    @activity.defn
    async def compute_due_at(self, request: DueRequest) -> datetime:
        """The instant a span of working days (or seconds) after a start ends, at a site."""
        return due_at(request)

    def all(self) -> list[Callable[..., Awaitable[Any]]]:
        return [
            self.record_case_stage,
            self.record_case_events,
            self.propose_triage,
            self.notify_police,
            self.raise_escalation,
            self.resolve_escalations,
            self.raise_attention,
            self.compute_due_at,
        ]
