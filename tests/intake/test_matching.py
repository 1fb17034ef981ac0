"""Matching that knows how people are named (services/intake/matching.py), without a
database: every labelled variant of bench/matching_variants.py is classified as labelled,
and the pieces it rests on (names, births, keys) are checked against what is written here."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import Counter

import pytest

from bench.matching_variants import VARIANTS, Variant, born
from kahu.v1 import common_pb2
from services.common.errors import InvalidArgument
from services.intake import validation
from services.intake.matching import (
    DEV_MATCH_KEY,
    Birth,
    Strength,
    birth,
    child_digests,
    classify,
    name_words,
    report_keys,
)
from tests import factories

OTHER_KEY = b"another matching key, at least 32 characters long"


def _id(variant: Variant) -> str:
    return f"{variant.category}: {' + '.join(variant.case)} <- {' + '.join(variant.report)}"


@pytest.mark.parametrize("variant", VARIANTS, ids=_id)
def test_every_labelled_variant_is_classified_as_labelled(variant: Variant) -> None:
    got = classify(DEV_MATCH_KEY, variant.case_reports(), variant.report_children(), variant.reported_on)
    assert got == variant.expected, variant.note


def test_the_variants_cover_what_reports_do_to_names() -> None:
    categories = Counter(v.category for v in VARIANTS)
    for needed in (
        "macrons",
        "order",
        "age",
        "year",
        "siblings",
        "similar names",
        "twins",
        "same name, other date",
    ):
        assert categories[needed] >= 2, needed
    labels = Counter((v.same, v.expected) for v in VARIANTS)
    # every outcome is represented, misses and false matches included (so recall and precision measure something)
    for outcome in [(same, label) for same in (True, False) for label in (Strength.CERTAIN, Strength.POSSIBLE, None)]:
        assert labels[outcome] >= 1, outcome


def test_a_report_does_not_match_under_another_key() -> None:
    same = next(v for v in VARIANTS if v.category == "exact")
    kept = report_keys(OTHER_KEY, same.case_reports()[0][0], same.case_reports()[0][1])
    sought = report_keys(DEV_MATCH_KEY, same.report_children(), same.reported_on).sought
    assert not set(sought) & (kept.stored | set(kept.legacy))


def test_names_compare_by_their_words_whatever_the_macrons_doubled_vowels_or_order() -> None:
    assert name_words("Māka Pōmare") == name_words("Maaka Poomare") == name_words("POMARE, Maka") == ("maka", "pomare")
    assert name_words("Hēmi Tūhoe-Ngātā") == ("hemi", "ngata", "tuhoe")
    assert name_words("Jayden O'Brien") == name_words("Jayden O\u2019Brien") == ("jayden", "obrien")
    assert name_words("Aroha  Aroha Walker") == ("aroha", "walker")
    assert name_words("Māka") != name_words("Mark")


def test_a_birth_is_a_date_or_the_years_it_may_have_been() -> None:
    on = dt.date(2026, 11, 20)
    assert birth(born("A, 2016-03-14"), on) == Birth(dt.date(2016, 3, 14), frozenset())
    assert birth(born("A, 2016-03"), on) == Birth(None, frozenset({2016}))
    assert birth(born("A, 2016"), on) == Birth(None, frozenset({2016}))
    # 10 on 20 November 2026: born 2015-11-21 .. 2016-11-20, widened by a year either side
    assert birth(born("A, age 10"), on) == Birth(None, frozenset({2014, 2015, 2016, 2017}))
    assert birth(common_pb2.Child(name="A"), on) is None


def test_keys_hold_no_name_or_date_and_each_report_is_keyed_the_same_way() -> None:
    child = born("Ānahera Tākerei, 2016-05-05")
    first = report_keys(DEV_MATCH_KEY, [child], dt.date(2026, 1, 1))
    again = report_keys(DEV_MATCH_KEY, [born("Takerei Anahera, 2016-05-05")], dt.date(2026, 6, 1))
    assert first.stored == again.stored
    for digest in first.stored | set(first.sought) | set(first.legacy):
        assert len(digest) == 32
        assert b"anahera" not in digest.lower() and b"2016" not in digest


def test_cases_stored_before_keep_their_digest_and_are_still_sought() -> None:
    """The legacy digest, computed here as the code before this scheme did: HMAC-SHA256 over
    "<normalised name>|<yyyy-mm-dd>"; a report of the same name and date seeks it as CERTAIN."""
    child = born("Āniwaniwa Pōtae, 2016-03-14")
    old = hmac.new(DEV_MATCH_KEY, b"aniwaniwa potae|2016-03-14", hashlib.sha256).digest()
    assert child_digests(DEV_MATCH_KEY, [child]) == [old]
    keys = report_keys(DEV_MATCH_KEY, [child], dt.date(2026, 11, 20))
    assert keys.legacy == (old,)
    assert keys.sought[old] is Strength.CERTAIN
    # only a full date of birth gave a legacy digest
    assert child_digests(DEV_MATCH_KEY, [born("Āniwaniwa Pōtae, 2016")]) == []


def _submit(dob: common_pb2.Date) -> None:
    request = factories.submit_request()
    request.report.children[0].date_of_birth.CopyFrom(dob)
    validation.validate_submit(request, today=dt.date(2026, 11, 20))


@pytest.mark.parametrize(
    ("year", "month", "day"), [(2016, 0, 0), (2016, 3, 0), (2026, 11, 0), (2026, 0, 0), (1900, 0, 0)]
)
def test_a_partial_date_of_birth_is_accepted(year: int, month: int, day: int) -> None:
    _submit(common_pb2.Date(year=year, month=month, day=day))


@pytest.mark.parametrize(
    ("year", "month", "day", "says"),
    [
        (2016, 0, 5, "is not a calendar date"),
        (2016, 13, 0, "is not a calendar date"),
        (2027, 0, 0, "must not be in the future"),
        (2026, 12, 0, "must not be in the future"),
        (1899, 0, 0, "must not be before 1900"),
        (0, 0, 0, "must not be before 1900"),
    ],
)
def test_a_partial_date_of_birth_is_refused_when_it_is_no_date(year: int, month: int, day: int, says: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        _submit(common_pb2.Date(year=year, month=month, day=day))
    assert [(v.field, v.description) for v in raised.value.violations] == [("report.children[0].date_of_birth", says)]
