"""Children's Team plans: the team around the child (agencies from a fixed list), the child's
and the whānau's views, and the family's consent to sharing, with the checks of each and what
one team agency may see of the plan (`shared_plan`).

A partner agency's token names its agency (claim `agency`: a team agency's code, or a
reporting agency's kahu.v1.Agency name, mapped by `team_agency_of`). An agency sees a plan
only while the family's consent names it and it is on the team: its own actions, the lead
professional and the review date, and each part the consent lists for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from kahu.v1 import plan_pb2
from services.common import checks
from services.common.convert import timestamp
from services.common.errors import FailedPrecondition, Violations

#: The agencies a Children's Team draws on, as codes.
TEAM_AGENCIES = ("iwi", "health", "education", "police", "justice", "social-services")
#: A reporting agency's name (kahu.v1.Agency) as the team agency it belongs to.
_REPORTING_AGENCIES = {
    "AGENCY_POLICE": "police",
    "AGENCY_HEALTH_NZ": "health",
    "AGENCY_EDUCATION": "education",
    "AGENCY_CORRECTIONS": "justice",
    "AGENCY_SOCIAL_DEVELOPMENT": "social-services",
}
CASE = "CASE"
CHILDRENS_TEAM = "CHILDRENS_TEAM"
#: The triage pathway a Children's Team plan's case must have been decided on.
PATHWAY = "PATHWAY_REFER_CHILDRENS_TEAM"
MAX_TEAM = 50
MAX_ROLE = 100
MAX_VIEWS = 4000
_PARTS = frozenset(plan_pb2.SharedPart.values()) - {plan_pb2.SHARED_PART_UNSPECIFIED}


def kind_name(kind: int) -> str:
    """A request's kind as stored ("CASE" for an unset one)."""
    return CHILDRENS_TEAM if kind == plan_pb2.PLAN_KIND_CHILDRENS_TEAM else CASE


def kind_proto(name: str) -> plan_pb2.PlanKind:
    return plan_pb2.PLAN_KIND_CHILDRENS_TEAM if name == CHILDRENS_TEAM else plan_pb2.PLAN_KIND_CASE


def team_agency_of(claim: str) -> str:
    """The team agency a token's `agency` claim names ("" for none)."""
    return claim if claim in TEAM_AGENCIES else _REPORTING_AGENCIES.get(claim, "")


def check_kind(v: Violations, kind: int) -> None:
    if kind not in plan_pb2.PlanKind.values():
        v.add("kind", "is not a known value")


def check_team(v: Violations, content: plan_pb2.PlanContent, kind: str, field: str = "content") -> None:
    """A Children's Team plan has a team from the fixed agencies, its lead professional one of
    them and each action owned by one of its agencies; another plan has no team or views."""
    if kind != CHILDRENS_TEAM:
        for name, value in (
            ("team", content.team),
            ("child_views", content.child_views),
            ("whanau_views", content.whanau_views),
        ):
            if value:
                v.add(f"{field}.{name}", "only a Children's Team plan has these")
        return
    if not content.team:
        v.add(f"{field}.team", "a Children's Team plan has a team")
    if not checks.listed(v, len(content.team), f"{field}.team", maximum=MAX_TEAM):
        return
    members: set[tuple[str, str]] = set()
    for i, member in enumerate(content.team):
        path = f"{field}.team[{i}]"
        if member.agency not in TEAM_AGENCIES:
            v.add(f"{path}.agency", f"must be one of {', '.join(TEAM_AGENCIES)}")
        checks.staff_id(v, member.member_id, f"{path}.member_id")
        checks.text(v, member.role, f"{path}.role", limit=MAX_ROLE, required=True, multiline=False)
        if (member.agency, member.member_id) in members:
            v.add(f"{path}.member_id", "is on the team already for this agency")
        members.add((member.agency, member.member_id))
    if content.lead_professional and content.lead_professional not in {m for _, m in members}:
        v.add(f"{field}.lead_professional", "must be a member of the team")
    agencies = {a for a, _ in members}
    for i, action in enumerate(content.actions):
        if action.owner_agency and action.owner_agency not in agencies:
            v.add(f"{field}.actions[{i}].owner_agency", "must be one of the team's agencies")
    checks.text(v, content.child_views, f"{field}.child_views", limit=MAX_VIEWS)
    checks.text(v, content.whanau_views, f"{field}.whanau_views", limit=MAX_VIEWS)


@dataclass(frozen=True)
class ConsentAsked:
    case_id: str
    by: str
    note: str


def validate_consent(request: plan_pb2.RecordSharingConsentRequest) -> ConsentAsked:
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.recorded_by, "recorded_by")
    checks.text(v, request.given_by, "given_by", limit=checks.MAX_NAME, required=True, multiline=False)
    checks.text(v, request.note, "note")
    if not request.shares:
        v.add("shares", "name at least one agency the family agreed to share with")
    seen: set[str] = set()
    for i, share in enumerate(request.shares):
        if share.agency not in TEAM_AGENCIES:
            v.add(f"shares[{i}].agency", f"must be one of {', '.join(TEAM_AGENCIES)}")
        elif share.agency in seen:
            v.add(f"shares[{i}].agency", "is named twice")
        seen.add(share.agency)
        parts = list(share.parts)
        for j, part in enumerate(parts):
            if part not in _PARTS:
                v.add(f"shares[{i}].parts[{j}]", "is not a known part")
            elif part in parts[:j]:
                v.add(f"shares[{i}].parts[{j}]", "is named twice")
    v.raise_if_any()
    return ConsentAsked(case_id, request.recorded_by, request.note)


def validate_withdrawal(request: plan_pb2.WithdrawSharingConsentRequest) -> ConsentAsked:
    v = Violations()
    checks.idempotency_key(v, request.idempotency_key)
    case_id = checks.case_id(v, request.case_id)
    checks.staff_id(v, request.recorded_by, "recorded_by")
    checks.text(v, request.note, "note")
    v.raise_if_any()
    return ConsentAsked(case_id, request.recorded_by, request.note)


def consent_given(
    current: plan_pb2.PlanContent, request: plan_pb2.RecordSharingConsentRequest, now: dt.datetime
) -> plan_pb2.PlanContent:
    """The plan's content with the family's consent as the request records it; every agency
    it names must be on the team (FailedPrecondition)."""
    team = {m.agency for m in current.team}
    missing = sorted({s.agency for s in request.shares} - team)
    if missing:
        raise FailedPrecondition(f"not on the plan's team: {', '.join(missing)}; revise the team first")
    content = plan_pb2.PlanContent()
    content.CopyFrom(current)
    content.consent.CopyFrom(
        plan_pb2.FamilyConsent(
            given_by=request.given_by,
            recorded_by=request.recorded_by,
            given_at=timestamp(now),
        )
    )
    content.consent.shares.extend(sorted(list(request.shares), key=_agency))
    return content


def _agency(share: plan_pb2.ConsentShare) -> str:
    return share.agency


def consent_withdrawn(current: plan_pb2.PlanContent, by: str, now: dt.datetime) -> plan_pb2.PlanContent:
    """The plan's content with its consent withdrawn (FailedPrecondition when none stands)."""
    if not in_force(current.consent):
        raise FailedPrecondition("the family's consent to sharing is not in force: there is none to withdraw")
    content = plan_pb2.PlanContent()
    content.CopyFrom(current)
    content.consent.withdrawn_at.CopyFrom(timestamp(now))
    content.consent.withdrawal_recorded_by = by
    return content


def in_force(consent: plan_pb2.FamilyConsent) -> bool:
    return consent.HasField("given_at") and not consent.HasField("withdrawn_at")


def shared_parts(content: plan_pb2.PlanContent, agency: str) -> frozenset[int] | None:
    """What the consent in `content` shares with `agency` (None: nothing at all: no consent
    in force, the agency not named in it, or no longer on the team)."""
    if not in_force(content.consent) or agency not in {m.agency for m in content.team}:
        return None
    share = next((s for s in content.consent.shares if s.agency == agency), None)
    return None if share is None else frozenset(share.parts)


def shared_plan(
    plan_id: str, case_id: str, version: int, content: plan_pb2.PlanContent, agency: str, parts: frozenset[int]
) -> plan_pb2.SharedPlan:
    """The plan as `agency` sees it, sharing `parts` beyond its own actions."""
    shared = plan_pb2.SharedPlan(
        plan_id=plan_id,
        case_id=case_id,
        agency=agency,
        version=version,
        lead_professional=content.lead_professional,
        review_due=content.review_due,
        actions=[a for a in content.actions if a.owner_agency == agency],
        shared=cast(list[plan_pb2.SharedPart], sorted(parts)),
        consent_given_at=content.consent.given_at,
    )
    if plan_pb2.SHARED_PART_GOALS in parts:
        shared.goals.extend(content.goals)
    if plan_pb2.SHARED_PART_VIEWS in parts:
        shared.child_views, shared.whanau_views = content.child_views, content.whanau_views
    if plan_pb2.SHARED_PART_TEAM in parts:
        shared.team.extend(content.team)
    if plan_pb2.SHARED_PART_OTHER_ACTIONS in parts:
        shared.other_actions.extend(a for a in content.actions if a.owner_agency != agency)
    return shared
