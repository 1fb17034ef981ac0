"""SupervisionService: escalations raised exactly once, the supervisors' queue, and their
actions, each sent to the running workflow exactly once and recorded here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import grpc
from temporalio.client import Client

from kahu.v1 import supervision_pb2, supervision_pb2_grpc
from services.common import authz, convert
from services.common.actions import StaffActions
from services.common.authz import Place
from services.common.caselookup import TemporalCaseLookup
from services.common.errors import NotFound
from services.common.metrics import record_escalation
from services.common.sites import load_sites
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
        self._actions = StaffActions(store.actions, temporal)

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
        deadline = validate_resolve(request)
        await authz.admit_case(deadline.case_id, self._lookup)
        resolved = await self._store.resolve(deadline.case_id, deadline.kind)
        return supervision_pb2.ResolveEscalationsResponse(resolved=resolved)

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
        escalation = row.escalation
        await authz.admit_place(escalation.case_id, Place(escalation.site, escalation.region))

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
            subject_id=escalation.case_id,
            actor=request.acknowledged_by,
            workflow_id=escalation.workflow_id,
            update=_ACKNOWLEDGE[escalation.kind],
            arg=Acknowledgement(acknowledged_by=request.acknowledged_by, tier=escalation.tier, note=request.note),
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
        extended = validate_extend(request, dt.datetime.now(dt.UTC))
        await authz.admit_case(extended.case_id, self._lookup)
        workflow, update, deadline_of = _EXTEND[extended.kind]
        return await self._actions.update(
            request,
            name="supervision.extend",
            subject_id=extended.case_id,
            actor=request.extended_by,
            workflow_id=workflow(extended.case_id),
            update=update,
            arg=extended.extension,
            response=supervision_pb2.ExtendDeadlineResponse,
            answer=lambda view: _extended(deadline_of(view)),
        )

    async def DecideApproval(
        self, request: supervision_pb2.DecideApprovalRequest, context: grpc.aio.ServicerContext
    ) -> supervision_pb2.DecideApprovalResponse:
        case_id = validate_approval(request)
        await authz.admit_case(case_id, self._lookup)
        return await self._actions.update(
            request,
            name="supervision.approval",
            subject_id=case_id,
            actor=request.decided_by,
            workflow_id=assessment_workflow_id(case_id),
            update=AssessmentWorkflow.decide_approval,
            arg=ApprovalDecision(decided_by=request.decided_by, approved=request.approved, reason=request.reason),
            response=supervision_pb2.DecideApprovalResponse,
            answer=lambda view: supervision_pb2.DecideApprovalResponse(assessment=convert.assessment_to_proto(view)),
        )


def _extended(status: DeadlineStatus | None) -> supervision_pb2.ExtendDeadlineResponse:
    response = supervision_pb2.ExtendDeadlineResponse()
    if status is not None:
        response.deadline.CopyFrom(convert.deadline_to_proto(status))
    return response


#: The update that acknowledges an escalation, by the kind of deadline that raised it.
_ACKNOWLEDGE: dict[DeadlineKind, Any] = {
    DeadlineKind.TRIAGE: CaseWorkflow.acknowledge_escalation,
    DeadlineKind.ASSESSMENT: AssessmentWorkflow.acknowledge_escalation,
    DeadlineKind.PLACEMENT: PlacementSearchWorkflow.acknowledge_escalation,
}

#: Per kind of deadline: the workflow that owns it, its extension update, and the deadline
#: read from the view the update answers with.
_EXTEND: dict[DeadlineKind, tuple[Callable[[str], str], Any, Callable[[Any], DeadlineStatus | None]]] = {
    DeadlineKind.TRIAGE: (workflow_id, CaseWorkflow.extend_deadline, lambda view: view.deadline),
    DeadlineKind.ASSESSMENT: (
        assessment_workflow_id,
        AssessmentWorkflow.extend_deadline,
        convert.assessment_deadline,
    ),
    DeadlineKind.PLACEMENT: (
        placement_workflow_id,
        PlacementSearchWorkflow.extend_deadline,
        lambda view: view.deadline,
    ),
}
