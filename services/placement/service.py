"""PlacementService: the family network and caregivers (kept here, with their personal
data), the placement search, holds that never over-allocate a caregiver, and the staff
actions on a case's PlacementSearchWorkflow, each sent to it exactly once; it also keeps the
search's part of the case's record and answers GetPlacementSearch from it (PostgreSQL only:
reads never need Temporal)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from temporalio.client import Client

from kahu.v1 import placement_pb2, placement_pb2_grpc
from services.common import authz, convert
from services.common.actions import StaffActions
from services.common.authz import CaseLookup
from services.common.checks import require_case_id
from services.common.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from services.placement import search, validation
from services.placement.convert import (
    candidate_to_proto,
    caregiver_to_proto,
    exclusions_to_proto,
    hold_to_proto,
    person_to_proto,
    view_to_proto,
    with_reasons,
)
from services.placement.store import PlacementStore
from workflows.case.model import placement_workflow_id
from workflows.placement.model import CaregiverAnswer, PlacementView, SearchRerun, Selection
from workflows.placement.workflows import PlacementSearchWorkflow
from workflows.policy.model import PlacementPolicy
from workflows.policy.working_days import NZ

SearchAnswer = TypeVar(
    "SearchAnswer",
    placement_pb2.SelectCandidateResponse,
    placement_pb2.RecordCaregiverAnswerResponse,
    placement_pb2.RerunSearchResponse,
)


def _today() -> dt.date:
    return dt.datetime.now(NZ).date()


class PlacementServicer(placement_pb2_grpc.PlacementServiceServicer):
    def __init__(self, store: PlacementStore, temporal: Client, policy: PlacementPolicy, lookup: CaseLookup) -> None:
        self._store = store
        self._temporal = temporal
        self._policy = policy
        self._lookup = lookup
        self._actions = StaffActions(store.actions, temporal)

    # -- the family network -------------------------------------------------------------

    async def PutPerson(
        self, request: placement_pb2.PutPersonRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.PutPersonResponse:
        person = validation.validate_person(request, _today())
        created = await self._store.network.put_person(person)
        return placement_pb2.PutPersonResponse(person=person_to_proto(person), created=created)

    async def GetPerson(
        self, request: placement_pb2.GetPersonRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.GetPersonResponse:
        found = await self._store.network.get_person(validation.require_uuid(request.person_id, "person_id"))
        if found is None:
            raise NotFound("no such person")
        person, affiliations = found
        return placement_pb2.GetPersonResponse(
            person=person_to_proto(person),
            affiliations=[placement_pb2.Affiliation(iwi=iwi, hapu=hapu) for iwi, hapu in affiliations],
        )

    async def AddRelationship(
        self, request: placement_pb2.AddRelationshipRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.AddRelationshipResponse:
        relationship = validation.validate_relationship(request)
        created = await self._store.network.add_relationship(
            relationship.from_id, relationship.to_id, relationship.kind
        )
        return placement_pb2.AddRelationshipResponse(created=created)

    async def RemoveRelationship(
        self, request: placement_pb2.RemoveRelationshipRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.RemoveRelationshipResponse:
        people = validation.validate_remove(request)
        removed = await self._store.network.remove_relationship(people.from_id, people.to_id)
        return placement_pb2.RemoveRelationshipResponse(removed=removed)

    async def SetAffiliations(
        self, request: placement_pb2.SetAffiliationsRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.SetAffiliationsResponse:
        person = validation.validate_affiliations(request)
        if not await self._store.network.set_affiliations(person.person_id, person.affiliations):
            raise InvalidArgument([FieldViolation("person_id", "no such person")])
        return placement_pb2.SetAffiliationsResponse(
            affiliations=[placement_pb2.Affiliation(iwi=iwi, hapu=hapu) for iwi, hapu in person.affiliations]
        )

    async def PutFamily(
        self, request: placement_pb2.PutFamilyRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.PutFamilyResponse:
        family = validation.validate_family(request)
        created = await self._store.network.put_family(family)
        return placement_pb2.PutFamilyResponse(family=request.family, created=created)

    async def LinkCaseChildren(
        self, request: placement_pb2.LinkCaseChildrenRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.LinkCaseChildrenResponse:
        link = validation.validate_link(request)
        await authz.admit_case(str(link.case_id), self._lookup)
        await self._store.network.link_case_children(link.case_id, link.child_ids)
        return placement_pb2.LinkCaseChildrenResponse(child_ids=[str(c) for c in link.child_ids])

    # -- caregivers -----------------------------------------------------------------------

    async def PutCaregiver(
        self, request: placement_pb2.PutCaregiverRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.PutCaregiverResponse:
        row, created = await self._store.caregivers.put_caregiver(validation.validate_caregiver(request))
        return placement_pb2.PutCaregiverResponse(caregiver=caregiver_to_proto(row), created=created)

    async def SetCaregiverApproval(
        self, request: placement_pb2.SetCaregiverApprovalRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.SetCaregiverApprovalResponse:
        approval = validation.validate_approval(request, _today())
        row = await self._store.caregivers.set_approval(
            approval.caregiver_id, approval.status, approval.approved_on, approval.expires_on
        )
        return placement_pb2.SetCaregiverApprovalResponse(caregiver=caregiver_to_proto(row))

    async def GetCaregiver(
        self, request: placement_pb2.GetCaregiverRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.GetCaregiverResponse:
        row = await self._store.caregivers.get_caregiver(validation.require_uuid(request.caregiver_id, "caregiver_id"))
        if row is None:
            raise NotFound("no such caregiver")
        return placement_pb2.GetCaregiverResponse(caregiver=caregiver_to_proto(row))

    # -- search ------------------------------------------------------------------------------

    async def _search(
        self, child_ids: list[uuid.UUID], stated: search.Needs, max_candidates: int, max_kinship_degree: int
    ) -> placement_pb2.PlacementSearchResult:
        searched_at = dt.datetime.now(dt.UTC)
        needs, result = await self._store.search(
            child_ids,
            stated,
            max_degree=max_kinship_degree or self._policy.max_kinship_degree,
            limit=max_candidates or self._policy.max_candidates,
            today=_today(),
        )
        return placement_pb2.PlacementSearchResult(
            candidates=[candidate_to_proto(c, len(child_ids), needs) for c in result.candidates],
            excluded=exclusions_to_proto(result.excluded),
            considered=result.considered,
            eligible=result.eligible,
            child_ids=[str(c) for c in child_ids],
            searched_at=convert.timestamp(searched_at),
            widened=result.widened,
        )

    async def SearchPlacements(
        self, request: placement_pb2.SearchPlacementsRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.SearchPlacementsResponse:
        criteria = validation.validate_search(request)
        result = await self._search(
            criteria.child_ids, criteria.needs, request.max_candidates, request.max_kinship_degree
        )
        return placement_pb2.SearchPlacementsResponse(result=result)

    async def SearchForCase(
        self, request: placement_pb2.SearchForCaseRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.SearchForCaseResponse:
        wanted = validation.validate_case_search(request)
        authz.note_case(wanted.case_id)
        # Recorded under its search id: a retry of the worker's call gets the first answer.
        recorded = await self._store.recorded_search(wanted.search_id)
        if recorded is not None:
            if str(recorded[0]) != wanted.case_id:
                raise InvalidArgument([FieldViolation("search_id", "was recorded for another case")])
            result = placement_pb2.PlacementSearchResult.FromString(recorded[1])
            return placement_pb2.SearchForCaseResponse(result=result, search_id=str(wanted.search_id), replayed=True)
        case_id = uuid.UUID(wanted.case_id)
        child_ids = await self._store.network.case_children(case_id)
        if not child_ids:
            raise FailedPrecondition("no children are linked to the case (LinkCaseChildren)")
        result = await self._search(child_ids, search.Needs(), request.max_candidates, request.max_kinship_degree)
        kept = await self._store.record_search(wanted.search_id, case_id, result.SerializeToString())
        return placement_pb2.SearchForCaseResponse(
            result=placement_pb2.PlacementSearchResult.FromString(kept), search_id=str(wanted.search_id)
        )

    # -- holds (called by the worker) ----------------------------------------------------

    async def HoldPlaces(
        self, request: placement_pb2.HoldPlacesRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.HoldPlacesResponse:
        asked = validation.validate_hold(request)
        authz.note_case(str(asked.case_id))
        hold, created = await self._store.caregivers.hold(
            asked.hold_id, asked.caregiver_id, asked.case_id, asked.places, asked.expires_at, _today()
        )
        return placement_pb2.HoldPlacesResponse(hold=hold_to_proto(hold), created=created)

    async def ConfirmHold(
        self, request: placement_pb2.ConfirmHoldRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.ConfirmHoldResponse:
        hold = await self._store.caregivers.confirm(validation.require_uuid(request.hold_id, "hold_id"))
        authz.note_case(str(hold.case_id))
        return placement_pb2.ConfirmHoldResponse(hold=hold_to_proto(hold))

    async def ReleaseHold(
        self, request: placement_pb2.ReleaseHoldRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.ReleaseHoldResponse:
        release = validation.validate_release(request)
        hold, released = await self._store.caregivers.release(release.hold_id, release.reason)
        authz.note_case(str(hold.case_id))
        return placement_pb2.ReleaseHoldResponse(hold=hold_to_proto(hold), released=released)

    # -- a case's placement search -----------------------------------------------------------

    async def _candidates(self, search_id: str) -> dict[str, placement_pb2.Candidate]:
        """The candidates of a recorded search (with the reasons they ranked where they did),
        by caregiver id."""
        recorded = await self._store.recorded_search(uuid.UUID(search_id)) if search_id else None
        if recorded is None:
            return {}
        answer = placement_pb2.PlacementSearchResult.FromString(recorded[1])
        return {c.caregiver_id: c for c in answer.candidates}

    async def _view(self, view: PlacementView) -> placement_pb2.PlacementSearch:
        """The workflow's view, with the reasons its candidates ranked where they did."""
        return view_to_proto(view, await self._candidates(view.search_id or ""))

    async def GetPlacementSearch(
        self, request: placement_pb2.GetPlacementSearchRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.GetPlacementSearchResponse:
        """The search as its workflow last recorded it, its events as the timeline, from
        PostgreSQL only (the same with Temporal down, or after the workflow is deleted)."""
        case_id = require_case_id(request.case_id)
        await authz.admit_case(case_id, self._lookup)
        record = await self._store.search_record(case_id)
        if record is None or record.standing is None:
            raise NotFound("the case has no placement search")
        search = placement_pb2.PlacementSearchStanding.FromString(record.standing).search
        with_reasons(search, await self._candidates(search.search_id))
        search.timeline.extend(convert.timeline_to_proto(record.events))
        return placement_pb2.GetPlacementSearchResponse(search=search)

    async def RecordPlacementSearch(
        self, request: placement_pb2.RecordPlacementSearchRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.RecordPlacementSearchResponse:
        """The search workflow's events, each once, and where it stands (the worker's)."""
        recording = validation.validate_record(request)
        await authz.admit_place(recording.case_id, recording.place)
        return placement_pb2.RecordPlacementSearchResponse(recorded=await self._store.record(recording))

    async def SelectCandidate(
        self, request: placement_pb2.SelectCandidateRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.SelectCandidateResponse:
        case_id = validation.validate_select(request)
        await authz.admit_case(case_id, self._lookup)
        return await self._actions.update(
            request,
            name="placement.select",
            subject_id=case_id,
            actor=request.selected_by,
            workflow_id=placement_workflow_id(case_id),
            update=PlacementSearchWorkflow.select,
            arg=Selection(
                selected_by=request.selected_by,
                caregiver_id=str(uuid.UUID(request.caregiver_id)),
                reason=request.reason,
            ),
            response=placement_pb2.SelectCandidateResponse,
            answer=self._answer(placement_pb2.SelectCandidateResponse),
        )

    async def RecordCaregiverAnswer(
        self, request: placement_pb2.RecordCaregiverAnswerRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.RecordCaregiverAnswerResponse:
        case_id = validation.validate_answer(request)
        await authz.admit_case(case_id, self._lookup)
        return await self._actions.update(
            request,
            name="placement.answer",
            subject_id=case_id,
            actor=request.recorded_by,
            workflow_id=placement_workflow_id(case_id),
            update=PlacementSearchWorkflow.answer,
            arg=CaregiverAnswer(recorded_by=request.recorded_by, accepted=request.accepted, note=request.note),
            response=placement_pb2.RecordCaregiverAnswerResponse,
            answer=self._answer(placement_pb2.RecordCaregiverAnswerResponse),
        )

    async def RerunSearch(
        self, request: placement_pb2.RerunSearchRequest, context: grpc.aio.ServicerContext
    ) -> placement_pb2.RerunSearchResponse:
        case_id = validation.validate_rerun(request)
        await authz.admit_case(case_id, self._lookup)
        return await self._actions.update(
            request,
            name="placement.rerun",
            subject_id=case_id,
            actor=request.requested_by,
            workflow_id=placement_workflow_id(case_id),
            update=PlacementSearchWorkflow.search_again,
            arg=SearchRerun(requested_by=request.requested_by, reason=request.reason),
            response=placement_pb2.RerunSearchResponse,
            answer=self._answer(placement_pb2.RerunSearchResponse),
        )

    def _answer(self, response: type[SearchAnswer]) -> Callable[[PlacementView], Awaitable[SearchAnswer]]:
        """A staff action's response: the search as the workflow left it."""

        async def answer(view: PlacementView) -> SearchAnswer:
            return response(search=await self._view(view))

        return answer
