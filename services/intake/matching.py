"""Finding a child's open case without storing who the child is.

Each child with a date of birth is keyed by HMAC-SHA256 over the normalised name and the
date, with a secret key from `KAHU_MATCH_KEY`; intake stores only these digests, so the
same child reported again is recognised, but the table says nothing without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import unicodedata
from collections.abc import Iterable, Mapping

from kahu.v1 import common_pb2
from services.common.config import ConfigError

MATCH_KEY_ENV = "KAHU_MATCH_KEY"
DEV_MATCH_KEY = b"kahu-development-match-key; set KAHU_MATCH_KEY outside development"
MIN_KEY_LENGTH = 32
log = logging.getLogger(__name__)


def match_key(env: Mapping[str, str] | None = None) -> bytes:
    """The matching key from the environment (a development default when unset)."""
    raw = (os.environ if env is None else env).get(MATCH_KEY_ENV, "")
    if not raw:
        log.warning("%s is not set: using the development matching key", MATCH_KEY_ENV)
        return DEV_MATCH_KEY
    if len(raw) < MIN_KEY_LENGTH:
        raise ConfigError(f"{MATCH_KEY_ENV} must be at least {MIN_KEY_LENGTH} characters")
    return raw.encode()


def normalise_name(name: str) -> str:
    """Case, diacritics (macrons), punctuation and spacing do not tell two names apart."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.casefold().split())


def child_digests(key: bytes, children: Iterable[common_pb2.Child]) -> list[bytes]:
    """One digest per child with a name and date of birth (age alone does not identify)."""
    digests = set()
    for child in children:
        name = normalise_name(child.name)
        if not name or not child.HasField("date_of_birth"):
            continue
        dob = child.date_of_birth
        message = f"{name}|{dob.year:04d}-{dob.month:02d}-{dob.day:02d}".encode()
        digests.add(hmac.new(key, message, hashlib.sha256).digest())
    return sorted(digests)
