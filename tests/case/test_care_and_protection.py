"""A case's care and protection family group conference, on the time-skipping test server:
the social worker's belief (an assessment completed with the outcome of a family group
conference) is a referral a supervisor checks before anything starts; approved, the case
runs the conference; a plan agreed closes the case, no plan agreed goes back to the social
worker (the assessment opens again, due by the policy's `no_agreement_decision`, its record
and clocks continued; a conference reconvened is the case's next) or to the Family Court."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError

from tests.polling import QUERY_NOT_READY, answered, eventually, finished
from tests.workflows.scenarios import (
    POLICY,
    Harness,
    care_conference,
    case_care_and_protection_conference,
    consult_and_hold,
    referred_for_a_conference,
    running_assessment,
    until_conference,
    until_stage,
)
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import (
    Allocation,
    ApprovalDecision,
    AssessmentView,
    Completion,
    DeadlineKind,
    Outcome,
    Stage,
    TriageDecision,
    assessment_workflow_id,
)
from workflows.case.workflows import CaseWorkflow
from workflows.conference.model import (
    ConferenceOutcome,
    ConferenceStage,
    NoAgreementRoute,
    care_conference_id,
    conference_workflow_id,
)
from workflows.conference.workflows import YouthJusticeConferenceWorkflow as Conference
from workflows.policy.model import CasePolicy, Pathway, Timeframe, TriggerKind
from workflows.policy.working_days import NZ

SECOND = timedelta(seconds=1)


async def assessed_with_a_referral(
    harness: Harness, policy: CasePolicy = POLICY
) -> tuple[WorkflowHandle, WorkflowHandle]:
    """A case assessed by sw-2, who completes with the outcome of a family group conference."""
    handle = await harness.start(policy)
    await handle.execute_update(
        CaseWorkflow.decide_triage,
        TriageDecision("sw-1", Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "as proposed"),
    )
    child = await running_assessment(harness.env.client, handle)
    await child.execute_update(AssessmentWorkflow.allocate, Allocation("sw-2", "hutt", "sup-1"))
    await child.execute_update(
        AssessmentWorkflow.complete, Completion("sw-2", Outcome.FAMILY_GROUP_CONFERENCE, "needs care and protection")
    )
    return handle, child


async def rejected(handle: WorkflowHandle, update: object, arg: object) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(update, arg)  # type: ignore[call-overload]
    return str(raised.value.cause)


async def test_the_referral_waits_for_a_supervisors_check_before_the_conference_starts(harness: Harness) -> None:
    handle, child = await assessed_with_a_referral(harness)
    waiting: AssessmentView = await child.query(AssessmentWorkflow.state)
    assert waiting.awaiting_approval is not None and waiting.result is None
    assert waiting.awaiting_approval.outcome == Outcome.FAMILY_GROUP_CONFERENCE
    assert await handle.query(CaseWorkflow.stage) == Stage.ASSESSMENT
    assert harness.activities.conference.opened == [], "no conference before the supervisor's check"
    with pytest.raises(RPCError):
        await care_conference(harness.env.client, handle).describe()

    assert "never approved by the person who made it" in await rejected(
        child, AssessmentWorkflow.decide_approval, ApprovalDecision("sw-2", True, "mine")
    )
    assert "awaiting approval is FAMILY_GROUP_CONFERENCE, not SEEK_CUSTODY" in await rejected(
        child, AssessmentWorkflow.decide_approval, ApprovalDecision("sup-1", True, "ok", outcome=Outcome.SEEK_CUSTODY)
    )
    await child.execute_update(
        AssessmentWorkflow.decide_approval,
        ApprovalDecision("sup-1", True, "referral checked", outcome=Outcome.FAMILY_GROUP_CONFERENCE),
    )
    await until_stage(handle, Stage.CARE_AND_PROTECTION_CONFERENCE)
    conference = care_conference(harness.env.client, handle)
    view = await until_conference(conference, ConferenceStage.PREPARING)
    assert view.care_and_protection and not view.young_person_added
    opened = harness.activities.conference.opened[-1]
    assert opened.trigger == TriggerKind.CARE_AND_PROTECTION_REFERRAL
    assert opened.case_id == handle.id.removeprefix("case-")
    state = await handle.query(CaseWorkflow.state)
    assert state.outcome == Outcome.FAMILY_GROUP_CONFERENCE
    assert [e.detail for e in state.timeline if e.action == "conference.referred"] == [
        "care and protection conference 1, approved by sup-1"
    ]


async def test_a_declined_referral_goes_back_to_the_social_worker(harness: Harness) -> None:
    handle, child = await assessed_with_a_referral(harness)
    await child.execute_update(AssessmentWorkflow.decide_approval, ApprovalDecision("sup-1", False, "talk to me"))
    view: AssessmentView = await child.query(AssessmentWorkflow.state)
    assert view.awaiting_approval is None and view.result is None
    await child.execute_update(
        AssessmentWorkflow.complete, Completion("sw-2", Outcome.FAMILY_SUPPORT_PLAN, "a support plan instead")
    )
    closed = await finished(handle)
    assert closed.stage == Stage.CLOSED and closed.outcome == Outcome.FAMILY_SUPPORT_PLAN
    assert harness.activities.conference.opened == []


async def test_an_agreed_plan_is_made_the_childs_plan_and_the_case_closes(harness: Harness) -> None:
    handle = await case_care_and_protection_conference(harness.env.client, harness.task_queue, harness.activities)
    harness.started.append(handle)
    closed = await finished(handle)
    assert closed.stage == Stage.CLOSED and closed.outcome == Outcome.FAMILY_GROUP_CONFERENCE
    case_id = handle.id.removeprefix("case-")
    conference_id = care_conference_id(case_id, 1)
    assert harness.activities.conference.plans[conference_id].case_id == case_id
    actions = [e.action for e in closed.timeline]
    for expected in ("conference.referred", "whanau.consulted", "private_time.held", "plan.created"):
        assert expected in actions
    assert [e.detail for e in closed.timeline if e.action == "conference.completed"] == ["plan agreed"]
    recorded = [entry.action for _, entry in harness.activities.recorded(case_id)]
    assert "whanau.consulted" in recorded and "plan.created" in recorded, "the conference's record is the case's"


async def test_no_agreement_reopens_the_assessment_for_the_social_worker_and_a_conference_may_reconvene(
    harness: Harness,
) -> None:
    client = harness.env.client
    handle = await referred_for_a_conference(client, harness.task_queue)
    harness.started.append(handle)
    conference = care_conference(client, handle)
    await consult_and_hold(client, conference)
    await conference.execute_update(
        Conference.record_outcome,
        ConferenceOutcome("cpc-1", False, "plan-1", 0, route=NoAgreementRoute.BACK_TO_SOCIAL_WORKER),
    )
    await until_stage(handle, Stage.ASSESSMENT)
    child = await running_assessment(client, handle)
    reopened: AssessmentView = await answered(
        lambda: child.query(AssessmentWorkflow.state),
        not_yet=QUERY_NOT_READY,
        until=lambda view: any(e.action == "assessment.reopened" for e in view.timeline),
        interval=0.05,
    )
    assert reopened.social_worker == "sw-2" and reopened.result is None
    state = await handle.query(CaseWorkflow.state)
    back = [e for e in state.timeline if e.action == "conference.completed"]
    assert [e.detail for e in back] == ["no plan agreed: back to the social worker"]
    # five working days (the shipped policy's no_agreement_decision): a week or more later, on
    # a weekday, at the same local time
    at = back[0].at.astimezone(NZ).replace(tzinfo=None)
    due = reopened.due_at.astimezone(NZ).replace(tzinfo=None)
    days = round((due - at) / timedelta(days=1))
    assert 7 <= days <= 11 and abs(due - at - timedelta(days=days)) < SECOND
    assert due.weekday() < 5

    # the reopened assessment's record continues the first's numbering (none of its events lost)
    events = [e.action for e in harness.activities.workflow_events(assessment_workflow_id(handle.id[5:]))]
    assert events.count("assessment.started") == 1 and "assessment.reopened" in events

    # its clock's cycle continues past the first assessment's: a breach is a new escalation
    await harness.skip_to(reopened.due_at + SECOND)
    await eventually(lambda: _true((2, 1) in harness.activities.tiers(DeadlineKind.ASSESSMENT)))

    # the social worker reconvenes: the referral checked again, the case's second conference
    await child.execute_update(
        AssessmentWorkflow.complete, Completion("sw-2", Outcome.FAMILY_GROUP_CONFERENCE, "reconvene with the hapū")
    )
    await child.execute_update(AssessmentWorkflow.decide_approval, ApprovalDecision("sup-1", True, "agreed"))
    await until_stage(handle, Stage.CARE_AND_PROTECTION_CONFERENCE)
    second = client.get_workflow_handle(conference_workflow_id(care_conference_id(handle.id[5:], 2)))
    assert (await until_conference(second, ConferenceStage.PREPARING)).care_and_protection


async def _true(value: bool) -> bool:
    return value


async def test_a_referral_to_the_family_court_closes_the_case(harness: Harness) -> None:
    client = harness.env.client
    handle = await referred_for_a_conference(client, harness.task_queue)
    harness.started.append(handle)
    conference = care_conference(client, handle)
    await consult_and_hold(client, conference)
    await conference.execute_update(
        Conference.record_outcome,
        ConferenceOutcome("cpc-1", False, "plan-1", 0, route=NoAgreementRoute.REFER_TO_COURT),
    )
    closed = await finished(handle)
    assert closed.stage == Stage.CLOSED and closed.outcome == Outcome.FAMILY_GROUP_CONFERENCE
    assert harness.activities.conference.referred == [conference.id.removeprefix("conference-")]
    completed = [e.detail for e in closed.timeline if e.action == "conference.completed"]
    assert completed == ["no plan agreed: referred to the Family Court"]


async def test_without_care_and_protection_in_its_policy_the_outcome_closes_the_case(harness: Harness) -> None:
    handle, _ = await assessed_with_a_referral(harness, dataclasses.replace(POLICY, care_and_protection=None))
    closed = await finished(handle)
    assert closed.stage == Stage.CLOSED and closed.outcome == Outcome.FAMILY_GROUP_CONFERENCE
    assert "approval.requested" not in [e.action for e in closed.timeline]
    assert harness.activities.conference.opened == []
