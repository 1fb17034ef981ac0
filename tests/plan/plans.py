"""Plans as the tests make them: a plan's content (a goal and two actions owned by two
agencies), a case's plan made through PlanService, a case referred to a Children's Team and
a Children's Team plan's content."""

from __future__ import annotations

import datetime as dt
import uuid

from kahu.v1 import common_pb2, intake_pb2, plan_pb2
from services.common.convert import timestamp
from tests.conftest import Platform
from tests.intake.reports import decide, get_case, open_case
from tests.polling import eventually

DAY = dt.timedelta(days=1)


def content(now: dt.datetime, a1_due: dt.datetime) -> plan_pb2.PlanContent:
    return plan_pb2.PlanContent(
        lead_professional="lp.one",
        lead_manager_id="lpm.one",
        review_due=timestamp(now + 30 * DAY),
        goals=[plan_pb2.PlanGoal(goal_id="school", description="Mere is at school every day")],
        actions=[
            plan_pb2.PlanAction(
                action_id="a1",
                goal_id="school",
                description="Arrange transport to school",
                owner_agency="oranga-tamariki",
                owner_id="own.one",
                owner_manager_id="mgr.one",
                due_at=timestamp(a1_due),
            ),
            plan_pb2.PlanAction(
                action_id="a2",
                goal_id="school",
                description="Meet the principal",
                owner_agency="education",
                owner_id="own.two",
                owner_manager_id="mgr.two",
                due_at=timestamp(now + 20 * DAY),
            ),
        ],
    )


async def planned(platform: Platform, case_id: str, by: str, a1_due: dt.timedelta = 10 * DAY) -> plan_pb2.Plan:
    """The case's plan (version 1), made by `by` with its first action due `a1_due` from now."""
    assert platform.plan is not None
    now = dt.datetime.now(dt.UTC)
    made = await platform.plan.CreatePlan(
        plan_pb2.CreatePlanRequest(
            idempotency_key=f"plan-{uuid.uuid4()}",
            case_id=case_id,
            created_by=by,
            reason="agreed with the whānau",
            content=content(now, now + a1_due),
        )
    )
    return made.plan


async def referred_case(platform: Platform, request: intake_pb2.SubmitReportRequest | None = None) -> str:
    """A case (reported by `request`) decided at triage as a referral to a Children's Team,
    its pathway recorded."""
    case_id = (await open_case(platform, request)).case.case_id
    await decide(
        platform,
        case_id,
        pathway=common_pb2.PATHWAY_REFER_CHILDRENS_TEAM,
        timeframe=common_pb2.TIMEFRAME_UNSPECIFIED,
        reason="below the threshold for care and protection; several agencies involved",
    )

    async def recorded() -> intake_pb2.GetCaseResponse | None:
        case = await get_case(platform, case_id)
        return case if case.case.pathway == common_pb2.PATHWAY_REFER_CHILDRENS_TEAM else None

    await eventually(recorded)
    return case_id


def team_content(now: dt.datetime) -> plan_pb2.PlanContent:
    """A Children's Team plan: led by a health nurse, with police and education on the team;
    an action each."""
    made = content(now, now + 10 * DAY)
    made.lead_professional = "nurse.hine"
    made.team.extend(
        [
            plan_pb2.TeamMember(agency="health", member_id="nurse.hine", role="Well Child nurse"),
            plan_pb2.TeamMember(agency="police", member_id="pol.tama", role="youth aid officer"),
            plan_pb2.TeamMember(agency="education", member_id="edu.rua", role="school counsellor"),
        ]
    )
    made.actions[0].owner_agency, made.actions[0].owner_id = "health", "nurse.hine"
    made.actions[1].owner_agency, made.actions[1].owner_id = "education", "edu.rua"
    made.actions.append(
        plan_pb2.PlanAction(
            action_id="a3",
            goal_id="school",
            description="Check in with the whānau after the family violence callout",
            owner_agency="police",
            owner_id="pol.tama",
            owner_manager_id="pol.sgt",
            due_at=timestamp(now + 15 * DAY),
        )
    )
    made.child_views = "Mere wants to stay at her school and see her koro"
    made.whanau_views = "Her mother wants help with transport, not another agency"
    return made
