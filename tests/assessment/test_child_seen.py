"""The response timeframe ends when the child is seen (patch `child-seen`), on the
time-skipping test server: seen in time, seen late, not seen, and the refusals; then the
assessment's own completion clock, which escalates by the same tiers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from tests.assessment.test_workflow import allocate, assess, rejected, view
from tests.polling import eventually, finished
from tests.workflows.scenarios import POLICY, Harness
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import (
    Acknowledgement,
    AssessmentView,
    ChildSeen,
    Completion,
    DeadlineKind,
    Extension,
    Outcome,
    Stage,
)
from workflows.policy.loader import DEFAULT_POLICY, PolicyError, load_policy
from workflows.policy.model import Span

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
#: The shipped policy's tiers (tier 1 at the deadline, tier 2 an hour on, tier 3 two more)
#: and a completion timeframe of 6 hours from when the child was seen.
SEEN_POLICY = dataclasses.replace(POLICY, assessment_completion=Span(seconds=6 * 3600))


def actions(state: AssessmentView, action: str) -> list[str]:
    return [e.detail for e in state.timeline if e.action == action]


async def completion_armed(child: object) -> AssessmentView:
    async def armed() -> AssessmentView | None:
        state = await view(child)  # type: ignore[arg-type]
        return state if state.deadline_kind == DeadlineKind.ASSESSMENT_COMPLETION else None

    armed_view: AssessmentView = await eventually(armed)
    return armed_view


async def test_seen_before_the_deadline_meets_it_and_the_completion_clock_escalates(harness: Harness) -> None:
    handle, child = await assess(harness, SEEN_POLICY)
    await allocate(child)
    due = (await view(child)).due_at
    await harness.skip_to(due - 2 * HOUR)
    seen_at = due - 3 * HOUR

    answered = await child.execute_update(
        AssessmentWorkflow.record_child_seen, ChildSeen("sw-2", seen_at, "at the child's school")
    )
    assert answered.child_seen == ChildSeen("sw-2", seen_at, "at the child's school")
    state = await completion_armed(child)
    assert state.due_at == seen_at + 6 * HOUR  # counted from when the child was seen
    assert (state.breached, state.tier) == (False, 0)
    assert actions(state, "child.seen") == [f"{seen_at.isoformat()} at at the child's school"]
    assert actions(state, "timer.met") == [f"ASSESSMENT due {due.isoformat()}"]  # in time: no "late"
    assert actions(state, "timer.started")[-1] == f"ASSESSMENT_COMPLETION due {seen_at + 6 * HOUR}"
    # met in time, having raised nothing: nothing of it to resolve
    assert (handle.id.removeprefix("case-"), DeadlineKind.ASSESSMENT) not in harness.activities.resolved

    # the response deadline passing now raises nothing; the completion clock escalates
    await harness.skip_to(due + 2 * HOUR)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT) == []
    completion_due = seen_at + 6 * HOUR
    await harness.skip_to(completion_due + SECOND)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT_COMPLETION) == [(1, 1)]
    await harness.skip_to(completion_due + HOUR + SECOND)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT_COMPLETION) == [(1, 1), (1, 2)]
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT) == []

    refused = await rejected(
        child, AssessmentWorkflow.extend_deadline, Extension("sup-1", due + 30 * HOUR, "late", DeadlineKind.ASSESSMENT)
    )
    assert "met when the child was seen" in refused
    acked = await child.execute_update(
        AssessmentWorkflow.acknowledge_escalation,
        Acknowledgement("sup-1", 2, "on it", DeadlineKind.ASSESSMENT_COMPLETION),
    )
    assert acked.timeline[-1].action == "escalation.acknowledged"
    await child.execute_update(AssessmentWorkflow.complete, Completion("sw-2", Outcome.FAMILY_SUPPORT_PLAN, "plan"))
    result = await finished(handle)
    assert result.stage == Stage.CLOSED
    met = [e.detail for e in result.timeline if e.action == "timer.met"]
    assert met[-1] == f"ASSESSMENT_COMPLETION due {completion_due.isoformat()} (late: passed, escalated to tier 2)"
    assert harness.activities.resolved[-1] == (handle.id.removeprefix("case-"), DeadlineKind.ASSESSMENT_COMPLETION)


async def test_an_extension_moves_the_completion_clock(harness: Harness) -> None:
    _, child = await assess(harness, SEEN_POLICY)
    await allocate(child)
    now = (await view(child)).timeline[-1].at
    await child.execute_update(AssessmentWorkflow.record_child_seen, ChildSeen("sw-2", now, "at home"))
    completion_due = (await completion_armed(child)).due_at
    later = completion_due + 10 * HOUR
    extended = await child.execute_update(
        AssessmentWorkflow.extend_deadline, Extension("sup-1", later, "specialist", DeadlineKind.ASSESSMENT_COMPLETION)
    )
    assert (extended.deadline_kind, extended.due_at) == (DeadlineKind.ASSESSMENT_COMPLETION, later)
    await harness.skip_to(completion_due + 2 * HOUR)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT_COMPLETION) == []
    await harness.skip_to(later + SECOND)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT_COMPLETION) == [(2, 1)]


@pytest.mark.parametrize("seen_late", [True, False])
async def test_seen_after_the_deadline_is_recorded_late(harness: Harness, seen_late: bool) -> None:
    handle, child = await assess(harness, SEEN_POLICY)
    await allocate(child)
    due = (await view(child)).due_at
    await harness.skip_to(due + HOUR + SECOND)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT) == [(1, 1), (1, 2)]
    seen_at = due + 30 * 60 * SECOND if seen_late else due - 30 * 60 * SECOND

    await child.execute_update(AssessmentWorkflow.record_child_seen, ChildSeen("sw-2", seen_at, "at the marae"))
    state = await completion_armed(child)
    expected = (
        f"ASSESSMENT due {due.isoformat()} (late: child seen {seen_at.isoformat()}, escalated to tier 2)"
        if seen_late
        else f"ASSESSMENT due {due.isoformat()} (child seen in time, recorded after the deadline passed)"
    )
    assert actions(state, "timer.met") == [expected]
    assert (handle.id.removeprefix("case-"), DeadlineKind.ASSESSMENT) in harness.activities.resolved
    await harness.skip_to(due + 4 * HOUR)  # tier 3 of the response clock never comes
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT) == [(1, 1), (1, 2)]


async def test_not_seen_breaches_and_escalates_as_before(harness: Harness) -> None:
    handle, child = await assess(harness, SEEN_POLICY)
    await allocate(child)
    due = (await view(child)).due_at
    await harness.skip_to(due + 3 * HOUR + SECOND)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT) == [(1, 1), (1, 2), (1, 3)]
    state = await view(child)
    assert (state.deadline_kind, state.breached, state.tier, state.child_seen) == (
        DeadlineKind.ASSESSMENT,
        True,
        3,
        None,
    )
    await child.execute_update(AssessmentWorkflow.complete, Completion("sw-2", Outcome.NO_FURTHER_ACTION, "safe"))
    result = await finished(handle)
    met = [e.detail for e in result.timeline if e.action == "timer.met" and e.detail.startswith("ASSESSMENT")]
    assert met == [f"ASSESSMENT due {due.isoformat()} (late: passed, escalated to tier 3)"]
    assert not any(e.action == "child.seen" for e in result.timeline)
    assert harness.activities.tiers(DeadlineKind.ASSESSMENT_COMPLETION) == []


async def test_out_of_order_and_impossible_sightings_are_refused(harness: Harness) -> None:
    handle, child = await assess(harness, SEEN_POLICY)
    now = (await view(child)).timeline[-1].at
    assert "allocated" in await rejected(
        child, AssessmentWorkflow.record_child_seen, ChildSeen("sw-2", now, "at school")
    )
    await allocate(child)
    assert "future" in await rejected(
        child, AssessmentWorkflow.record_child_seen, ChildSeen("sw-2", now + 2 * HOUR, "at school")
    )
    assert "before the triage decision" in await rejected(
        child, AssessmentWorkflow.record_child_seen, ChildSeen("sw-2", now - 2 * HOUR, "at school")
    )
    assert (await view(child)).child_seen is None
    await child.execute_update(AssessmentWorkflow.record_child_seen, ChildSeen("sw-2", now, "at school"))
    assert "already recorded" in await rejected(
        child, AssessmentWorkflow.record_child_seen, ChildSeen("sw-3", now, "at home")
    )
    await child.execute_update(AssessmentWorkflow.complete, Completion("sw-2", Outcome.NO_FURTHER_ACTION, "safe"))
    await finished(handle)
    assert sum(e.action == "child.seen" for e in (await view(child)).timeline) == 1


async def test_without_a_completion_timeframe_the_assessment_waits_unclocked(harness: Harness) -> None:
    handle, child = await assess(harness, dataclasses.replace(POLICY, assessment_completion=None))
    await allocate(child)
    now = (await view(child)).timeline[-1].at
    await child.execute_update(AssessmentWorkflow.record_child_seen, ChildSeen("sw-2", now, "at school"))

    async def met() -> bool:
        return any(e.action == "timer.met" for e in (await view(child)).timeline)

    await eventually(met)
    await harness.skip_to(now + 100 * HOUR)
    assert harness.activities.escalation_calls == 0
    await child.execute_update(AssessmentWorkflow.complete, Completion("sw-2", Outcome.NO_FURTHER_ACTION, "safe"))
    assert (await finished(handle)).outcome == Outcome.NO_FURTHER_ACTION


# -- the policy's completion timeframe and target (workflows/policy/loader.py) -----------------


def _policy_file(tmp_path: Path, change: Callable[[dict[str, object]], None]) -> Path:
    data = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_the_shipped_policy_has_a_completion_timeframe_and_target() -> None:
    case = load_policy().case
    assert case.assessment_completion == Span(working_days=20)
    assert case.seen_within_timeframe_target == 95


def test_a_policy_from_before_has_no_completion_timeframe(tmp_path: Path) -> None:
    def drop(data: dict[str, object]) -> None:
        data.pop("assessment_completion")
        data.pop("seen_within_timeframe_target")

    case = load_policy(_policy_file(tmp_path, drop)).case
    assert (case.assessment_completion, case.seen_within_timeframe_target) == (None, 95)


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("assessment_completion", {"fortnights": 2}, "assessment_completion"),
        ("assessment_completion", {"working_days": 0}, "assessment_completion"),
        ("seen_within_timeframe_target", 101, "seen_within_timeframe_target"),
        ("seen_within_timeframe_target", 0, "seen_within_timeframe_target"),
    ],
)
def test_a_bad_completion_timeframe_or_target_stops_start_up(
    tmp_path: Path, key: str, value: object, named: str
) -> None:
    path = _policy_file(tmp_path, lambda data: data.__setitem__(key, value))
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert named in str(raised.value)


async def test_seen_after_the_original_deadline_is_late_against_it_however_extended(harness: Harness) -> None:
    _, child = await assess(harness, SEEN_POLICY)
    await allocate(child)
    original = (await view(child)).due_at
    await harness.skip_to(original - HOUR)
    await child.execute_update(
        AssessmentWorkflow.extend_deadline,
        Extension("sup-1", original + 4 * HOUR, "the family asked for the afternoon", reason_code="FAMILY_REQUESTED"),
    )
    await harness.skip_to(original + 2 * HOUR)  # in time for the extension, late for the original
    seen_at = original + HOUR
    await child.execute_update(AssessmentWorkflow.record_child_seen, ChildSeen("sw-2", seen_at, "at home"))
    state = await completion_armed(child)
    (met,) = actions(state, "timer.met")
    assert met.startswith(f"ASSESSMENT due {(original + 4 * HOUR).isoformat()}")
    assert f"late against the original deadline {original.isoformat()}, extended 1x" in met
    assert "(late: child seen" not in met  # the extended deadline itself was met
