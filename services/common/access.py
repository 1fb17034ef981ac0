"""The access table (`policy/access.yaml`): roles x RPCs x scope, as data.

`load_access()` reads and strictly validates the file (every RPC named must exist in a
kahu.v1 service, every role and scope be known, every field path resolve in the RPC's
response); a bad file raises `AccessError` naming the place. The table is consulted on
every call by the server's authorisation (services/common/authz.py); an RPC or role it
does not list is refused.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import Descriptor, FieldDescriptor

import kahu.v1
from services.common.config import DEFAULT_ACCESS_FILE

VERSION = 1
#: The access table shipped with the code, as `load_access` takes it.
DEFAULT_ACCESS = str(DEFAULT_ACCESS_FILE)
#: Pseudo-RPCs of the codec server (HTTP), authorised from the same table.
CODEC_RPCS = ("kahu.codec/Decode", "kahu.codec/Encode")


class AccessError(ValueError):
    """The access table cannot be used; the message names the file and the place."""


class Scope(StrEnum):
    ANY = "any"
    SITE = "site"
    REGION = "region"
    ALLOCATED = "allocated"
    AGENCY = "agency"
    SHARED_CASE = "shared_case"
    YOUTH_JUSTICE = "youth_justice"


class Target(StrEnum):
    CASE = "case"
    REPORT = "report"
    ESCALATION = "escalation"
    LISTING = "listing"
    PAYLOADS = "payloads"


#: The scopes that make sense for each target.
SCOPES_FOR: dict[Target, frozenset[Scope]] = {
    Target.CASE: frozenset(Scope),
    Target.REPORT: frozenset({Scope.ANY, Scope.SITE, Scope.REGION, Scope.AGENCY}),
    Target.ESCALATION: frozenset({Scope.ANY, Scope.SITE, Scope.REGION}),
    Target.LISTING: frozenset({Scope.ANY, Scope.SITE, Scope.REGION}),
    Target.PAYLOADS: frozenset({Scope.ANY}),
}

PURPOSE_FIELDS = "purpose"


@dataclass(frozen=True)
class Rule:
    """What one role may do with one RPC: its scope, and the response fields it sees
    (None: all; PURPOSE_FIELDS: its token's purpose's)."""

    role: str
    scope: Scope
    fields: tuple[str, ...] | str | None = None


@dataclass(frozen=True)
class Entry:
    method: str
    target: Target
    actor: str | None
    allow: Mapping[str, Rule]


@dataclass(frozen=True)
class Purpose:
    name: str
    description: str
    fields: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class AccessTable:
    roles: Mapping[str, str]
    entries: Mapping[str, Entry]
    purposes: Mapping[str, Purpose] = field(default_factory=dict)

    def entry(self, method: str) -> Entry | None:
        """The entry of a method (`/pkg.Service/Method` or `pkg.Service/Method`)."""
        return self.entries.get(method.lstrip("/"))

    def rules(self, method: str, roles: Iterable[str]) -> list[Rule]:
        """The rules by which any of `roles` may call `method` (empty: refused)."""
        entry = self.entry(method)
        if entry is None:
            return []
        return [entry.allow[role] for role in sorted(roles) if role in entry.allow]

    def purpose_fields(self, purpose: str, method: str) -> tuple[str, ...] | None:
        """The fields a purpose allows for a method (None: the purpose allows none)."""
        found = self.purposes.get(purpose)
        return None if found is None else found.fields.get(method.lstrip("/"))


def import_kahu_services() -> None:
    """Import every kahu.v1 module, so each service is in the descriptor pool."""
    for module in pkgutil.iter_modules(kahu.v1.__path__):
        if module.name.endswith("_pb2"):
            importlib.import_module(f"kahu.v1.{module.name}")


def kahu_methods() -> list[str]:
    """`pkg.Service/Method` of every RPC of every kahu.v1 service."""
    import_kahu_services()
    methods: list[str] = []
    for module in pkgutil.iter_modules(kahu.v1.__path__):
        if module.name.endswith("_pb2"):
            file = importlib.import_module(f"kahu.v1.{module.name}").DESCRIPTOR
            for service in file.services_by_name.values():
                methods.extend(f"{service.full_name}/{m.name}" for m in service.methods)
    return sorted(methods)


def _method_descriptor(name: str) -> tuple[Descriptor, Descriptor] | None:
    """(input, output) message descriptors of a kahu RPC, None if there is no such RPC."""
    service_name, _, method_name = name.partition("/")
    try:
        service = descriptor_pool.Default().FindServiceByName(service_name)
    except KeyError:
        return None
    method = service.methods_by_name.get(method_name)
    return None if method is None else (method.input_type, method.output_type)


def check_path(message: Descriptor, path: str) -> bool:
    """Whether a dotted field path resolves in `message` (through singular messages)."""
    parts = path.split(".")
    for i, part in enumerate(parts):
        found = message.fields_by_name.get(part)
        if found is None:
            return False
        if i < len(parts) - 1:
            if found.message_type is None or found.is_repeated:
                return False
            message = found.message_type
    return True


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> AccessError:
        return AccessError(f"{self.path}: {where}: {problem}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping")
        return value

    def fields(self, value: Any, where: str, response: Descriptor | None) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail(where, "must be a non-empty list of field paths")
        for path in value:
            if response is not None and not check_path(response, path):
                raise self.fail(where, f"{path} is not a field of {response.full_name}")
        return tuple(value)


def parse_access(data: Any, path: Path, *, check_methods: bool = True) -> AccessTable:
    """Validate the table's data (`check_methods`: every RPC must exist in kahu.v1)."""
    r = _Reader(path)
    top = r.mapping(data, "the file")
    unknown = set(top) - {"version", "roles", "purposes", "views", "rpcs"}
    if unknown:
        raise r.fail("the file", f"unknown keys {sorted(unknown)}")
    if top.get("version") != VERSION:
        raise r.fail("version", f"must be {VERSION}")
    roles = r.mapping(top.get("roles"), "roles")
    for role, description in roles.items():
        if not isinstance(role, str) or not role.isidentifier() or not isinstance(description, str):
            raise r.fail(f"roles.{role}", "must be an identifier with a description")
    if check_methods:
        import_kahu_services()

    def io(method: str, where: str) -> tuple[Descriptor, Descriptor] | None:
        if method in CODEC_RPCS or not check_methods:
            return None
        found = _method_descriptor(method)
        if found is None:
            raise r.fail(where, f"{method} is not an RPC of any kahu.v1 service")
        return found

    purposes: dict[str, Purpose] = {}
    for name, body in r.mapping(top.get("purposes", {}), "purposes").items():
        where = f"purposes.{name}"
        body = r.mapping(body, where)
        if set(body) - {"description", "fields"} or not isinstance(body.get("description"), str):
            raise r.fail(where, "has a description and fields")
        per_method = {}
        for method, paths in r.mapping(body.get("fields"), f"{where}.fields").items():
            found = io(method, f"{where}.fields.{method}")
            per_method[method] = r.fields(paths, f"{where}.fields.{method}", found[1] if found else None)
        purposes[name] = Purpose(name, body["description"], per_method)

    entries: dict[str, Entry] = {}
    for method, body in r.mapping(top.get("rpcs"), "rpcs").items():
        where = f"rpcs.{method}"
        body = r.mapping(body, where)
        if set(body) - {"target", "actor", "allow"}:
            raise r.fail(where, f"unknown keys {sorted(set(body) - {'target', 'actor', 'allow'})}")
        found = io(method, where)
        try:
            target = Target(str(body.get("target")))
        except ValueError:
            raise r.fail(f"{where}.target", f"must be one of {', '.join(Target)}") from None
        actor = body.get("actor")
        if actor is not None and (
            not isinstance(actor, str)
            or (
                found is not None
                and (
                    actor not in found[0].fields_by_name
                    or found[0].fields_by_name[actor].type != FieldDescriptor.TYPE_STRING
                )
            )
        ):
            raise r.fail(f"{where}.actor", f"{actor!r} is not a string field of the request")
        allow: dict[str, Rule] = {}
        for role, rule in r.mapping(body.get("allow"), f"{where}.allow").items():
            rwhere = f"{where}.allow.{role}"
            if role not in roles:
                raise r.fail(rwhere, "is not a role listed under roles")
            rule = r.mapping(rule, rwhere)
            if set(rule) - {"scope", "fields"}:
                raise r.fail(rwhere, "has only scope and fields")
            try:
                scope = Scope(str(rule.get("scope")))
            except ValueError:
                raise r.fail(f"{rwhere}.scope", f"must be one of {', '.join(Scope)}") from None
            if scope not in SCOPES_FOR[target]:
                raise r.fail(f"{rwhere}.scope", f"{scope} does not apply to a {target} RPC")
            fields: tuple[str, ...] | str | None = None
            if rule.get("fields") == PURPOSE_FIELDS:
                if scope is not Scope.SHARED_CASE:
                    raise r.fail(f"{rwhere}.fields", "purpose fields go with scope shared_case")
                fields = PURPOSE_FIELDS
            elif "fields" in rule:
                fields = r.fields(rule["fields"], f"{rwhere}.fields", found[1] if found else None)
            if scope is Scope.SHARED_CASE and fields != PURPOSE_FIELDS:
                raise r.fail(f"{rwhere}.fields", "a shared case is seen through its purpose: fields: purpose")
            if role == "workload" and scope is not Scope.ANY:
                raise r.fail(f"{rwhere}.scope", "the workload identity acts for no site: scope any")
            allow[role] = Rule(role, scope, fields)
        entries[method] = Entry(method, target, actor, allow)
    return AccessTable(dict(roles), entries, purposes)


@cache
def load_access(path: str) -> AccessTable:
    """Read and validate the access table at `path` (cached per path)."""
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise AccessError(f"{file}: cannot read: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise AccessError(f"{file}: not YAML: {error}") from None
    return parse_access(data, file)
