"""Reading a report of concern (a `kahu.v1.Report` in proto JSON) from a file, with a parse
error named by the field's path, as the services name it (`report.children[0].age_years`)."""

from __future__ import annotations

import json
import re
import sys
from typing import Any, cast

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from kahu.v1 import common_pb2


class ReportFileError(ValueError):
    """The file cannot be read or is not a Report; the message names the field."""


def load(path: str) -> common_pb2.Report:
    """The report in `path` ("-" reads stdin)."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as file:
                text = file.read()
    except (OSError, UnicodeDecodeError) as error:
        raise ReportFileError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportFileError(f"{path}: not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    report = common_pb2.Report()
    try:
        json_format.ParseDict(data, report)
    except json_format.ParseError as error:
        field, why = _locate(data, common_pb2.Report(), "report") or ("report", _innermost(str(error)))
        raise ReportFileError(f"{path}: {field}: {why}") from None
    return report


def _innermost(message: str) -> str:
    """The last reason in json_format's "Failed to parse x field: ..." chain, tidied."""
    reason = message.split("\n")[0].rsplit("field: ", 1)[-1]
    reason = re.sub(r" at [\w.\[\]]+\.*$", "", reason)
    return reason.rstrip(".") or "is not valid"


def _field(message: Message, key: str) -> FieldDescriptor | None:
    descriptor = message.DESCRIPTOR
    found = descriptor.fields_by_name.get(key) or next((f for f in descriptor.fields if f.json_name == key), None)
    return cast(FieldDescriptor | None, found)


def _locate(data: Any, message: Message, path: str) -> tuple[str, str] | None:
    """The first field under `path` that json_format rejects, and why (None: not found)."""
    if not isinstance(data, dict):
        return path, "must be a JSON object"
    for key, value in data.items():
        field = _field(message, key)
        where = f"{path}.{key}"
        if field is None:
            known = ", ".join(f.name for f in message.DESCRIPTOR.fields)
            return where, f"is not a field of {message.DESCRIPTOR.name} (fields: {known})"
        where = f"{path}.{field.name}"
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
    probe = type(message)()
    try:
        json_format.ParseDict({field.name: [item] if field.is_repeated else item}, probe)
    except json_format.ParseError as error:
        if field.enum_type is not None:
            names = ", ".join(v.name for v in field.enum_type.values if v.number != 0)
            return at, f"{item!r} is not one of {names}"
        return at, _innermost(str(error))
    return None
