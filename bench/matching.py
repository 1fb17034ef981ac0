"""Matching's precision and recall over the labelled variants of bench/matching_variants.py,
beside the scheme before it (one digest of the name as written and the full date of birth).

For each pair (an open case, a new report) the rules of services/intake/matching.py give
CERTAIN (the report joins the case), POSSIBLE (a new case flagged "possible duplicate of"
it) or nothing; the truth is whether the report is about a child of the case. Precision
and recall are measured for CERTAIN alone (what joins a case unasked: precision matters
most) and for CERTAIN or POSSIBLE (what an intake worker gets to see: recall matters most).
In process, with the development key: the classification is the function intake applies
to the keys it finds (tests/intake/test_possible_duplicates.py runs it through the service).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable

from bench.matching_variants import VARIANTS, Variant
from bench.results import Comparison, Report
from services.intake.matching import (
    AGE_SLACK_YEARS,
    DEV_MATCH_KEY,
    SCHEME,
    Strength,
    child_digests,
    classify,
    report_keys,
)

Classifier = Callable[[Variant], Strength | None]


def ours(v: Variant) -> Strength | None:
    return classify(DEV_MATCH_KEY, v.case_reports(), v.report_children(), v.reported_on)


def before(v: Variant) -> Strength | None:
    """The scheme before: the same digest of the name as written and the full date of birth joins."""
    kept = {d for children, _ in v.case_reports() for d in child_digests(DEV_MATCH_KEY, children)}
    return Strength.CERTAIN if kept & set(child_digests(DEV_MATCH_KEY, v.report_children())) else None


def _ratio(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 1.0


def scores(classifier: Classifier, variants: Iterable[Variant]) -> dict[str, float]:
    """Precision and recall of CERTAIN, and of CERTAIN or POSSIBLE."""
    judged = [(v.same, classifier(v)) for v in variants]
    same = sum(1 for truth, _ in judged if truth)
    found: dict[str, float] = {}
    for name, kinds in (
        ("certain", {Strength.CERTAIN}),
        ("certain_or_possible", {Strength.CERTAIN, Strength.POSSIBLE}),
    ):
        matched = [truth for truth, got in judged if got in kinds]
        found[f"{name}_precision"] = _ratio(sum(matched), len(matched))
        found[f"{name}_recall"] = _ratio(sum(matched), same)
    return found


async def main() -> Report:
    got = {id(v): ours(v) for v in VARIANTS}
    unlabelled = [
        f"{v.category}: {v.case} <- {v.report}: {got[id(v)]} (labelled {v.expected})"
        for v in VARIANTS
        if got[id(v)] != v.expected
    ]
    mine, old = scores(ours, VARIANTS), scores(before, VARIANTS)
    outcomes = Counter(f"{'same' if v.same else 'different'} child: {got[id(v)] or 'none'}" for v in VARIANTS)
    keys = [report_keys(DEV_MATCH_KEY, [child], v.reported_on) for v in VARIANTS for child in v.report_children()]
    return Report(
        benchmark="matching",
        parameters={
            "pairs": len(VARIANTS),
            "same_child": sum(v.same for v in VARIANTS),
            "different_children": sum(not v.same for v in VARIANTS),
            "categories": len({v.category for v in VARIANTS}),
            "scheme": SCHEME,
            "age_slack_years": AGE_SLACK_YEARS,
        },
        comparisons=[
            Comparison(
                "recall, certain or possible",
                mine["certain_or_possible_recall"],
                old["certain_or_possible_recall"],
                "share",
                2.0,
            ),
            Comparison("recall, certain", mine["certain_recall"], old["certain_recall"], "share", 1.5),
            Comparison("precision, certain", mine["certain_precision"], old["certain_precision"], "share", 1.0),
        ],
        figures={
            "ours": mine,
            "before (name as written + date of birth)": old,
            "outcomes": dict(sorted(outcomes.items())),
            "keys per child (stored, sought)": [
                round(statistics.fmean(len(k.stored) for k in keys), 1),
                round(statistics.fmean(len(k.sought) for k in keys), 1),
            ],
            "classified otherwise than labelled": unlabelled or "none",
        },
    )
