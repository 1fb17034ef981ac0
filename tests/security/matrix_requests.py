"""A valid request per RPC, about one of the matrix's cases (tests/security/matrix_cases.py),
acting as a given staff id: so an answer other than PERMISSION_DENIED is about the case's
state, never the request's shape.

The RPCs the matrix walks are not listed here: `walked_rpcs` reads them from the protos'
generated descriptors (every method of every kahu.v1 service) and the access table (the
codec server's pseudo-RPCs). `request_for` gives the request written in REQUESTS below, or
else one built from the RPC's descriptor (`derived_request`: the case's or conference's id,
a fresh idempotency key, the acting staff id in every `*_by` field, ...). A new RPC is
walked as soon as it is in a proto; if its derived request is not a valid one, the matrix
fails naming the RPC and this file: write its request in REQUESTS.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import uuid
from collections.abc import Callable, Iterable

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from temporalio.api.common.v1 import Payload, Payloads

import kahu.v1
from kahu.v1 import (
    assessment_pb2,
    common_pb2,
    conference_pb2,
    intake_pb2,
    placement_pb2,
    plan_pb2,
    reporting_pb2,
    supervision_pb2,
    triage_pb2,
)
from services.common.convert import timestamp
from services.conference.convert import scheduling_to_proto
from tests.conference.conferences import WEEKDAYS_9_TO_5, participant
from tests.security.matrix_cases import Case, attention, escalation, grandparent_of, report
from workflows.conference.model import conference_workflow_id
from workflows.policy.loader import load_policy

Build = Callable[[Case, str], Message]

#: A round no conference reaches: releasing it releases nothing the conference booked.
UNBOOKED_ROUND = 1000


def _key() -> str:
    return f"matrix-{uuid.uuid4()}"


def _scheduling() -> conference_pb2.ConferenceScheduling:
    youth_justice = load_policy().case.youth_justice
    assert youth_justice is not None
    return scheduling_to_proto(youth_justice)


def _venue(c: Case) -> conference_pb2.CalendarRef:
    return conference_pb2.CalendarRef(venue_id=c.conference.venue_id)


def _escalation(c: Case) -> conference_pb2.ConferenceEscalation:
    f = c.conference
    return conference_pb2.ConferenceEscalation(
        conference_id=f.conference_id,
        workflow_id=conference_workflow_id(f.conference_id),
        deadline=conference_pb2.CONFERENCE_DEADLINE_CONVENING,
        level=conference_pb2.CONFERENCE_ESCALATION_LEVEL_WARNING,
        round=f.round,
        manager_id=f.manager,
        coordinator_id=f.coordinator,
        site=c.site,
        region=c.region,
        due_at=f.convening_due,
    )


def _days_ago(days: int) -> Timestamp:
    return timestamp(dt.datetime.now(dt.UTC) - dt.timedelta(days=days))


INTAKE: dict[str, Build] = {
    "kahu.v1.IntakeService/SubmitReport": lambda c, a: report(
        c.site, c.region, c.agency, [common_pb2.CONCERN_CATEGORY_NEGLECT]
    ),
    "kahu.v1.IntakeService/GetCase": lambda c, a: intake_pb2.GetCaseRequest(case_id=c.case_id),
    "kahu.v1.IntakeService/ListCases": lambda c, a: intake_pb2.ListCasesRequest(site=c.site, page_size=5),
    "kahu.v1.ReportingService/GetSlaReport": lambda c, a: reporting_pb2.GetSlaReportRequest(
        site=c.site, period_start=_days_ago(30), period_end=_days_ago(-1)
    ),
    "kahu.v1.ReportingService/ExportSlaReport": lambda c, a: reporting_pb2.ExportSlaReportRequest(
        site=c.site, period_start=_days_ago(30), period_end=_days_ago(-1)
    ),
    "kahu.v1.IntakeService/ListDueCases": lambda c, a: intake_pb2.ListDueCasesRequest(
        site=c.site,
        within_sites=[c.site],
        due_before=timestamp(dt.datetime.now(dt.UTC) + dt.timedelta(days=7)),
        limit=5,
    ),
    # no possible duplicate is flagged between the case and this one: NOT_FOUND for those in scope
    "kahu.v1.IntakeService/ResolvePossibleDuplicate": lambda c, a: intake_pb2.ResolvePossibleDuplicateRequest(
        idempotency_key=_key(),
        case_id=c.case_id,
        other_case_id=str(uuid.uuid4()),
        decision=intake_pb2.DUPLICATE_DECISION_SEPARATE,
        reason="matrix",
        decided_by=a,
    ),
    "kahu.v1.IntakeService/RecordCaseStage": lambda c, a: intake_pb2.RecordCaseStageRequest(
        case_id=c.case_id, stage=common_pb2.CASE_STAGE_ASSESSMENT
    ),
    # no events: the matrix's cases' records stay as their workflows wrote them
    "kahu.v1.AssessmentService/RecordAssessment": lambda c, a: assessment_pb2.RecordAssessmentRequest(
        case_id=c.case_id, site=c.site, region=c.region
    ),
    "kahu.v1.IntakeService/RecordCaseEvents": lambda c, a: intake_pb2.RecordCaseEventsRequest(
        case_id=c.case_id, workflow_id=f"case-{c.case_id}-placement"
    ),
    "kahu.v1.TriageService/ProposeTriage": lambda c, a: triage_pb2.ProposeTriageRequest(
        case_id=c.case_id, facts=common_pb2.CaseFacts(concerns=[common_pb2.CONCERN_CATEGORY_NEGLECT])
    ),
    "kahu.v1.TriageService/GetProposal": lambda c, a: triage_pb2.GetProposalRequest(case_id=c.case_id),
    "kahu.v1.TriageService/NotifyPolice": lambda c, a: triage_pb2.NotifyPoliceRequest(
        case_id=c.case_id, reason="matrix"
    ),
    "kahu.v1.TriageService/RecordDecision": lambda c, a: triage_pb2.RecordDecisionRequest(
        idempotency_key=_key(),
        case_id=c.case_id,
        decided_by=a,
        pathway=common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
        timeframe=common_pb2.TIMEFRAME_URGENT,
        reason="matrix",
    ),
    "kahu.v1.TriageService/RecordConsent": lambda c, a: triage_pb2.RecordConsentRequest(
        idempotency_key=_key(), case_id=c.case_id, recorded_by=a, given=True
    ),
    "kahu.v1.AssessmentService/Allocate": lambda c, a: assessment_pb2.AllocateRequest(
        idempotency_key=_key(), case_id=c.case_id, social_worker=c.social_worker, site=c.site, allocated_by=a
    ),
    "kahu.v1.AssessmentService/RecordFindings": lambda c, a: assessment_pb2.RecordFindingsRequest(
        idempotency_key=_key(), case_id=c.case_id, recorded_by=a, summary="Matrix visit."
    ),
    "kahu.v1.AssessmentService/CompleteAssessment": lambda c, a: assessment_pb2.CompleteAssessmentRequest(
        idempotency_key=_key(), case_id=c.case_id, completed_by=a, outcome=common_pb2.OUTCOME_SEEK_CUSTODY, reason="m"
    ),
    "kahu.v1.AssessmentService/RecordChildSeen": lambda c, a: assessment_pb2.RecordChildSeenRequest(
        idempotency_key=_key(), case_id=c.case_id, seen_by=a, seen_at=timestamp(dt.datetime.now(dt.UTC)), place="home"
    ),
    "kahu.v1.AssessmentService/GetAssessment": lambda c, a: assessment_pb2.GetAssessmentRequest(case_id=c.case_id),
    "kahu.v1.SupervisionService/RaiseEscalation": lambda c, a: escalation(c.case_id, c.site, c.region),
    "kahu.v1.SupervisionService/ResolveEscalations": lambda c, a: supervision_pb2.ResolveEscalationsRequest(
        case_id=c.case_id, kind=common_pb2.DEADLINE_KIND_TRIAGE
    ),
    "kahu.v1.SupervisionService/ListQueue": lambda c, a: supervision_pb2.ListQueueRequest(site=c.site, page_size=5),
    "kahu.v1.SupervisionService/Acknowledge": lambda c, a: supervision_pb2.AcknowledgeRequest(
        idempotency_key=_key(), escalation_id=c.escalation_id, acknowledged_by=a
    ),
    "kahu.v1.SupervisionService/Reassign": lambda c, a: supervision_pb2.ReassignRequest(
        idempotency_key=_key(),
        case_id=c.case_id,
        social_worker=c.social_worker,
        site=c.site,
        reassigned_by=a,
        reason="m",
    ),
    "kahu.v1.SupervisionService/ExtendDeadline": lambda c, a: supervision_pb2.ExtendDeadlineRequest(
        idempotency_key=_key(),
        case_id=c.case_id,
        kind=common_pb2.DEADLINE_KIND_ASSESSMENT,
        due_at=timestamp(dt.datetime.now(dt.UTC) + dt.timedelta(days=3)),
        extended_by=a,
        reason="m",
        reason_code="FAMILY_REQUESTED",
    ),
    "kahu.v1.SupervisionService/DecideApproval": lambda c, a: supervision_pb2.DecideApprovalRequest(
        idempotency_key=_key(), case_id=c.case_id, approved=False, decided_by=a, reason="m"
    ),
    # the case's item raised again (a retry), and closed (SKIP: no workflow waits on it)
    "kahu.v1.SupervisionService/RaiseAttention": lambda c, a: attention(c.case_id, c.site, c.region),
    "kahu.v1.SupervisionService/ResolveAttention": lambda c, a: supervision_pb2.ResolveAttentionRequest(
        idempotency_key=_key(), item_id=c.attention_id, decided_by=a, decision=supervision_pb2.ATTENTION_DECISION_SKIP
    ),
}

#: The conference stands for the case; reference data and calendars are the site's (the
#: conference's venue, registered again as it is). The worker's calls repeat what the
#: conference's workflow did, and release a round it never booked.
CONFERENCE: dict[str, Build] = {
    "kahu.v1.ConferenceService/StartConference": lambda c, a: c.conference.started,  # a retry: no new conference
    "kahu.v1.ConferenceService/GetConference": lambda c, a: conference_pb2.GetConferenceRequest(
        conference_id=c.conference.conference_id
    ),
    "kahu.v1.ConferenceService/AddParticipant": lambda c, a: conference_pb2.AddParticipantRequest(
        idempotency_key=_key(),
        conference_id=c.conference.conference_id,
        participant=participant(conference_pb2.PARTICIPANT_ROLE_WHANAU, "Aunty Mere"),
        added_by=a,
    ),
    "kahu.v1.ConferenceService/AppointAdvocate": lambda c, a: conference_pb2.AppointAdvocateRequest(
        idempotency_key=_key(),
        conference_id=c.conference.conference_id,
        staff_id=f"advocate.{uuid.uuid4().hex[:8]}",
        name="Youth advocate",
        appointed_by=a,
    ),
    "kahu.v1.ConferenceService/FindSlots": lambda c, a: conference_pb2.FindSlotsRequest(
        conference_id=c.conference.conference_id, limit=3
    ),
    "kahu.v1.ConferenceService/Book": lambda c, a: conference_pb2.BookRequest(
        idempotency_key=_key(),
        conference_id=c.conference.conference_id,
        start=c.conference.slot.start,
        venue_id=c.conference.slot.venue_id,
        booked_by=a,
    ),
    "kahu.v1.ConferenceService/Reschedule": lambda c, a: conference_pb2.RescheduleRequest(
        idempotency_key=_key(), conference_id=c.conference.conference_id, requested_by=a, reason="matrix"
    ),
    "kahu.v1.ConferenceService/RecordResponse": lambda c, a: conference_pb2.RecordResponseRequest(
        idempotency_key=_key(),
        conference_id=c.conference.conference_id,
        participant_id=c.conference.participant_id,
        response=conference_pb2.INVITATION_RESPONSE_ACCEPTED,
        recorded_by=a,
    ),
    "kahu.v1.ConferenceService/RecordHeld": lambda c, a: conference_pb2.RecordHeldRequest(
        idempotency_key=_key(), conference_id=c.conference.conference_id, recorded_by=a
    ),
    "kahu.v1.ConferenceService/RecordOutcome": lambda c, a: conference_pb2.RecordOutcomeRequest(
        idempotency_key=_key(), conference_id=c.conference.conference_id, recorded_by=a, agreed=False, reason="m"
    ),
    "kahu.v1.ConferenceService/ListEscalations": lambda c, a: conference_pb2.ListEscalationsRequest(
        site=c.site, page_size=5
    ),
    "kahu.v1.ConferenceService/RegisterCoordinator": lambda c, a: conference_pb2.RegisterCoordinatorRequest(
        staff_id=c.conference.coordinator, site=c.site, manager_id=c.conference.manager, working_hours=WEEKDAYS_9_TO_5
    ),
    "kahu.v1.ConferenceService/RegisterVenue": lambda c, a: conference_pb2.RegisterVenueRequest(
        site=c.site, name=c.conference.venue_name
    ),
    "kahu.v1.ConferenceService/SetWorkingHours": lambda c, a: conference_pb2.SetWorkingHoursRequest(
        calendar=_venue(c), working_hours=WEEKDAYS_9_TO_5
    ),
    "kahu.v1.ConferenceService/AddBusyBlocks": lambda c, a: conference_pb2.AddBusyBlocksRequest(
        calendar=_venue(c), blocks=[c.conference.busy]
    ),
    "kahu.v1.ConferenceService/RemoveBusyBlocks": lambda c, a: conference_pb2.RemoveBusyBlocksRequest(
        calendar=_venue(c), block_ids=[c.conference.busy_id]
    ),
    "kahu.v1.ConferenceService/OpenConference": lambda c, a: conference_pb2.OpenConferenceRequest(
        conference_id=c.conference.conference_id,
        site=c.site,
        trigger=c.conference.started.trigger,
        convening_due=c.conference.convening_due,
        scheduling=_scheduling(),
    ),
    "kahu.v1.ConferenceService/HoldSlot": lambda c, a: conference_pb2.HoldSlotRequest(
        conference_id=c.conference.conference_id,
        round=c.conference.round,
        not_before=c.conference.slot.start,
        until=c.conference.convening_due,
        booked_by="kahu",
    ),
    "kahu.v1.ConferenceService/ReleaseBooking": lambda c, a: conference_pb2.ReleaseBookingRequest(
        conference_id=c.conference.conference_id, round=UNBOOKED_ROUND
    ),
    "kahu.v1.ConferenceService/SendInvitations": lambda c, a: conference_pb2.SendInvitationsRequest(
        conference_id=c.conference.conference_id, round=c.conference.round
    ),
    "kahu.v1.ConferenceService/RaiseConferenceEscalation": lambda c, a: conference_pb2.RaiseConferenceEscalationRequest(
        escalation=_escalation(c)
    ),
    "kahu.v1.ConferenceService/ResolveConferenceEscalations": lambda c, a: (
        conference_pb2.ResolveConferenceEscalationsRequest(
            conference_id=c.conference.conference_id,
            deadline=conference_pb2.CONFERENCE_DEADLINE_CONVENING,
            level=conference_pb2.CONFERENCE_ESCALATION_LEVEL_WARNING,
        )
    ),
    "kahu.v1.ConferenceService/ReferBack": lambda c, a: conference_pb2.ReferBackRequest(
        conference_id=c.conference.conference_id
    ),
    # the conference is not the case's (its case's would be case_conference_id(case_id)): no case
    "kahu.v1.ConferenceService/RecordConference": lambda c, a: conference_pb2.RecordConferenceRequest(
        conference_id=c.conference.conference_id, site=c.site, region=c.region
    ),
}

#: The case's own family network, written back as it is (the relationship removed once).
PLACEMENT: dict[str, Build] = {
    "kahu.v1.PlacementService/PutPerson": lambda c, a: placement_pb2.PutPersonRequest(person=c.network.child),
    "kahu.v1.PlacementService/GetPerson": lambda c, a: placement_pb2.GetPersonRequest(
        person_id=c.network.child.person_id
    ),
    "kahu.v1.PlacementService/AddRelationship": lambda c, a: placement_pb2.AddRelationshipRequest(
        relationship=grandparent_of(c.network.grandparent, c.network.child)
    ),
    "kahu.v1.PlacementService/RemoveRelationship": lambda c, a: placement_pb2.RemoveRelationshipRequest(
        from_person_id=c.network.grandparent.person_id, to_person_id=c.network.child.person_id
    ),
    "kahu.v1.PlacementService/SetAffiliations": lambda c, a: placement_pb2.SetAffiliationsRequest(
        person_id=c.network.child.person_id, affiliations=[c.network.affiliation]
    ),
    "kahu.v1.PlacementService/PutFamily": lambda c, a: placement_pb2.PutFamilyRequest(family=c.network.family),
    "kahu.v1.PlacementService/PutCaregiver": lambda c, a: placement_pb2.PutCaregiverRequest(
        caregiver=c.network.caregiver
    ),
    "kahu.v1.PlacementService/SetCaregiverApproval": lambda c, a: placement_pb2.SetCaregiverApprovalRequest(
        caregiver_id=c.network.caregiver.caregiver_id, approval=c.network.approval
    ),
    "kahu.v1.PlacementService/GetCaregiver": lambda c, a: placement_pb2.GetCaregiverRequest(
        caregiver_id=c.network.caregiver.caregiver_id
    ),
    "kahu.v1.PlacementService/SearchPlacements": lambda c, a: placement_pb2.SearchPlacementsRequest(
        child_ids=[c.network.child.person_id]
    ),
    "kahu.v1.PlacementService/LinkCaseChildren": lambda c, a: placement_pb2.LinkCaseChildrenRequest(
        case_id=c.case_id, child_ids=[c.network.child.person_id]
    ),
    "kahu.v1.PlacementService/GetPlacementSearch": lambda c, a: placement_pb2.GetPlacementSearchRequest(
        case_id=c.case_id
    ),
    "kahu.v1.PlacementService/SelectCandidate": lambda c, a: placement_pb2.SelectCandidateRequest(
        idempotency_key=_key(), case_id=c.case_id, caregiver_id=c.network.caregiver.caregiver_id, selected_by=a
    ),
    "kahu.v1.PlacementService/RecordCaregiverAnswer": lambda c, a: placement_pb2.RecordCaregiverAnswerRequest(
        idempotency_key=_key(), case_id=c.case_id, accepted=True, recorded_by=a
    ),
    "kahu.v1.PlacementService/RerunSearch": lambda c, a: placement_pb2.RerunSearchRequest(
        idempotency_key=_key(), case_id=c.case_id, requested_by=a, reason="matrix"
    ),
    "kahu.v1.PlacementService/SearchForCase": lambda c, a: placement_pb2.SearchForCaseRequest(
        case_id=c.case_id, search_id=str(uuid.uuid4())
    ),
    "kahu.v1.PlacementService/HoldPlaces": lambda c, a: c.network.hold,  # a retry: the same hold
    "kahu.v1.PlacementService/ConfirmHold": lambda c, a: placement_pb2.ConfirmHoldRequest(
        hold_id=c.network.hold.hold_id
    ),
    "kahu.v1.PlacementService/ReleaseHold": lambda c, a: placement_pb2.ReleaseHoldRequest(
        hold_id=c.network.spare_hold_id, reason=placement_pb2.RELEASE_REASON_WITHDRAWN
    ),
}

#: The codec server's: the case's workflow payloads, as the Temporal UI sends them.
CODEC: dict[str, Build] = {
    "kahu.codec/Decode": lambda c, a: Payloads(payloads=c.payloads),
    "kahu.codec/Encode": lambda c, a: Payloads(
        payloads=[Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(c.case_id).encode())]
    ),
}


def _plan_content() -> plan_pb2.PlanContent:
    now = dt.datetime.now(dt.UTC)
    return plan_pb2.PlanContent(
        lead_professional="lp.matrix",
        lead_manager_id="lpm.matrix",
        review_due=timestamp(now + dt.timedelta(days=30)),
        goals=[plan_pb2.PlanGoal(goal_id="g1", description="Matrix goal")],
        actions=[
            plan_pb2.PlanAction(
                action_id="a1",
                goal_id="g1",
                description="Matrix action",
                owner_agency="oranga-tamariki",
                owner_id="own.matrix",
                owner_manager_id="mgr.matrix",
                due_at=timestamp(now + dt.timedelta(days=10)),
            )
        ],
    )


#: A case's plan: the first caller allowed makes it (the next are told it exists), revises it
#: from version 1 (the next are told it moved on) and records a1 done (the next: done already).
PLAN: dict[str, Build] = {
    "kahu.v1.PlanService/CreatePlan": lambda c, a: plan_pb2.CreatePlanRequest(
        idempotency_key=_key(), case_id=c.case_id, created_by=a, reason="matrix", content=_plan_content()
    ),
    "kahu.v1.PlanService/MakeConferencePlan": lambda c, a: plan_pb2.MakeConferencePlanRequest(
        idempotency_key=_key(),
        case_id=c.case_id,
        conference_id=c.conference.conference_id,
        created_by="cpc.matrix",
        content=_plan_content(),
    ),
    "kahu.v1.PlanService/RevisePlan": lambda c, a: plan_pb2.RevisePlanRequest(
        idempotency_key=_key(),
        case_id=c.case_id,
        expected_version=1,
        revised_by=a,
        reason="matrix",
        content=_plan_content(),
    ),
    "kahu.v1.PlanService/RecordActionStatus": lambda c, a: plan_pb2.RecordActionStatusRequest(
        idempotency_key=_key(),
        case_id=c.case_id,
        action_id="a1",
        status=plan_pb2.PLAN_ACTION_STATUS_DONE,
        recorded_by=a,
    ),
    # the matrix's plan is a case's, not a Children's Team's: consent is refused for it
    "kahu.v1.PlanService/RecordSharingConsent": lambda c, a: plan_pb2.RecordSharingConsentRequest(
        idempotency_key=_key(),
        case_id=c.case_id,
        recorded_by=a,
        given_by="Matrix whānau",
        shares=[plan_pb2.ConsentShare(agency="health", parts=[plan_pb2.SHARED_PART_GOALS])],
    ),
    "kahu.v1.PlanService/GetSharedPlan": lambda c, a: plan_pb2.GetSharedPlanRequest(case_id=c.case_id, agency="health"),
    "kahu.v1.PlanService/RecordSharedActionStatus": lambda c, a: plan_pb2.RecordSharedActionStatusRequest(
        idempotency_key=_key(),
        case_id=c.case_id,
        action_id="a1",
        status=plan_pb2.PLAN_ACTION_STATUS_DONE,
        recorded_by=a,
    ),
    "kahu.v1.PlanService/ListPlans": lambda c, a: plan_pb2.ListPlansRequest(site=c.site, page_size=5),
}

REQUESTS: dict[str, Build] = {**INTAKE, **CONFERENCE, **PLACEMENT, **CODEC, **PLAN}


def proto_rpcs() -> list[str]:
    """`package.Service/Method` of every RPC of every kahu.v1 service, from the generated
    descriptors (kahu/v1/*_pb2.py)."""
    found = []
    for module in pkgutil.iter_modules(kahu.v1.__path__):
        if module.name.endswith("_pb2"):
            file = importlib.import_module(f"kahu.v1.{module.name}").DESCRIPTOR
            for service in file.services_by_name.values():
                found += [f"{service.full_name}/{method.name}" for method in service.methods]
    return sorted(found)


def walked_rpcs(table_rpcs: Iterable[str]) -> list[str]:
    """What the matrix walks: the access table's RPCs in its order (the order in which a
    case's actions happen), then every RPC of the protos the table does not list (which
    every caller must be refused: the table fails closed)."""
    listed = list(table_rpcs)
    return listed + [rpc for rpc in proto_rpcs() if rpc not in listed]


#: What a derived request puts in a field of this name (and type): (case, acting staff id) -> value.
_DERIVED: dict[tuple[str, int], Callable[[Case, str], object]] = {
    ("case_id", FieldDescriptor.TYPE_STRING): lambda c, a: c.case_id,
    ("conference_id", FieldDescriptor.TYPE_STRING): lambda c, a: c.conference.conference_id,
    ("escalation_id", FieldDescriptor.TYPE_STRING): lambda c, a: c.escalation_id,
    ("idempotency_key", FieldDescriptor.TYPE_STRING): lambda c, a: _key(),
    ("site", FieldDescriptor.TYPE_STRING): lambda c, a: c.site,
    ("region", FieldDescriptor.TYPE_STRING): lambda c, a: c.region,
    ("reason", FieldDescriptor.TYPE_STRING): lambda c, a: "matrix",
    ("page_size", FieldDescriptor.TYPE_UINT32): lambda c, a: 5,
}


class DerivedRequest:
    """A request built from an RPC's descriptor, for an RPC REQUESTS does not name."""

    def __init__(self, method: str) -> None:
        service, _, name = method.partition("/")
        try:
            rpc = descriptor_pool.Default().FindServiceByName(service).methods_by_name[name]
        except KeyError:
            raise LookupError(
                f"{method}: no request for it in tests/security/matrix_requests.py (REQUESTS), and no proto"
                " descriptor to build one from: write its request there"
            ) from None
        self.method = method
        self._type = message_factory.GetMessageClass(rpc.input_type)
        self.fields = [
            f.name
            for f in rpc.input_type.fields
            if not f.is_repeated
            and ((f.name, f.type) in _DERIVED or (f.name.endswith("_by") and f.type == FieldDescriptor.TYPE_STRING))
        ]

    def __call__(self, c: Case, a: str) -> Message:
        request = self._type()
        for name in self.fields:
            field = self._type.DESCRIPTOR.fields_by_name[name]
            setattr(request, name, a if (name, field.type) not in _DERIVED else _DERIVED[(name, field.type)](c, a))
        return request

    def __repr__(self) -> str:
        return f"{self.method}'s request built from its descriptor (fields set: {', '.join(self.fields) or 'none'})"


def request_for(method: str) -> Build:
    """The request the matrix sends to `method`: written in REQUESTS, else derived."""
    return REQUESTS.get(method) or DerivedRequest(method)
