"""SupervisionService: escalations and steps that need attention raised exactly once, the
supervisors' queue, and their actions, each sent to the running workflow exactly once and
recorded here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any

import grpc
from temporalio import workflow
from temporalio.client import Client

from kahu.v1 import common_pb2, conference_pb2_grpc, intake_pb2_grpc, supervision_pb2, supervision_pb2_grpc
from services.common import authz, convert
from services.common.actions import Action, StaffActions, perform
from services.common.authz import Place
from services.common.caselookup import conference_lookup, intake_lookup
from services.common.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from services.common.metrics import record_attention, record_escalation
from services.common.notifications.convert import deliveries
from services.common.sites import load_sites
from services.supervision import queue
from services.supervision.store import Subject, SupervisionStore
from services.supervision.validation import (
    validate_acknowledge,
    validate_approval,
    validate_extend,
    validate_list_notifications,
    validate_raise,
    validate_raise_attention,
    validate_reassign,
    validate_resolve,
    validate_resolve_attention,
)
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import (
    Acknowledgement,
    Allocation,
    ApprovalDecision,
    AttentionAnswer,
    AttentionDecision,
    DeadlineKind,
    DeadlineStatus,
    Outcome,
    assessment_workflow_id,
    workflow_id,
)
from workflows.case.workflows import CaseWorkflow
from workflows.conference.model import ConferenceView
from workflows.conference.workflows import YouthJusticeConferenceWorkflow
from workflows.placement.workflows import PlacementSearchWorkflow
from workflows.plan.workflows import PlanWorkflow

#: The assessment outcome a named approval kind answers (the assessment refuses an answer to
#: another); an unset kind answers whichever outcome is waiting (seeking custody, as before).
_APPROVED_OUTCOME = {
    supervision_pb2.APPROVAL_KIND_SEEK_CUSTODY: Outcome.SEEK_CUSTODY,
    supervision_pb2.APPROVAL_KIND_CARE_AND_PROTECTION_REFERRAL: Outcome.FAMILY_GROUP_CONFERENCE,
}


class SupervisionServicer(supervision_pb2_grpc.SupervisionServiceServicer):
    def __init__(
        self,
        store: SupervisionStore,
        temporal: Client,
        intake: intake_pb2_grpc.IntakeServiceStub,
        conferences: conference_pb2_grpc.ConferenceServiceStub,
        extension_reasons: Collection[str],
    ) -> None:
        self._store = store
        self._extension_reasons = frozenset(extension_reasons)
        self._temporal = temporal
        self._intake = intake
        self._lookup = intake_lookup(intake)
        self._conferences = conference_lookup(conferences)
        self._actions = StaffActions(store.actions, temporal)

    # -- called by the worker ----------------------------------------------------------

    async def RaiseEscalation(
        self, request: supervision_pb2.RaiseEscalationRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.RaiseEscalationResponse:
        escalation = validate_raise(request)
        if escalation.conference_id is not None:
            await authz.admit_place(escalation.conference_id, Place(escalation.site, escalation.region))
        else:
            await authz.admit_case(escalation.case_id, self._lookup)
        escalation_id, created = await self._store.raise_escalation(escalation)
        if created:
            record_escalation(escalation.kind.value, escalation.tier)
        return supervision_pb2.RaiseEscalationResponse(escalation_id=escalation_id, created=created)

    async def ResolveEscalations(
        self, request: supervision_pb2.ResolveEscalationsRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.ResolveEscalationsResponse:
        deadline = validate_resolve(request)
        await self._admit(deadline.case_id, deadline.conference_id)
        resolved = await self._store.resolve(
            Subject(deadline.case_id, deadline.conference_id), deadline.kind, deadline.level, deadline.cycle
        )
        return supervision_pb2.ResolveEscalationsResponse(resolved=resolved)

    async def _admit(self, case_id: str, conference_id: str | None) -> None:
        """Admit a call about a case's deadline, or a conference's (where it is held)."""
        if conference_id is None:
            await authz.admit_case(case_id, self._lookup)
        else:
            await authz.admit_place(conference_id, await self._conferences.place(conference_id), self._conferences)

    # -- the queue ---------------------------------------------------------------------

    async def ListQueue(
        self, request: supervision_pb2.ListQueueRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.ListQueueResponse:
        site = load_sites().get(request.site)
        page = queue.parse(request, lambda: authz.listing(request.site, request.region, site.region if site else ""))
        now = dt.datetime.now(dt.UTC)
        rows = await self._store.queue(page.filter, page.size + 1, page.after)
        response = supervision_pb2.ListQueueResponse(
            items=[queue.escalation_to_proto(row, now) for row in rows[: page.size]],
            next_page_token=queue.next_token(page, rows),
        )
        if page.due_within is not None:
            response.due_soon.extend(await queue.due_soon(self._intake, page.filter, now + page.due_within, page.size))
        if not request.page_token:
            items = await self._store.attention.open_items(page.filter, page.size)
            response.attention.extend(queue.attention_to_proto(row) for row in items)
            response.tier_counts.extend(
                common_pb2.TierCount(tier=tier, count=n) for tier, n in await self._store.tier_counts(page.filter)
            )
        return response

    async def ListNotifications(
        self, request: supervision_pb2.ListNotificationsRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.ListNotificationsResponse:
        case_id, conference_id = validate_list_notifications(request)
        await self._admit(case_id, conference_id)
        assert self._store.notifications is not None
        rows = await self._store.notifications.of_subject(case_id=case_id or None, conference_id=conference_id)
        return supervision_pb2.ListNotificationsResponse(notifications=deliveries(rows))

    # -- supervisors' actions ----------------------------------------------------------

    async def Acknowledge(
        self, request: supervision_pb2.AcknowledgeRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.AcknowledgeResponse:
        escalation_id = validate_acknowledge(request)
        row = await self._store.get(escalation_id)
        if row is None:
            await authz.admit_place("", None)  # PERMISSION_DENIED, or NOT_FOUND for scope `any`
            raise NotFound("no such escalation")
        escalation = row.escalation
        subject_id = escalation.conference_id or escalation.case_id
        await authz.admit_place(subject_id, Place(escalation.site, escalation.region))

        async def answer(_: object) -> supervision_pb2.AcknowledgeResponse:
            await self._store.acknowledge(escalation_id, request.acknowledged_by)
            acknowledged = await self._store.get(escalation_id)
            assert acknowledged is not None
            return supervision_pb2.AcknowledgeResponse(
                escalation=queue.escalation_to_proto(acknowledged, dt.datetime.now(dt.UTC))
            )

        return await self._actions.update(
            request,
            name="supervision.acknowledge",
            subject_id=subject_id,
            actor=request.acknowledged_by,
            workflow_id=escalation.workflow_id,
            update=_ACKNOWLEDGE[escalation.kind],
            arg=Acknowledgement(
                acknowledged_by=request.acknowledged_by,
                tier=escalation.tier,
                note=request.note,
                kind=escalation.kind,
                cycle=escalation.cycle,
            ),
            response=supervision_pb2.AcknowledgeResponse,
            answer=answer,
        )

    async def Reassign(
        self, request: supervision_pb2.ReassignRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.ReassignResponse:
        case_id = validate_reassign(request)
        await authz.admit_case(case_id, self._lookup)
        return await self._actions.update(
            request,
            name="supervision.reassign",
            subject_id=case_id,
            actor=request.reassigned_by,
            workflow_id=assessment_workflow_id(case_id),
            update=AssessmentWorkflow.reassign,
            arg=Allocation(
                social_worker=request.social_worker,
                site=request.site,
                allocated_by=request.reassigned_by,
                reason=request.reason,
            ),
            response=supervision_pb2.ReassignResponse,
            answer=lambda view: supervision_pb2.ReassignResponse(assessment=convert.assessment_to_proto(view)),
        )

    async def ExtendDeadline(
        self, request: supervision_pb2.ExtendDeadlineRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.ExtendDeadlineResponse:
        extended = validate_extend(request, dt.datetime.now(dt.UTC), self._extension_reasons)
        await self._admit(extended.case_id, extended.conference_id)
        update, deadline_of = _EXTEND[extended.kind]
        return await self._actions.update(
            request,
            name="supervision.extend",
            subject_id=extended.conference_id or extended.case_id,
            actor=request.extended_by,
            workflow_id=extended.workflow_id,
            update=update,
            arg=extended.extension,
            response=supervision_pb2.ExtendDeadlineResponse,
            answer=lambda view: _extended(deadline_of(view)),
        )

    async def DecideApproval(
        self, request: supervision_pb2.DecideApprovalRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.DecideApprovalResponse:
        case_id, triage = validate_approval(request)
        await authz.admit_case(case_id, self._lookup)
        answer = ApprovalDecision(
            decided_by=request.decided_by,
            approved=request.approved,
            reason=request.reason,
            outcome=_APPROVED_OUTCOME.get(request.kind),
        )
        if triage:
            return await self._actions.update(
                request,
                name="supervision.approval",
                subject_id=case_id,
                actor=request.decided_by,
                workflow_id=workflow_id(case_id),
                update=CaseWorkflow.decide_triage_approval,
                arg=answer,
                response=supervision_pb2.DecideApprovalResponse,
                answer=lambda view: supervision_pb2.DecideApprovalResponse(case=convert.case_summary(view, {})),
            )
        return await self._actions.update(
            request,
            name="supervision.approval",
            subject_id=case_id,
            actor=request.decided_by,
            workflow_id=assessment_workflow_id(case_id),
            update=AssessmentWorkflow.decide_approval,
            arg=answer,
            response=supervision_pb2.DecideApprovalResponse,
            answer=lambda view: supervision_pb2.DecideApprovalResponse(assessment=convert.assessment_to_proto(view)),
        )

    # -- steps that need attention (workflows/attention.py) ----------------------------

    async def RaiseAttention(
        self, request: supervision_pb2.RaiseAttentionRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.RaiseAttentionResponse:
        item = validate_raise_attention(request)
        subject = item.subject
        await authz.admit_place(subject.conference_id or subject.case_id or "", Place(subject.site, subject.region))
        item_id, created = await self._store.attention.raise_item(item)
        if created:
            record_attention(item.step, item.reason.value)
        return supervision_pb2.RaiseAttentionResponse(item_id=item_id, created=created)

    async def ResolveAttention(
        self, request: supervision_pb2.ResolveAttentionRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.ResolveAttentionResponse:
        """A supervisor's decision, once per idempotency key: sent to the workflow when it
        waits on the item (`decide_attention`), else (SKIP only) the item is closed here."""
        resolution = validate_resolve_attention(request)
        store = self._store.attention
        row = await store.get(resolution.item_id)
        if row is None:
            await authz.admit_place("", None)  # PERMISSION_DENIED, or NOT_FOUND for scope `any`
            raise NotFound("no such item")
        await authz.admit_place(row.subject_id, row.place)
        name, actor = "supervision.resolve_attention", resolution.decided_by
        response = supervision_pb2.ResolveAttentionResponse
        replay = await self._actions.answered(
            request, name=name, subject_id=row.subject_id, actor=actor, response=response
        )
        if replay is not None:
            return replay
        if not row.item.waiting and resolution.decision is AttentionDecision.RETRY:
            raise InvalidArgument([FieldViolation("decision", "no workflow waits on this item: only SKIP closes it")])
        if row.decision is not None and row.decision is not resolution.decision:
            raise FailedPrecondition(f"the item was already resolved: {row.decision.value} by {row.resolved_by}")

        async def answer(_: object) -> supervision_pb2.ResolveAttentionResponse:
            await store.resolve(resolution.item_id, resolution.decided_by, resolution.decision)
            resolved = await store.get(resolution.item_id)
            assert resolved is not None
            return response(item=queue.attention_to_proto(resolved))

        if row.item.waiting and not row.resolved:
            return await self._actions.update(
                request,
                name=name,
                subject_id=row.subject_id,
                actor=actor,
                workflow_id=row.item.workflow_id,
                update=_Attention.decide_attention,
                arg=AttentionAnswer(row.item.item_key, resolution.decision, resolution.decided_by, resolution.note),
                response=response,
                answer=answer,
            )
        # nothing waits on it (or the same decision was taken already): closed here, once
        action = Action(request.idempotency_key, name, row.subject_id, actor, request)
        stored, replayed = await perform(self._store.actions, action, lambda: answer(None))
        closed = response.FromString(stored)
        closed.replayed = replayed
        return closed


def _extended(status: DeadlineStatus | None) -> supervision_pb2.ExtendDeadlineResponse:
    response = supervision_pb2.ExtendDeadlineResponse()
    if status is not None:
        response.deadline.CopyFrom(convert.deadline_to_proto(status))
    return response


#: The update that acknowledges an escalation, by the kind of deadline that raised it.
_ACKNOWLEDGE: dict[DeadlineKind, Any] = {
    DeadlineKind.TRIAGE: CaseWorkflow.acknowledge_escalation,
    DeadlineKind.TRIAGE_APPROVAL: CaseWorkflow.acknowledge_escalation,
    DeadlineKind.ASSESSMENT: AssessmentWorkflow.acknowledge_escalation,
    DeadlineKind.ASSESSMENT_COMPLETION: AssessmentWorkflow.acknowledge_escalation,
    DeadlineKind.PLACEMENT: PlacementSearchWorkflow.acknowledge_escalation,
    DeadlineKind.CONVENING: YouthJusticeConferenceWorkflow.acknowledge_escalation,
    DeadlineKind.COMPLETION: YouthJusticeConferenceWorkflow.acknowledge_escalation,
    DeadlineKind.PLAN_ACTION: PlanWorkflow.acknowledge_escalation,
    DeadlineKind.PLAN_REVIEW: PlanWorkflow.acknowledge_escalation,
}


def _conference_clock(kind: DeadlineKind) -> Callable[[ConferenceView], DeadlineStatus | None]:
    return lambda view: next((clock for clock in view.clocks if clock.kind == kind), None)


#: Per kind of deadline: its extension update (on the workflow that owns it), and the
#: deadline read from the view the update answers with.
_EXTEND: dict[DeadlineKind, tuple[Any, Callable[[Any], DeadlineStatus | None]]] = {
    DeadlineKind.TRIAGE: (CaseWorkflow.extend_deadline, lambda view: view.deadline),
    DeadlineKind.ASSESSMENT: (AssessmentWorkflow.extend_deadline, convert.assessment_deadline),
    DeadlineKind.ASSESSMENT_COMPLETION: (AssessmentWorkflow.extend_deadline, convert.assessment_deadline),
    DeadlineKind.PLACEMENT: (PlacementSearchWorkflow.extend_deadline, lambda view: view.deadline),
    DeadlineKind.CONVENING: (
        YouthJusticeConferenceWorkflow.extend_deadline,
        _conference_clock(DeadlineKind.CONVENING),
    ),
    DeadlineKind.COMPLETION: (
        YouthJusticeConferenceWorkflow.extend_deadline,
        _conference_clock(DeadlineKind.COMPLETION),
    ),
}


class _Attention:
    """The update every Kahu workflow has for a supervisor's decision on an item it waits
    on (workflows/attention.py). Each workflow answers with its own view, which this
    service does not read (so it is taken as it comes)."""

    @workflow.update
    def decide_attention(self, answer: AttentionAnswer) -> Any: ...
