"""IntakeService: accepts reports of concern exactly once, starts their cases or adds them to
a child's open case, keeps each case's record as its workflows go, and shows cases from that
record (PostgreSQL only: reads never need Temporal)."""

from __future__ import annotations

import datetime as dt

import grpc
from temporalio.client import Client

from kahu.v1 import intake_pb2, intake_pb2_grpc
from services.common import authz
from services.common.actions import Action, request_digest
from services.common.caselookup import CaseLookup, scope_to_proto
from services.common.checks import require_case_id
from services.common.errors import AlreadyExists, NotFound
from services.common.metrics import record_report
from services.common.sites import load_sites
from services.intake import duplicates, listing
from services.intake.convert import case_to_proto, record_to_proto, reporter_agency
from services.intake.delivery import CaseDelivery, new_case
from services.intake.matching import report_keys
from services.intake.record import RecordStore
from services.intake.store import IntakeStore
from services.intake.validation import validate_record, validate_resolve_duplicate, validate_stage, validate_submit
from services.triage.rules import describe_rules
from workflows.policy.model import Policy
from workflows.policy.working_days import NZ


class IntakeServicer(intake_pb2_grpc.IntakeServiceServicer):
    def __init__(
        self,
        store: IntakeStore,
        record: RecordStore,
        temporal: Client,
        task_queue: str,
        policy: Policy,
        match_key: bytes,
    ) -> None:
        self._store = store
        self._record = record
        self._lookup = CaseLookup(store.case_scope)
        self._temporal = temporal
        self._task_queue = task_queue
        self._policy = policy
        self._match_key = match_key
        self._rule_descriptions = describe_rules(policy)
        self.delivery = CaseDelivery(store, temporal, task_queue, policy, match_key)

    # -- reports ---------------------------------------------------------------------------

    async def SubmitReport(
        self, request: intake_pb2.SubmitReportRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.SubmitReportResponse:
        # Idempotent without StaffActions: the report is itself the record, kept under its
        # key (and the report's digest) in intake.reports, where a retry finds it; the
        # outbox (services/intake/delivery.py) finishes what this call cannot.
        now = dt.datetime.now(dt.UTC)
        site = validate_submit(request, today=now.astimezone(NZ).date())
        report = request.report
        authz.admit_report(site.code, site.region, reporter_agency(report))
        digest = request_digest(report)
        accepted = await self._store.accept_report(
            idempotency_key=request.idempotency_key,
            request_digest=digest,
            report=report.SerializeToString(),
            reporter_agency=reporter_agency(report),
            new_case=new_case(report, site, self._policy, now),
            keys=report_keys(self._match_key, report.children, now.astimezone(NZ).date()),
            join=self._policy.further_reports.join,
        )
        if accepted.request_digest != digest:
            raise AlreadyExists("idempotency_key was already used for a different report")
        if not accepted.replayed:
            record_report(accepted.additional)
            self._lookup.opened(accepted.case.case_id, authz.Place(accepted.case.site, accepted.case.region))
        if accepted.additional and not accepted.delivered:
            accepted = await self.delivery.add_information(request.idempotency_key, accepted, report)
        elif not accepted.additional:
            await self.delivery.start_case(accepted.case, report)
        response = intake_pb2.SubmitReportResponse(report_id=accepted.report_id, replayed=accepted.replayed)
        if not (accepted.additional and authz.reporting_for_an_agency()):
            # an agency that opened the case follows it; one whose report joined a case is
            # told nothing of that case, nor that it exists (staff allowed to see it are)
            response.case_id = accepted.case.case_id
            response.additional_information = accepted.additional
        return response

    # -- reading cases (from PostgreSQL only) ----------------------------------------------

    async def GetCase(
        self, request: intake_pb2.GetCaseRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.GetCaseResponse:
        case_id = require_case_id(request.case_id)
        await authz.admit_case(case_id, self._lookup)
        record = await self._record.case_record(case_id)
        if record is None:
            raise NotFound("no such case")
        response = record_to_proto(record, self._rule_descriptions)
        found = await self._store.duplicates.of_case(case_id)
        response.possible_duplicates.extend(duplicates.duplicate_to_proto(d) for d in found)
        return response

    async def ListCases(
        self, request: intake_pb2.ListCasesRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.ListCasesResponse:
        page = listing.parse(request, lambda: authz.listing(request.site, request.region, _region_of(request.site)))
        rows = await self._record.list_cases(page, dt.datetime.now(dt.UTC))
        return intake_pb2.ListCasesResponse(
            cases=[case_to_proto(row) for row in rows[: page.size]], next_page_token=listing.next_token(page, rows)
        )

    # -- possible duplicates (services/intake/duplicates.py) --------------------------------

    async def ListPossibleDuplicates(
        self, request: intake_pb2.ListPossibleDuplicatesRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.ListPossibleDuplicatesResponse:
        page = duplicates.parse_listing(request, authz.listing)
        rows = await self._store.duplicates.page(page)
        return intake_pb2.ListPossibleDuplicatesResponse(
            possible_duplicates=[duplicates.duplicate_to_proto(row) for row in rows[: page.size]],
            next_page_token=duplicates.next_token(page, rows),
        )

    async def ResolvePossibleDuplicate(
        self, request: intake_pb2.ResolvePossibleDuplicateRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.ResolvePossibleDuplicateResponse:
        """Once per idempotency key: the decision is written with the action's record, in one
        transaction (a retry finds it there, answered or not); nothing goes to a workflow."""
        resolution = validate_resolve_duplicate(request)
        await authz.admit_case(resolution.case_id, self._lookup)
        action = Action(
            request.idempotency_key,
            "intake.resolve_possible_duplicate",
            resolution.case_id,
            resolution.decided_by,
            request,
        )
        now = dt.datetime.now(dt.UTC)
        stored = await self._store.actions.begin(action, lambda conn: duplicates.resolve(conn, resolution, now))
        if stored is not None:
            replayed = intake_pb2.ResolvePossibleDuplicateResponse.FromString(stored)
            replayed.replayed = True
            return replayed
        found = await self._store.duplicates.get(resolution.case_id, resolution.other_case_id)
        assert found is not None  # the action is recorded only with its decision
        answer = intake_pb2.ResolvePossibleDuplicateResponse(possible_duplicate=duplicates.duplicate_to_proto(found))
        await self._store.actions.finish(request.idempotency_key, answer)
        return answer

    # -- the worker's -----------------------------------------------------------------------

    async def RecordCaseStage(
        self, request: intake_pb2.RecordCaseStageRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.RecordCaseStageResponse:
        change = validate_stage(request)
        await authz.admit_case(change.case_id, self._lookup)
        if not await self._store.record_stage(change.case_id, change.stage.value):
            raise NotFound("no such case")
        return intake_pb2.RecordCaseStageResponse()

    async def RecordCaseEvents(
        self, request: intake_pb2.RecordCaseEventsRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.RecordCaseEventsResponse:
        recording = validate_record(request)
        await authz.admit_case(recording.case_id, self._lookup)
        recorded = await self._record.record(recording)
        if recorded is None:
            raise NotFound("no such case")
        return intake_pb2.RecordCaseEventsResponse(recorded=recorded)

    async def ListDueCases(
        self, request: intake_pb2.ListDueCasesRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.ListDueCasesResponse:
        page = listing.parse_due(request)
        authz.listing()  # a workload's: no restriction of its own; the request states its caller's
        rows = await self._record.list_cases(page, dt.datetime.now(dt.UTC))
        return intake_pb2.ListDueCasesResponse(cases=[case_to_proto(row) for row in rows[: page.size]])

    async def GetCaseScope(
        self, request: intake_pb2.GetCaseScopeRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.GetCaseScopeResponse:
        case_id = require_case_id(request.case_id)
        found = await self._lookup.case_scope(case_id)
        await authz.admit_place(case_id, None if found is None else found.place)
        if found is None:
            raise NotFound("no such case")
        return scope_to_proto(found)


def _region_of(site: str) -> str:
    found = load_sites().get(site)
    return found.region if found else ""
