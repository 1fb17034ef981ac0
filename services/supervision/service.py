"""SupervisionService: escalations raised exactly once, the supervisors' queue, and their
actions, each sent to the running workflow exactly once and recorded here."""

from __future__ import annotations

import datetime as dt

import grpc
from temporalio.client import Client

from kahu.v1 import supervision_pb2, supervision_pb2_grpc
from services.common import authz, convert
from services.common.actions import Action, perform
from services.common.authz import Place
from services.common.caselookup import TemporalCaseLookup
from services.common.errors import NotFound, Violations
from services.common.metrics import record_escalation
from services.common.sites import load_sites
from services.common.updates import send_update
from services.supervision import queue
from services.supervision.store import SupervisionStore
from services.supervision.validation import (
    validate_acknowledge,
    validate_approval,
    validate_extend,
    validate_raise,
    validate_reassign,
    validate_resolve,
)
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import (
    Acknowledgement,
    Allocation,
    ApprovalDecision,
    DeadlineKind,
    DeadlineStatus,
    Extension,
    assessment_workflow_id,
    placement_workflow_id,
    workflow_id,
)
from workflows.case.workflows import CaseWorkflow
from workflows.placement.workflows import PlacementSearchWorkflow


class SupervisionServicer(supervision_pb2_grpc.SupervisionServiceServicer):
    def __init__(self, store: SupervisionStore, temporal: Client) -> None:
        self._store = store
        self._temporal = temporal
        self._lookup = TemporalCaseLookup(temporal)

    # -- called by the worker ----------------------------------------------------------

    async def RaiseEscalation(
        self, request: supervision_pb2.RaiseEscalationRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.RaiseEscalationResponse:
        escalation = validate_raise(request)
        await authz.admit_case(escalation.case_id, self._lookup)
        escalation_id, created = await self._store.raise_escalation(escalation)
        if created:
            record_escalation(escalation.kind.value, escalation.tier)
        return supervision_pb2.RaiseEscalationResponse(escalation_id=escalation_id, created=created)

    async def ResolveEscalations(
        self, request: supervision_pb2.ResolveEscalationsRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.ResolveEscalationsResponse:
        case_id, kind = validate_resolve(request)
        await authz.admit_case(case_id, self._lookup)
        return supervision_pb2.ResolveEscalationsResponse(resolved=await self._store.resolve(case_id, kind))

    # -- the queue ---------------------------------------------------------------------

    async def ListQueue(
        self, request: supervision_pb2.ListQueueRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.ListQueueResponse:
        v = Violations()
        site = load_sites().get(request.site)
        page = queue.parse(request, v, lambda: authz.listing(request.site, request.region, site.region if site else ""))
        v.raise_if_any()
        now = dt.datetime.now(dt.UTC)
        rows = await self._store.queue(page.filter, page.size + 1, page.after)
        response = supervision_pb2.ListQueueResponse(
            items=[queue.item(row, now) for row in rows[: page.size]],
            next_page_token=queue.next_token(page, rows),
        )
        if page.due_within is not None:
            response.due_soon.extend(await queue.due_soon(self._temporal, page.filter, now, page.due_within, page.size))
        return response

    # -- supervisors' actions ----------------------------------------------------------

    async def Acknowledge(
        self, request: supervision_pb2.AcknowledgeRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.AcknowledgeResponse:
        escalation_id = validate_acknowledge(request)
        row = await self._store.get(escalation_id)
        if row is None:
            await authz.admit_place("", None)  # PERMISSION_DENIED, or NOT_FOUND for scope `any`
            raise NotFound("no such escalation")
        e = row.escalation
        await authz.admit_place(e.case_id, Place(e.site, e.region))
        ack = Acknowledgement(acknowledged_by=request.acknowledged_by, tier=e.tier, note=request.note)
        key = request.idempotency_key

        async def send() -> supervision_pb2.AcknowledgeResponse:
            if e.kind == DeadlineKind.TRIAGE:
                await send_update(self._temporal, e.workflow_id, CaseWorkflow.acknowledge_escalation, ack, key=key)
            elif e.kind == DeadlineKind.PLACEMENT:
                await send_update(
                    self._temporal, e.workflow_id, PlacementSearchWorkflow.acknowledge_escalation, ack, key=key
                )
            else:
                await send_update(
                    self._temporal, e.workflow_id, AssessmentWorkflow.acknowledge_escalation, ack, key=key
                )
            await self._store.acknowledge(escalation_id, request.acknowledged_by)
            acknowledged = await self._store.get(escalation_id)
            assert acknowledged is not None
            return supervision_pb2.AcknowledgeResponse(escalation=queue.item(acknowledged, dt.datetime.now(dt.UTC)))

        action = Action(key, "supervision.acknowledge", e.case_id, request.acknowledged_by, request)
        answer, replayed = await perform(self._store.actions, action, send)
        response = supervision_pb2.AcknowledgeResponse.FromString(answer)
        response.replayed = replayed
        return response

    async def Reassign(
        self, request: supervision_pb2.ReassignRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.ReassignResponse:
        case_id = validate_reassign(request)
        await authz.admit_case(case_id, self._lookup)
        allocation = Allocation(
            social_worker=request.social_worker,
            site=request.site,
            allocated_by=request.reassigned_by,
            reason=request.reason,
        )

        async def send() -> supervision_pb2.ReassignResponse:
            view = await send_update(
                self._temporal,
                assessment_workflow_id(case_id),
                AssessmentWorkflow.reassign,
                allocation,
                key=request.idempotency_key,
            )
            return supervision_pb2.ReassignResponse(assessment=convert.assessment_to_proto(view))

        action = Action(request.idempotency_key, "supervision.reassign", case_id, request.reassigned_by, request)
        answer, replayed = await perform(self._store.actions, action, send)
        response = supervision_pb2.ReassignResponse.FromString(answer)
        response.replayed = replayed
        return response

    async def ExtendDeadline(
        self, request: supervision_pb2.ExtendDeadlineRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.ExtendDeadlineResponse:
        case_id, kind = validate_extend(request, dt.datetime.now(dt.UTC))
        await authz.admit_case(case_id, self._lookup)
        extension = Extension(
            extended_by=request.extended_by, due_at=convert.from_timestamp(request.due_at), reason=request.reason
        )
        key = request.idempotency_key

        async def send() -> supervision_pb2.ExtendDeadlineResponse:
            status: DeadlineStatus | None
            if kind == DeadlineKind.TRIAGE:
                view = await send_update(
                    self._temporal, workflow_id(case_id), CaseWorkflow.extend_deadline, extension, key=key
                )
                status = view.deadline
            elif kind == DeadlineKind.PLACEMENT:
                placement = await send_update(
                    self._temporal,
                    placement_workflow_id(case_id),
                    PlacementSearchWorkflow.extend_deadline,
                    extension,
                    key=key,
                )
                status = placement.deadline
            else:
                assessment = await send_update(
                    self._temporal,
                    assessment_workflow_id(case_id),
                    AssessmentWorkflow.extend_deadline,
                    extension,
                    key=key,
                )
                status = convert.assessment_deadline(assessment)
            response = supervision_pb2.ExtendDeadlineResponse()
            if status is not None:
                response.deadline.CopyFrom(convert.deadline_to_proto(status))
            return response

        action = Action(key, "supervision.extend", case_id, request.extended_by, request)
        answer, replayed = await perform(self._store.actions, action, send)
        response = supervision_pb2.ExtendDeadlineResponse.FromString(answer)
        response.replayed = replayed
        return response

    async def DecideApproval(
        self, request: supervision_pb2.DecideApprovalRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.DecideApprovalResponse:
        case_id = validate_approval(request)
        await authz.admit_case(case_id, self._lookup)
        decision = ApprovalDecision(decided_by=request.decided_by, approved=request.approved, reason=request.reason)

        async def send() -> supervision_pb2.DecideApprovalResponse:
            view = await send_update(
                self._temporal,
                assessment_workflow_id(case_id),
                AssessmentWorkflow.decide_approval,
                decision,
                key=request.idempotency_key,
            )
            return supervision_pb2.DecideApprovalResponse(assessment=convert.assessment_to_proto(view))

        action = Action(request.idempotency_key, "supervision.approval", case_id, request.decided_by, request)
        answer, replayed = await perform(self._store.actions, action, send)
        response = supervision_pb2.DecideApprovalResponse.FromString(answer)
        response.replayed = replayed
        return response
