"""Checks of the plan service's requests: each `validate_*` raises InvalidArgument naming
every bad field, or returns what the request holds; and the plan's terms (what its workflow
keeps) from a version's content."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from kahu.v1 import plan_pb2
from services.common import checks, paging
from services.common.authz import UNRESTRICTED, Restriction
from services.common.convert import EnumMap, from_timestamp
from services.common.errors import Violations
from services.plan import team
from workflows.plan.model import ActionStatus, ActionTerms, PlanTerms

STATUS = EnumMap(ActionStatus, plan_pb2.PlanActionStatus, "PLAN_ACTION_STATUS_")
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_AGENCY = re.compile(r"[a-z][a-z0-9-]{1,39}")
MAX_GOALS = 50
MAX_ACTIONS = 200
MAX_DESCRIPTION = 2000
#: No date of a plan is further ahead than this.
MAX_AHEAD = dt.timedelta(days=5 * 366)


@dataclass(frozen=True)
class Change:
    """A new version asked for: who, why, and what the plan says (its terms for the workflow)."""

    case_id: str
    by: str
    reason: str
    content: plan_pb2.PlanContent
    terms: PlanTerms


def _new_id(v: Violations, value: str, seen: set[str], field: str, what: str) -> None:
    """A caller-chosen id (a goal's, an action's): well formed, and not one already used."""
    if not _ID.fullmatch(value):
        v.add(field, "must be 1-40 characters of a-z, 0-9 and -")
    elif value in seen:
        v.add(field, f"is another {what}'s")
    seen.add(value)


def terms_of(content: plan_pb2.PlanContent) -> PlanTerms:
    """What the plan's workflow keeps of a (valid) version: ids, staff ids, dates, statuses."""
    return PlanTerms(
        lead_professional=content.lead_professional,
        lead_manager_id=content.lead_manager_id,
        review_due=from_timestamp(content.review_due),
        actions=[
            ActionTerms(
                action_id=a.action_id,
                owner_agency=a.owner_agency,
                owner_id=a.owner_id,
                owner_manager_id=a.owner_manager_id,
                due_at=from_timestamp(a.due_at),
                status=STATUS.from_proto(a.status) or ActionStatus.OPEN,
            )
            for a in content.actions
        ],
    )


def _content(v: Violations, content: plan_pb2.PlanContent, now: dt.datetime, field: str = "content") -> None:
    checks.staff_id(v, content.lead_professional, f"{field}.lead_professional")
    checks.staff_id(v, content.lead_manager_id, f"{field}.lead_manager_id")
    review = checks.instant(v, content.review_due if content.HasField("review_due") else None, f"{field}.review_due")
    if review is not None and not now < review <= now + MAX_AHEAD:
        v.add(f"{field}.review_due", "must be in the future, within 5 years")
    goals: set[str] = set()
    if not content.goals:
        v.add(f"{field}.goals", "a plan has at least one goal")
    if checks.listed(v, len(content.goals), f"{field}.goals", maximum=MAX_GOALS):
        for i, goal in enumerate(content.goals):
            path = f"{field}.goals[{i}]"
            _new_id(v, goal.goal_id, goals, f"{path}.goal_id", "goal")
            checks.text(v, goal.description, f"{path}.description", limit=MAX_DESCRIPTION, required=True)
    if not content.actions:
        v.add(f"{field}.actions", "a plan has at least one action")
    if not checks.listed(v, len(content.actions), f"{field}.actions", maximum=MAX_ACTIONS):
        return
    actions: set[str] = set()
    for i, action in enumerate(content.actions):
        path = f"{field}.actions[{i}]"
        _new_id(v, action.action_id, actions, f"{path}.action_id", "action")
        if action.goal_id not in goals:
            v.add(f"{path}.goal_id", "must be one of the plan's goals")
        checks.text(v, action.description, f"{path}.description", limit=MAX_DESCRIPTION, required=True)
        if not _AGENCY.fullmatch(action.owner_agency):
            v.add(f"{path}.owner_agency", "must be an agency's code: 2-40 characters of a-z, 0-9 and -")
        checks.staff_id(v, action.owner_id, f"{path}.owner_id")
        checks.staff_id(v, action.owner_manager_id, f"{path}.owner_manager_id")
        due = checks.instant(v, action.due_at if action.HasField("due_at") else None, f"{path}.due_at")
        if due is not None and due > now + MAX_AHEAD:
            v.add(f"{path}.due_at", "must be within 5 years")
        checks.enum(v, action.status, STATUS, f"{path}.status", required=False)


def validate_content(v: Violations, content: plan_pb2.PlanContent, now: dt.datetime, field: str) -> PlanTerms:
    """A plan's content made elsewhere (a family group conference's agreed plan), checked as
    CreatePlan checks it, its violations named under `field`; its terms."""
    _content(v, content, now, field)
    for i, action in enumerate(content.actions):
        if action.status not in (plan_pb2.PLAN_ACTION_STATUS_UNSPECIFIED, plan_pb2.PLAN_ACTION_STATUS_OPEN):
            v.add(f"{field}.actions[{i}].status", "a new plan's actions are open")
    return terms_of(content)


def _change(
    v: Violations,
    case_id: str,
    by: str,
    by_field: str,
    reason: str,
    content: plan_pb2.PlanContent,
    now: dt.datetime,
    kind: str | None = None,
) -> Change:
    """A version asked for; its team is checked here when the plan's `kind` is known (a
    revision's is checked once the plan is read: `validate_team`). A consent in the content
    is dropped: consent is recorded by its own calls."""
    checks.staff_id(v, by, by_field)
    checks.text(v, reason, "reason", required=True)
    _content(v, content, now)
    if kind is not None:
        team.check_team(v, content, kind)
    v.raise_if_any()
    kept = plan_pb2.PlanContent()
    kept.CopyFrom(content)
    kept.ClearField("consent")
    return Change(case_id, by, reason, kept, terms_of(kept))


def validate_team(content: plan_pb2.PlanContent, kind: str) -> None:
    """A revision's team, views and owners, for a plan of `kind`."""
    v = Violations()
    team.check_team(v, content, kind)
    v.raise_if_any()


def validate_create(request: plan_pb2.CreatePlanRequest, now: dt.datetime) -> Change:
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    for i, action in enumerate(request.content.actions):
        if action.status not in (plan_pb2.PLAN_ACTION_STATUS_UNSPECIFIED, plan_pb2.PLAN_ACTION_STATUS_OPEN):
            v.add(f"content.actions[{i}].status", "a new plan's actions are open")
    team.check_kind(v, request.kind)
    kind = team.kind_name(request.kind)
    return _change(v, case_id, request.created_by, "created_by", request.reason, request.content, now, kind)


def validate_revise(request: plan_pb2.RevisePlanRequest, now: dt.datetime) -> tuple[Change, int]:
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    if request.expected_version < 1:
        v.add("expected_version", "is required: the version the change was made from")
    return _change(v, case_id, request.revised_by, "revised_by", request.reason, request.content, now), (
        request.expected_version
    )


@dataclass(frozen=True)
class StatusChange:
    case_id: str
    action_id: str
    status: ActionStatus


def validate_action_status(
    request: plan_pb2.RecordActionStatusRequest | plan_pb2.RecordSharedActionStatusRequest,
) -> StatusChange:
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    if not _ID.fullmatch(request.action_id):
        v.add("action_id", "must be 1-40 characters of a-z, 0-9 and -")
    status = checks.enum(v, request.status, STATUS, "status")
    checks.staff_id(v, request.recorded_by, "recorded_by")
    checks.text(v, request.note, "note")
    v.raise_if_any()
    assert status is not None
    return StatusChange(case_id, request.action_id, status)


def validate_review(request: plan_pb2.RecordReviewRequest, now: dt.datetime) -> tuple[str, dt.datetime | None]:
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.held_by, "held_by")
    checks.text(v, request.note, "note")
    next_due = None
    if request.HasField("next_review_due"):
        next_due = checks.instant(v, request.next_review_due, "next_review_due")
        if next_due is not None and not now < next_due <= now + MAX_AHEAD:
            v.add("next_review_due", "must be in the future, within 5 years")
    v.raise_if_any()
    return case_id, next_due


#: ListPlans' page size: at most this many plans a page.
MAX_PAGE = 500


@dataclass(frozen=True)
class PlanListing:
    """A page of plans asked for: its filters, the caller's scope, its size, and the keyset
    position (next due, plan id) it starts after."""

    site: str
    region: str
    lead_professional: str
    owner_id: str
    owner_agency: str
    kind: str
    within: Restriction
    size: int
    after: tuple[dt.datetime, str] | None

    def scope(self) -> str:
        sites = "*" if self.within.sites is None else ",".join(sorted(self.within.sites))
        regions = ",".join(sorted(self.within.regions))
        filters = (self.site, self.region, self.lead_professional, self.owner_id, self.owner_agency, self.kind)
        return "|".join((*filters, sites, regions))


def validate_listing(
    request: plan_pb2.ListPlansRequest, scope: Callable[[str, str, str], Restriction] = lambda *_: UNRESTRICTED
) -> PlanListing:
    """The listing a request asks for: bad filters are INVALID_ARGUMENT before `scope` (the
    caller's: services/common/authz.py `listing`) is asked for; the page token is bound to both."""
    v = Violations()
    site = checks.site(v, request.site, required=False)
    checks.region(v, request.region)
    for name in ("lead_professional", "owner_id"):
        if getattr(request, name):
            checks.staff_id(v, getattr(request, name), name)
    if request.owner_agency and not _AGENCY.fullmatch(request.owner_agency):
        v.add("owner_agency", "must be an agency's code: 2-40 characters of a-z, 0-9 and -")
    team.check_kind(v, request.kind)
    size = checks.page_size(v, request.page_size, maximum=MAX_PAGE)
    v.raise_if_any()
    within = scope(request.site, request.region, site.region if site else "")
    found = PlanListing(
        request.site,
        request.region,
        request.lead_professional,
        request.owner_id,
        request.owner_agency,
        team.kind_name(request.kind) if request.kind else "",
        within,
        size,
        None,
    )
    position = paging.decode(v, request.page_token, found.scope())
    after = None
    if position is not None:
        try:
            after = (dt.datetime.fromisoformat(position["due"]), str(uuid.UUID(position["id"])))
        except (KeyError, TypeError, ValueError):
            v.add("page_token", "is not a page token from this listing")
    v.raise_if_any()
    return dataclasses.replace(found, after=after)


def next_token(listing: PlanListing, due: dt.datetime, plan_id: str) -> str:
    """The token of the page after the plan (`due` its next due date, or NEVER)."""
    return paging.encode(listing.scope(), {"due": due.isoformat(), "id": plan_id})
