"""Children's Team plans against real PostgreSQL and Temporal: made only for a case referred
to a Children's Team at triage; nothing shared with a team agency before the family's
consent; each agency sees its own actions and what consent shares with it, and a partner
agency nothing of another's; a withdrawal stops sharing at once (before the plan's workflow
has taken it, too); consent and its withdrawal are versions on the case's record; every
read and change, refused ones included, is on the plan service's audit trail; a team agency
records its own actions, and only while the family shares the plan with it."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import grpc
import pytest

from kahu.v1 import plan_pb2
from services.common.actions import request_digest
from services.common.convert import timestamp
from services.common.errors import field_violations
from services.common.identity import Principal
from tests.conftest import Platform
from tests.intake.reports import open_case
from tests.plan.plans import referred_case, team_content
from tests.polling import eventually

DAY = dt.timedelta(days=1)
SHARED_PLAN = "kahu.v1.PlanService/GetSharedPlan"
GOALS, VIEWS, TEAM, OTHERS = (
    plan_pb2.SHARED_PART_GOALS,
    plan_pb2.SHARED_PART_VIEWS,
    plan_pb2.SHARED_PART_TEAM,
    plan_pb2.SHARED_PART_OTHER_ACTIONS,
)


def _key() -> str:
    return f"team-test-{uuid.uuid4()}"


def partner(case_id: str, agency: str) -> Principal:
    return Principal(
        subject=f"system.{agency.lower()}",
        roles=frozenset({"partner_agency"}),
        agency=agency,
        purpose="childrens_team",
        case_id=case_id,
    )


async def _refused(call: object, code: grpc.StatusCode) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call  # type: ignore[misc]
    assert refused.value.code() == code, refused.value.details()
    return refused.value.details() or ""


async def test_a_childrens_team_plan_shares_only_what_the_family_agreed_until_withdrawn(platform: Platform) -> None:
    assert platform.plan is not None
    plans = platform.plan
    now = dt.datetime.now(dt.UTC)

    # not referred to a Children's Team at triage: refused, with why
    undecided = (await open_case(platform)).case.case_id
    create = plan_pb2.CreatePlanRequest(
        idempotency_key=_key(),
        case_id=undecided,
        created_by="sup.team",
        reason="agreed at the team hui",
        content=team_content(now),
        kind=plan_pb2.PLAN_KIND_CHILDRENS_TEAM,
    )
    why = await _refused(plans.CreatePlan(create), grpc.StatusCode.FAILED_PRECONDITION)
    assert "Children's Team" in why and "not decided yet" in why

    case_id = await referred_case(platform)
    create.case_id, create.idempotency_key = case_id, _key()
    made = await plans.CreatePlan(create)
    assert (made.plan.kind, made.plan.current.version) == (plan_pb2.PLAN_KIND_CHILDRENS_TEAM, 1)
    assert [m.agency for m in made.plan.current.content.team] == ["health", "police", "education"]
    assert made.plan.current.content.child_views.startswith("Mere wants")

    police = (await platform.as_(partner(case_id, "AGENCY_POLICE"))).plan
    health = (await platform.as_(partner(case_id, "health"))).plan
    education = (await platform.as_(partner(case_id, "AGENCY_EDUCATION"))).plan
    assert police is not None and health is not None and education is not None
    ask = plan_pb2.GetSharedPlanRequest(case_id=case_id)

    # before the family's consent, nothing is shared with anyone
    why = await _refused(police.GetSharedPlan(ask), grpc.StatusCode.FAILED_PRECONDITION)
    assert "not agreed" in why
    # a partner agency never reads the whole plan
    await _refused(police.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id)), grpc.StatusCode.PERMISSION_DENIED)

    consent = plan_pb2.RecordSharingConsentRequest(
        idempotency_key=_key(),
        case_id=case_id,
        recorded_by="sup.team",
        given_by="Aroha (Mere's mother)",
        shares=[
            plan_pb2.ConsentShare(agency="police", parts=[GOALS]),
            plan_pb2.ConsentShare(agency="health", parts=[GOALS, VIEWS, TEAM, OTHERS]),
        ],
        note="at the team hui",
    )
    given = await plans.RecordSharingConsent(consent)
    again = await plans.RecordSharingConsent(consent)
    assert (given.plan.current.version, given.replayed, again.replayed) == (2, False, True)
    recorded = given.plan.current.content.consent
    assert (recorded.given_by, recorded.recorded_by) == ("Aroha (Mere's mother)", "sup.team")
    assert [s.agency for s in recorded.shares] == ["health", "police"]
    assert given.plan.current.reason == "consent to sharing recorded: health, police: at the team hui"

    # police: its own action and the goals; not the views, the team or others' actions
    seen = (await police.GetSharedPlan(ask)).plan
    assert (seen.agency, seen.version, seen.lead_professional) == ("police", 2, "nurse.hine")
    assert [a.action_id for a in seen.actions] == ["a3"]
    assert [g.goal_id for g in seen.goals] == ["school"]
    assert (seen.child_views, seen.whanau_views, list(seen.team), list(seen.other_actions)) == ("", "", [], [])
    assert list(seen.shared) == [GOALS]
    # health: everything the family agreed to
    seen = (await health.GetSharedPlan(ask)).plan
    assert [a.action_id for a in seen.actions] == ["a1"]
    assert [a.action_id for a in seen.other_actions] == ["a2", "a3"]
    assert seen.child_views.startswith("Mere wants") and seen.whanau_views.startswith("Her mother")
    assert len(seen.team) == 3
    # education is on the team, but the family did not agree to share with it
    await _refused(education.GetSharedPlan(ask), grpc.StatusCode.FAILED_PRECONDITION)
    # a partner agency asks for its own view only
    other = plan_pb2.GetSharedPlanRequest(case_id=case_id, agency="health")
    await _refused(police.GetSharedPlan(other), grpc.StatusCode.PERMISSION_DENIED)
    # staff see what an agency sees
    as_police = (await plans.GetSharedPlan(plan_pb2.GetSharedPlanRequest(case_id=case_id, agency="police"))).plan
    assert [a.action_id for a in as_police.actions] == ["a3"] and not as_police.child_views

    # a revision keeps the consent as it stands (one in its request is ignored)
    revised_content = plan_pb2.PlanContent()
    revised_content.CopyFrom(given.plan.current.content)
    revised_content.consent.shares.add(agency="education", parts=[VIEWS])
    revised_content.child_views = "Mere wants to play netball"
    revised = await plans.RevisePlan(
        plan_pb2.RevisePlanRequest(
            idempotency_key=_key(),
            case_id=case_id,
            expected_version=2,
            revised_by="sup.team",
            reason="Mere's views at the review",
            content=revised_content,
        )
    )
    assert revised.plan.current.content.consent == recorded
    await _refused(education.GetSharedPlan(ask), grpc.StatusCode.FAILED_PRECONDITION)
    assert (await health.GetSharedPlan(ask)).plan.child_views == "Mere wants to play netball"

    withdrawn = await plans.WithdrawSharingConsent(
        plan_pb2.WithdrawSharingConsentRequest(
            idempotency_key=_key(), case_id=case_id, recorded_by="sup.team", note="the whānau asked us to stop"
        )
    )
    assert withdrawn.plan.current.version == 4
    assert withdrawn.plan.current.content.consent.HasField("withdrawn_at")
    for agency in (police, health):
        await _refused(agency.GetSharedPlan(ask), grpc.StatusCode.FAILED_PRECONDITION)
    await _refused(
        plans.WithdrawSharingConsent(
            plan_pb2.WithdrawSharingConsentRequest(idempotency_key=_key(), case_id=case_id, recorded_by="sup.team")
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )

    conn = await asyncpg.connect(platform.database_url)
    try:
        # consent and its withdrawal are on the case's record
        async def on_the_record() -> dict[str, str] | None:
            rows = await conn.fetch(
                "SELECT action, detail FROM intake.case_events WHERE case_id = $1 AND event_id LIKE 'plan-%'",
                uuid.UUID(case_id),
            )
            found = {r["action"]: r["detail"] for r in rows}
            return found if {"plan.consent_given", "plan.consent_withdrawn"} <= set(found) else None

        events = await eventually(on_the_record)
        assert events["plan.consent_given"] == "version 2: shared with health, police"
        assert "Aroha" not in "".join(events.values())  # who in the family: this service only

        # every read of the shared plan is audited: who, for which agency, and its answer
        rows = await conn.fetch(
            "SELECT actor, agency, purpose, result FROM plan.audit WHERE case_id = $1 AND action = $2 ORDER BY seq",
            case_id,
            SHARED_PLAN,
        )
        reads = [(r["actor"], r["agency"], r["result"]) for r in rows]
        assert reads == [
            ("system.agency_police", "AGENCY_POLICE", "FAILED_PRECONDITION"),
            ("system.agency_police", "AGENCY_POLICE", "OK"),
            ("system.health", "health", "OK"),
            ("system.agency_education", "AGENCY_EDUCATION", "FAILED_PRECONDITION"),
            ("system.agency_police", "AGENCY_POLICE", "PERMISSION_DENIED"),
            ("test.staff", "", "OK"),
            ("system.agency_education", "AGENCY_EDUCATION", "FAILED_PRECONDITION"),
            ("system.health", "health", "OK"),
            ("system.agency_police", "AGENCY_POLICE", "FAILED_PRECONDITION"),
            ("system.health", "health", "FAILED_PRECONDITION"),
        ]
        assert {r["purpose"] for r in rows if r["agency"]} == {"childrens_team"}
        changes = await conn.fetch(
            "SELECT action, result FROM plan.audit WHERE case_id = $1 AND action LIKE '%SharingConsent'"
            " AND result <> 'PENDING' ORDER BY seq",
            case_id,
        )
        # a change is audited once as its action completes (pending before it), its retry once
        assert [(r["action"].rpartition("/")[2], r["result"]) for r in changes] == [
            *[("RecordSharingConsent", "OK")] * 2,
            ("WithdrawSharingConsent", "OK"),
            ("WithdrawSharingConsent", "FAILED_PRECONDITION"),
        ]
        # the refused GetPlan too (refused before the case was named: by its caller)
        denied = await conn.fetch(
            "SELECT result FROM plan.audit WHERE action = 'kahu.v1.PlanService/GetPlan' AND actor = $1"
            " AND purpose = 'childrens_team' AND at >= $2",
            "system.agency_police",
            now,
        )
        assert "PERMISSION_DENIED" in {r["result"] for r in denied}
    finally:
        await conn.close()


async def test_a_withdrawal_not_yet_taken_by_the_workflow_stops_sharing_already(platform: Platform) -> None:
    """A withdrawal is stored with its action before the plan's workflow is asked: while it
    is pending (the workflow not reached yet), sharing has stopped."""
    assert platform.plan is not None
    case_id = await referred_case(platform)
    now = dt.datetime.now(dt.UTC)
    made = await platform.plan.CreatePlan(
        plan_pb2.CreatePlanRequest(
            idempotency_key=_key(),
            case_id=case_id,
            created_by="sup.team",
            reason="agreed at the team hui",
            content=team_content(now),
            kind=plan_pb2.PLAN_KIND_CHILDRENS_TEAM,
        )
    )
    given = await platform.plan.RecordSharingConsent(
        plan_pb2.RecordSharingConsentRequest(
            idempotency_key=_key(),
            case_id=case_id,
            recorded_by="sup.team",
            given_by="the whānau",
            shares=[plan_pb2.ConsentShare(agency="police", parts=[GOALS])],
        )
    )
    police = (await platform.as_(partner(case_id, "AGENCY_POLICE"))).plan
    assert police is not None
    ask = plan_pb2.GetSharedPlanRequest(case_id=case_id)
    assert (await police.GetSharedPlan(ask)).plan.version == 2

    # a withdrawal as WithdrawSharingConsent stores it, its workflow update not sent yet
    pending = plan_pb2.WithdrawSharingConsentRequest(idempotency_key=_key(), case_id=case_id, recorded_by="sup.team")
    withdrawn = plan_pb2.PlanContent()
    withdrawn.CopyFrom(given.plan.current.content)
    withdrawn.consent.withdrawn_at.CopyFrom(timestamp(now))
    conn = await asyncpg.connect(platform.database_url)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO plan.actions (idempotency_key, action, case_id, actor, request_digest, request)"
                " VALUES ($1, 'plan.consent_withdrawn', $2, 'sup.team', $3, $4)",
                pending.idempotency_key,
                uuid.UUID(case_id),
                request_digest(pending),
                pending.SerializeToString(),
            )
            await conn.execute(
                "INSERT INTO plan.plan_versions (plan_id, version, changed_by, reason, content, idempotency_key)"
                " VALUES ($1, 3, 'sup.team', 'consent to sharing withdrawn', $2, $3)",
                uuid.UUID(made.plan.plan_id),
                withdrawn.SerializeToString(),
                pending.idempotency_key,
            )
    finally:
        await conn.close()
    await _refused(police.GetSharedPlan(ask), grpc.StatusCode.FAILED_PRECONDITION)
    # the plan as its workflow took it is still version 2; the retry completes the withdrawal
    assert (await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))).plan.current.version == 2
    done = await platform.plan.WithdrawSharingConsent(pending)
    assert done.plan.current.version == 3 and done.plan.current.content.consent.HasField("withdrawn_at")
    await _refused(police.GetSharedPlan(ask), grpc.StatusCode.FAILED_PRECONDITION)


async def test_bad_team_plans_and_consents_are_refused_field_by_field(platform: Platform) -> None:
    assert platform.plan is not None
    plans = platform.plan
    case_id = await referred_case(platform)
    now = dt.datetime.now(dt.UTC)
    bad = team_content(now)
    bad.team[1].agency = "fbi"
    bad.team[2].role = ""
    bad.lead_professional = "someone.else"
    bad.actions[2].owner_agency = "justice"
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await plans.CreatePlan(
            plan_pb2.CreatePlanRequest(
                idempotency_key=_key(),
                case_id=case_id,
                created_by="sup.team",
                reason="hui",
                content=bad,
                kind=plan_pb2.PLAN_KIND_CHILDRENS_TEAM,
            )
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {
        "content.team[1].agency",
        "content.team[2].role",
        "content.lead_professional",
        "content.actions[2].owner_agency",
    } <= {v.field for v in field_violations(refused.value)}
    # a case's plan has no team
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await plans.CreatePlan(
            plan_pb2.CreatePlanRequest(
                idempotency_key=_key(), case_id=case_id, created_by="sup.team", reason="hui", content=team_content(now)
            )
        )
    assert {"content.team", "content.child_views", "content.whanau_views"} <= {
        v.field for v in field_violations(refused.value)
    }
    # nothing was made
    await _refused(plans.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id)), grpc.StatusCode.NOT_FOUND)

    await plans.CreatePlan(
        plan_pb2.CreatePlanRequest(
            idempotency_key=_key(),
            case_id=case_id,
            created_by="sup.team",
            reason="hui",
            content=team_content(now),
            kind=plan_pb2.PLAN_KIND_CHILDRENS_TEAM,
        )
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await plans.RecordSharingConsent(
            plan_pb2.RecordSharingConsentRequest(
                idempotency_key=_key(),
                case_id=case_id,
                recorded_by="sup.team",
                shares=[
                    plan_pb2.ConsentShare(agency="police", parts=[GOALS, GOALS]),
                    plan_pb2.ConsentShare(agency="police"),
                    plan_pb2.ConsentShare(agency="mi5"),
                ],
            )
        )
    assert {"given_by", "shares[0].parts[1]", "shares[1].agency", "shares[2].agency"} <= {
        v.field for v in field_violations(refused.value)
    }
    # an agency not on the team: the team is revised first
    why = await _refused(
        plans.RecordSharingConsent(
            plan_pb2.RecordSharingConsentRequest(
                idempotency_key=_key(),
                case_id=case_id,
                recorded_by="sup.team",
                given_by="the whānau",
                shares=[plan_pb2.ConsentShare(agency="iwi")],
            )
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert "iwi" in why
    got = await plans.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))
    assert got.plan.current.version == 1 and not got.plan.current.content.HasField("consent")
    # staff name a team agency
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await plans.GetSharedPlan(plan_pb2.GetSharedPlanRequest(case_id=case_id))
    assert [v.field for v in field_violations(refused.value)] == ["agency"]


async def test_a_team_agency_records_its_own_actions_while_the_family_shares_the_plan(platform: Platform) -> None:
    assert platform.plan is not None
    case_id = await referred_case(platform)
    await platform.plan.CreatePlan(
        plan_pb2.CreatePlanRequest(
            idempotency_key=_key(),
            case_id=case_id,
            created_by="sup.team",
            reason="agreed at the team hui",
            content=team_content(dt.datetime.now(dt.UTC)),
            kind=plan_pb2.PLAN_KIND_CHILDRENS_TEAM,
        )
    )
    officer = partner(case_id, "AGENCY_POLICE")
    police = (await platform.as_(officer)).plan
    assert police is not None

    def done(action_id: str, key: str = "") -> plan_pb2.RecordSharedActionStatusRequest:
        return plan_pb2.RecordSharedActionStatusRequest(
            idempotency_key=key or _key(),
            case_id=case_id,
            action_id=action_id,
            status=plan_pb2.PLAN_ACTION_STATUS_DONE,
            recorded_by=officer.subject,
            note="visited the whānau",
        )

    # nothing before the family agrees to share the plan with the agency
    why = await _refused(police.RecordSharedActionStatus(done("a3")), grpc.StatusCode.FAILED_PRECONDITION)
    assert "not agreed" in why
    await platform.plan.RecordSharingConsent(
        plan_pb2.RecordSharingConsentRequest(
            idempotency_key=_key(),
            case_id=case_id,
            recorded_by="sup.team",
            given_by="the whānau",
            shares=[plan_pb2.ConsentShare(agency="police", parts=[GOALS])],
        )
    )

    key = _key()
    answer = await police.RecordSharedActionStatus(done("a3", key))
    assert answer.plan.agency == "police" and answer.plan.version == 3
    assert [(a.action_id, a.status) for a in answer.plan.actions] == [("a3", plan_pb2.PLAN_ACTION_STATUS_DONE)]
    assert not answer.plan.other_actions and not answer.plan.child_views  # only what is shared with it
    again = await police.RecordSharedActionStatus(done("a3", key))
    assert again.replayed and again.plan.version == 3
    whole = (await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))).plan
    assert (whole.current.version, whole.current.changed_by) == (3, officer.subject)
    (a3,) = [a for a in whole.current.content.actions if a.action_id == "a3"]
    assert a3.status == plan_pb2.PLAN_ACTION_STATUS_DONE

    # another agency's action, or as staff through this door: refused, nothing changed
    await _refused(police.RecordSharedActionStatus(done("a1")), grpc.StatusCode.PERMISSION_DENIED)
    staff_done = done("a3")
    staff_done.recorded_by = "sup.team"
    await _refused(platform.plan.RecordSharedActionStatus(staff_done), grpc.StatusCode.PERMISSION_DENIED)

    await platform.plan.WithdrawSharingConsent(
        plan_pb2.WithdrawSharingConsentRequest(idempotency_key=_key(), case_id=case_id, recorded_by="sup.team")
    )
    open_again = done("a3")
    open_again.status = plan_pb2.PLAN_ACTION_STATUS_OPEN
    why = await _refused(police.RecordSharedActionStatus(open_again), grpc.StatusCode.FAILED_PRECONDITION)
    assert "withdrew" in why
    after = (await platform.plan.GetPlan(plan_pb2.GetPlanRequest(case_id=case_id))).plan
    assert after.current.version == 4  # the withdrawal only
