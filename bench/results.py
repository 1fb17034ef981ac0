"""Benchmark reporting: a table on stdout and one JSON file per benchmark in bench/results/."""

from __future__ import annotations

import json
import platform
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def percentile(samples: list[float], pct: float) -> float:
    """The `pct` percentile of `samples` (nearest rank)."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary_ms(samples: list[float]) -> dict[str, float]:
    """p50, p95, p99 and mean of latencies given in seconds, in milliseconds."""
    return {
        "p50_ms": round(percentile(samples, 50) * 1000, 3),
        "p95_ms": round(percentile(samples, 95) * 1000, 3),
        "p99_ms": round(percentile(samples, 99) * 1000, 3),
        "mean_ms": round(statistics.fmean(samples) * 1000, 3),
    }


@dataclass
class Comparison:
    """One figure of ours beside the baseline measured in the same run."""

    name: str
    ours: float
    baseline: float
    unit: str
    target: float
    higher_is_better: bool = True

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool:
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target


@dataclass
class Report:
    benchmark: str
    parameters: dict[str, object]
    comparisons: list[Comparison] = field(default_factory=list)
    figures: dict[str, object] = field(default_factory=dict)

    def print(self) -> None:
        print(f"\n== {self.benchmark} {self.parameters}")
        print(f"  {'figure':<34} {'ours':>12} {'baseline':>12} {'ratio':>8} {'target':>9}  met")
        for c in self.comparisons:
            sign = ">=" if c.higher_is_better else "<="
            print(
                f"  {c.name + ' (' + c.unit + ')':<34} {c.ours:>12.2f} {c.baseline:>12.2f} {c.ratio:>8.2f}"
                f" {sign + format(c.target, 'g'):>9}  {'yes' if c.met else 'NO'}"
            )
        for key, value in self.figures.items():
            print(f"  {key}: {value}")

    def write(self) -> Path:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{self.benchmark}.json"
        data = {
            "benchmark": self.benchmark,
            "measured_at": datetime.now(UTC).isoformat(),
            "machine": {"python": platform.python_version(), "machine": platform.machine()},
            "parameters": self.parameters,
            "comparisons": [
                {
                    "name": c.name,
                    "unit": c.unit,
                    "ours": c.ours,
                    "baseline": c.baseline,
                    "ratio": round(c.ratio, 4),
                    "target": c.target,
                    "higher_is_better": c.higher_is_better,
                    "met": c.met,
                }
                for c in self.comparisons
            ],
            "figures": self.figures,
        }
        path.write_text(json.dumps(data, indent=2) + "\n")
        return path
