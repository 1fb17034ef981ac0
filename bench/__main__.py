"""`make bench`: every benchmark, each beside a baseline measured in the same run."""

from __future__ import annotations

import asyncio
import sys

from bench import caseload, cases, conference, console, history, listing, matching, placement, plans, reads, storm
from bench.results import Report

BENCHMARKS = {
    "cases": cases.main,
    "conference": conference.main,
    "placement": placement.main,
    "listing": listing.main,
    "matching": matching.main,
    "history": history.main,
    "reads": reads.main,
    "storm": storm.main,
    "caseload": caseload.main,
    "plans": plans.main,
    "console": console.main,
}


async def run(names: list[str]) -> list[Report]:
    reports = []
    for name in names:
        report = await BENCHMARKS[name]()
        report.print()
        print(f"  written to {report.write()}")
        reports.append(report)
    return reports


if __name__ == "__main__":
    chosen = sys.argv[1:] or list(BENCHMARKS)
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    asyncio.run(run(chosen))
