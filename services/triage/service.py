"""TriageService: the rules' proposal and the Police notification, each kept once per case
(the worker asks for them), and the social worker's decisions, each sent to the case's
workflow exactly once."""

from __future__ import annotations

import grpc
from temporalio.client import Client

from kahu.v1 import common_pb2, triage_pb2, triage_pb2_grpc
from services.common import authz, convert
from services.common.actions import StaffActions
from services.common.authz import CaseLookup
from services.common.checks import require_case_id
from services.common.errors import NotFound
from services.common.notifications.convert import deliveries
from services.triage import rules
from services.triage.store import TriageStore
from services.triage.validation import validate_consent, validate_decision, validate_notify, validate_propose
from workflows.case.model import ConsentResponse, workflow_id
from workflows.case.workflows import CaseWorkflow
from workflows.policy.model import Policy


class TriageServicer(triage_pb2_grpc.TriageServiceServicer):
    def __init__(self, store: TriageStore, temporal: Client, policy: Policy, lookup: CaseLookup) -> None:
        self._store = store
        self._temporal = temporal
        self._lookup = lookup
        self._actions = StaffActions(store.actions, temporal)
        self._policy = policy
        self._rule_descriptions = rules.describe_rules(policy)

    async def ProposeTriage(
        self, request: triage_pb2.ProposeTriageRequest, context: grpc.aio.ServicerContext
    ) -> triage_pb2.ProposeTriageResponse:
        case_id = validate_propose(request)
        await authz.admit_case(case_id, self._lookup)
        proposal = rules.propose(convert.facts_from_proto(request.facts), self._policy.triage_rules)
        message = convert.proposal_to_proto(proposal, self._rule_descriptions)
        stored = await self._store.keep_proposal(
            case_id, message.SerializeToString(deterministic=True), self._policy.version
        )
        return triage_pb2.ProposeTriageResponse(proposal=common_pb2.TriageProposal.FromString(stored))

    async def GetProposal(
        self, request: triage_pb2.GetProposalRequest, context: grpc.aio.ServicerContext
    ) -> triage_pb2.GetProposalResponse:
        case_id = require_case_id(request.case_id)
        await authz.admit_case(case_id, self._lookup)
        stored = await self._store.proposal(case_id)
        if stored is None:
            raise NotFound("no proposal for this case")
        return triage_pb2.GetProposalResponse(proposal=common_pb2.TriageProposal.FromString(stored))

    async def NotifyPolice(
        self, request: triage_pb2.NotifyPoliceRequest, context: grpc.aio.ServicerContext
    ) -> triage_pb2.NotifyPoliceResponse:
        case_id = validate_notify(request)
        await authz.admit_case(case_id, self._lookup)
        # where the case is, for Police (its workflow's search attributes): the worker calls
        # from the case's own workflow, so there is one
        place = await self._lookup.place(case_id)
        notification = await self._store.notify_police(case_id, request.reason, place)
        return triage_pb2.NotifyPoliceResponse(
            notification_id=notification.notification_id, already_sent=notification.already_sent
        )

    async def ListPoliceNotifications(
        self, request: triage_pb2.ListPoliceNotificationsRequest, context: grpc.aio.ServicerContext
    ) -> triage_pb2.ListPoliceNotificationsResponse:
        case_id = require_case_id(request.case_id)
        await authz.admit_case(case_id, self._lookup)
        rows = await self._store.notifications.of_subject(case_id=case_id)
        return triage_pb2.ListPoliceNotificationsResponse(notifications=deliveries(rows))

    async def RecordDecision(
        self, request: triage_pb2.RecordDecisionRequest, context: grpc.aio.ServicerContext
    ) -> triage_pb2.RecordDecisionResponse:
        decided = validate_decision(request)
        await authz.admit_case(decided.case_id, self._lookup)
        return await self._actions.update(
            request,
            name="triage.decide",
            subject_id=decided.case_id,
            actor=request.decided_by,
            workflow_id=workflow_id(decided.case_id),
            update=CaseWorkflow.decide_triage,
            arg=decided.decision,
            response=triage_pb2.RecordDecisionResponse,
            answer=lambda view: triage_pb2.RecordDecisionResponse(
                case=convert.case_summary(view, self._rule_descriptions)
            ),
        )

    async def RecordConsent(
        self, request: triage_pb2.RecordConsentRequest, context: grpc.aio.ServicerContext
    ) -> triage_pb2.RecordConsentResponse:
        case_id = validate_consent(request)
        await authz.admit_case(case_id, self._lookup)
        return await self._actions.update(
            request,
            name="triage.consent",
            subject_id=case_id,
            actor=request.recorded_by,
            workflow_id=workflow_id(case_id),
            update=CaseWorkflow.record_consent,
            arg=ConsentResponse(recorded_by=request.recorded_by, given=request.given, note=request.note),
            response=triage_pb2.RecordConsentResponse,
            answer=lambda view: triage_pb2.RecordConsentResponse(
                case=convert.case_summary(view, self._rule_descriptions)
            ),
        )
