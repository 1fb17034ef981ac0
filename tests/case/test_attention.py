"""What retrying cannot fix is said, not retried (workflows/attention.py), on the
time-skipping test server: a service's refusal becomes an item for a person and the case
goes on; a step still failing after the policy's time is told once and retried until it
works."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from tests.polling import eventually, finished
from tests.workflows.scenarios import POLICY, Harness, case_input, received_now
from workflows.case.model import (
    AttentionAnswer,
    AttentionDecision,
    AttentionItem,
    AttentionReason,
    CaseView,
    DeadlineKind,
    Stage,
    TriageDecision,
    workflow_id,
)
from workflows.case.workflows import CaseWorkflow
from workflows.policy.model import CasePolicy, Pathway, Span

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


async def start_unproposed(harness: Harness, policy: CasePolicy = POLICY) -> WorkflowHandle:
    """A case started as intake does, without waiting for its proposal."""
    case = await received_now(harness.env.client, case_input(policy))
    handle = await harness.env.client.start_workflow(
        CaseWorkflow.run, case, id=workflow_id(case.case_id), task_queue=harness.task_queue
    )
    harness.started.append(handle)
    return handle


async def noted(handle: WorkflowHandle, action: str) -> CaseView:
    async def found() -> CaseView | None:
        view: CaseView = await handle.query(CaseWorkflow.state)
        return view if any(entry.action == action for entry in view.timeline) else None

    return await eventually(found)


def items(harness: Harness) -> list[AttentionItem]:
    return list(harness.activities.attention.values())


async def told(harness: Harness, count: int) -> list[AttentionItem]:
    """The items raised, once there are `count`."""

    async def raised() -> list[AttentionItem] | None:
        found = items(harness)
        return found if len(found) == count else None

    return await eventually(raised)


async def test_a_refused_police_notification_is_put_before_a_person_and_the_case_goes_on(harness: Harness) -> None:
    harness.activities.refusals["notify_police"] = 1
    handle = await harness.start(immediate_danger=True)  # its proposal comes all the same
    (item,) = items(harness)
    case_id = handle.id.removeprefix("case-")
    assert (item.step, item.reason, item.trace_id, item.waiting) == (
        "notify_police",
        AttentionReason.REFUSED,
        "trace-1",
        False,
    )
    assert (item.subject.case_id, item.subject.site, item.workflow_id) == (case_id, "hutt", handle.id)
    assert "refused" in item.error
    assert harness.activities.police == []  # refused once, and not tried again
    view = await noted(handle, "step.refused")
    assert "police.notified" not in [entry.action for entry in view.timeline]
    assert view.stage == Stage.TRIAGE and view.proposal is not None


async def test_a_case_whose_rules_refuse_to_propose_is_decided_without_a_proposal(harness: Harness) -> None:
    harness.activities.refusals["propose_triage"] = 10
    handle = await start_unproposed(harness)
    view = await noted(handle, "triage.no_proposal")
    assert view.proposal is None
    assert [(i.step, i.reason) for i in items(harness)] == [("propose_triage", AttentionReason.REFUSED)]
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            CaseWorkflow.decide_triage, TriageDecision("sw-1", Pathway.NO_FURTHER_ACTION, None, "")
        )
    assert "without the rules' proposal needs a reason" in str(refused.value.cause)
    await handle.execute_update(
        CaseWorkflow.decide_triage, TriageDecision("sw-1", Pathway.NO_FURTHER_ACTION, None, "a known family, unfounded")
    )
    assert (await finished(handle)).stage == Stage.CLOSED


async def test_a_step_still_failing_after_the_policy_time_is_told_once_and_retried_until_it_works(
    harness: Harness,
) -> None:
    policy = dataclasses.replace(POLICY, attention_after=Span(seconds=600))
    harness.activities.triage_failures = 10**6  # triage down
    handle = await start_unproposed(harness, policy)
    await harness.skip(9 * MINUTE)
    assert items(harness) == []
    await harness.skip(2 * MINUTE)
    (item,) = await told(harness, 1)
    assert (item.step, item.reason, item.waiting) == ("propose_triage", AttentionReason.STILL_FAILING, False)
    assert "triage is unavailable" in item.error
    await harness.skip(HOUR)  # still down, still retried, told once
    assert len(items(harness)) == 1 and (await handle.query(CaseWorkflow.state)).proposal is None

    harness.activities.triage_failures = 0
    await harness.skip(31 * SECOND)  # past the next retry

    async def proposed() -> bool:
        return (await handle.query(CaseWorkflow.state)).proposal is not None

    await eventually(proposed)
    assert len(items(harness)) == 1


async def test_a_refused_escalation_is_told_and_the_next_tier_still_comes(harness: Harness) -> None:
    harness.activities.refusals["raise_escalation"] = 1
    handle = await harness.start()
    await harness.skip_to_due(handle, SECOND)
    (item,) = await told(harness, 1)
    assert item.step == "raise_escalation"
    assert harness.activities.tiers(DeadlineKind.TRIAGE) == []
    await harness.skip(HOUR)  # tier 2 is due an hour after tier 1
    assert harness.activities.tiers(DeadlineKind.TRIAGE) == [(1, 2)]
    view = await noted(handle, "step.refused")
    assert view.deadline is not None and view.deadline.tier == 2


async def test_a_decision_on_an_item_the_case_does_not_wait_on_is_refused(harness: Harness) -> None:
    handle = await harness.start()
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            CaseWorkflow.decide_attention, AttentionAnswer(f"{handle.id}:1", AttentionDecision.RETRY, "sup-1")
        )
    assert "not waiting for a decision on this item" in str(refused.value.cause)
