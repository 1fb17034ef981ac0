"""Hypothesis strategies for Kahu's requests, built from their proto descriptors.

`requests(cls)` draws any message of type `cls` a client could send: every field set or
not; strings mostly plausible for their field (case ids, staff ids, sites, keys, free text
with Unicode letters) and otherwise anything (control characters, huge, empty); numbers
over their type's whole range; enums known or not; repeated fields short or longer than
the limits; timestamps near now or anywhere. So most draws are wrong somewhere and some
are right, which is what a request-validating property test wants.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import strategies as st

from kahu.v1 import common_pb2
from services.common.sites import load_sites, regions
from workflows.policy.loader import ROLES

F = FieldDescriptor
INT_RANGES = {
    F.TYPE_INT32: (-(2**31), 2**31 - 1),
    F.TYPE_SINT32: (-(2**31), 2**31 - 1),
    F.TYPE_UINT32: (0, 2**32 - 1),
    F.TYPE_INT64: (-(2**63), 2**63 - 1),
    F.TYPE_UINT64: (0, 2**64 - 1),
}

#: Letters of names as people write them: Māori macrons, other Latin, Greek, Cyrillic,
#: Devanagari, Han, Arabic, with combining marks, spaces, hyphens and apostrophes.
NAME_ALPHABET = st.characters(categories=["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc"], exclude_characters="\u0000")
names = st.builds(
    lambda parts, seps: "".join(p + s for p, s in zip(parts, seps, strict=False)).strip() or "Ā",
    st.lists(st.text(NAME_ALPHABET, min_size=1, max_size=12), min_size=1, max_size=4),
    st.lists(st.sampled_from([" ", "-", "'", " "]), min_size=4, max_size=4),
).filter(lambda s: 0 < len(s) <= 200)

MACRON_NAMES = st.sampled_from(["Āniwaniwa Pōtae", "Hēmi Tūhoe-Ngātā", "Mereana Kūmara", "Ōtautahi Rūrū"])
ANY_TEXT = st.text(max_size=40)
CONTROL = st.characters(categories=["Cc"])
free_text = st.one_of(
    ANY_TEXT,
    names,
    MACRON_NAMES,
    st.builds(lambda a, c, b: a + c + b, ANY_TEXT, CONTROL, ANY_TEXT),  # a control character inside
    st.builds(lambda ch, n: ch * n, st.sampled_from(["x", "ā", "\n"]), st.integers(1900, 10_100)),  # near limits
    st.just(""),
)

case_ids = st.one_of(st.uuids().map(str), st.just("not-a-case"), st.text(max_size=40))
staff_ids = st.one_of(
    st.sampled_from(["sw.tama", "sup.mere", "sw-1", "a" * 64, "a" * 65, "bad id!", "", "sw.ā"]), st.text(max_size=70)
)
keys = st.one_of(st.uuids().map(lambda u: f"prop-{u}"), st.sampled_from(["short", "x" * 129, "has space here"]))
sites = st.one_of(st.sampled_from(sorted(load_sites())), st.sampled_from(["", "atlantis"]))
region_names = st.one_of(st.sampled_from(sorted(regions())), st.sampled_from(["", "canterbury-ish"]))
roles = st.one_of(st.sampled_from(ROLES), st.text(max_size=20))


def _by_name(name: str) -> st.SearchStrategy[Any] | None:
    if name == "idempotency_key":
        return keys
    if name in ("case_id", "escalation_id"):
        return case_ids
    if name.endswith("_by") or name == "social_worker":
        return staff_ids
    if name == "site":
        return sites
    if name == "region":
        return region_names
    if name == "role":
        return roles
    if name == "workflow_id":
        return st.one_of(st.uuids().map(lambda u: f"case-{u}"), st.text(max_size=60))
    if name == "name":
        return st.one_of(names, free_text)
    return None


def timestamps() -> st.SearchStrategy[Timestamp]:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    near = st.builds(
        lambda s, n: Timestamp(seconds=now + s, nanos=n),
        st.integers(-400 * 86400, 400 * 86400),
        st.integers(0, 999_999_999),
    )
    anywhere = st.builds(
        lambda s, n: Timestamp(seconds=s, nanos=n),
        st.integers(*INT_RANGES[F.TYPE_INT64]),
        st.integers(-(2**31), 2**31 - 1),
    )
    return st.one_of(near, anywhere)


def dates() -> st.SearchStrategy[common_pb2.Date]:
    today = dt.date.today()
    plausible = st.dates(dt.date(1890, 1, 1), today + dt.timedelta(days=400)).map(
        lambda d: common_pb2.Date(year=d.year, month=d.month, day=d.day)
    )
    anything = st.builds(
        common_pb2.Date,
        year=st.integers(-(2**31), 2**31 - 1),
        month=st.integers(-(2**31), 2**31 - 1),
        day=st.integers(-(2**31), 2**31 - 1),
    )
    return st.one_of(plausible, plausible, anything)


def _scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    named = _by_name(field.name)
    if named is not None and field.type == F.TYPE_STRING:
        return named
    if field.type == F.TYPE_STRING:
        return free_text
    if field.type == F.TYPE_BOOL:
        return st.booleans()
    if field.type == F.TYPE_BYTES:
        return st.binary(max_size=20)
    if field.type == F.TYPE_ENUM:
        assert field.enum_type is not None
        known = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(known), st.integers(-3, 20), st.integers(*INT_RANGES[F.TYPE_INT32]))
    if field.type in INT_RANGES:
        low, high = INT_RANGES[field.type]
        return st.one_of(st.integers(max(low, -3), 25), st.integers(low, high))
    if field.type in (F.TYPE_FLOAT, F.TYPE_DOUBLE):
        return st.floats(allow_nan=False, width=32)
    raise NotImplementedError(field.type)


def _message_strategy(descriptor: Descriptor, depth: int) -> st.SearchStrategy[Any]:
    if descriptor.full_name == "google.protobuf.Timestamp":
        return timestamps()
    if descriptor.full_name == "kahu.v1.Date":
        return dates()
    return messages(descriptor, depth + 1)


@st.composite
def messages(draw: st.DrawFn, descriptor: Descriptor, depth: int = 0) -> Message:
    from google.protobuf import message_factory

    message = message_factory.GetMessageClass(descriptor)()
    for field in descriptor.fields:
        if depth > 3 or not draw(st.booleans() if depth else st.sampled_from([True, True, True, False])):
            continue
        if field.message_type is not None:
            strategy = _message_strategy(field.message_type, depth)
            if field.is_repeated:
                items = draw(st.lists(strategy, max_size=draw(st.sampled_from([2, 3, 25]))))
                getattr(message, field.name).extend(items)
            else:
                getattr(message, field.name).CopyFrom(draw(strategy))
        elif field.is_repeated:
            getattr(message, field.name).extend(draw(st.lists(_scalar(field), max_size=draw(st.sampled_from([3, 25])))))
        else:
            setattr(message, field.name, draw(_scalar(field)))
    return message


def requests(cls: type[Message]) -> st.SearchStrategy[Message]:
    return messages(cast(Descriptor, cls.DESCRIPTOR))


@st.composite
def mutated(draw: st.DrawFn, valid: Message) -> Message:
    """`valid` with none, one or a few of its fields cleared or drawn from anything."""
    message = type(valid)()
    message.CopyFrom(valid)
    fields = cast(list[FieldDescriptor], list(valid.DESCRIPTOR.fields))
    count = min(len(fields), draw(st.sampled_from([0, 1, 1, 1, 2, 3])))
    for field in draw(st.lists(st.sampled_from(fields), min_size=count, max_size=count, unique_by=lambda f: f.name)):
        message.ClearField(field.name)
        if draw(st.booleans()):
            continue  # cleared
        if field.message_type is not None:
            strategy = _message_strategy(field.message_type, 1)
            if field.is_repeated:
                getattr(message, field.name).extend(draw(st.lists(strategy, max_size=3)))
            else:
                getattr(message, field.name).CopyFrom(draw(strategy))
        elif field.is_repeated:
            getattr(message, field.name).extend(draw(st.lists(_scalar(field), max_size=25)))
        else:
            setattr(message, field.name, draw(_scalar(field)))
    return message


def new_key() -> str:
    return f"prop-{uuid.uuid4()}"
