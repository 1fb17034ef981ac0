"""Finding a child's open case without storing who the child is: matching that knows how
people are named. Every rule is here; `services/intake/store.py` applies them to the open
cases, `tests/intake/test_matching.py` checks them pair by pair and `python -m bench
matching` measures their precision and recall (`bench/matching_variants.py`).

**Names** are compared as the set of their words, each normalised: letter case, diacritics,
punctuation and spacing do not count, and a te reo Māori long vowel is the same written with
a macron, doubled or plain ("Māka" = "Maaka" = "Maka": any run of one vowel counts as one
vowel). Order does not count, so given and family names may come in either order.

**Birth** is a full date of birth, or a year: a partial date (a year, or a year and month)
gives its year; an age gives the years the child could have been born in at the report's
date, widened by `AGE_SLACK_YEARS` either side (a reported age is often a guess).

**Keys.** Intake stores no name or date for matching, only keyed digests (HMAC-SHA256 with
`KAHU_MATCH_KEY`, so the table says nothing without the key). A case keeps the *stored*
keys of every child any of its reports named (siblings included: `intake.match_keys`); a
new report looks for the *sought* keys of each child it names; each key found has a
strength, and a report's match with a case is the strongest key of the report found among
the case's:

- `exact`: every word of the name and the full date of birth agree. CERTAIN (POSSIBLE for a
  name of one word).
- `about` and `born`: every word of the name and a birth year agree, where one side or both
  gave only an age or a partial date (`about` is kept by a child without a full date and
  sought by every child; `born`, the year of a full date, is sought by a child without
  one). POSSIBLE.
- `pair`: one word of the name, the first letter of another, and the full date of birth
  agree (a middle name left out, a misspelt or changed family name, Mikaere for Michael).
  POSSIBLE.
- `word`: a name of one word (a given name alone) is one of the child's words, and the full
  date of birth agrees (kept for every word; sought by one-word names). POSSIBLE.
- the legacy digest (`intake.cases.child_keys`): the name as matched before this scheme
  (word order and doubled vowels counting) and the full date of birth. CERTAIN (POSSIBLE
  for a name of one word).

So two full dates of birth that differ never match, even under the same name; twins (one
date of birth, one family name) match only when their given names share a first letter,
and then only as POSSIBLE. A CERTAIN match joins the open case; a POSSIBLE one opens a new
case flagged "possible duplicate of" the other (`services/intake/duplicates.py`).

**Cases stored before this scheme** keep their legacy digests, which every report still
seeks (so the same name and date of birth still joins them), and intake computes their new
keys from their stored reports once, in the background, when it starts (`rekey`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from kahu.v1 import common_pb2
from services.common.config import ConfigError

MATCH_KEY_ENV = "KAHU_MATCH_KEY"
DEV_MATCH_KEY = b"kahu-development-match-key; set KAHU_MATCH_KEY outside development"
MIN_KEY_LENGTH = 32
log = logging.getLogger(__name__)

#: The scheme of the keys below (a case stored before it has only the legacy digest).
SCHEME = 2
#: An age gives the birth years it allows at the report's date, and this many either side.
AGE_SLACK_YEARS = 1
#: A name of fewer words never matches with certainty (a given name alone is not enough).
MIN_CERTAIN_WORDS = 2
#: The words of a name (its first, in order of the normalised words) that give `pair` and
#: `word` keys; a longer name still gives its `exact` and `about` keys.
MAX_KEYED_WORDS = 6
#: A word this short (an initial) is never the whole word of a `pair` key.
MIN_PAIR_WORD = 2

_VOWEL_RUN = re.compile(r"([aeiou])\1+")
_APOSTROPHES = re.compile("['\u2019\u02bc]")


class Strength(StrEnum):
    """How sure a match is: CERTAIN joins the open case, POSSIBLE flags a new one."""

    CERTAIN = "CERTAIN"
    POSSIBLE = "POSSIBLE"


_RANK = {Strength.CERTAIN: 2, Strength.POSSIBLE: 1}


def match_key(env: Mapping[str, str] | None = None) -> bytes:
    """The matching key from the environment (a development default when unset)."""
    raw = (os.environ if env is None else env).get(MATCH_KEY_ENV, "")
    if not raw:
        log.warning("%s is not set: using the development matching key", MATCH_KEY_ENV)
        return DEV_MATCH_KEY
    if len(raw) < MIN_KEY_LENGTH:
        raise ConfigError(f"{MATCH_KEY_ENV} must be at least {MIN_KEY_LENGTH} characters")
    return raw.encode()


# -- names and births ----------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """Case, diacritics (macrons), punctuation and spacing do not tell two names apart (the
    legacy digest's normalisation: word order and doubled vowels still count)."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.casefold().split())


def name_words(name: str) -> tuple[str, ...]:
    """The words of a name as matching compares them: normalised, apostrophes dropped, a run
    of one vowel as one (ā = aa = a), each once, in sorted order (so the order they were
    written in does not count)."""
    joined = _APOSTROPHES.sub("", name)  # O'Brien = OBrien
    return tuple(sorted({_VOWEL_RUN.sub(r"\1", word) for word in normalise_name(joined).split()}))


@dataclass(frozen=True)
class Birth:
    """What a report says of a child's birth: the full date, or the years it allows."""

    date: dt.date | None
    years: frozenset[int]


def birth(child: common_pb2.Child, reported_on: dt.date) -> Birth | None:
    """The child's birth as the report gives it (None when it gives neither date nor age)."""
    if child.HasField("date_of_birth"):
        born = child.date_of_birth
        if born.month and born.day:
            try:
                return Birth(dt.date(born.year, born.month, born.day), frozenset())
            except ValueError:
                return None
        return Birth(None, frozenset({born.year})) if born.year else None
    if child.HasField("age_years"):
        latest = reported_on.year - child.age_years  # born this year, before the report's date
        earliest = latest - 1  # or the year before, after it
        return Birth(None, frozenset(range(earliest - AGE_SLACK_YEARS, latest + AGE_SLACK_YEARS + 1)))
    return None


# -- keys ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportKeys:
    """A report's keys: `stored` (what its case keeps, with `legacy` in cases.child_keys),
    `sought` (what it looks for among the open cases' keys, with the strength of each) and
    `locks` (reports about the same name are serialised on them)."""

    stored: frozenset[bytes]
    sought: Mapping[bytes, Strength]
    legacy: tuple[bytes, ...]
    locks: tuple[bytes, ...]


def _digest(key: bytes, label: str) -> bytes:
    return hmac.new(key, f"kahu-match-v{SCHEME}|{label}".encode(), hashlib.sha256).digest()


def _legacy_digest(key: bytes, name: str, born: dt.date) -> bytes:
    message = f"{name}|{born.year:04d}-{born.month:02d}-{born.day:02d}".encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def _seek(sought: dict[bytes, Strength], digest: bytes, strength: Strength) -> None:
    if digest not in sought or _RANK[strength] > _RANK[sought[digest]]:
        sought[digest] = strength


def report_keys(key: bytes, children: Iterable[common_pb2.Child], reported_on: dt.date) -> ReportKeys:
    """The keys of every child a report names (`reported_on`: the report's date in New
    Zealand, which an age is counted from)."""
    stored: set[bytes] = set()
    sought: dict[bytes, Strength] = {}
    legacy: set[bytes] = set()
    locks: set[bytes] = set()
    for child in children:
        words = name_words(child.name)
        born = birth(child, reported_on)
        if not words or born is None:
            continue
        name = " ".join(words)
        whole = Strength.CERTAIN if len(words) >= MIN_CERTAIN_WORDS else Strength.POSSIBLE
        locks.add(_digest(key, f"lock|{name}"))
        if born.date is not None:
            day = born.date.isoformat()
            exact = _digest(key, f"exact|{name}|{day}")
            stored.add(exact)
            _seek(sought, exact, whole)
            stored.add(_digest(key, f"born|{name}|{born.date.year}"))
            _seek(sought, _digest(key, f"about|{name}|{born.date.year}"), Strength.POSSIBLE)
            keyed = words[:MAX_KEYED_WORDS]
            for word in keyed:
                stored.add(_digest(key, f"word|{word}|{day}"))
                for other in keyed:
                    if other != word and len(word) >= MIN_PAIR_WORD:
                        pair = _digest(key, f"pair|{word}|{other[0]}|{day}")
                        stored.add(pair)
                        _seek(sought, pair, Strength.POSSIBLE)
            if len(words) == 1:
                _seek(sought, _digest(key, f"word|{words[0]}|{day}"), Strength.POSSIBLE)
            spelled = normalise_name(child.name)
            digest = _legacy_digest(key, spelled, born.date)
            legacy.add(digest)
            locks.add(digest)
            _seek(sought, digest, Strength.CERTAIN if len(spelled.split()) >= MIN_CERTAIN_WORDS else Strength.POSSIBLE)
        else:
            for year in sorted(born.years):
                about = _digest(key, f"about|{name}|{year}")
                stored.add(about)
                _seek(sought, about, Strength.POSSIBLE)
                _seek(sought, _digest(key, f"born|{name}|{year}"), Strength.POSSIBLE)
    return ReportKeys(frozenset(stored), sought, tuple(sorted(legacy)), tuple(sorted(locks)))


def strongest(sought: Mapping[bytes, Strength], found: Iterable[bytes]) -> Strength | None:
    """The strongest of the sought keys among `found` (a case's keys); None when none is."""
    best: Strength | None = None
    for digest in found:
        strength = sought.get(digest)
        if strength is not None and (best is None or _RANK[strength] > _RANK[best]):
            best = strength
    return best


def classify(
    key: bytes,
    case_reports: Sequence[tuple[Sequence[common_pb2.Child], dt.date]],
    report: Sequence[common_pb2.Child],
    reported_on: dt.date,
) -> Strength | None:
    """How a report about `report`'s children matches a case whose reports (each its
    children and date) are `case_reports`: as intake decides it, without a database."""
    kept: set[bytes] = set()
    for children, on in case_reports:
        found = report_keys(key, children, on)
        kept |= found.stored | set(found.legacy)
    return strongest(report_keys(key, report, reported_on).sought, kept)


def child_digests(key: bytes, children: Iterable[common_pb2.Child]) -> list[bytes]:
    """The legacy digests: one per child with a name and full date of birth, over the
    normalised name and the date (kept in `intake.cases.child_keys`, and still sought)."""
    digests = set()
    for child in children:
        name = normalise_name(child.name)
        born = birth(child, dt.date.min)
        if not name or born is None or born.date is None:
            continue
        digests.add(_legacy_digest(key, name, born.date))
    return sorted(digests)
