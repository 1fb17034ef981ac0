"""A conference's statutory clocks on the supervisors' queue (one escalation subsystem), on
the time-skipping test server: the manager warned ahead and as tier 1, the policy's later
tiers after, a round without a slot told at once, acknowledged and extended like every
other deadline; a step the workflow cannot do without waits for a supervisor."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from tests.conference.test_workflow import WARN, agreed, completion, fakes, hold_at_booking, in_stage, start, view
from tests.conference.workflow_fakes import STAFF
from tests.polling import eventually, finished
from tests.workflows.scenarios import POLICY, Harness
from workflows.case.model import (
    Acknowledgement,
    AttentionAnswer,
    AttentionDecision,
    AttentionReason,
    DeadlineKind,
    Escalation,
    EscalationLevel,
    Extension,
)
from workflows.conference.model import COORDINATOR_MANAGER, ConferenceDeadline, ConferenceStage
from workflows.conference.workflows import YouthJusticeConferenceWorkflow as Conference
from workflows.policy.model import TriggerKind

SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
CONVENING, COMPLETION = DeadlineKind.CONVENING, DeadlineKind.COMPLETION


async def supervised(harness: Harness, **changes: object) -> WorkflowHandle:
    """A conference as the service and the case start one: under the policy's tiers."""
    return await start(harness, escalation=POLICY.escalation, attention_after=POLICY.attention_after, **changes)


def raised(harness: Harness) -> list[Escalation]:
    return [e for e in harness.activities.escalations.values() if e.kind.conference]


def keys(harness: Harness) -> list[tuple[int, int, EscalationLevel]]:
    """(cycle, tier, level) of each of the conference's escalations, in the order raised."""
    return [(e.cycle, e.tier, e.level) for e in raised(harness)]


async def convening_due(handle: WorkflowHandle) -> datetime:
    due = (await in_stage(handle, ConferenceStage.SCHEDULING)).convening_due
    assert due is not None
    return due


async def test_the_convening_clock_warns_then_escalates_tier_by_tier_on_the_queue(harness: Harness) -> None:
    fakes(harness).available_from = None  # no slot at all
    handle = await supervised(harness)
    due = await convening_due(handle)
    assert keys(harness) == [(1, 0, EscalationLevel.NO_SLOT)], "no slot before the deadline: told at once"
    await harness.skip_to(due - WARN + SECOND)
    assert keys(harness)[1:] == [(1, 0, EscalationLevel.WARNING)]
    await harness.skip_to(due + SECOND)
    assert keys(harness)[2:] == [(1, 1, EscalationLevel.BREACH)]
    tier1 = raised(harness)[2]
    assert (tier1.role, tier1.assignee, tier1.raise_at, tier1.due_at) == (
        COORDINATOR_MANAGER,
        STAFF.manager_id,
        due,
        due,
    )
    assert tier1.conference_id == handle.id.removeprefix("conference-") and tier1.workflow_id == handle.id
    assert fakes(harness).escalations == {}, "nothing goes to the conference service's own list"
    await harness.skip_to(due + HOUR + SECOND)  # the policy's tier 2, an hour after tier 1
    tier2 = raised(harness)[3]
    assert (tier2.tier, tier2.role, tier2.assignee, tier2.raise_at) == (2, POLICY.escalation[1].role, "", due + HOUR)
    shown = await view(handle)
    assert shown.breached == [ConferenceDeadline.CONVENING]
    assert [(c.kind, c.breached, c.tier) for c in shown.clocks] == [(CONVENING, True, 2)]
    await harness.skip_to(due + 10 * DAY)
    assert [k[1] for k in keys(harness)] == [0, 0, 1, 2, 3], "each tier once, however long it waits"


async def test_a_supervisor_acknowledges_and_extends_the_convening_deadline(harness: Harness) -> None:
    fakes(harness).available_from = None
    handle = await supervised(harness)
    due = await convening_due(handle)
    await harness.skip_to(due + SECOND)
    await eventually(lambda: view(handle))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            Conference.acknowledge_escalation, Acknowledgement("sup-1", 2, "seen", kind=CONVENING)
        )
    assert "no tier 2 escalation is open" in str(refused.value.cause)
    await handle.execute_update(Conference.acknowledge_escalation, Acknowledgement("sup-1", 1, "seen", kind=CONVENING))
    later = due + 3 * DAY
    extended = await handle.execute_update(
        Conference.extend_deadline, Extension("sup-1", later, "the court extended the time", kind=CONVENING)
    )
    assert extended.convening_due == later and extended.breached == []
    assert [(c.due_at, c.breached, c.tier) for c in extended.clocks] == [(later, False, 0)]
    assert (handle.id.removeprefix("conference-"), CONVENING) in harness.activities.resolved
    actions = [entry.action for entry in extended.timeline]
    assert "escalation.acknowledged" in actions and "deadline.extended" in actions

    await harness.skip_to(later + SECOND)
    assert keys(harness)[-2:] == [(2, 0, EscalationLevel.WARNING), (2, 1, EscalationLevel.BREACH)]
    with pytest.raises(WorkflowUpdateFailedError) as earlier:
        await handle.execute_update(
            Conference.extend_deadline, Extension("sup-1", later - HOUR, "earlier", kind=CONVENING)
        )
    assert "in the future" in str(earlier.value.cause)


async def test_a_conference_held_in_time_never_escalates_a_breach(harness: Harness) -> None:
    handle = await supervised(harness)
    held = await hold_at_booking(harness, handle)
    assert held.stage == ConferenceStage.HELD and held.convening_due is not None
    assert all(level is not EscalationLevel.BREACH for _, _, level in keys(harness))

    async def resolved() -> bool:
        return (handle.id.removeprefix("conference-"), CONVENING) in harness.activities.resolved

    await eventually(resolved)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            Conference.extend_deadline,
            Extension("sup-1", held.convening_due + DAY, "late", kind=CONVENING),
        )
    assert "no running CONVENING deadline" in str(refused.value.cause)


async def test_a_conference_whose_coordinator_is_refused_waits_for_a_supervisor(harness: Harness) -> None:
    fakes(harness).refusals["open_conference"] = 1
    handle = await supervised(harness)

    async def waiting() -> list[str] | None:
        found = [i.item_key for i in harness.activities.attention.values() if i.waiting]
        return found or None

    (key,) = await eventually(waiting)
    item = harness.activities.attention[key]
    assert (item.step, item.reason, item.trace_id) == ("open_conference", AttentionReason.REFUSED, "trace-2")
    assert item.subject.conference_id == handle.id.removeprefix("conference-")
    assert fakes(harness).opened == []
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(
            Conference.decide_attention, AttentionAnswer("another:1", AttentionDecision.RETRY, "sup-1")
        )
    await handle.execute_update(
        Conference.decide_attention, AttentionAnswer(key, AttentionDecision.RETRY, "sup-1", "coordinator rostered")
    )
    await in_stage(handle, ConferenceStage.BOOKED)
    assert len(fakes(harness).opened) == 1
    actions = [entry.action for entry in (await view(handle)).timeline]
    assert actions.index("step.refused") < actions.index("attention.decided") < actions.index("conference.opened")


async def test_the_completion_clock_escalates_on_the_queue_until_the_outcome_is_recorded(harness: Harness) -> None:
    handle = await supervised(harness, trigger=TriggerKind.COURT_DIRECTION)
    await hold_at_booking(harness, handle)
    due = await completion(handle)
    await harness.skip_to(due + HOUR + SECOND)
    completion_keys = [(e.tier, e.level) for e in raised(harness) if e.kind == COMPLETION]
    assert completion_keys == [(0, EscalationLevel.WARNING), (1, EscalationLevel.BREACH), (2, EscalationLevel.BREACH)]
    shown = await view(handle)
    assert ConferenceDeadline.COMPLETION in shown.breached
    assert [(c.kind, c.breached, c.tier) for c in shown.clocks if c.kind == COMPLETION] == [(COMPLETION, True, 2)]
    await handle.execute_update(Conference.record_outcome, agreed(1))
    await finished(handle)
    assert (handle.id.removeprefix("conference-"), COMPLETION) in harness.activities.resolved
    await harness.skip_to(due + 10 * DAY)
    assert len([e for e in raised(harness) if e.kind == COMPLETION]) == 3, "nothing after the outcome"
