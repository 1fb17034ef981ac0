"""PlanWorkflow on the time-skipping test server: every clock of a plan (an action's
reminder, its lapse and escalation by tier, the review's lapse), what ends or moves a clock
(done, a revision, a review held), the versions, and continue-as-new carrying the clocks."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from tests.polling import eventually
from tests.workflows.scenarios import (
    PLAN_REVIEW_INTERVAL,
    PLAN_TIER2,
    Harness,
    plan_consent_given_and_withdrawn,
    plan_escalations,
    plan_input,
    plan_reminded_escalated_done_revised_and_reviewed,
    start_plan,
)
from workflows.case.model import DeadlineKind, EscalationLevel
from workflows.plan.model import ActionStatus, ActionStatusChange, ConsentChange, PlanChange, PlanView, ReviewHeld
from workflows.plan.workflows import PlanWorkflow

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
ACTION, REVIEW = DeadlineKind.PLAN_ACTION, DeadlineKind.PLAN_REVIEW


async def _true(value: bool) -> bool:
    return value


async def test_an_action_reminds_escalates_to_the_lead_then_the_owners_manager_and_ends_when_done(
    harness: Harness,
) -> None:
    handle = await plan_reminded_escalated_done_revised_and_reviewed(
        harness.env.client, harness.task_queue, harness.activities
    )
    harness.started.append(handle)
    view: PlanView = await handle.query(PlanWorkflow.state)
    case_id = view.case_id
    # a1: the reminder 3 days ahead to its owner (tier 0, a warning), the lapse to the lead
    # professional, then two days on to the owner's manager; each once, on the queue
    assert plan_escalations(harness.activities, case_id) == [
        (ACTION, 1, 0, "own-1"),
        (ACTION, 1, 1, "lp-1"),
        (ACTION, 1, 2, "mgr-1"),
    ]
    raised = [e for e in harness.activities.escalations.values() if e.case_id == case_id]
    assert [(e.level, e.role) for e in raised] == [
        (EscalationLevel.WARNING, "lead_professional"),
        (EscalationLevel.BREACH, "lead_professional"),
        (EscalationLevel.BREACH, "owner_manager"),
    ]
    assert all(e.workflow_id == handle.id and e.site == "hutt" for e in raised)
    # done: a1's escalations resolved; the revision moved a2 (cycle 2 resolved, 4 armed);
    # the review held: its clock 3 resolved, the next (5) the policy's interval on
    resolved = [(kind, cycle) for case, kind, cycle in harness.activities.plan_resolved if case == case_id]
    assert resolved == [(ACTION, 1), (ACTION, 2), (REVIEW, 3)]
    assert view.version == 4
    assert [(c.action_id, c.cycle) for c in view.clocks] == [("a2", 4), ("", 5)]
    now = await harness.env.get_current_time()
    review = next(c for c in view.clocks if c.action_id == "")
    assert review.status.due_at is not None
    assert abs(review.status.due_at - (now + PLAN_REVIEW_INTERVAL)) < timedelta(minutes=1)
    assert [a.status for a in view.terms.actions] == [ActionStatus.DONE, ActionStatus.OPEN]
    # the plan's events are on its case's record, with who and why
    recorded = [entry.action for _, entry in harness.activities.recorded(case_id)]
    for action in ("plan.created", "plan.action_status", "plan.revised", "plan.reviewed", "escalation.acknowledged"):
        assert action in recorded, action
    assert recorded.count("escalation.raised") == 3


async def test_a_review_not_held_escalates_to_the_lead_then_their_manager(harness: Harness) -> None:
    now = await harness.env.get_current_time()
    plan = plan_input(now)
    handle = await start_plan(harness.env.client, harness.task_queue, plan)
    harness.started.append(handle)
    # the actions done, so only the review's clock runs
    for version, action in ((2, "a1"), (3, "a2")):
        await handle.execute_update(
            PlanWorkflow.record_action_status,
            ActionStatusChange(version, action, ActionStatus.DONE, "own-1"),
            id=f"done-{action}",
        )
    review_due = now + 30 * DAY
    await harness.skip_to(review_due + SECOND)
    expected = [(REVIEW, 3, 0, "lp-1"), (REVIEW, 3, 1, "lp-1")]
    await eventually(lambda: _true(plan_escalations(harness.activities, plan.case_id) == expected))
    await harness.skip_to(review_due + PLAN_TIER2 + SECOND)
    expected.append((REVIEW, 3, 2, "lpm-1"))
    await eventually(lambda: _true(plan_escalations(harness.activities, plan.case_id) == expected))
    # a change made from an old version is refused, and changes nothing
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(PlanWorkflow.record_review, ReviewHeld(3, "lp-1"), id="stale")
    assert "at version 3" in str(refused.value.cause)
    # the same review sent twice (a retry with the same key) is applied once
    held = ReviewHeld(4, "lp-1", "held late", next_review_due=now + 60 * DAY)
    first = await handle.execute_update(PlanWorkflow.record_review, held, id="review-1")
    again = await handle.execute_update(PlanWorkflow.record_review, held, id="review-1")
    assert first.version == again.version == 4
    assert [(c.action_id, c.cycle, c.status.due_at) for c in again.clocks] == [("", 4, now + 60 * DAY)]


async def test_a_plan_continues_as_new_with_its_clocks_and_versions(harness: Harness) -> None:
    now = await harness.env.get_current_time()
    plan = plan_input(now, history_limit=60)
    handle = await start_plan(harness.env.client, harness.task_queue, plan)
    harness.started.append(handle)
    view: PlanView = await handle.query(PlanWorkflow.state)
    terms = view.terms
    version = 1
    for n in range(8):  # each revision moves a2's due date: its clock takes the next cycle
        version += 1
        moved = dataclasses.replace(terms.actions[1], due_at=now + (21 + n) * DAY)
        terms = dataclasses.replace(terms, actions=[terms.actions[0], moved])
        await handle.execute_update(
            PlanWorkflow.revise, PlanChange(version, "lp-1", f"moved {n}", terms), id=f"revise-{n}"
        )
    latest = harness.env.client.get_workflow_handle(handle.id)

    async def continued() -> bool:
        return (await latest.describe()).run_id != handle.result_run_id

    await eventually(continued)
    view = await latest.query(PlanWorkflow.state)
    assert view.version == version
    assert [(c.action_id, c.cycle) for c in view.clocks] == [("a1", 1), ("a2", 11), ("", 3)]
    # the carried clock of a1 still reminds and escalates, once per tier, after the new run
    await harness.skip_to(now + 10 * DAY + SECOND)
    expected = [(ACTION, 1, 0, "own-1"), (ACTION, 1, 1, "lp-1")]
    await eventually(lambda: _true(plan_escalations(harness.activities, plan.case_id) == expected))
    # an update applied by the run before is answered, not applied again
    again = await latest.execute_update(PlanWorkflow.revise, PlanChange(2, "lp-1", "moved 0", terms), id="revise-0")
    assert again.version == version


async def test_a_new_lead_professional_takes_every_open_clock_from_its_next_cycle(harness: Harness) -> None:
    now = await harness.env.get_current_time()
    plan = plan_input(now)
    handle = await start_plan(harness.env.client, harness.task_queue, plan)
    harness.started.append(handle)
    view: PlanView = await handle.query(PlanWorkflow.state)
    terms = dataclasses.replace(view.terms, lead_professional="lp-2")
    answer = await handle.execute_update(
        PlanWorkflow.revise, PlanChange(2, "lp-2", "lp-1 moved on", terms), id="new-lead"
    )
    assert answer.timeline == [], "an update answers without the timeline"
    assert [(c.action_id, c.cycle) for c in answer.clocks] == [("a1", 4), ("a2", 5), ("", 6)]
    await harness.skip_to(now + 10 * DAY + SECOND)
    expected = [(ACTION, 4, 0, "own-1"), (ACTION, 4, 1, "lp-2")]
    await eventually(lambda: _true(plan_escalations(harness.activities, plan.case_id) == expected))
    resolved = {(kind, cycle) for case, kind, cycle in harness.activities.plan_resolved if case == plan.case_id}
    assert resolved == {(ACTION, 1), (ACTION, 2), (REVIEW, 3)}


async def test_consent_given_and_withdrawn_are_versions_on_the_record_and_leave_the_clocks(harness: Harness) -> None:
    handle = await plan_consent_given_and_withdrawn(harness.env.client, harness.task_queue, harness.activities)
    harness.started.append(handle)
    view: PlanView = await handle.query(PlanWorkflow.state)
    assert view.version == 4
    # a1 done ended its clock; a2's and the review's run on, consent or not
    assert [(c.action_id, c.cycle) for c in view.clocks] == [("a2", 2), ("", 3)]

    async def on_the_record() -> dict[str, str] | None:
        details = {e.action: e.detail for _, e in harness.activities.recorded(view.case_id)}
        return details if "plan.consent_withdrawn" in details else None

    details = await eventually(on_the_record)
    assert details["plan.consent_given"] == "version 2: shared with health, police"
    assert details["plan.consent_withdrawn"] == "version 4: nothing is shared"
    # a change made from an older version is refused, and changes nothing
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(PlanWorkflow.record_consent, ConsentChange(4, "lp-1", ["iwi"]), id="stale")
    assert (await handle.query(PlanWorkflow.state)).version == 4
