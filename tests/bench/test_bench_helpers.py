"""The benchmarks' own bookkeeping (no servers): deadline schedules, seeded rows and free ports."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

from bench.cases import Phase, by_round
from bench.reads import Size, escalation_records, event_records, report_records
from bench.stack import free_ports
from bench.storm import schedule

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def test_a_storm_spreads_its_deadlines_evenly_over_the_window() -> None:
    dues = schedule(5, NOW, 60.0)
    assert dues[0] == NOW and dues[-1] == NOW + dt.timedelta(seconds=60)
    assert {b - a for a, b in itertools.pairwise(dues)} == {dt.timedelta(seconds=15)}
    assert schedule(1, NOW, 60.0) == [NOW]


def _cases(n: int) -> list[dict[str, object]]:
    return [
        {
            "case_id": uuid.uuid4(),
            "workflow_id": f"case-{i}",
            "received_at": NOW,
            "site": "hutt",
            "region": "greater-wellington",
        }
        for i in range(n)
    ]


def test_seeded_events_reports_and_escalations_are_each_keyed_once() -> None:
    cases = _cases(7)
    events = list(event_records(cases, 3))
    assert len(events) == 21 and len({e[0] for e in events}) == 21
    assert len({r[2] for r in report_records(cases)}) == 7
    escalations = list(escalation_records(cases, NOW))
    keys = {(e[1], e[3], e[4], e[5], e[11]) for e in escalations}
    assert len(keys) == len(escalations)
    assert sum(1 for e in escalations if e[13] is None) > 0  # some open
    assert Size(1, 1, 1, 1).depth == 1


def test_free_ports_are_distinct() -> None:
    ports = free_ports(12)
    assert len(set(ports)) == 12


def test_a_phase_sums_its_rounds_and_the_ratio_of_each_round_is_kept() -> None:
    ours, baseline = Phase(), Phase()
    ours.add(100, [0.1] * 100, 1.0, {"intake": 0.5})
    ours.add(100, [0.2] * 100, 2.0, {"intake": 0.25, "worker": 1.0})
    baseline.add(100, [0.1] * 100, 1.0, {})
    baseline.add(100, [0.1] * 100, 1.0, {})
    assert ours.rate == 200 / 3.0  # calls over the rounds' summed wall time, not a mean of rates
    assert ours.cpu == {"intake": 0.75, "worker": 1.0}
    assert len(ours.latencies) == 200
    assert by_round(ours, baseline) == [1.0, 0.5]
