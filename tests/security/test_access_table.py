"""The access table as data: every RPC of every kahu.v1 service has an entry, and the file
is validated strictly (a mistake stops start-up, naming the place)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.common.access import (
    CODEC_RPCS,
    DEFAULT_ACCESS,
    AccessError,
    Scope,
    kahu_methods,
    load_access,
    parse_access,
)

TABLE_FILE = Path(DEFAULT_ACCESS)


def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(TABLE_FILE.read_text(encoding="utf-8"))
    return data


def test_every_rpc_of_every_kahu_service_has_an_entry() -> None:
    """Fails when a service gains an RPC the table does not list: add it to
    policy/access.yaml (until then the RPC is refused to every caller)."""
    table = load_access(str(TABLE_FILE))
    missing = [method for method in kahu_methods() if table.entry(method) is None]
    assert not missing, f"add these RPCs to {TABLE_FILE.name} (fail closed: refused until then): {missing}"
    stale = [m for m in table.entries if m not in kahu_methods() and m not in CODEC_RPCS]
    assert not stale


def test_the_workload_identity_alone_calls_the_worker_rpcs_and_people_never_do() -> None:
    table = load_access(str(TABLE_FILE))
    for method, entry in table.entries.items():
        if "workload" in entry.allow:
            assert set(entry.allow) == {"workload"}, f"{method}: people and the worker share an RPC"
            assert entry.allow["workload"].scope is Scope.ANY


def test_every_role_has_a_use_and_ops_never_sees_free_text() -> None:
    table = load_access(str(TABLE_FILE))
    used = {role for entry in table.entries.values() for role in entry.allow}
    assert used == set(table.roles)
    for method in ("kahu.v1.IntakeService/GetCase", "kahu.v1.AssessmentService/GetAssessment"):
        fields = table.entries[method].allow["ops"].fields
        assert isinstance(fields, tuple)
        assert not {"timeline", "decision", "findings", "assessment.timeline"} & set(fields)


def _broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw())
    change(data)
    return data


GET_CASE = "kahu.v1.IntakeService/GetCase"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d.update(version=2), "version"),
        (lambda d: d["rpcs"].update({"kahu.v1.IntakeService/Nope": d["rpcs"][GET_CASE]}), "IntakeService/Nope"),
        (lambda d: d["rpcs"][GET_CASE]["allow"].update(janitor={"scope": "any"}), "allow.janitor"),
        (lambda d: d["rpcs"][GET_CASE]["allow"]["ops"].update(scope="planet"), "allow.ops.scope"),
        (lambda d: d["rpcs"][GET_CASE]["allow"]["ops"].update(fields=["case.name"]), "case.name"),
        (lambda d: d["rpcs"][GET_CASE].update(target="galaxy"), "target"),
        (lambda d: d["rpcs"]["kahu.v1.IntakeService/ListCases"]["allow"]["ops"].update(scope="allocated"), "scope"),
        (lambda d: d["rpcs"]["kahu.v1.TriageService/RecordDecision"].update(actor="pathway"), "actor"),
        (lambda d: d["rpcs"]["kahu.v1.TriageService/NotifyPolice"]["allow"]["workload"].update(scope="site"), "scope"),
        (lambda d: d["rpcs"][GET_CASE]["allow"]["partner_agency"].pop("fields"), "fields"),
    ],
)
def test_a_bad_table_is_refused_naming_the_place(change: Any, named: str) -> None:
    with pytest.raises(AccessError, match=named):
        parse_access(_broken(change), TABLE_FILE)
