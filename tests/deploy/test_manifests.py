"""The invariants of Kahu's Kubernetes deployment, asserted on the rendered manifests.

Everything here runs offline: `kubectl kustomize` renders each overlay (tests/deploy/
manifests.py) and the assertions read the objects a cluster would receive.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import ipaddress
import re
import secrets
import shlex
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from services.common.config import DEFAULT_PORTS, DOMAIN_SERVICES, is_loopback, load
from services.common.db import create_pool
from services.common.notifications.routing import Email, Routing, Webhook, load_routing
from services.console.backend import CALLED as CONSOLE_CALLS
from services.console.settings import load_console
from services.migrate import SCHEMAS as MIGRATED_SCHEMAS
from tests.deploy import manifests
from tests.deploy.manifests import REPO, Object, describe, render
from workflows import search_attributes
from workflows.conference.model import COORDINATOR_MANAGER
from workflows.policy.loader import load_policy
from workflows.worker import CALLED_SERVICES, GRACEFUL_SHUTDOWN

OVERLAYS = ("dev", "prod")
#: The domain services deployed today.
DEPLOYED_SERVICES = ("intake", "triage", "assessment", "supervision", "conference", "placement", "plan")
#: The services agency systems reach: intake (reports) and conference (Police triggers).
AGENCY_FACING = ("intake", "conference")
#: The codec server the Temporal UI decodes payloads through (HTTPS, services/codec).
CODEC = "codec"
#: The web console (HTTPS, services/console): no database; it calls the services it names.
CONSOLE = "console"
#: The parts served over HTTPS and probed there.
HTTPS_PARTS = (CODEC, CONSOLE)
#: The parts with a database: each migrates its own schema, as the owner, before it serves.
WITH_DATABASE = (*DEPLOYED_SERVICES, CODEC)
#: The role that owns the database and every schema, and its Secret: only the `migrate`
#: init containers may see it.
OWNER_ROLE = "kahu"
OWNER_SECRET = "kahu-db-owner"
MIGRATE = "migrate"
#: The plaintext, health-only port of every gRPC service, for the kubelet's probes.
PROBE_PORT = 8086
#: Where every Kahu container finds its certificate; the Issuer that signs them all, and
#: the Secret with its key, which no pod mounts.
TLS_DIR = "/etc/kahu/tls"
CA_ISSUER = "kahu-internal-ca"
CA_SECRET = "kahu-internal-ca"
WORKER_SHUTDOWN_SECONDS = GRACEFUL_SHUTDOWN.total_seconds()
#: The services each domain service itself calls (`settings.address("<service>")` in its
#: code): triage tells supervision of a Police notification that failed for good
#: (RaiseAttention). Each needs a client certificate and NetworkPolicies both ways.
DIALS: dict[str, set[str]] = {
    name: {
        called
        for path in sorted((REPO / "services" / name).glob("*.py"))
        for called in re.findall(r"\.address\(\s*[\"'](\w+)[\"']\s*\)", path.read_text(encoding="utf-8"))
    }
    for name in DEPLOYED_SERVICES
} | {CONSOLE: set(CONSOLE_CALLS)}
RESTRICTED_UID_MIN = 10000
#: The parts that send notifications: they load the routing file at start-up.
NOTIFYING = tuple(
    name
    for name in DEPLOYED_SERVICES
    if any("load_routing(" in path.read_text(encoding="utf-8") for path in (REPO / "services" / name).glob("*.py"))
)
#: The routing file shipped for the deployment, where the pods find it, and the Secret
#: with its channels' secrets (mounted by the parts that send only).
DEPLOYED_ROUTING = REPO / "deploy" / "k8s" / "base" / "notifications" / "notifications.yaml"
NOTIFICATIONS_DIR = "/etc/kahu/notifications"
NOTIFICATION_KEYS = "kahu-notification-keys"
NOTIFICATION_KEYS_DIR = "/etc/kahu/keys/notifications"
#: Email leaves through a relay's submission port, with STARTTLS (senders.py refuses a
#: server off loopback that does not offer it; implicit TLS on 465 it does not speak).
SMTP_SUBMISSION = 587


# --------------------------------------------------------------------------- helpers


def objects(overlay: str, kind: str | None = None) -> list[Object]:
    return [o for o in render(overlay) if kind is None or o["kind"] == kind]


def every_rendering() -> Iterator[tuple[str, Object]]:
    yield from manifests.all_objects()


def named(overlay: str, kind: str, name: str, namespace: str = "kahu") -> Object:
    for obj in objects(overlay, kind):
        meta = obj["metadata"]
        if meta["name"] == name and meta.get("namespace") == namespace:
            return obj
    raise AssertionError(f"{overlay}: no {kind} {namespace}/{name}")


def pod_spec(obj: Object) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


def all_containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """A pod's containers and init containers."""
    found: list[dict[str, Any]] = [*spec["containers"], *(spec.get("initContainers") or [])]
    return found


def secret_refs(container: dict[str, Any]) -> set[str]:
    """The Secrets a container's environment reads."""
    refs = {
        e["valueFrom"]["secretKeyRef"]["name"]
        for e in container.get("env") or []
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    refs |= {e["secretRef"]["name"] for e in container.get("envFrom") or [] if "secretRef" in e}
    return refs


def mounted_secrets(spec: dict[str, Any], container: dict[str, Any]) -> dict[str, str]:
    """mount path -> Secret, for a container's Secret volumes."""
    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    return {
        m["mountPath"]: volumes[m["name"]]["secret"]["secretName"]
        for m in container.get("volumeMounts") or []
        if "secret" in volumes.get(m["name"], {})
    }


def workloads() -> Iterator[tuple[str, Object]]:
    """Every object that runs pods, in every rendering (and the Helm values' Job)."""
    for source, obj in every_rendering():
        if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            yield source, obj


def kahu_deployments(overlay: str) -> list[Object]:
    return [
        d for d in objects(overlay, "Deployment") if d["metadata"]["labels"].get("app.kubernetes.io/part-of") == "kahu"
    ]


def kahu_config(overlay: str) -> dict[str, str]:
    (config,) = [c for c in objects(overlay, "ConfigMap") if c["metadata"]["name"].startswith("kahu-config-")]
    data: dict[str, str] = config["data"]
    return data


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels and matchExpressions) selects `labels`."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def ids(items: list[tuple[str, Object]]) -> list[str]:
    return [f"{source}:{describe(obj)}" for source, obj in items]


WORKLOADS = list(workloads())


# --------------------------------------------------------------------------- containers


@pytest.mark.parametrize(("source", "workload"), WORKLOADS, ids=ids(WORKLOADS))
def test_every_container_is_restricted_and_bounded(source: str, workload: Object) -> None:
    spec = pod_spec(workload)
    pod_sc = spec.get("securityContext") or {}
    assert spec.get("automountServiceAccountToken") is False, "service-account token mounted"
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        assert not spec.get(flag), flag
    containers = spec["containers"] + (spec.get("initContainers") or [])
    for container in containers:
        where = f"container {container['name']}"
        sc = container.get("securityContext") or {}
        assert sc.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation"
        assert sc.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem"
        assert not sc.get("privileged"), f"{where}: privileged"
        assert sc.get("capabilities", {}).get("drop") == ["ALL"], f"{where}: capabilities not all dropped"
        assert not sc.get("capabilities", {}).get("add"), f"{where}: capabilities added"
        assert (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")) is True, f"{where}: may run as root"
        uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
        assert uid is not None and uid >= RESTRICTED_UID_MIN, f"{where}: runAsUser {uid}"
        seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
        assert seccomp == "RuntimeDefault", f"{where}: seccomp {seccomp}"
        resources = container.get("resources") or {}
        for bound in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                assert resource in (resources.get(bound) or {}), f"{where}: no {resource} {bound[:-1]}"
        image = container["image"]
        assert "@sha256:" in image or (":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest")), (
            f"{where}: image {image} is not pinned"
        )


@pytest.mark.parametrize(
    ("source", "workload"),
    [(s, w) for s, w in WORKLOADS if w["kind"] != "Job"],
    ids=ids([(s, w) for s, w in WORKLOADS if w["kind"] != "Job"]),
)
def test_every_long_running_container_has_probes(source: str, workload: Object) -> None:
    for container in pod_spec(workload)["containers"]:
        assert "livenessProbe" in container, f"{container['name']}: no liveness probe"
        assert "readinessProbe" in container, f"{container['name']}: no readiness probe"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kahu_parts_are_probed_on_a_health_port_the_kubelet_can_speak_to(overlay: str) -> None:
    """The services' TLS ports require client certificates, which the kubelet does not
    have: their gRPC probes go to the plaintext health-only port (KAHU_PROBE_PORT); the
    worker's health port is health-only itself; the codec server and the console are probed
    over HTTPS."""
    deployments = {d["metadata"]["name"]: d for d in kahu_deployments(overlay)}
    assert set(deployments) == {*DEPLOYED_SERVICES, "worker", *HTTPS_PARTS}
    for part in HTTPS_PARTS:
        (container,) = pod_spec(deployments.pop(part))["containers"]
        assert [p["containerPort"] for p in container["ports"]] == [DEFAULT_PORTS[part]]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"] == {"path": "/health", "port": DEFAULT_PORTS[part], "scheme": "HTTPS"}
        assert container["args"] == [f"services.{part}"]
    for name, deployment in deployments.items():
        (container,) = pod_spec(deployment)["containers"]
        env = {e["name"]: e.get("value") for e in container.get("env") or []}
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        if name == "worker":
            assert ports == {"health": DEFAULT_PORTS["worker_health"]}
            assert "KAHU_PROBE_PORT" not in env, "the worker's health port is already health-only"
            probed = DEFAULT_PORTS["worker_health"]
        else:
            assert ports == {"grpc": DEFAULT_PORTS[name], "probe": PROBE_PORT}, f"{name}: ports {ports}"
            assert env.get("KAHU_PROBE_PORT") == str(PROBE_PORT), f"{name}: KAHU_PROBE_PORT"
            probed = PROBE_PORT
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["grpc"] == {"port": probed}, (
                f"{name}: {probe} is not a gRPC health probe on {probed}"
            )
        module = "workflows.worker" if name == "worker" else f"services.{name}"
        assert container["args"] == [module], f"{name}: runs {container['args']}"
        assert name == "worker" or name in DOMAIN_SERVICES


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_termination_grace_outlasts_the_drain(overlay: str) -> None:
    config = kahu_config(overlay)
    notice = float(config["KAHU_DRAIN_NOTICE_SECONDS"])
    drain = float(config["KAHU_DRAIN_SECONDS"])
    for deployment in kahu_deployments(overlay):
        spec = pod_spec(deployment)
        (container,) = spec["containers"]
        pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        grace = spec["terminationGracePeriodSeconds"]
        if deployment["metadata"]["name"] == "worker":
            needed = notice + WORKER_SHUTDOWN_SECONDS
        else:
            needed = pre_stop + notice + drain
        assert grace > needed, f"{deployment['metadata']['name']}: grace {grace}s <= {needed}s of shutdown"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_write_only_to_tmp_and_read_the_policy(overlay: str) -> None:
    for deployment in kahu_deployments(overlay):
        spec = pod_spec(deployment)
        volumes = {v["name"]: v for v in spec["volumes"]}
        for each in all_containers(spec):
            mounts = {m["mountPath"]: m for m in each["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/tmp"]["name"]]
            writable = [path for path, mount in mounts.items() if not mount.get("readOnly")]
            assert writable == ["/tmp"], f"{deployment['metadata']['name']} {each['name']}: writable {writable}"
        (container,) = spec["containers"]
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        policy = mounts["/etc/kahu/policy"]
        assert volumes[policy["name"]]["configMap"]["name"].startswith("kahu-policy-")


@pytest.mark.parametrize(("source", "workload"), WORKLOADS, ids=ids(WORKLOADS))
def test_every_mount_has_its_volume(source: str, workload: Object) -> None:
    """The shared patches add mounts whose volumes each Deployment brings (`tls`)."""
    spec = pod_spec(workload)
    volumes = {v["name"] for v in spec.get("volumes") or []}
    for container in all_containers(spec):
        for mount in container.get("volumeMounts") or []:
            assert mount["name"] in volumes, f"{container['name']}: no volume {mount['name']}"


# --------------------------------------------------------------------------- availability


@pytest.mark.parametrize("source", [*manifests.KUSTOMIZATIONS])
def test_every_deployment_has_a_pod_disruption_budget(source: str) -> None:
    pdbs = objects(source, "PodDisruptionBudget")
    for deployment in objects(source, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        namespace = deployment["metadata"]["namespace"]
        matching = [
            p for p in pdbs if p["metadata"]["namespace"] == namespace and selects(p["spec"]["selector"], labels)
        ]
        assert len(matching) == 1, f"{describe(deployment)}: {len(matching)} PodDisruptionBudgets"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_domain_services_scale_on_hpa_and_the_worker_on_keda(overlay: str) -> None:
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in objects(overlay, "HorizontalPodAutoscaler")}
    assert set(hpas) == {*DEPLOYED_SERVICES, *HTTPS_PARTS}, "an HPA per service, none for the worker (KEDA owns it)"
    for hpa in hpas.values():
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert hpa["spec"]["minReplicas"] >= (3 if overlay == "prod" else 1)
    for deployment in kahu_deployments(overlay):
        assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    (scaled,) = objects(overlay, "ScaledObject")
    assert scaled["spec"]["scaleTargetRef"]["name"] == "worker"
    assert scaled["spec"]["minReplicaCount"] >= 1, "timers fire at any hour: never scale the worker to zero"


def test_prod_spreads_across_zones_and_replicates_the_database_synchronously() -> None:
    for deployment in kahu_deployments("prod"):
        zone = [c for c in pod_spec(deployment)["topologySpreadConstraints"] if "zone" in c["topologyKey"]]
        assert [c["whenUnsatisfiable"] for c in zone] == ["DoNotSchedule"]
    for source in ("prod", "temporal-database"):
        (cluster,) = objects(source, "Cluster")
        assert cluster["spec"]["instances"] == 3
        assert cluster["spec"]["postgresql"]["synchronous"]["dataDurability"] == "required"


# --------------------------------------------------------------------------- secrets and config


def test_no_secret_carries_data() -> None:
    for source, obj in every_rendering():
        if obj["kind"] == "Secret":
            assert not obj.get("data") and not obj.get("stringData"), f"{source}: {describe(obj)} carries data"


SECRETISH = re.compile(r"(password|passwd|secret|token|private[_-]?key)\s*[:=]|://[^/\s:@$]+:[^@\s$]+@", re.IGNORECASE)


def test_no_credential_in_any_config_or_env() -> None:
    for source, obj in every_rendering():
        if obj["kind"] == "ConfigMap" and not obj["metadata"]["name"].startswith("kahu-policy-"):
            for key, value in (obj.get("data") or {}).items():
                assert not SECRETISH.search(f"{key}={value}"), f"{source}: {describe(obj)} {key}"
        if obj["kind"] in ("Deployment", "Job"):
            for container in all_containers(pod_spec(obj)):
                for env in container.get("env") or []:
                    if "value" in env:
                        assert not SECRETISH.search(env["value"]), f"{source}: {describe(obj)} env {env['name']}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_connects_as_its_own_role(overlay: str) -> None:
    (cluster,) = objects(overlay, "Cluster")
    role_secrets = {r["name"]: r["passwordSecret"]["name"] for r in cluster["spec"]["managed"]["roles"]}
    for deployment in kahu_deployments(overlay):
        name = deployment["metadata"]["name"]
        (container,) = pod_spec(deployment)["containers"]
        refs = secret_refs(container)
        if name == "worker":
            assert refs == set(), "the worker has no database"
            continue
        if name == CONSOLE:
            assert refs == {"kahu-console-oidc"}, "the console has no database: only its OpenID client secret"
            continue
        assert refs == {f"kahu-db-{name}"}
        assert role_secrets[f"kahu_{name}"] == f"kahu-db-{name}"
        env = {e["name"]: e for e in container["env"]}
        assert "$(KAHU_DB_PASSWORD)" in env["DATABASE_URL"]["value"]
        assert "DATABASE_OWNER_URL" not in env


def container_environment(overlay: str, container: dict[str, Any]) -> dict[str, str]:
    """The environment a container starts with, as the kubelet builds it: envFrom, then
    env in order with $(VAR) expanded; a secretKeyRef value stands in as
    `<secret>-<key>`."""
    assert [e["configMapRef"]["name"] for e in container["envFrom"]] == [
        c["metadata"]["name"] for c in objects(overlay, "ConfigMap") if c["metadata"]["name"].startswith("kahu-config-")
    ]
    env = dict(kahu_config(overlay))
    for item in container.get("env") or []:
        if "value" in item:
            env[item["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), item["value"])
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = f"{ref['name']}-{ref['key']}"
    return env


def with_files(env: dict[str, str], root: Path) -> dict[str, str]:
    """`env` with the certificate files it names created below `root` (load() checks
    that they exist)."""
    out = dict(env)
    for name in ("KAHU_TLS_CERT_FILE", "KAHU_TLS_KEY_FILE", "KAHU_TLS_CA_FILE"):
        if name in env:
            path = root / env[name].lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            out[name] = str(path)
    return out


def _where(url: str) -> tuple[str | None, int | None, str, str]:
    """Host, port, database and options of a PostgreSQL URL: all but the user."""
    parsed = urlparse(url)
    return parsed.hostname, parsed.port, parsed.path, parsed.query


def _mounted(path: str, container: dict[str, Any]) -> bool:
    return any(path.startswith(m["mountPath"] + "/") for m in container.get("volumeMounts") or [])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_part_accepts_its_configuration(overlay: str, tmp_path: Path) -> None:
    for deployment in kahu_deployments(overlay):
        name = deployment["metadata"]["name"]
        spec = pod_spec(deployment)
        (container,) = spec["containers"]
        env = container_environment(overlay, container)
        # raises ConfigError naming a bad variable (the console's own too)
        files = with_files(env, tmp_path / name)
        if name == CONSOLE:
            console = load_console(files)
            assert console.oidc is not None and console.secure_cookies and console.public_url
            settings = console.kahu
        else:
            settings = load(files)
        assert settings.host == "0.0.0.0"
        assert not settings.allow_plaintext
        assert settings.tls is not None and settings.tls.ca_file is not None, f"{name}: no TLS"
        assert all(env[f"KAHU_TLS_{f}_FILE"].startswith(f"{TLS_DIR}/") for f in ("CERT", "KEY", "CA"))
        part = "worker_health" if name == "worker" else name
        assert settings.port(part) == container["ports"][0]["containerPort"]
        assert settings.probe_port == (PROBE_PORT if name in DEPLOYED_SERVICES else None)
        if name in ("worker", CONSOLE):
            continue  # no database (its unused database settings keep the embedded defaults)
        assert settings.database_owner_url is None, f"{name}: the owner's credentials reach the server"
        assert "$(" not in settings.database_url
        assert urlparse(settings.database_url).username == f"kahu-db-{name}-username"
        host, port, database, options = _where(settings.database_url)
        assert (host, port, database) == ("kahu-db-rw", 5432, "/kahu")
        assert "sslmode=" in options
        roots = re.findall(r"sslrootcert=([^&]+)", options)
        assert all(_mounted(root, container) for root in roots), f"{name}: {roots} not mounted"
        # the init container: the owner's URL and the service's own, to the same database
        (migrate,) = spec["initContainers"]
        init = load(container_environment(overlay, migrate))
        assert init.database_url == settings.database_url
        assert init.database_owner_url is not None
        assert urlparse(init.database_owner_url).username == f"{OWNER_SECRET}-username"
        assert _where(init.database_owner_url) == (host, port, database, options)
        assert all(_mounted(root, migrate) for root in roots), f"{name} {MIGRATE}: {roots} not mounted"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_database_connections_fit_the_roles_and_the_server(overlay: str) -> None:
    pool = inspect.signature(create_pool).parameters["max_size"].default
    (cluster,) = objects(overlay, "Cluster")
    limits = {r["name"]: r["connectionLimit"] for r in cluster["spec"]["managed"]["roles"]}
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in objects(overlay, "HorizontalPodAutoscaler")}
    for service in DEPLOYED_SERVICES:
        surge = named(overlay, "Deployment", service)["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
        most = (hpas[service]["spec"]["maxReplicas"] + surge) * pool
        assert most <= limits[f"kahu_{service}"], f"{service}: up to {most} connections"
    assert sum(limits.values()) < int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_owner_role_owns_the_schemas_and_the_services_roles_only_connect(overlay: str) -> None:
    """The owner (`kahu`) owns the database, so it creates and owns every schema; a
    service's role may CONNECT and nothing more at the database level (no CREATE: it
    cannot create a schema it would own), so in its schema it has only the owner's
    grants and cannot drop the audit trail's triggers."""
    (cluster,) = objects(overlay, "Cluster")
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    assert initdb["database"] == "kahu"
    assert (initdb["owner"], initdb["secret"]["name"]) == (OWNER_ROLE, OWNER_SECRET)
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    assert roles[OWNER_ROLE]["passwordSecret"]["name"] == OWNER_SECRET, "a new owner password must be applied"
    sql = [" ".join(s.split()) for s in initdb["postInitApplicationSQL"]]
    connect = []
    for statement in sql:
        assert not re.search(r"\bOWNER TO\b", statement, re.IGNORECASE), statement
        if statement.upper().startswith("GRANT"):
            grant = re.fullmatch(r"GRANT (.+) ON (\w+) (\w+) TO (.+)", statement, re.IGNORECASE)
            assert grant is not None, f"unexpected grant: {statement}"
            privileges, kind, target, grantees = grant.groups()
            assert (privileges.upper(), kind.upper(), target) == ("CONNECT", "DATABASE", "kahu"), statement
            connect += [g.strip() for g in grantees.split(",")]
    for name in WITH_DATABASE:
        role = f"kahu_{name}"
        assert f"CREATE ROLE {role} LOGIN" in sql
        assert role in connect, f"{role} may not connect"
        for power in ("superuser", "createdb", "createrole", "replication", "bypassrls"):
            assert not roles[role].get(power), f"{role}: {power}"
        assert OWNER_ROLE not in (roles[role].get("inRoles") or []), f"{role} is a member of the owner"
    assert sorted(connect) == sorted(f"kahu_{n}" for n in WITH_DATABASE)


@pytest.mark.parametrize("name", WITH_DATABASE)
def test_each_schema_is_named_after_its_part_and_migrated_by_it(name: str) -> None:
    schema, _ = MIGRATED_SCHEMAS[name]
    assert schema == name, "the roles and the init containers assume schema <name>"
    module = "services.codec.app" if name == CODEC else f"services.{name}.store"
    assert name == importlib.import_module(module).SCHEMA


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_with_a_database_migrates_its_own_schema_first(overlay: str) -> None:
    for deployment in kahu_deployments(overlay):
        name = deployment["metadata"]["name"]
        spec = pod_spec(deployment)
        (container,) = spec["containers"]
        has_database = any(e["name"] == "DATABASE_URL" for e in container.get("env") or [])
        assert has_database is (name in WITH_DATABASE), name
        if not has_database:
            assert not spec.get("initContainers"), f"{name}: init containers without a database"
            continue
        (migrate,) = spec["initContainers"]
        assert migrate["name"] == MIGRATE
        assert migrate["args"] == ["services.migrate", name], f"{name}: migrates {migrate['args']}"
        assert name in MIGRATED_SCHEMAS
        assert (migrate["image"], migrate["imagePullPolicy"]) == (container["image"], container["imagePullPolicy"])
        assert secret_refs(migrate) == {f"kahu-db-{name}", OWNER_SECRET}
        # it talks to PostgreSQL only: no keys, no certificate
        mounts = {m["mountPath"] for m in migrate["volumeMounts"]}
        assert mounts <= {"/tmp", "/etc/kahu/db-ca"}, f"{name} {MIGRATE}: mounts {mounts}"


def test_only_the_migrate_init_containers_see_the_owners_credentials() -> None:
    for source, workload in WORKLOADS:
        spec = pod_spec(workload)
        for volume in spec.get("volumes") or []:
            named_secrets = {volume.get("secret", {}).get("secretName")} | {
                s.get("secret", {}).get("name") for s in volume.get("projected", {}).get("sources") or []
            }
            assert OWNER_SECRET not in named_secrets, f"{source}: {describe(workload)} mounts {OWNER_SECRET}"
            assert CA_SECRET not in named_secrets, f"{source}: {describe(workload)} mounts the CA's key"
        migrate = [c for c in spec.get("initContainers") or [] if c["name"] == MIGRATE]
        for container in all_containers(spec):
            if any(container is m for m in migrate):
                continue
            where = f"{source}: {describe(workload)} container {container['name']}"
            assert OWNER_SECRET not in secret_refs(container), f"{where} reads {OWNER_SECRET}"
            assert "DATABASE_OWNER_URL" not in {e["name"] for e in container.get("env") or []}, where


def test_the_policy_configmap_is_the_repositorys_policy() -> None:
    policy = (REPO / "policy" / "kahu.yaml").read_text(encoding="utf-8")
    for overlay in OVERLAYS:
        (configmap,) = [c for c in objects(overlay, "ConfigMap") if c["metadata"]["name"].startswith("kahu-policy-")]
        assert configmap["data"]["kahu.yaml"] == policy, "run `make deploy-policy` (deploy-check does it for you)"
        assert kahu_config(overlay)["KAHU_POLICY_FILE"] == "/etc/kahu/policy/kahu.yaml"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_configuration_agrees_across_kahu_keda_and_temporal(overlay: str) -> None:
    config = kahu_config(overlay)
    (scaled,) = objects(overlay, "ScaledObject")
    trigger = scaled["spec"]["triggers"][0]["metadata"]
    assert trigger["endpoint"] == config["TEMPORAL_ADDRESS"]
    assert trigger["namespace"] == config["TEMPORAL_NAMESPACE"]
    assert trigger["taskQueue"] == config["KAHU_TASK_QUEUE"]
    values = manifests.temporal_values()
    namespaces = [n["name"] for n in values["server"]["config"]["namespaces"]["namespace"]]
    assert config["TEMPORAL_NAMESPACE"] in namespaces
    assert config["KAHU_HOST"] == "0.0.0.0"
    for service in DEPLOYED_SERVICES:
        assert config[f"{service.upper()}_ADDRESS"] == f"{service}:{DEFAULT_PORTS[service]}"
        (svc,) = [s for s in objects(overlay, "Service") if s["metadata"]["name"] == service]
        assert svc["spec"]["ports"][0]["port"] == DEFAULT_PORTS[service]
    collector = named(overlay, "Service", "otel-collector", "kahu-observability")
    assert config["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector.kahu-observability.svc.cluster.local:4318"
    assert 4318 in [p["port"] for p in collector["spec"]["ports"]]


def test_temporal_values_register_every_kahu_search_attribute() -> None:
    (job,) = [o for o in manifests.helm_extra_objects() if o["metadata"]["name"] == "kahu-search-attributes"]
    (container,) = pod_spec(job)["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    registered = dict(pair.split("=") for pair in shlex.split(env["KAHU_SEARCH_ATTRIBUTES"]))
    expected = {key.name: key.indexed_value_type.name.title() for key in search_attributes.ALL}
    assert registered == expected
    assert env["TEMPORAL_NAMESPACE"] == kahu_config("prod")["TEMPORAL_NAMESPACE"]


def test_temporal_values_keep_both_stores_on_postgresql_with_secret_references() -> None:
    persistence = manifests.temporal_values()["server"]["config"]["persistence"]
    assert persistence["numHistoryShards"] == 512
    stores = persistence["datastores"]
    assert {persistence["defaultStore"], persistence["visibilityStore"]} == set(stores)
    for store in stores.values():
        sql = store["sql"]
        assert sql["pluginName"].startswith("postgres")
        assert "password" not in sql, "a password in the values: use existingSecret"
        assert sql["existingSecret"] == "temporal-db-owner"
        assert sql["tls"]["enabled"] is True
    (cluster,) = objects("temporal-database", "Cluster")
    assert cluster["spec"]["bootstrap"]["initdb"]["secret"]["name"] == "temporal-db-owner"
    assert {"temporal", "temporal_visibility"} == {
        cluster["spec"]["bootstrap"]["initdb"]["database"],
        *(s.split()[2] for s in cluster["spec"]["bootstrap"]["initdb"]["postInitSQL"]),
    }


# --------------------------------------------------------------------------- network


def policies(source: str, namespace: str) -> list[Object]:
    return [p for p in objects(source, "NetworkPolicy") if p["metadata"]["namespace"] == namespace]


@pytest.mark.parametrize(("source", "namespace"), [(o, "kahu") for o in OVERLAYS] + [("prod", "kahu-observability")])
def test_network_policies_deny_by_default(source: str, namespace: str) -> None:
    deny = [
        p
        for p in policies(source, namespace)
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert deny, f"no default-deny NetworkPolicy in {namespace}"


def _peers(policy: Object, direction: str) -> Iterator[tuple[dict[str, Any], list[Any]]]:
    key, side = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    for rule in policy["spec"].get(key) or []:
        for peer in rule.get(side) or [{}]:
            yield peer, rule.get("ports") or []


def _allowed(source: str, labels: dict[str, str], direction: str) -> list[tuple[dict[str, Any], list[Any]]]:
    return [
        peer
        for policy in policies(source, "kahu")
        if direction in policy["spec"]["policyTypes"] and selects(policy["spec"]["podSelector"], labels)
        for peer in _peers(policy, direction)
    ]


def _pod_labels(overlay: str, name: str) -> dict[str, str]:
    labels: dict[str, str] = named(overlay, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
    return labels


def _peer_name(peer: dict[str, Any]) -> str:
    if "ipBlock" in peer:
        return f"ipBlock {peer['ipBlock']['cidr']}"
    namespace = (peer.get("namespaceSelector") or {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
    pods = (peer.get("podSelector") or {}).get("matchLabels", {})
    return f"{namespace or 'kahu'}:{','.join(f'{k}={v}' for k, v in sorted(pods.items()))}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kahu_pods_egress_only_to_dns_temporal_collector_database_and_services(overlay: str) -> None:
    """...and the services a domain service calls itself (DIALS); the notifications'
    addresses outside the cluster (ipBlocks) are the notifications tests' concern."""
    allowed = {
        "kube-system:k8s-app=kube-dns",
        "temporal:app.kubernetes.io/component=frontend",
        "kahu-observability:app.kubernetes.io/name=otel-collector",
        "kahu:cnpg.io/cluster=kahu-db",
        "kahu:app.kubernetes.io/component=domain-service",
    }
    for name in (*DEPLOYED_SERVICES, "worker"):
        egress = _allowed(overlay, _pod_labels(overlay, name), "Egress")
        peers = {_peer_name(peer) for peer, _ in egress if "ipBlock" not in peer}
        dialled = {f"kahu:app.kubernetes.io/name={called}" for called in DIALS.get(name, set())}
        assert peers <= allowed | dialled, f"{name} may also reach {sorted(peers - allowed - dialled)}"
        for called in DIALS.get(name, set()):
            assert any(
                set(peer) == {"podSelector"}
                and selects(peer["podSelector"], _pod_labels(overlay, called))
                and [p["port"] for p in ports] == [DEFAULT_PORTS[called]]
                for peer, ports in egress
            ), f"{name} cannot reach {called}, which it calls"
        blocks = [peer for peer, _ in egress if "ipBlock" in peer]
        assert not blocks or name in NOTIFYING, f"{name} may reach {[_peer_name(b) for b in blocks]}"
        assert ("kahu:cnpg.io/cluster=kahu-db" in peers) is (name != "worker"), "only the services reach the database"
        assert ("kahu:app.kubernetes.io/component=domain-service" in peers) is (name == "worker")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_agency_systems_reach_intake_only_and_services_accept_only_their_callers(overlay: str) -> None:
    for name in DEPLOYED_SERVICES:
        ingress = _allowed(overlay, _pod_labels(overlay, name), "Ingress")
        edges: set[str] = set()
        pods: set[str] = set()
        for peer, ports in ingress:
            assert [p["port"] for p in ports] == [DEFAULT_PORTS[name]], f"{name}: ports {ports}"
            assert "ipBlock" not in peer, f"{name}: accepts an ipBlock"
            if "namespaceSelector" in peer:
                selector = peer["namespaceSelector"]
                for value in ("agency", "staff", "ops"):
                    if selects(selector, {"kahu-edge": value}):
                        edges.add(value)
                assert not selects(selector, {}), f"{name}: accepts every namespace"
            else:
                pods.add(_peer_name(peer))
        callers = {"worker", *(caller for caller in (*DEPLOYED_SERVICES, CONSOLE) if name in DIALS[caller])}
        callers = {f"kahu:app.kubernetes.io/name={caller}" for caller in callers}
        assert pods == callers, f"{name}: accepts {pods}"
        assert edges == ({"agency", "staff"} if name in AGENCY_FACING else {"staff"}), f"{name}: reached from {edges}"
    assert _allowed(overlay, _pod_labels(overlay, "worker"), "Ingress") == [], "nothing calls the worker"
    worker_egress = _allowed(overlay, _pod_labels(overlay, "worker"), "Egress")
    for called in CALLED_SERVICES:
        assert called in DEPLOYED_SERVICES, f"the worker calls {called}, which is not deployed"
        labels = _pod_labels(overlay, called)
        assert any(
            "podSelector" in peer
            and "namespaceSelector" not in peer
            and selects(peer["podSelector"], labels)
            and DEFAULT_PORTS[called] in [p["port"] for p in ports]
            for peer, ports in worker_egress
        ), f"the worker cannot reach {called}"


# --------------------------------------------------------------------------- the image


def test_dockerfile_matches_the_makefile_and_the_pods() -> None:
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    uv_version = re.search(r"^UV_VERSION := (\S+)$", makefile, re.MULTILINE)
    assert uv_version is not None
    assert f"uv=={uv_version.group(1)}" in dockerfile, "the image builds with the Makefile's uv"
    bases = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert bases and all(re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", b) for b in bases), bases
    assert "uv sync --frozen --no-dev" in dockerfile
    assert "PYTHONDONTWRITEBYTECODE=1" in dockerfile
    user = re.findall(r"^USER (\d+):(\d+)$", dockerfile, re.MULTILINE)
    assert user == [("10001", "10001")]
    for deployment in kahu_deployments("prod"):
        assert pod_spec(deployment)["securityContext"]["runAsUser"] == 10001


def test_rendered_objects_are_valid() -> None:
    count, failures = manifests.validate_all(manifests.all_objects())
    assert count > 0
    assert failures == []


def test_custom_resource_schemas_are_strict() -> None:
    schemas = manifests.custom_resource_schemas()
    assert {("keda.sh/v1alpha1", "ScaledObject"), ("postgresql.cnpg.io/v1", "Cluster")} <= set(schemas)
    so = yaml.safe_load(
        """
        apiVersion: keda.sh/v1alpha1
        kind: ScaledObject
        metadata: {name: w}
        spec:
          scaleTargetRef: {name: worker}
          triggers: [{type: temporal, metadata: {endpoint: "t:7233", taskQueu: kahu-cases}}]
        """
    )
    assert manifests.validate(so), "a misspelt temporal scaler field must fail"
    assert {("cert-manager.io/v1", "Certificate"), ("cert-manager.io/v1", "Issuer")} <= set(schemas)
    cert = yaml.safe_load(
        """
        apiVersion: cert-manager.io/v1
        kind: Certificate
        metadata: {name: c}
        spec:
          secretName: kahu-tls-c
          issuerRef: {name: kahu-internal-ca}
          dnsNames: [c]
          usages: [server auth]
          privateKey: {algorithm: ECDSA, rotationPolicy: Always}
        """
    )
    assert manifests.validate(cert) == []
    for field, value in (("dnsName", ["c"]), ("usages", ["server-auth"]), ("duration", "90d")):
        broken = copy.deepcopy(cert)
        broken["spec"][field] = value
        assert manifests.validate(broken), f"Certificate spec.{field}={value!r} must fail"
    issuer = {"apiVersion": "cert-manager.io/v1", "kind": "Issuer", "metadata": {"name": "i"}, "spec": {"ca": {}}}
    assert manifests.validate(issuer), "a CA issuer without its secret must fail"


# --------------------------------------------------------------------------- security (issue 6)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_has_its_keys_and_refuses_to_start_without_them(overlay: str) -> None:
    config = kahu_config(overlay)
    assert config["KAHU_KEYS_DIR"] == "/etc/kahu/keys"
    assert load(dict(config)).signing_keys_dir.as_posix() == "/etc/kahu/keys/signing"
    for deployment in kahu_deployments(overlay):
        spec = pod_spec(deployment)
        volumes = {v["name"]: v for v in spec["volumes"]}
        (container,) = spec["containers"]
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        for kind, secret in (("payload", "kahu-payload-keys"), ("signing", "kahu-signing-keys")):
            mount = mounts[f"/etc/kahu/keys/{kind}"]
            assert mount["readOnly"] is True
            source = volumes[mount["name"]]["secret"]
            assert source["secretName"] == secret
            assert source["optional"] is False, "a pod without its keys must not start"


def test_no_manifest_allows_plaintext() -> None:
    """Only the health-only ports are plaintext, which needs no flag: nothing sets
    KAHU_ALLOW_PLAINTEXT."""
    for source, obj in every_rendering():
        assert "KAHU_ALLOW_PLAINTEXT" not in yaml.safe_dump(obj), f"{source}: {describe(obj)}"


def certificates(overlay: str) -> dict[str, Object]:
    """secretName -> Certificate."""
    return {c["spec"]["secretName"]: c for c in objects(overlay, "Certificate")}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_kahu_container_serves_and_calls_with_its_own_certificate(overlay: str) -> None:
    certs = certificates(overlay)
    for deployment in kahu_deployments(overlay):
        name = deployment["metadata"]["name"]
        spec = pod_spec(deployment)
        (container,) = spec["containers"]
        env = {e["name"]: e.get("value") for e in container.get("env") or []}
        files = {part: env.get(f"KAHU_TLS_{part}_FILE") for part in ("CERT", "KEY", "CA")}
        assert files == {"CERT": f"{TLS_DIR}/tls.crt", "KEY": f"{TLS_DIR}/tls.key", "CA": f"{TLS_DIR}/ca.crt"}, name
        assert mounted_secrets(spec, container).get(TLS_DIR) == f"kahu-tls-{name}", f"{name}: certificate"
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == TLS_DIR]
        assert mount["readOnly"] is True
        volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
        assert volume["secret"]["optional"] is False, "a pod without its certificate must not start"
        cert = certs[f"kahu-tls-{name}"]["spec"]
        usages = set(cert["usages"])
        # the worker only calls (client); the codec server and the services only serve,
        # but for a service that calls another (DIALS): it serves and calls
        expected = {"digital signature", "client auth" if name == "worker" else "server auth"}
        if DIALS.get(name):
            expected.add("client auth")
        assert usages == expected, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_certificate_names_its_service_as_it_is_called(overlay: str) -> None:
    certs = certificates(overlay)
    config = kahu_config(overlay)
    services = [
        s for s in objects(overlay, "Service") if s["metadata"]["labels"].get("app.kubernetes.io/part-of") == "kahu"
    ]
    assert {s["metadata"]["name"] for s in services} == {*DEPLOYED_SERVICES, *HTTPS_PARTS}
    for service in services:
        name, namespace = service["metadata"]["name"], service["metadata"]["namespace"]
        names = set(certs[f"kahu-tls-{name}"]["spec"]["dnsNames"])
        expected = {name, f"{name}.{namespace}", f"{name}.{namespace}.svc", f"{name}.{namespace}.svc.cluster.local"}
        assert expected <= names, f"{name}: the certificate lacks {sorted(expected - names)}"
        # the worker dials <SERVICE>_ADDRESS and checks the certificate against its host
        if name in DEPLOYED_SERVICES:
            assert config[f"{name.upper()}_ADDRESS"].rpartition(":")[0] in names
        assert [p["port"] for p in service["spec"]["ports"]] == [DEFAULT_PORTS[name]], f"{name}: exposes more"


def _hours(duration: str) -> int:
    """A certificate lifetime, written in whole hours as Kahu's are (2160h)."""
    match = re.fullmatch(r"(\d+)h", duration)
    assert match is not None, f"{duration}: write certificate lifetimes in hours"
    return int(match[1])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kahus_certificates_come_from_its_own_ca(overlay: str) -> None:
    issuers = {i["metadata"]["name"]: i["spec"] for i in objects(overlay, "Issuer")}
    certs = certificates(overlay)
    ca_secret = issuers[CA_ISSUER]["ca"]["secretName"]
    assert ca_secret == CA_SECRET
    ca = certs[ca_secret]["spec"]
    assert ca["isCA"] is True
    assert "selfSigned" in issuers[ca["issuerRef"]["name"]]
    assert ca["privateKey"]["rotationPolicy"] == "Never", "a renewed CA must still verify what it signed"
    leaves = {secret: c["spec"] for secret, c in certs.items() if secret != ca_secret}
    assert {f"kahu-tls-{d['metadata']['name']}" for d in kahu_deployments(overlay)} <= set(leaves)
    for secret, spec in leaves.items():
        assert secret.startswith("kahu-tls-"), secret
        assert spec["issuerRef"] == {"name": CA_ISSUER, "kind": "Issuer", "group": "cert-manager.io"}, secret
        assert not spec.get("isCA"), secret
        assert spec["privateKey"]["rotationPolicy"] == "Always", secret
        assert _hours(spec["renewBefore"]) < _hours(spec["duration"]) / 2, f"{secret}: renewed too late"
        if not DIALS.get(secret.removeprefix("kahu-tls-")):
            assert not {"server auth", "client auth"} <= set(spec["usages"]), f"{secret}: both server and client"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_probe_port_is_reached_by_no_one_but_the_kubelet(overlay: str) -> None:
    """No NetworkPolicy admits the plaintext health port (the kubelet's probes are not
    subject to NetworkPolicy), and no Service exposes it."""
    for policy in policies(overlay, "kahu"):
        for rule in policy["spec"].get("ingress") or []:
            assert rule.get("ports"), f"{policy['metadata']['name']}: a rule without ports admits the probe port"
            assert PROBE_PORT not in [p.get("port") for p in rule["ports"]], policy["metadata"]["name"]
    for service in objects(overlay, "Service"):
        for port in service["spec"]["ports"]:
            assert PROBE_PORT not in (port["port"], port.get("targetPort")), describe(service)
            assert port.get("targetPort") != "probe", describe(service)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_part_with_a_database_may_reach_it(overlay: str) -> None:
    """Egress from the pod and ingress to kahu-db, for the parts with a DATABASE_URL (and
    so their `migrate` init containers)."""
    database = {"cnpg.io/cluster": "kahu-db"}
    ingress = [
        peer
        for policy in policies(overlay, "kahu")
        if "Ingress" in policy["spec"]["policyTypes"] and selects(policy["spec"]["podSelector"], database)
        for peer in _peers(policy, "Ingress")
    ]
    for name in WITH_DATABASE:
        labels = _pod_labels(overlay, name)
        assert any(
            set(peer) == {"podSelector"} and selects(peer["podSelector"], labels) and 5432 in [p["port"] for p in ports]
            for peer, ports in ingress
        ), f"kahu-db does not accept {name}"
        assert any(
            "podSelector" in peer and selects(peer["podSelector"], database) and 5432 in [p["port"] for p in ports]
            for peer, ports in _allowed(overlay, labels, "Egress")
        ), f"{name} cannot reach kahu-db"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_codec_server_is_reached_by_staff_only_and_reaches_only_its_database(overlay: str) -> None:
    labels = _pod_labels(overlay, CODEC)
    ingress = _allowed(overlay, labels, "Ingress")
    assert ingress, "nothing may reach the codec server"
    for peer, ports in ingress:
        assert [p["port"] for p in ports] == [DEFAULT_PORTS[CODEC]]
        assert set(peer) == {"namespaceSelector"}
        assert selects(peer["namespaceSelector"], {"kahu-edge": "staff"})
        assert not selects(peer["namespaceSelector"], {"kahu-edge": "agency"})
    egress = {_peer_name(peer) for peer, _ in _allowed(overlay, labels, "Egress")}
    assert egress <= {
        "kube-system:k8s-app=kube-dns",
        "kahu-observability:app.kubernetes.io/name=otel-collector",
        "kahu:cnpg.io/cluster=kahu-db",
    }
    assert "kahu:cnpg.io/cluster=kahu-db" in egress  # its audit trail
    (cluster,) = objects(overlay, "Cluster")
    roles = {r["name"]: r["passwordSecret"]["name"] for r in cluster["spec"]["managed"]["roles"]}
    assert roles["kahu_codec"] == "kahu-db-codec"
    codec_app = importlib.import_module("services.codec.app")
    assert codec_app.SCHEMA == CODEC


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_console_is_reached_by_staff_only_and_reaches_only_what_it_calls(overlay: str) -> None:
    labels = _pod_labels(overlay, CONSOLE)
    ingress = _allowed(overlay, labels, "Ingress")
    assert ingress, "nothing may reach the console"
    for peer, ports in ingress:
        assert [p["port"] for p in ports] == [DEFAULT_PORTS[CONSOLE]]
        assert set(peer) == {"namespaceSelector"}
        assert selects(peer["namespaceSelector"], {"kahu-edge": "staff"})
        assert not selects(peer["namespaceSelector"], {"kahu-edge": "agency"})
    egress = _allowed(overlay, labels, "Egress")
    peers = {_peer_name(peer) for peer, _ in egress if "ipBlock" not in peer}
    assert peers == {
        "kube-system:k8s-app=kube-dns",
        "kahu-observability:app.kubernetes.io/name=otel-collector",
        *(f"kahu:app.kubernetes.io/name={called}" for called in CONSOLE_CALLS),
    }, "the console reaches no database, no Temporal, no other service"
    for peer, ports in egress:
        if "ipBlock" in peer:  # the OpenID provider: HTTPS, outside the cluster's private ranges
            assert [p["port"] for p in ports] == [443]
            assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} <= set(peer["ipBlock"].get("except") or [])
    spec = pod_spec(named(overlay, "Deployment", CONSOLE))
    (container,) = spec["containers"]
    assert mounted_secrets(spec, container)["/etc/kahu/keys/console"] == "kahu-console-key"
    assert not any(e["name"] == "DATABASE_URL" for e in container.get("env") or [])


def test_the_temporal_ui_decodes_through_the_codec_server_with_the_users_token() -> None:
    env = {e["name"]: e["value"] for e in manifests.temporal_values()["web"]["additionalEnv"]}
    assert urlparse(env["TEMPORAL_CODEC_ENDPOINT"]).scheme == "https"
    assert env["TEMPORAL_CODEC_PASS_ACCESS_TOKEN"] == "true"
    origins = load(dict(kahu_config("prod"))).codec_cors_origins
    assert origins and all(urlparse(o).scheme == "https" for o in origins)


# --------------------------------------------------------------------------- notifications


def _configmap(overlay: str, prefix: str) -> Object:
    (configmap,) = [c for c in objects(overlay, "ConfigMap") if c["metadata"]["name"].startswith(f"{prefix}-")]
    return configmap


def _routing_file_references(text: str, keys_dir: str) -> dict[str, str]:
    """`channels.<name>.<key>` -> the absolute path of each file the routing file names
    (secrets and CA files; relative paths are below KAHU_KEYS_DIR, as the loader reads them)."""
    data = yaml.safe_load(text)
    found = {}
    for name, channel in data["channels"].items():
        assert not {"secret_env", "password_env"} & set(channel), f"{name}: secrets come from the mounted Secret"
        for key in ("secret_file", "password_file", "ca_file"):
            if key in channel:
                path = PurePosixPath(channel[key])
                found[f"channels.{name}.{key}"] = str(path if path.is_absolute() else PurePosixPath(keys_dir) / path)
    return found


def deployed_routing(overlay: str, name: str, root: Path) -> Routing:
    """The routing file as the pod `name` of `overlay` loads it, with Kahu's own loader:
    its ConfigMap's file, the pod's environment, and stand-ins for the Secret's files."""
    env = container_environment(overlay, pod_spec(named(overlay, "Deployment", name))["containers"][0])
    text = _configmap(overlay, "kahu-notifications")["data"]["notifications.yaml"]
    keys = root / "keys"
    for path in _routing_file_references(text, env["KAHU_KEYS_DIR"]).values():
        stand_in = keys / PurePosixPath(path).relative_to(env["KAHU_KEYS_DIR"])
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text(secrets.token_hex(32), encoding="utf-8")
    routing_file = root / "notifications.yaml"
    routing_file.write_text(text.replace(f"{env['KAHU_KEYS_DIR']}/", f"{keys}/"), encoding="utf-8")
    settings = dataclasses.replace(
        load(with_files(env, root / "tls")), keys_dir=str(keys), notifications_file=str(routing_file)
    )
    return load_routing(settings, env)  # raises ConfigError naming the place, as at start-up


def channels_sent_by(routing: Routing, name: str) -> set[str]:
    """The channels a part sends on: triage the Police notification (services/triage/store.py),
    supervision the escalations and the needs-attention items (services/supervision/notices.py)."""
    if name == "triage":
        return set(routing.police)
    assert name == "supervision", f"{name} sends notifications: say here on which routes"
    sent = set(routing.attention)
    for route in routing.escalations.values():
        sent.update(route.default, *route.sites.values(), *route.regions.values())
    return sent


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_deployed_routing_file_loads_and_routes_every_escalation_role(overlay: str, tmp_path: Path) -> None:
    """The routing file shipped for the deployment is what the pods read, loads with
    Kahu's own loader, routes every role the deployed policy's escalation tiers name and a
    conference's coordinator's manager, and leaves only over TLS to no loopback address."""
    config = kahu_config(overlay)
    assert config["KAHU_NOTIFICATIONS_FILE"] == f"{NOTIFICATIONS_DIR}/notifications.yaml"
    text = _configmap(overlay, "kahu-notifications")["data"]["notifications.yaml"]
    assert text == DEPLOYED_ROUTING.read_text(encoding="utf-8")
    policy_file = tmp_path / "kahu.yaml"
    policy_file.write_text(_configmap(overlay, "kahu-policy")["data"]["kahu.yaml"], encoding="utf-8")
    roles = {tier.role for tier in load_policy(policy_file).case.escalation} | {COORDINATOR_MANAGER}
    for name in NOTIFYING:
        routing = deployed_routing(overlay, name, tmp_path / name)
        for role in sorted(roles):
            assert role in routing.escalations, f"escalations to {role} go nowhere"
            assert routing.escalations[role].default, f"escalations to {role} have no default channel"
        assert routing.police and routing.attention
        for channel in routing.channels.values():
            if isinstance(channel, Webhook):
                url = urlparse(channel.url)
                assert url.scheme == "https", f"{channel.name}: {channel.url} is not https"
                assert url.hostname and not is_loopback(url.hostname), f"{channel.name}: loopback"
            else:
                assert isinstance(channel, Email)
                assert not is_loopback(channel.host), f"{channel.name}: email to loopback is sent in plaintext"
                assert channel.port == SMTP_SUBMISSION, f"{channel.name}: port {channel.port}, not STARTTLS submission"
                assert (channel.username is None) is (channel.password is None)
        # the link opens the workflow in the Temporal UI the codec serves (its CORS origin)
        link = urlparse(routing.link_to("case-x"))
        assert f"{link.scheme}://{link.netloc}" in load(dict(config)).codec_cors_origins, routing.link
        assert link.path == f"/namespaces/{config['TEMPORAL_NAMESPACE']}/workflows/case-x", routing.link
    # the Secret's keys, as the routing file names them, are documented for ops
    readme = (REPO / "deploy" / "README.md").read_text(encoding="utf-8")
    for where, path in _routing_file_references(text, config["KAHU_KEYS_DIR"]).items():
        assert path.startswith(f"{NOTIFICATION_KEYS_DIR}/"), f"{where}: {path} is not in {NOTIFICATION_KEYS}"
        assert f"`{PurePosixPath(path).name}`" in readme, f"deploy/README.md does not name {path}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_notification_keys_reach_only_the_parts_that_send(overlay: str) -> None:
    assert set(NOTIFYING) == {"triage", "supervision"}
    routing_configmap = _configmap(overlay, "kahu-notifications")["metadata"]["name"]
    for deployment in kahu_deployments(overlay):
        name = deployment["metadata"]["name"]
        spec = pod_spec(deployment)
        volumes = {v["name"]: v for v in spec["volumes"]}
        (container,) = spec["containers"]
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        routing = mounts[NOTIFICATIONS_DIR]
        assert routing["readOnly"] is True
        assert volumes[routing["name"]]["configMap"]["name"] == routing_configmap, name
        secrets_mounted = mounted_secrets(spec, container)
        if name not in NOTIFYING:
            assert NOTIFICATION_KEYS not in secrets_mounted.values(), f"{name} mounts {NOTIFICATION_KEYS}"
            continue
        assert secrets_mounted.get(NOTIFICATION_KEYS_DIR) == NOTIFICATION_KEYS, f"{name}: no notification keys"
        mount = mounts[NOTIFICATION_KEYS_DIR]
        assert mount["readOnly"] is True
        source = volumes[mount["name"]]["secret"]
        assert source["optional"] is False, "a pod without its channels' secrets must not start"
        assert source["defaultMode"] == 0o440
        for init in spec.get("initContainers") or []:
            assert NOTIFICATION_KEYS not in mounted_secrets(spec, init).values(), f"{name} {init['name']}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_notifications_leave_only_to_their_channels_ports(overlay: str, tmp_path: Path) -> None:
    """Each part that sends may reach, outside the cluster, the port of each channel it
    sends on and nothing else; no other part reaches outside the cluster at all (the
    addresses are placeholders until ops set them: deploy/README.md, Notifications)."""
    for name in NOTIFYING:
        routing = deployed_routing(overlay, name, tmp_path / name)
        needed: set[int] = set()
        for channel_name in channels_sent_by(routing, name):
            channel = routing.channels[channel_name]
            needed.add((urlparse(channel.url).port or 443) if isinstance(channel, Webhook) else channel.port)
        leaving: set[int] = set()
        for peer, ports in _allowed(overlay, _pod_labels(overlay, name), "Egress"):
            if "ipBlock" not in peer:
                continue
            block = peer["ipBlock"]
            assert ipaddress.ip_network(block["cidr"]).prefixlen > 0, f"{name}: may reach every address"
            assert ports and all(p.get("protocol", "TCP") == "TCP" for p in ports), f"{name}: {block} on every port"
            leaving.update(p["port"] for p in ports)
        assert leaving == needed, f"{name}: may leave the cluster on {sorted(leaving)}, sends on {sorted(needed)}"
