"""Kinds of kin relationship ("from is the <kind> of to") and their degrees of closeness."""

from __future__ import annotations

#: The degree of each kind: a path's degree through the network is the sum of its steps'.
DEGREE: dict[str, int] = {
    "PARENT": 1,
    "WHANGAI_PARENT": 1,
    "STEP_PARENT": 1,
    "PARTNER": 1,
    "GRANDPARENT": 2,
    "SIBLING": 2,
    "GREAT_GRANDPARENT": 3,
    "AUNT_UNCLE": 3,
    "COUSIN": 4,
}

#: Kinds that read the same both ways: kept once per pair, from the lower id to the higher.
SYMMETRIC = frozenset({"SIBLING", "COUSIN", "PARTNER"})

#: Kinds in which `from` is of an older generation than `to`: nobody may be their own elder.
ELDER = frozenset({"PARENT", "WHANGAI_PARENT", "STEP_PARENT", "GRANDPARENT", "GREAT_GRANDPARENT", "AUNT_UNCLE"})

#: A child has at most this many birth parents (PARENT); whāngai and step-parents are not counted.
MAX_BIRTH_PARENTS = 2
