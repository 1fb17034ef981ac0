"""Realistic variants of how a child is named in reports of concern, each pair labelled with
the truth (the same child or not) and the match intake's rules give it
(services/intake/matching.py): `tests/intake/test_matching.py` checks every label, and
`python -m bench matching` measures precision and recall over them.

A pair is an open case (the children its reports named, with the date of each report) and a
new report (its children and date). Names are invented but of the kinds New Zealand reports
carry: te reo Māori names with and without macrons or written with doubled vowels, given
and family names in either order, middle names left out, an age or a year instead of a date
of birth, siblings; and the hard negatives: different children with similar names, twins,
namesakes. Some pairs are labelled with a miss on purpose (the truth is the same child but
the rules cannot see it: a transliterated given name, a mistyped date), so recall is
measured, not assumed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from kahu.v1 import common_pb2
from services.intake.matching import Strength

#: The date of every case's report, and of every new report (unless a pair says otherwise).
CASE_ON = dt.date(2026, 3, 2)
REPORT_ON = dt.date(2026, 11, 20)

CERTAIN, POSSIBLE, NONE = Strength.CERTAIN, Strength.POSSIBLE, None


def born(text: str) -> common_pb2.Child:
    """`"Name, 2016-03-14"`, `"Name, 2016-03"`, `"Name, 2016"` or `"Name, age 9"`."""
    name, _, when = text.rpartition(", ")
    if when.startswith("age "):
        return common_pb2.Child(name=name, age_years=int(when.removeprefix("age ")))
    parts = [int(p) for p in when.split("-")] + [0, 0]
    return common_pb2.Child(name=name, date_of_birth=common_pb2.Date(year=parts[0], month=parts[1], day=parts[2]))


@dataclass(frozen=True)
class Variant:
    category: str
    #: The children each report on the open case named (one report unless `earlier` adds one).
    case: tuple[str, ...]
    report: tuple[str, ...]
    #: Whether the report is about a child of the case (the truth).
    same: bool
    #: What intake's rules classify it as.
    expected: Strength | None
    note: str = ""
    #: Children a further report on the case named (its keys are the case's too).
    earlier: tuple[str, ...] = ()
    reported_on: dt.date = REPORT_ON

    def case_reports(self) -> list[tuple[Sequence[common_pb2.Child], dt.date]]:
        reports: list[tuple[Sequence[common_pb2.Child], dt.date]] = [([born(c) for c in self.case], CASE_ON)]
        if self.earlier:
            reports.append(([born(c) for c in self.earlier], CASE_ON + dt.timedelta(days=30)))
        return reports

    def report_children(self) -> list[common_pb2.Child]:
        return [born(c) for c in self.report]


def v(
    category: str,
    case: str | tuple[str, ...],
    report: str | tuple[str, ...],
    same: bool,
    expected: Strength | None,
    note: str = "",
    **more: object,
) -> Variant:
    as_tuple = lambda x: (x,) if isinstance(x, str) else x  # noqa: E731
    return Variant(category, as_tuple(case), as_tuple(report), same, expected, note, **more)  # type: ignore[arg-type]


VARIANTS: tuple[Variant, ...] = (
    # -- the same child, written the same way or nearly -----------------------------------
    v("exact", "Aroha Walker, 2016-03-14", "Aroha Walker, 2016-03-14", True, CERTAIN),
    v("exact", "Tamati Ngata, 2012-11-30", "TAMATI  NGATA, 2012-11-30", True, CERTAIN, "capitals, spacing"),
    v("exact", "Hēmi Tūhoe-Ngātā, 2015-01-02", "Hemi Tuhoe Ngata, 2015-01-02", True, CERTAIN, "hyphen"),
    v("exact", "Jayden O'Brien, 2013-06-21", "Jayden OBrien, 2013-06-21", True, CERTAIN, "an apostrophe"),
    # -- macrons and doubled vowels ------------------------------------------------------------
    v("macrons", "Māka Pōmare, 2014-08-09", "Maka Pomare, 2014-08-09", True, CERTAIN),
    v("macrons", "Māka Pōmare, 2014-08-09", "Maaka Poomare, 2014-08-09", True, CERTAIN, "doubled vowels"),
    v("macrons", "Maaka Pomare, 2014-08-09", "Māka Pōmare, 2014-08-09", True, CERTAIN),
    v("macrons", "Tūī Kīngi, 2017-02-11", "Tuui Kiingi, 2017-02-11", True, CERTAIN),
    v("macrons", "Tūī Kīngi, 2017-02-11", "Tui Kingi, 2017-02-11", True, CERTAIN),
    v("macrons", "Rāwiri Whāanga, 2011-12-25", "Rawiri Whaanga, 2011-12-25", True, CERTAIN),
    v("macrons", "Rāwiri Whāanga, 2011-12-25", "Raawiri Whanga, 2011-12-25", True, CERTAIN),
    v("macrons", "Ānahera Tākerei, 2016-05-05", "ANAHERA TAKEREI, 2016-05-05", True, CERTAIN),
    v("macrons", "Mīria Pāki, 2019-10-01", "Miiria Paaki, 2019-10-01", True, CERTAIN),
    v("macrons", "Kōwhai Mātene, 2018-04-17", "Koowhai Maatene, 2018-04-17", True, CERTAIN),
    # -- given and family names in either order --------------------------------------------
    v("order", "Tāne Pōmare, 2015-07-19", "Pōmare Tāne, 2015-07-19", True, CERTAIN),
    v("order", "Tāne Pōmare, 2015-07-19", "POMARE, Tane, 2015-07-19", True, CERTAIN, "family name first, comma"),
    v("order", "Mereana Kūpenga Hōete, 2013-09-03", "Hoete Mereana Kupenga, 2013-09-03", True, CERTAIN),
    v("order", "Wiremu Kīngi, 2012-01-20", "Kiingi Wiremu, 2012-01-20", True, CERTAIN, "swapped and doubled"),
    # -- an age or a partial date instead of the date of birth --------------------------------
    v("age", "Aroha Walker, 2016-03-14", "Aroha Walker, age 10", True, POSSIBLE),
    v("age", "Aroha Walker, 2016-03-14", "Walker Aroha, age 9", True, POSSIBLE, "a guessed age, order swapped"),
    v("age", "Hōhepa Tāwhai, age 6", "Hohepa Tawhai, 2020-06-30", True, POSSIBLE, "the case had the age"),
    v("age", "Hōhepa Tāwhai, age 6", "Hohepa Tawhai, age 6", True, POSSIBLE, "both ages"),
    v("age", "Pānia Rēweti, 2009-02-28", "Pania Reweti, age 17", True, POSSIBLE),
    v("year", "Aroha Walker, 2016-03-14", "Aroha Walker, 2016", True, POSSIBLE),
    v("year", "Aroha Walker, 2016-03-14", "Aroha Walker, 2016-03", True, POSSIBLE, "year and month"),
    v("year", "Kahurangi Ngātai, 2014", "Kahurangi Ngatai, 2014-12-01", True, POSSIBLE, "the case had the year"),
    v("year", "Kahurangi Ngātai, 2014-07", "Ngatai Kahurangi, 2014", True, POSSIBLE),
    # -- siblings: a report about several children --------------------------------------------
    v(
        "siblings",
        ("Aroha Walker, 2016-03-14", "Nikau Walker, 2019-08-01"),
        "Nikau Walker, 2019-08-01",
        True,
        CERTAIN,
        "the case's second child",
    ),
    v(
        "siblings",
        "Aroha Walker, 2016-03-14",
        ("Nikau Walker, 2019-08-01", "Aroha Walker, 2016-03-14"),
        True,
        CERTAIN,
        "the report names the case's child and a sibling",
    ),
    v(
        "siblings",
        "Aroha Walker, 2016-03-14",
        "Nikau Walker, 2019-08-01",
        True,
        CERTAIN,
        "a sibling a further report on the case named",
        earlier=("Aroha Walker, 2016-03-14", "Nikau Walker, 2019-08-01"),
    ),
    v(
        "siblings",
        ("Mere Pōtae, 2012-05-05", "Hine Pōtae, 2014-10-10", "Tama Pōtae, 2017-01-15"),
        ("Tama Potae, age 9", "Ripeka Potae, 2021-03-03"),
        True,
        POSSIBLE,
        "a sibling by age, and a new baby",
    ),
    v(
        "siblings",
        ("Mere Pōtae, 2012-05-05", "Hine Pōtae, 2014-10-10"),
        ("Pōtae Hine, 2014-10-10", "Ripeka Potae, 2021-03-03"),
        True,
        CERTAIN,
    ),
    # -- middle names, misspellings, other spellings with the date of birth --------------------------
    v("middle name", "Aroha Mere Walker, 2016-03-14", "Aroha Walker, 2016-03-14", True, POSSIBLE, "left out"),
    v("middle name", "Tamati Ngata, 2012-11-30", "Tamati Hone Ngata, 2012-11-30", True, POSSIBLE, "added"),
    v("spelling", "Hōhepa Tākerei, 2010-04-04", "Hohepa Takarei, 2010-04-04", True, POSSIBLE, "family name misspelt"),
    v("spelling", "Mikaere Walker, 2013-03-03", "Michael Walker, 2013-03-03", True, POSSIBLE, "English form"),
    v("spelling", "Ataahua Rēweti, 2018-12-12", "Atahua Reweti, 2018-12-12", True, CERTAIN, "a doubled vowel dropped"),
    v("spelling", "Tipene Kawhia, 2011-11-11", "Stephen Kawhia, 2011-11-11", True, NONE, "transliteration: a miss"),
    v("spelling", "Hone Parāone, 2015-02-02", "John Brown, 2015-02-02", True, NONE, "both names translated: a miss"),
    v("spelling", "Mereana Ngata, 2012-05-05", "Mere Ngata, 2012-05-05", True, POSSIBLE, "a short form"),
    v("given name only", "Kahurangi Ngātai, 2014-12-01", "Kahurangi, 2014-12-01", True, POSSIBLE),
    v("given name only", "Kahurangi, 2014-12-01", "Kahurangi, 2014-12-01", True, POSSIBLE, "one word is not certain"),
    v("new family name", "Aroha Walker, 2016-03-14", "Aroha Ngata, 2016-03-14", True, NONE, "a miss"),
    v("date mistyped", "Aroha Walker, 2016-03-14", "Aroha Walker, 2016-04-13", True, NONE, "a miss"),
    # -- different children --------------------------------------------------------------------
    v("similar names", "Aroha Walker, 2016-03-14", "Aroha Wallace, 2016-09-02", False, NONE),
    v("similar names", "Aroha Walker, 2016-03-14", "Arohanui Walker, 2016-03-14", False, POSSIBLE, "cousins"),
    v("similar names", "Tāne Pōmare, 2015-07-19", "Tane Pomare-Ngatai, 2012-02-02", False, NONE),
    v("similar names", "Hēmi Tūhoe, 2015-01-02", "Hemi Tuhoe, 2015-01-03", False, NONE, "a day apart"),
    v("similar names", "Wiremu Kīngi, 2012-01-20", "Wiremu King, 2012-06-20", False, NONE),
    v("similar names", "Aroha Walker, 2016", "Aroha Walters, 2016", False, NONE, "years only"),
    v("twins", "Aroha Walker, 2016-03-14", "Hine Walker, 2016-03-14", False, NONE),
    v("twins", "Rangi Tākerei, 2019-09-09", "Papa Tākerei, 2019-09-09", False, NONE),
    v("twins", "Tama Walker, 2016-03-14", "Tāne Walker, 2016-03-14", False, POSSIBLE, "the same initial"),
    v(
        "twins",
        ("Aroha Walker, 2016-03-14", "Hine Walker, 2016-03-14"),
        "Hine Walker, 2016-03-14",
        True,
        CERTAIN,
        "the case names both twins",
    ),
    v("same name, other date", "Wiremu Ngātai, 2014-05-01", "Wiremu Ngatai, 2018-09-30", False, NONE),
    v("same name, other date", "Wiremu Ngātai, 2014-05-01", "Wiremu Ngatai, 2014-09-30", False, NONE, "same year"),
    v("same name, other date", "Wiremu Ngātai, 2014-05-01", "Wiremu Ngatai, age 4", False, NONE),
    v("same name, other date", "Wiremu Ngātai, age 12", "Wiremu Ngatai, age 3", False, NONE),
    v("same name, other date", "Wiremu Ngātai, 2014", "Wiremu Ngatai, 2019", False, NONE),
    v("namesakes", "Jack Smith, 2015-06-01", "Jack Smith, 2015-06-01", False, CERTAIN, "indistinguishable by name"),
    v("namesakes", "Jack Smith, 2015-06-01", "Jack Smith, age 11", False, POSSIBLE, "indistinguishable by name"),
    v("unrelated", "Aroha Walker, 2016-03-14", "Nikau Pōmare, 2016-03-14", False, NONE, "same date of birth"),
    v("unrelated", "Aroha Walker, 2016-03-14", "Aroha Pōmare, 2016-03-14", False, NONE, "same given name and date"),
    v("unrelated", ("Mere Pōtae, 2012-05-05", "Hine Pōtae, 2014-10-10"), "Tama Ngata, 2014-10-10", False, NONE),
)
