"""Reading a request from a file (proto JSON, or YAML), with a parse error named by the
field's path, as the services name it (`report.children[0].age_years`, `participants[0].role`).

Before parsing, enum values may be written as the options take them (`young-person` for
`PARTICIPANT_ROLE_YOUNG_PERSON`), and a time without an offset (a `google.protobuf.Timestamp`)
is New Zealand time.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Collection
from typing import Any, TypeVar, cast

import yaml
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from workflows.policy.working_days import NZ

M = TypeVar("M", bound=Message)


class ProtoFileError(ValueError):
    """The file cannot be read or is not the message; the message names the field."""


class _Loader(yaml.SafeLoader):
    """YAML whose times stay text (they are read as proto JSON, New Zealand time when naive)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read(path: str) -> str:
    """The text of `path` ("-" reads stdin)."""
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as file:
            return file.read()
    except (OSError, UnicodeDecodeError) as error:
        raise ProtoFileError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None


def load(
    path: str,
    message: M,
    *,
    root: str = "",
    allow_yaml: bool = True,
    fields: Collection[str] | None = None,
    elsewhere: str = "",
) -> M:
    """`message`, filled from the file at `path`. `root`: the name of the message in error
    paths; `fields`: the only top-level fields the file may set (the others come from the
    command line, which `elsewhere` says)."""
    text = read(path)
    data = _parse(text, path, allow_yaml)
    if fields is not None and isinstance(data, dict):
        for name in data:
            field = _field(message, name) if isinstance(name, str) else None
            if field is not None and field.name not in fields:
                where = _join(root, field.name)
                raise ProtoFileError(f"{path}: {where}: is not set in the file{'; ' + elsewhere if elsewhere else ''}")
    if isinstance(data, dict):
        data = _prepare(data, message.DESCRIPTOR)
    try:
        json_format.ParseDict(data, message)
    except json_format.ParseError as error:
        where, why = _locate(data, type(message)(), root) or (root or message.DESCRIPTOR.name, _innermost(str(error)))
        raise ProtoFileError(f"{path}: {where}: {why}") from None
    return message


def _parse(text: str, path: str, allow_yaml: bool) -> Any:
    if not allow_yaml:
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ProtoFileError(f"{path}: not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "cannot be parsed"
        raise ProtoFileError(f"{path}: not YAML or JSON: {problem}{where}") from None
    return {} if data is None else data


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _innermost(message: str) -> str:
    """The last reason in json_format's "Failed to parse x field: ..." chain, tidied."""
    reason = message.split("\n")[0].rsplit("field: ", 1)[-1]
    reason = re.sub(r" at [\w.\[\]]+\.*$", "", reason)
    return reason.rstrip(".") or "is not valid"


def _field(message: Message, key: str) -> FieldDescriptor | None:
    return _field_of(message.DESCRIPTOR, key)


def _field_of(descriptor: Any, key: str) -> FieldDescriptor | None:
    found = descriptor.fields_by_name.get(key) or next((f for f in descriptor.fields if f.json_name == key), None)
    return cast(FieldDescriptor | None, found)


def _prepare(data: dict[str, Any], descriptor: Any) -> dict[str, Any]:
    """A copy of `data` with enum words as proto names and naive times in New Zealand time;
    anything that does not fit is left for the parser to name."""
    prepared: dict[str, Any] = {}
    for key, value in data.items():
        field = _field_of(descriptor, key) if isinstance(key, str) else None
        if field is None or value is None:
            prepared[key] = value
            continue
        if field.is_repeated and isinstance(value, list):
            prepared[key] = [_value(field, item) for item in value]
        else:
            prepared[key] = _value(field, value)
    return prepared


def _value(field: FieldDescriptor, value: Any) -> Any:
    if field.enum_type is not None and isinstance(value, str):
        return _enum({v.name for v in field.enum_type.values}, value)
    message_type = field.message_type
    if message_type is None:
        return value
    if message_type.full_name == "google.protobuf.Timestamp":
        return _instant(value)
    if isinstance(value, dict) and not message_type.full_name.startswith("google."):
        return _prepare(value, message_type)
    return value


def _enum(names: Collection[str], value: str) -> str:
    """The proto name for a word (`young-person`, `YOUNG_PERSON`, or the name itself)."""
    word = value.strip().upper().replace("-", "_")
    if word in names:
        return word
    prefix = _prefix(names)
    return prefix + word if prefix + word in names else value


def _prefix(names: Collection[str]) -> str:
    """The prefix every value of an enum shares (`PARTICIPANT_ROLE_`)."""
    unspecified = next((n for n in names if n.endswith("_UNSPECIFIED")), "")
    return unspecified.removesuffix("UNSPECIFIED")


def _instant(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=NZ)).isoformat()
    if not isinstance(value, str):
        return value
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=NZ)).isoformat()


def _locate(data: Any, message: Message, path: str) -> tuple[str, str] | None:
    """The first field under `path` that json_format rejects, and why (None: not found)."""
    if not isinstance(data, dict):
        return path or message.DESCRIPTOR.name, "must be a JSON object"
    for key, value in data.items():
        field = _field(message, key) if isinstance(key, str) else None
        where = _join(path, str(key))
        if field is None:
            known = ", ".join(f.name for f in message.DESCRIPTOR.fields)
            return where, f"is not a field of {message.DESCRIPTOR.name} (fields: {known})"
        where = _join(path, field.name)
        repeated = field.is_repeated
        if repeated and value is not None and not isinstance(value, list):
            return where, "must be a JSON list"
        items = list(enumerate(value)) if repeated and value is not None else [(None, value)]
        for index, item in items:
            at = where if index is None else f"{where}[{index}]"
            nested = field.message_type is not None and not field.message_type.full_name.startswith("google.")
            if nested and item is not None:
                child = getattr(message, field.name)
                found = _locate(item, child.add() if repeated else child, at)
            else:
                found = _parse_one(message, field, item, at)
            if found:
                return found
    return None


def _parse_one(message: Message, field: FieldDescriptor, item: Any, at: str) -> tuple[str, str] | None:
    if field.type == FieldDescriptor.TYPE_STRING and item is not None and not isinstance(item, str):
        return at, f"{item!r} must be text (in YAML, quote it)"
    probe = type(message)()
    try:
        json_format.ParseDict({field.name: [item] if field.is_repeated else item}, probe)
    except json_format.ParseError as error:
        if field.enum_type is not None:
            names = ", ".join(v.name for v in field.enum_type.values if v.number != 0)
            return at, f"{item!r} is not one of {names}"
        return at, _innermost(str(error))
    return None
