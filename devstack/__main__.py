"""`make run`: the whole platform on one machine, until Ctrl-C (SIGINT) or SIGTERM.

Checks every port, creates development keys on first start (`.kahu/keys`: the signing key
`kahu token` and the processes sign with, the payload key the codec encrypts with), then
starts PostgreSQL, the Temporal dev server (its Web UI decoding payloads through the codec
server), each domain service that exists, the codec server, the web console (under the
development profile: its dev sign-in) and the worker, waits until each is healthy, prints
where to reach them and `kahu: ready`. A part that dies is
restarted with backoff (devstack/running.py), each restart said in one line naming its
log; a part that keeps dying stops the stack. On a signal it stops them in reverse order
and exits 0; if a part fails to start or is in a crash loop, it says which in one line,
stops the rest and exits 1 (2: bad settings).

It records what it started in `.kahu/run/supervisor.json` (devstack/record.py) and removes
the record once it has stopped everything. If a recorded supervisor still runs, it refuses
to start a second stack; if that supervisor died (SIGKILL, the OOM killer), it first stops
the PostgreSQL and Temporal it left running (the services, codec server and worker stop by
themselves when their supervisor dies: KAHU_SUPERVISOR_PID, services/common/app.py).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from devstack.children import Child, Interrupted, StartError, stop_all, wait_serving
from devstack.ports import PortError, ensure_all_free, port_variable
from devstack.postgres import POSTGRES_BIN_PATH, EmbeddedPostgres, PostgresError
from devstack.record import AlreadyRunning, RunRecord
from devstack.running import ChildSpec, Running, TemporalServer, children_of, say
from devstack.sinks import ensure_webhook_secret
from devstack.temporal import start_dev_server, temporal_cli_path
from services.common.app import SUPERVISOR_PID
from services.common.config import APP_ROLE, DOMAIN_SERVICES, ConfigError, Settings, load
from services.common.identity import Principal, Signer
from services.common.keys import DEV_PREFIX, ensure_dev_keys

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0
"""Seconds for the services and the worker to report SERVING."""
STOP_MARGIN = 20.0
"""Seconds a child gets to exit, beyond its drain time, before SIGKILL."""
UI_TOKEN_TTL = 7 * 24 * 3600
"""Lifetime of the development token the Web UI decodes payloads with (restart to renew)."""
UI_ROLES = frozenset({"supervisor", "site_manager", "regional_manager"})
#: The notification sinks (devstack/sinks.py), as the table of endpoints describes them.
SINKS = {"smtp_sink": "SMTP sink for notification emails", "webhook_sink": "signed-webhook receiver (Police)"}


@dataclass(frozen=True)
class Plan:
    """What to run: the settings, the state directory and the parts that exist."""

    settings: Settings
    state: Path
    services: tuple[str, ...]
    with_worker: bool
    with_codec: bool = False
    with_console: bool = False

    @classmethod
    def of(cls, settings: Settings) -> Plan:
        services = tuple(name for name in DOMAIN_SERVICES if (ROOT / "services" / name / "__main__.py").is_file())
        with_worker = (ROOT / "workflows" / "worker.py").is_file()
        with_codec = (ROOT / "services" / "codec" / "__main__.py").is_file()
        with_console = (ROOT / "services" / "console" / "__main__.py").is_file()
        return cls(settings, Path(settings.state_dir).resolve(), services, with_worker, with_codec, with_console)

    @property
    def keys(self) -> Path:
        return Path(self.settings.keys_dir).resolve()

    def ports(self) -> dict[str, int]:
        parts = ["temporal", "temporal_ui", "postgres", "smtp_sink", "webhook_sink", *self.services]
        if self.with_codec:
            parts.append("codec")
        if self.with_console:
            parts.append("console")
        if self.with_worker:
            parts.append("worker_health")
        return {part: self.settings.port(part) for part in parts}


@dataclass(frozen=True)
class Endpoint:
    """One line of the table printed when the stack is ready."""

    name: str
    address: str
    what: str


def main() -> None:
    """Run the stack until signalled; exit with its code."""
    try:
        settings = load()
    except ConfigError as error:
        say(str(error), error=True)
        sys.exit(2)
    code = asyncio.run(_run(Plan.of(settings)))
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: Temporal's runtime threads can crash it (temporalio/sdk-python#300).
    os._exit(code)


async def _run(plan: Plan) -> int:
    try:
        record = RunRecord.claim(plan.state / "run" / "supervisor.json", say=say)
    except AlreadyRunning as error:
        say(str(error), error=True)
        return 1
    try:
        ensure_all_free(plan.settings.host, plan.ports())
    except PortError as error:
        record.remove()
        say(str(error), error=True)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with AsyncExitStack() as stack:
        stack.callback(record.remove)  # last: once everything has stopped
        code = await _start_and_supervise(stack, plan, record, stop)
    say("stopped")
    return code


async def _start_and_supervise(stack: AsyncExitStack, plan: Plan, record: RunRecord, stop: asyncio.Event) -> int:
    try:
        endpoints, running = await _start(stack, plan, record, stop)
    except (StartError, ConfigError) as error:
        if isinstance(error, ConfigError):
            error = StartError(str(error))
        say(str(error), error=True)
        for line in error.details:
            print(f"    {line}", file=sys.stderr)
        return 1
    except Interrupted:
        say("stopping")
        return 0
    print(_table(endpoints))
    say("ready")
    return await running.supervise(stop)


async def _start(
    stack: AsyncExitStack, plan: Plan, record: RunRecord, stop: asyncio.Event
) -> tuple[list[Endpoint], Running]:
    """Start every part, registering on `stack` how to stop it and on `record` what runs."""
    settings, state, host = plan.settings, plan.state, plan.settings.host
    logs = state / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    say(f"starting; logs in {logs}")
    for created in ensure_dev_keys(plan.keys):
        say(f"created {created}")
    secret = ensure_webhook_secret(plan.keys)  # the development webhook's (devstack/sinks.py)
    if secret is not None:
        say(f"created {secret}")
    codec_endpoint = _ui_codec_endpoint(plan)

    postgres = EmbeddedPostgres(state / "postgres", settings.port("postgres"), host)
    postmaster = [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(postgres.data_dir)]

    def is_postmaster(cmdline: list[str]) -> bool:
        return cmdline[:3] == postmaster

    try:
        async with record.recording("postgres", is_postmaster):
            await asyncio.to_thread(postgres.start)
    except PostgresError as error:
        raise _start_error("postgres", error, postgres.log_tail()) from None
    stack.push_async_callback(lambda: asyncio.to_thread(postgres.stop))
    _check(stop)

    temporal_address = f"{host}:{settings.port('temporal')}"
    # Recorded once our child has exec'd the CLI (through temporal_own_session.sh and setsid).
    temporal_cli, temporal_port = str(temporal_cli_path()), str(settings.port("temporal"))

    def is_temporal(cmdline: list[str]) -> bool:
        return cmdline[:1] == [temporal_cli] and temporal_port in cmdline

    temporal = TemporalServer(
        start=lambda: start_dev_server(
            port=settings.port("temporal"),
            ui_port=settings.port("temporal_ui"),
            db_filename=str(state / "temporal" / "kahu.sqlite"),
            namespace=settings.temporal_namespace,
            ip=host,
            log_file=logs / "temporal.log",
            ui_codec_endpoint=codec_endpoint,
        ),
        log_path=logs / "temporal.log",
    )
    try:
        async with record.recording("temporal", is_temporal):
            temporal.env = await temporal.start()
    except Exception as error:
        raise _start_error("temporal", error, _tail(logs / "temporal.log")) from None
    stack.push_async_callback(temporal.shutdown)
    _check(stop)

    env = _child_env(settings, state, plan.keys, postgres=postgres, temporal_address=temporal_address)
    stop_timeout = settings.drain_notice_seconds + settings.drain_seconds + STOP_MARGIN
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT
    groups: list[list[Child]] = []
    specs: dict[str, ChildSpec] = {}
    smtp_sink, webhook_sink = f"{host}:{settings.port('smtp_sink')}", f"{host}:{settings.port('webhook_sink')}"
    planned: list[list[tuple[str, str, str, str | None]]] = [
        # first: the notification sinks the services deliver to (policy/notifications.yaml)
        [
            ("smtp_sink", "devstack.sinks smtp", smtp_sink, f"smtp://{smtp_sink}"),
            ("webhook_sink", "devstack.sinks webhook", webhook_sink, f"http://{webhook_sink}/health"),
        ],
        [(name, f"services.{name}", f"{host}:{settings.port(name)}", None) for name in plan.services],
    ]
    if plan.with_codec:
        codec_address = f"{host}:{settings.port('codec')}"
        planned[1].append(("codec", "services.codec", codec_address, f"http://{codec_address}/health"))
    if plan.with_console:
        console = f"http://{host}:{settings.port('console')}"
        planned[1].append(("console", "services.console", console, f"{console}/health"))
    if plan.with_worker:
        planned.append([("worker", "workflows.worker", f"{host}:{settings.port('worker_health')}", None)])
    for group in planned:
        started: list[Child] = []
        groups.append(started)
        # Stops what `started` holds then: what is appended below, and restarts put in place.
        stack.push_async_callback(stop_all, started, stop_timeout)
        for name, module, address, health_url in group:
            spec = ChildSpec(name, [sys.executable, "-m", *module.split()], address, env, ROOT, logs, health_url)
            specs[name] = spec
            started.append(await spec.spawn())
            record.add(name, started[-1].process.pid, spec.args)
        timeout = max(0.0, deadline - asyncio.get_running_loop().time())
        await wait_serving(children_of(groups), timeout=timeout, stop=stop, settings=settings)
    children = children_of(groups)

    endpoints = [
        Endpoint("temporal", temporal_address, f"Temporal gRPC, namespace {settings.temporal_namespace}"),
        Endpoint("temporal_ui", f"http://{host}:{settings.port('temporal_ui')}", "Temporal Web UI"),
        Endpoint(
            "postgres",
            postgres.url(),
            f"PostgreSQL (the services work as {APP_ROLE}); data and {postgres.log_path.name} in {postgres.data_dir}",
        ),
    ]
    for child in children:
        what = f"worker health, task queue {settings.task_queue}" if child.name == "worker" else "gRPC service"
        if child.name == "codec":
            what = "codec server (HTTP /encode, /decode) for the Temporal UI"
        if child.name == "console":
            what = "web console: open it in a browser (development sign-in: pick a role and a site)"
        if child.name in SINKS:
            what = f"{SINKS[child.name]}; `kahu notifications` lists what it received"
        endpoints.append(Endpoint(child.name, child.address, what))
    endpoints.append(Endpoint("keys", str(plan.keys), "development keys; `kahu token --role ...` mints tokens"))
    running = Running(record, groups, specs, postgres, is_postmaster, temporal, is_temporal)
    return endpoints, running


def _ui_codec_endpoint(plan: Plan) -> str | None:
    """The codec endpoint for the development Web UI: it has no login to pass a token from,
    so a development token (a supervisor's, in every region) rides in the path. Only with a
    development signing key."""
    if not plan.with_codec:
        return None
    signer = Signer.from_dir(plan.keys / "signing")
    if not signer.kid.startswith(DEV_PREFIX):
        say(f"signing key {signer.kid} is not a development key: the Web UI will not decode payloads")
        return None
    from services.common.sites import regions

    principal = Principal(subject="dev.temporal-ui", roles=UI_ROLES, regions=regions(), dev=True)
    settings = plan.settings
    token = signer.mint(principal, issuer=settings.token_issuer, audience=settings.token_audience, ttl=UI_TOKEN_TTL)
    return f"http://{settings.host}:{settings.port('codec')}/t/{token}"


def _start_error(part: str, error: Exception, log_tail: list[str]) -> StartError:
    headline, *details = str(error).splitlines() or [type(error).__name__]
    return StartError(f"{part} failed to start: {headline}", details or log_tail)


def _tail(path: Path, lines: int = 20) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []


def _check(stop: asyncio.Event) -> None:
    if stop.is_set():
        raise Interrupted


def _child_env(
    settings: Settings, state: Path, keys: Path, *, postgres: EmbeddedPostgres, temporal_address: str
) -> dict[str, str]:
    """The environment of services and worker: wired to this stack's PostgreSQL (the
    services work as APP_ROLE; migrations run as the owner) and Temporal, and told our PID."""
    env = dict(os.environ)
    env.update({port_variable(part): str(port) for part, port in settings.ports.items()})
    env.update(
        KAHU_HOST=settings.host,
        KAHU_STATE_DIR=str(state),
        KAHU_KEYS_DIR=str(keys),
        KAHU_CODEC_PATH_TOKENS="true",  # only the codec server reads it: the dev UI's token in the path
        KAHU_DEV_PROFILE="true",  # what exists for development only: the console's dev sign-in
        DATABASE_URL=postgres.url(user=APP_ROLE),
        DATABASE_OWNER_URL=postgres.url(),
        TEMPORAL_ADDRESS=temporal_address,
        TEMPORAL_NAMESPACE=settings.temporal_namespace,
        PYTHONUNBUFFERED="1",
    )
    env[SUPERVISOR_PID] = str(os.getpid())  # they stop by themselves if we die
    return env


def _table(endpoints: Sequence[Endpoint]) -> str:
    rows = [("NAME", "ADDRESS", "WHAT"), *((e.name, e.address, e.what) for e in endpoints)]
    name_width = max(len(row[0]) for row in rows)
    address_width = max(len(row[1]) for row in rows)
    return "\n".join(f"  {name:<{name_width}}  {address:<{address_width}}  {what}" for name, address, what in rows)


if __name__ == "__main__":
    main()
