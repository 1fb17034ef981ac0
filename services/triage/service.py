"""TriageService: the rules' proposal, the Police notification, and the social worker's
decisions, each sent to the case's workflow exactly once."""

from __future__ import annotations

import grpc
from temporalio.client import Client

from kahu.v1 import common_pb2, triage_pb2, triage_pb2_grpc
from services.common import authz, convert
from services.common.actions import Action, perform
from services.common.caselookup import TemporalCaseLookup
from services.common.checks import require_case_id
from services.common.errors import NotFound
from services.common.updates import send_update
from services.triage import rules
from services.triage.store import TriageStore
from services.triage.validation import validate_consent, validate_decision, validate_notify, validate_propose
from workflows.case.model import ConsentResponse, TriageDecision, workflow_id
from workflows.case.workflows import CaseWorkflow
from workflows.policy.model import Policy


class TriageServicer(triage_pb2_grpc.TriageServiceServicer):
    def __init__(self, store: TriageStore, temporal: Client, policy: Policy) -> None:
        self._store = store
        self._temporal = temporal
        self._lookup = TemporalCaseLookup(temporal)
        self._policy = policy
        self._describe = {rule.id: rule.description for rule in policy.triage_rules} | rules.STATUTORY

    async def ProposeTriage(
        self, request: triage_pb2.ProposeTriageRequest, context: grpc.aio.ServicerContext
    ) -> triage_pb2.ProposeTriageResponse:
        case_id = validate_propose(request)
        await authz.admit_case(case_id, self._lookup)
        proposal = rules.propose(convert.facts_from_proto(request.facts), self._policy.triage_rules)
        message = convert.proposal_to_proto(proposal, self._describe)
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
        notification = await self._store.notify_police(case_id, request.reason)
        return triage_pb2.NotifyPoliceResponse(
            notification_id=notification.notification_id, already_sent=notification.already_sent
        )

    async def RecordDecision(
        self, request: triage_pb2.RecordDecisionRequest, context: grpc.aio.ServicerContext
    ) -> triage_pb2.RecordDecisionResponse:
        case_id, pathway, timeframe = validate_decision(request)
        await authz.admit_case(case_id, self._lookup)
        decision = TriageDecision(
            decided_by=request.decided_by,
            pathway=pathway,
            timeframe=timeframe,
            reason=request.reason,
            police_consulted=request.police_consulted,
        )

        async def send() -> triage_pb2.RecordDecisionResponse:
            view = await send_update(
                self._temporal, workflow_id(case_id), CaseWorkflow.decide_triage, decision, key=request.idempotency_key
            )
            return triage_pb2.RecordDecisionResponse(case=convert.case_summary(view, self._describe))

        action = Action(request.idempotency_key, "triage.decide", case_id, request.decided_by, request)
        answer, replayed = await perform(self._store.actions, action, send)
        response = triage_pb2.RecordDecisionResponse.FromString(answer)
        response.replayed = replayed
        return response

    async def RecordConsent(
        self, request: triage_pb2.RecordConsentRequest, context: grpc.aio.ServicerContext
    ) -> triage_pb2.RecordConsentResponse:
        case_id = validate_consent(request)
        await authz.admit_case(case_id, self._lookup)
        consent = ConsentResponse(recorded_by=request.recorded_by, given=request.given, note=request.note)

        async def send() -> triage_pb2.RecordConsentResponse:
            view = await send_update(
                self._temporal, workflow_id(case_id), CaseWorkflow.record_consent, consent, key=request.idempotency_key
            )
            return triage_pb2.RecordConsentResponse(case=convert.case_summary(view, self._describe))

        action = Action(request.idempotency_key, "triage.consent", case_id, request.recorded_by, request)
        answer, replayed = await perform(self._store.actions, action, send)
        response = triage_pb2.RecordConsentResponse.FromString(answer)
        response.replayed = replayed
        return response
