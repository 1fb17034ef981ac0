"""The plans benchmark's own parts: its plans are plans PlanService takes, their clocks
where the benchmark measures them, its bookkeeping, and the bare twin's timers on the
time-skipping test server."""

from __future__ import annotations

import datetime as dt
import uuid

from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.baseline import BarePlan
from bench.plans import (
    ACTIONS,
    CLOCKS,
    PlanSpec,
    Timings,
    create_request,
    far_dues,
    ratio_spread,
    sample_dues,
    twice,
)
from services.plan.validation import terms_of, validate_create
from tests.polling import finished

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def _spec(dues: tuple[dt.datetime, ...]) -> PlanSpec:
    return PlanSpec(uuid.uuid4(), "hutt", dues, NOW + dt.timedelta(days=180))


def test_a_load_plan_is_a_valid_plan_of_five_actions_all_months_ahead() -> None:
    spec = _spec(far_dues(NOW, 7))
    change = validate_create(create_request(spec), NOW)
    terms = terms_of(change.content)
    assert [a.due_at for a in terms.actions] == list(spec.dues)
    assert len(terms.actions) == ACTIONS and len({a.action_id for a in terms.actions}) == ACTIONS
    assert all(NOW + dt.timedelta(days=30) < d < NOW + dt.timedelta(days=200) for d in spec.dues)
    assert spec.dues == tuple(sorted(spec.dues))
    assert far_dues(NOW, 7) != far_dues(NOW, 8)  # plans' clocks not all at one moment


def test_a_sampled_plan_reminds_within_the_window_and_falls_due_the_reminder_after() -> None:
    dues = sample_dues(NOW, 4, 60.0, 30.0, NOW)
    reminders = [d[0] - dt.timedelta(seconds=30) for d in dues]
    assert reminders == [NOW + dt.timedelta(seconds=s) for s in (0, 20, 40, 60)]
    assert all(len(d) == ACTIONS and min(d[1:]) > NOW + dt.timedelta(days=30) for d in dues)
    clocks = _spec(dues[1]).clocks(30.0)
    assert len(clocks) == CLOCKS
    assert clocks[0] == [(NOW + dt.timedelta(seconds=20)).timestamp(), (NOW + dt.timedelta(seconds=50)).timestamp()]
    validate_create(create_request(_spec(dues[0])), NOW)


def test_an_escalation_repeated_under_its_key_counts_as_raised_twice() -> None:
    case = uuid.uuid4()
    row = {"case_id": case, "kind": "PLAN_ACTION", "cycle": 1, "tier": 0, "level": "WARNING"}
    assert twice([row, {**row, "tier": 1, "level": "BREACH"}]) == 0
    assert twice([row, dict(row), {**row, "cycle": 2}]) == 1


def test_the_spread_is_each_rounds_ratio_of_medians() -> None:
    timings = Timings({"ours": [[2.0, 4.0, 3.0], [1.0]], "base": [[1.0, 1.0, 2.0], [2.0], [5.0]]})
    assert ratio_spread(timings, "ours", "base") == [3.0, 0.5]
    assert timings.all("ours") == [2.0, 4.0, 3.0, 1.0]


async def test_the_bare_twin_fires_each_clocks_reminder_and_due_moment_until_its_clock_is_done(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    env = time_skipping_env
    fired: list[tuple[str, dt.datetime]] = []

    @activity.defn(name="fired")
    async def record(key: str) -> None:
        fired.append((key, activity.info().scheduled_time))

    now = await env.get_current_time()
    moments = [[now + HOUR, now + 2 * HOUR], [now + 24 * HOUR, now + 48 * HOUR]]
    async with Worker(env.client, task_queue="bare", workflows=[BarePlan], activities=[record]):
        handle = await env.client.start_workflow(
            BarePlan.run,
            args=["k", [[m.timestamp() for m in pair] for pair in moments]],
            id="bare-plan-k",
            task_queue="bare",
        )
        await handle.execute_update(BarePlan.done, 1)  # clock 1 done before its reminder
        await finished(handle)
    assert [key for key, _ in fired] == ["k:0:0", "k:0:1"]
    for (_, at), moment in zip(fired, moments[0], strict=True):
        assert moment <= at < moment + dt.timedelta(minutes=1)
