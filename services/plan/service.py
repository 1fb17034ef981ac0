"""PlanService: one plan per case's child, its versions kept here, its clocks run by its
PlanWorkflow (`plan-<plan id>`). Every call is admitted by the plan's case (its site, region,
social worker: IntakeService.GetCaseScope); every change is a staff action applied exactly
once per idempotency key (services/common/actions.py), stored as a new version in the same
transaction as the action. A Children's Team plan (services/plan/team.py) adds a team, the
child's and whānau's views and the family's consent to sharing; a partner agency reads it
through GetSharedPlan only, cut down to what the consent shares with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message
from temporalio.client import Client

from kahu.v1 import plan_pb2, plan_pb2_grpc
from services.common import authz, checks
from services.common.actions import StaffActions, request_digest
from services.common.caselookup import CaseLookup
from services.common.checks import require_case_id
from services.common.convert import timestamp
from services.common.errors import (
    AlreadyExists,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from services.common.outbox import attempt, mark_in_background, start_once
from services.plan import team
from services.plan.store import NEVER, PlanRow, PlanStore, SummaryRow, VersionRow
from services.plan.validation import (
    STATUS,
    StatusChange,
    next_token,
    terms_of,
    validate_action_status,
    validate_create,
    validate_listing,
    validate_review,
    validate_revise,
    validate_team,
)
from workflows.plan.model import (
    ActionStatusChange,
    ConsentChange,
    PlanChange,
    PlanInput,
    PlanView,
    ReviewHeld,
    plan_id_of,
)
from workflows.plan.workflows import PlanWorkflow
from workflows.policy.model import PlansPolicy, Span
from workflows.policy.working_days import add_span

S = TypeVar("S", bound=Message)
R = TypeVar(
    "R",
    plan_pb2.RevisePlanResponse,
    plan_pb2.RecordActionStatusResponse,
    plan_pb2.RecordReviewResponse,
    plan_pb2.RecordSharingConsentResponse,
    plan_pb2.WithdrawSharingConsentResponse,
)


#: The requests that change a plan (each with its idempotency key).
Change = (
    plan_pb2.RevisePlanRequest
    | plan_pb2.RecordActionStatusRequest
    | plan_pb2.RecordSharedActionStatusRequest
    | plan_pb2.RecordReviewRequest
    | plan_pb2.RecordSharingConsentRequest
    | plan_pb2.WithdrawSharingConsentRequest
)


@dataclass(frozen=True)
class NewVersion:
    """A version a change stores: its number, who made it and why, and what it says."""

    version: int
    by: str
    reason: str
    content: plan_pb2.PlanContent


#: Plans the outbox starts in one round.
BATCH = 50
#: The stage search attribute of a plan's workflow.
STAGE = "PLAN"


class PlanServicer(plan_pb2_grpc.PlanServiceServicer):
    def __init__(
        self,
        store: PlanStore,
        temporal: Client,
        task_queue: str,
        lookup: CaseLookup,
        policy: PlansPolicy,
        attention_after: Span,
    ) -> None:
        self._store = store
        self._temporal = temporal
        self._task_queue = task_queue
        self._lookup = lookup
        self._policy = policy
        self._attention_after = attention_after
        self._actions = StaffActions(store.actions, temporal)

    async def CreatePlan(
        self, request: plan_pb2.CreatePlanRequest, context: grpc.aio.ServicerContext
    ) -> plan_pb2.CreatePlanResponse:
        change = validate_create(request, dt.datetime.now(dt.UTC))
        await authz.admit_case(change.case_id, self._lookup)
        scope = await self._lookup.case_scope(change.case_id)
        assert scope is not None  # admitted: the case exists
        place = scope.place
        kind = team.kind_name(request.kind)
        if kind == team.CHILDRENS_TEAM and scope.pathway != team.PATHWAY:
            decided = scope.pathway.removeprefix("PATHWAY_") or "not decided yet"
            raise FailedPrecondition(
                "a Children's Team plan is made only for a case referred to a Children's Team at triage"
                f" (PATHWAY_REFER_CHILDRENS_TEAM); this case's triage pathway: {decided}"
            )
        # Like a conference's start, a create makes what it is about: the plan's row is its
        # idempotency record, and its workflow's start is deduplicated by the workflow id.
        digest = request_digest(request)
        row, replayed = await self._store.create(
            key=request.idempotency_key,
            digest=digest,
            plan_id=plan_id_of(change.case_id),
            case_id=change.case_id,
            site=place.site,
            region=place.region,
            created_by=change.by,
            reason=change.reason,
            content=change.content,
            kind=kind,
        )
        if replayed and row.request_digest != digest:
            raise AlreadyExists("idempotency_key was already used for a different request")
        await self._start(row, request.created_by, request.content)
        return plan_pb2.CreatePlanResponse(plan=await self._plan(row), replayed=replayed)

    async def MakeConferencePlan(
        self, request: plan_pb2.MakeConferencePlanRequest, context: grpc.aio.ServicerContext
    ) -> plan_pb2.MakeConferencePlanResponse:
        """The worker's: a family group conference's agreed plan made the case's plan, as
        CreatePlan makes one (the same checks, the same idempotency record), by whoever
        recorded the outcome."""
        conference_id = checks.require_conference_id(request.conference_id)
        created = await self.CreatePlan(
            plan_pb2.CreatePlanRequest(
                idempotency_key=request.idempotency_key,
                case_id=request.case_id,
                created_by=request.created_by,
                reason=f"agreed at family group conference {conference_id}",
                content=request.content,
            ),
            context,
        )
        return plan_pb2.MakeConferencePlanResponse(plan=created.plan, replayed=created.replayed)

    async def _start(self, row: PlanRow, created_by: str, content: plan_pb2.PlanContent) -> None:
        """Start the plan's workflow (a retry, or the outbox, finds the one already started),
        then mark it started."""
        plan = PlanInput(
            plan_id=row.plan_id,
            case_id=row.case_id,
            site=row.site,
            region=row.region,
            created_by=created_by,
            terms=terms_of(content),
            policy=self._policy,
            attention_after=self._attention_after,
        )
        await start_once(
            self._temporal,
            PlanWorkflow.run,
            plan,
            workflow_id=row.workflow_id,
            task_queue=self._task_queue,
            stage=STAGE,
            site=row.site,
            region=row.region,
        )
        mark_in_background(self._store.mark_started(row.plan_id), f"plan {row.plan_id}")

    async def drain_outbox(self, before: dt.datetime) -> int:
        """One outbox round (services/common/outbox.py): start the workflows of plans made
        before `before` that no call saw started; how many it started."""
        started = 0
        for row, first in await self._store.unstarted(before, BATCH):
            started += await attempt(f"start plan {row.plan_id}", self._start(row, first.changed_by, first.content))
        return started

    async def GetPlan(
        self, request: plan_pb2.GetPlanRequest, context: grpc.aio.ServicerContext
    ) -> plan_pb2.GetPlanResponse:
        row = await self._admitted(request.case_id)
        return plan_pb2.GetPlanResponse(plan=await self._plan(row, audited=True))

    async def RevisePlan(
        self, request: plan_pb2.RevisePlanRequest, context: grpc.aio.ServicerContext
    ) -> plan_pb2.RevisePlanResponse:
        change, expected = validate_revise(request, dt.datetime.now(dt.UTC))
        row = await self._admitted(change.case_id)
        validate_team(request.content, row.kind)
        names = {"name": "plan.revise", "subject_id": row.case_id, "actor": change.by}
        answered = await self._actions.answered(request, **names, response=plan_pb2.RevisePlanResponse)
        if answered is not None:
            return answered
        newest, _ = await self._store.change_base(row.plan_id, request.idempotency_key)
        latest = newest.version
        if expected != latest:
            raise FailedPrecondition(f"the plan is at version {latest}, not {expected}: read it and change it again")
        if newest.content.HasField("consent"):  # a revision keeps the consent as it stands
            change.content.consent.CopyFrom(newest.content.consent)
        version = latest + 1
        return await self._version(
            request,
            names,
            row,
            PlanWorkflow.revise,
            PlanChange(version, change.by, change.reason, change.terms),
            plan_pb2.RevisePlanResponse,
            NewVersion(version, change.by, change.reason, change.content),
            self._answers(row, plan_pb2.RevisePlanResponse),
        )

    async def RecordActionStatus(
        self, request: plan_pb2.RecordActionStatusRequest, context: grpc.aio.ServicerContext
    ) -> plan_pb2.RecordActionStatusResponse:
        change = validate_action_status(request)
        row = await self._admitted(change.case_id)
        response = plan_pb2.RecordActionStatusResponse
        return await self._action_status(request, change, row, response, self._answers(row, response))

    async def RecordSharedActionStatus(
        self, request: plan_pb2.RecordSharedActionStatusRequest, context: grpc.aio.ServicerContext
    ) -> plan_pb2.RecordSharedActionStatusResponse:
        change = validate_action_status(request)
        row = await self._team_plan(change.case_id)
        agency = team.team_agency_of(authz.current_principal().agency)
        if not authz.shared_with_an_agency() or not agency:
            raise PermissionDenied("a partner agency of the plan's team records its own actions here")
        taken, newest = await self._store.taken_and_newest(row.plan_id, but=request.idempotency_key)
        if any(team.shared_parts(v.content, agency) is None for v in (taken, newest)):
            raise FailedPrecondition(
                f"nothing of this plan is shared with {agency}: the family has not agreed to it, or withdrew it"
            )
        owned = next((a for a in newest.content.actions if a.action_id == change.action_id), None)
        if owned is not None and owned.owner_agency != agency:
            raise PermissionDenied(f"action {change.action_id} is not {agency}'s")

        async def answer(view: PlanView) -> plan_pb2.RecordSharedActionStatusResponse:
            version = (await self._store.versions(row.plan_id, up_to=view.version))[0]
            parts = team.shared_parts(version.content, agency) or frozenset()
            shared = team.shared_plan(row.plan_id, row.case_id, version.version, version.content, agency, parts)
            return plan_pb2.RecordSharedActionStatusResponse(plan=shared)

        return await self._action_status(request, change, row, plan_pb2.RecordSharedActionStatusResponse, answer)

    async def _action_status(
        self,
        request: plan_pb2.RecordActionStatusRequest | plan_pb2.RecordSharedActionStatusRequest,
        change: StatusChange,
        row: PlanRow,
        response: type[S],
        answer: Callable[[PlanView], Awaitable[S]],
    ) -> S:
        """An action's status as a new version (a staff member's, or a team agency's own)."""
        names = {"name": "plan.action_status", "subject_id": row.case_id, "actor": request.recorded_by}
        answered = await self._actions.answered(request, **names, response=response)
        if answered is not None:
            return answered
        newest, _ = await self._store.change_base(row.plan_id, request.idempotency_key)
        content = plan_pb2.PlanContent()
        content.CopyFrom(newest.content)
        action = next((a for a in content.actions if a.action_id == change.action_id), None)
        if action is None:
            raise FailedPrecondition(f"the plan has no action {change.action_id}")
        action.status = STATUS.to_proto(change.status)
        version = newest.version + 1
        reason = f"action {change.action_id} {change.status}" + (f": {request.note}" if request.note else "")
        return await self._version(
            request,
            names,
            row,
            PlanWorkflow.record_action_status,
            ActionStatusChange(version, change.action_id, change.status, request.recorded_by, request.note),
            response,
            NewVersion(version, request.recorded_by, reason, content),
            answer,
        )

    async def RecordReview(
        self, request: plan_pb2.RecordReviewRequest, context: grpc.aio.ServicerContext
    ) -> plan_pb2.RecordReviewResponse:
        case_id, next_due = validate_review(request, dt.datetime.now(dt.UTC))
        row = await self._admitted(case_id)
        names = {"name": "plan.review", "subject_id": row.case_id, "actor": request.held_by}
        answered = await self._actions.answered(request, **names, response=plan_pb2.RecordReviewResponse)
        if answered is not None:
            return answered
        newest, stored = await self._store.change_base(row.plan_id, request.idempotency_key)
        version = newest.version + 1
        if stored is not None:  # a retry: the date its first attempt stored
            next_due = stored.content.review_due.ToDatetime(dt.UTC)
        elif next_due is None:  # the policy's interval on from now
            next_due = add_span(dt.datetime.now(dt.UTC), self._policy.review_interval, row.site)
        content = plan_pb2.PlanContent()
        content.CopyFrom(newest.content)
        content.review_due.CopyFrom(timestamp(next_due))
        reason = "review held" + (f": {request.note}" if request.note else "")
        return await self._version(
            request,
            names,
            row,
            PlanWorkflow.record_review,
            ReviewHeld(version, request.held_by, request.note, next_due),
            plan_pb2.RecordReviewResponse,
            NewVersion(version, request.held_by, reason, content),
            self._answers(row, plan_pb2.RecordReviewResponse),
        )

    async def RecordSharingConsent(
        self, request: plan_pb2.RecordSharingConsentRequest, context: grpc.aio.ServicerContext
    ) -> plan_pb2.RecordSharingConsentResponse:
        asked = team.validate_consent(request)
        row = await self._team_plan(asked.case_id)
        names = {"name": "plan.consent", "subject_id": row.case_id, "actor": asked.by}
        answered = await self._actions.answered(request, **names, response=plan_pb2.RecordSharingConsentResponse)
        if answered is not None:
            return answered
        newest, _ = await self._store.change_base(row.plan_id, request.idempotency_key)
        content = team.consent_given(newest.content, request, dt.datetime.now(dt.UTC))
        agencies = [share.agency for share in content.consent.shares]
        version = newest.version + 1
        reason = f"consent to sharing recorded: {', '.join(agencies)}" + (f": {asked.note}" if asked.note else "")
        return await self._version(
            request,
            names,
            row,
            PlanWorkflow.record_consent,
            ConsentChange(version, asked.by, agencies),
            plan_pb2.RecordSharingConsentResponse,
            NewVersion(version, asked.by, reason, content),
            self._answers(row, plan_pb2.RecordSharingConsentResponse),
        )

    async def WithdrawSharingConsent(
        self, request: plan_pb2.WithdrawSharingConsentRequest, context: grpc.aio.ServicerContext
    ) -> plan_pb2.WithdrawSharingConsentResponse:
        asked = team.validate_withdrawal(request)
        row = await self._team_plan(asked.case_id)
        names = {"name": "plan.consent_withdrawn", "subject_id": row.case_id, "actor": asked.by}
        answered = await self._actions.answered(request, **names, response=plan_pb2.WithdrawSharingConsentResponse)
        if answered is not None:
            return answered
        newest, _ = await self._store.change_base(row.plan_id, request.idempotency_key)
        content = team.consent_withdrawn(newest.content, asked.by, dt.datetime.now(dt.UTC))
        version = newest.version + 1
        reason = "consent to sharing withdrawn" + (f": {asked.note}" if asked.note else "")
        # stored with the action, the withdrawal is in force from here (GetSharedPlan reads
        # the newest version stored too), whenever the workflow takes it
        return await self._version(
            request,
            names,
            row,
            PlanWorkflow.record_consent,
            ConsentChange(version, asked.by, [], withdrawn=True),
            plan_pb2.WithdrawSharingConsentResponse,
            NewVersion(version, asked.by, reason, content),
            self._answers(row, plan_pb2.WithdrawSharingConsentResponse),
        )

    async def GetSharedPlan(
        self, request: plan_pb2.GetSharedPlanRequest, context: grpc.aio.ServicerContext
    ) -> plan_pb2.GetSharedPlanResponse:
        case_id = require_case_id(request.case_id)
        await authz.admit_case(case_id, self._lookup)
        partner = authz.shared_with_an_agency()
        if partner:
            agency = team.team_agency_of(authz.current_principal().agency)
            if not agency or request.agency not in ("", agency):
                raise PermissionDenied("a partner agency sees what is shared with its own agency only")
        elif request.agency not in team.TEAM_AGENCIES:
            raise InvalidArgument([FieldViolation("agency", f"must be one of {', '.join(team.TEAM_AGENCIES)}")])
        else:
            agency = request.agency
        row = await self._store.of_case(case_id)
        if row is None:
            raise NotFound("the case has no plan")
        if row.kind != team.CHILDRENS_TEAM:
            raise FailedPrecondition("only a Children's Team plan is shared with its team")
        taken, newest = await self._store.taken_and_newest(row.plan_id)
        # the stricter of the plan as its workflow took it and as last asked: a withdrawal
        # counts from the moment it is asked
        parts = [team.shared_parts(v.content, agency) for v in (taken, newest)]
        if parts[0] is None or parts[1] is None:
            raise FailedPrecondition(
                f"nothing of this plan is shared with {agency}: the family has not agreed to it, or withdrew it"
            )
        shared = team.shared_plan(row.plan_id, row.case_id, taken.version, taken.content, agency, parts[0] & parts[1])
        return plan_pb2.GetSharedPlanResponse(plan=shared)

    async def ListPlans(
        self, request: plan_pb2.ListPlansRequest, context: grpc.aio.ServicerContext
    ) -> plan_pb2.ListPlansResponse:
        listing = validate_listing(request, authz.listing)
        rows = await self._store.page(
            sites=listing.within.sites,
            regions=listing.within.regions,
            site=listing.site,
            region=listing.region,
            lead_professional=listing.lead_professional,
            owner_id=listing.owner_id,
            owner_agency=listing.owner_agency,
            kind=listing.kind,
            after=listing.after,
            size=listing.size,
        )
        shown = rows[: listing.size]
        token = ""
        if len(rows) > listing.size:
            last = shown[-1]
            token = next_token(listing, last.next_due or NEVER, last.plan_id)
        return plan_pb2.ListPlansResponse(plans=[_summary(r) for r in shown], next_page_token=token)

    # -- helpers ----------------------------------------------------------------------

    async def _version(
        self,
        request: Change,
        names: dict[str, str],
        row: PlanRow,
        update: Any,
        arg: object,
        response: type[S],
        new: NewVersion,
        answer: Callable[[PlanView], Awaitable[S]],
    ) -> S:
        """A change of the plan: `new` stored with its staff action, then `update` sent to the
        plan's workflow (services/common/actions.py), answered as `answer` says."""
        return await self._actions.update(
            request,
            name=names["name"],
            subject_id=names["subject_id"],
            actor=names["actor"],
            workflow_id=row.workflow_id,
            update=update,
            arg=arg,
            response=response,
            answer=answer,
            written_with=self._store.add_version(
                request.idempotency_key, row.plan_id, new.version, new.by, new.reason, new.content
            ),
        )

    async def _team_plan(self, case_id: str) -> PlanRow:
        row = await self._admitted(case_id)
        if row.kind != team.CHILDRENS_TEAM:
            raise FailedPrecondition("only a Children's Team plan has the family's consent to sharing")
        return row

    async def _admitted(self, case_id_field: str) -> PlanRow:
        case_id = require_case_id(case_id_field)
        await authz.admit_case(case_id, self._lookup)
        row = await self._store.of_case(case_id)
        if row is None:
            raise NotFound("the case has no plan")
        return row

    def _answers(self, row: PlanRow, response: type[R]) -> Callable[[PlanView], Awaitable[R]]:
        """How a change is answered: the whole plan at the version the workflow took."""

        async def answer(view: PlanView) -> R:
            return response(plan=await self._plan(row, up_to=view.version))

        return answer

    async def _plan(self, row: PlanRow, up_to: int | None = None, *, audited: bool = False) -> plan_pb2.Plan:
        versions = await self._store.versions(row.plan_id, up_to=up_to, audited=audited)
        if not versions:
            raise NotFound("the case has no plan")
        return plan_pb2.Plan(
            plan_id=row.plan_id,
            case_id=row.case_id,
            workflow_id=row.workflow_id,
            site=row.site,
            region=row.region,
            kind=team.kind_proto(row.kind),
            current=_version(versions[0]),
            history=[_version(v) for v in versions[1:]],
        )


def _version(v: VersionRow) -> plan_pb2.PlanVersion:
    return plan_pb2.PlanVersion(
        version=v.version,
        changed_by=v.changed_by,
        reason=v.reason,
        changed_at=timestamp(v.changed_at),
        content=v.content,
    )


def _summary(r: SummaryRow) -> plan_pb2.PlanSummary:
    summary = plan_pb2.PlanSummary(
        plan_id=r.plan_id,
        case_id=r.case_id,
        kind=team.kind_proto(r.kind),
        site=r.site,
        region=r.region,
        version=r.version,
        lead_professional=r.lead_professional,
        open_actions=r.open_actions,
        changed_at=timestamp(r.changed_at),
    )
    for name, when in (("review_due", r.review_due), ("next_action_due", r.next_action_due), ("next_due", r.next_due)):
        if when is not None:
            getattr(summary, name).CopyFrom(timestamp(when))
    return summary
