"""The dev stack: embedded PostgreSQL, the Temporal dev server, and `python -m devstack`."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO

import asyncpg
import grpc
import psutil
import pytest
from google.protobuf import json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc
from temporalio.api.common.v1 import Payload
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

from devstack.ports import PortError, ensure_all_free, ensure_free
from devstack.postgres import SYSTEM_USER, EmbeddedPostgres
from devstack.record import AlreadyRunning, RunRecord
from devstack.temporal import DEV_RETENTION, start_dev_server
from services.common.codec import EncryptionCodec
from services.common.config import DEFAULT_PORTS
from workflows.search_attributes import ALL

ROOT = Path(__file__).resolve().parents[2]


def _ephemeral() -> range:
    """The ports the kernel gives outgoing connections (and port 0)."""
    try:
        low, high = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def free_ports(count: int) -> list[int]:
    """Distinct ports that were free a moment ago, outside the kernel's ephemeral range: a
    stack started again on the same ports (after its supervisor was killed) must not find
    one taken meanwhile as the source port of some outgoing connection."""
    ephemeral = _ephemeral()
    candidates = [p for p in range(20_000, 32_768) if p not in ephemeral] or list(range(10_000, 20_000))
    random.shuffle(candidates)
    found: list[int] = []
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise AssertionError(f"fewer than {count} free ports outside the ephemeral range")


def tree(pid: int) -> list[psutil.Process]:
    """The process and all its descendants."""
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def assert_all_gone(processes: list[psutil.Process], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    alive = processes
    while alive and time.monotonic() < deadline:
        alive = [process for process in alive if not gone(process)]
        if alive:
            psutil.wait_procs(alive, timeout=0.2)
    assert not alive, f"still running: {[(p.pid, p.name()) for p in alive]}"


def kill_leftovers(processes: list[psutil.Process]) -> None:
    """Clean up after a failed test: only processes this test started."""
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


# --- PostgreSQL ---------------------------------------------------------------------------


async def test_postgres_serves_tcp_keeps_data_and_stops_without_leftovers(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    pg = EmbeddedPostgres(tmp_path / "pg", port)
    try:
        await asyncio.to_thread(pg.start)
        assert pg.url() == f"postgresql://postgres@127.0.0.1:{port}/kahu"
        connection = await asyncpg.connect(pg.url())
        await connection.execute("CREATE TABLE kept (value text); INSERT INTO kept VALUES ('across restarts')")
        await connection.close()
        assert pg.pid is not None
        processes = tree(pg.pid)

        await asyncio.to_thread(pg.stop)
        assert pg.pid is None
        assert_all_gone(processes)

        await asyncio.to_thread(pg.start)
        connection = await asyncpg.connect(pg.url())
        assert await connection.fetchval("SELECT value FROM kept") == "across restarts"
        await connection.close()
    finally:
        await asyncio.to_thread(pg.stop)


def test_postgres_starts_over_a_stale_pid_file(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    pg = EmbeddedPostgres(tmp_path / "pg", port)
    # A live process that is not PostgreSQL, as after a crash and PID reuse; as PostgreSQL's
    # user, or PostgreSQL itself would ignore it.
    user = SYSTEM_USER if os.geteuid() == 0 else None
    stranger = subprocess.Popen(["cat"], stdin=subprocess.PIPE, user=user)
    try:
        pg.start()
        assert pg.pid is not None
        processes = tree(pg.pid)
        os.kill(pg.pid, signal.SIGKILL)
        assert_all_gone(processes)
        pid_file = pg.data_dir / "postmaster.pid"
        assert pid_file.exists()

        pid_file.write_text(pid_file.read_text().replace(str(processes[0].pid), str(stranger.pid), 1))
        pg.start()
        assert pg.pid is not None
        assert stranger.poll() is None
    finally:
        pg.stop()
        stranger.kill()
        stranger.wait()


# --- Temporal -----------------------------------------------------------------------------


async def test_dev_server_registers_search_attributes_and_keeps_them(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    db = str(tmp_path / "temporal" / "kahu.sqlite")
    for _ in range(2):  # the second start reuses the SQLite file
        env = await start_dev_server(port=port, ui_port=None, db_filename=db, namespace="kahu-test")
        try:
            reply = await env.client.operator_service.list_search_attributes(
                ListSearchAttributesRequest(namespace="kahu-test")
            )
            described = await env.client.workflow_service.describe_namespace(
                DescribeNamespaceRequest(namespace="kahu-test")
            )
        finally:
            await env.shutdown()
        registered = {name: int(kind) for name, kind in reply.custom_attributes.items()}
        assert registered.items() >= {key.name: int(key.indexed_value_type) for key in ALL}.items()
        retention = described.config.workflow_execution_retention_ttl.ToTimedelta()
        assert retention == DEV_RETENTION != timedelta(days=1)  # set by Kahu, not the server's default


# --- Ports --------------------------------------------------------------------------------


def test_a_port_in_use_is_named_with_its_variable() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(PortError) as caught:
            ensure_free("127.0.0.1", port, "temporal", "TEMPORAL_PORT")
    assert str(caught.value) == f"port {port} for temporal is already in use (set TEMPORAL_PORT to use another)"
    ensure_free("127.0.0.1", port, "temporal", "TEMPORAL_PORT")


def test_two_parts_on_one_port_are_refused() -> None:
    (port,) = free_ports(1)
    with pytest.raises(PortError, match=f"POSTGRES_PORT and INTAKE_PORT are both {port}"):
        ensure_all_free("127.0.0.1", {"postgres": port, "intake": port})


# --- python -m devstack -------------------------------------------------------------------


def stack_env(
    state_dir: Path, ports: dict[str, int] | None = None, extra: dict[str, str] | None = None
) -> tuple[dict[str, str], dict[str, int]]:
    """An environment giving every part of the stack a free port (or `ports`) and its own
    state, with `extra` (such as KAHU_POLICY_FILE) on top."""
    ports = ports or dict(zip(DEFAULT_PORTS, free_ports(len(DEFAULT_PORTS)), strict=True))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KAHU_", "TEMPORAL_", "DATABASE_", "OTEL_")) and not key.endswith("_PORT")
    }
    env.update({f"{part.upper()}_PORT": str(port) for part, port in ports.items()})
    env.update(KAHU_STATE_DIR=str(state_dir), KAHU_DRAIN_NOTICE_SECONDS="0.1", KAHU_DRAIN_SECONDS="2")
    env.update(extra or {})
    return env, ports


class Output:
    """Lines of a process's output, read as they come, without blocking the process."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        assert process.stdout is not None
        threading.Thread(target=self._pump, args=(process.stdout,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, wanted: str, timeout: float, since: int = 0) -> None:
        """Wait for the line `wanted` at or after line `since` (0: anywhere)."""
        deadline = time.monotonic() + timeout
        while wanted not in self.lines[since:]:
            remaining = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(remaining, 0.0))
            except queue.Empty:
                line = None
            if line is None:
                raise AssertionError(f"no {wanted!r} within {timeout} s; output:\n" + "\n".join(self.lines))
            self.lines.append(line)


def assert_the_ui_decodes_through_the_codec_server(stack: Stack) -> None:
    """`make run` made development keys and pointed the Web UI at the codec server, which
    decrypts the stack's payloads for the token the UI carries."""
    keys = stack.state_dir / "keys"
    assert (keys / "signing" / "signing-key.jwk").is_file() and (keys / "payload" / "current").is_file()
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.ports['temporal_ui']}/api/v1/settings", timeout=10) as got:
        endpoint = json.loads(got.read())["Codec"]["Endpoint"]
    assert endpoint.startswith(f"http://127.0.0.1:{stack.ports['codec']}/t/")
    codec = EncryptionCodec.from_dir(keys / "payload")
    sealed = codec.encrypt(Payload(metadata={"encoding": b"json/plain"}, data=b'"kia ora"'))
    body = json.dumps({"payloads": [json.loads(json_format.MessageToJson(sealed))]}).encode()
    request = urllib.request.Request(f"{endpoint}/decode", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as got:
        (decoded,) = json.loads(got.read())["payloads"]
    assert base64.b64decode(decoded["data"]) == b'"kia ora"'


def assert_the_console_offers_the_dev_sign_in(stack: Stack) -> None:
    """`make run` starts the web console, its URL in the table before `kahu: ready`, under
    the development profile: its dev sign-in is there."""
    url = f"http://127.0.0.1:{stack.ports['console']}"
    ready = stack.output.lines.index("kahu: ready")
    assert any(line.split()[:2] == ["console", url] for line in stack.output.lines[:ready])
    with urllib.request.urlopen(f"{url}/sign-in", timeout=10) as got:
        page = got.read().decode()
    assert 'action="/sign-in/dev"' in page


def serving(address: str) -> bool:
    with grpc.insecure_channel(address) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


class Stack:
    """`python -m devstack` running with free ports (or `ports`), its own state directory
    and `extra` environment."""

    def __init__(
        self, state_dir: Path, ports: dict[str, int] | None = None, extra: dict[str, str] | None = None
    ) -> None:
        self.env, self.ports = stack_env(state_dir, ports, extra)
        self.state_dir = state_dir
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devstack"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output = Output(self.process)
        self.processes: list[psutil.Process] = []

    def wait_ready(self) -> None:
        """Wait for `kahu: ready`, then note every process of the stack."""
        self.output.wait_for("kahu: ready", timeout=120)
        self.processes = tree(self.process.pid)

    def process_running(self, module: str) -> psutil.Process:
        return next(p for p in self.processes if p.cmdline()[-2:] == ["-m", module])

    @property
    def record(self) -> Path:
        return self.state_dir / "run" / "supervisor.json"

    def clean_up(self) -> None:
        if self.process.poll() is None:  # the test failed before the stack stopped
            self.processes = tree(self.process.pid)
        kill_leftovers(self.processes)
        self.process.wait()


@pytest.fixture
def stack_state(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "state"
    strays = [p for p in psutil.process_iter(["cmdline"]) if str(tmp_path) in " ".join(p.info["cmdline"] or [])]
    kill_leftovers(strays)
    assert not strays, "processes of this stack were left behind"


@pytest.fixture
def stack(stack_state: Path) -> Iterator[Stack]:
    running = Stack(stack_state)
    try:
        yield running
    finally:
        running.clean_up()


@pytest.mark.integration
def test_dev_stack_starts_every_part_and_stops_them_all_on_sigint(stack: Stack) -> None:
    stack.wait_ready()
    commands = " ".join(" ".join(p.cmdline()) for p in stack.processes)
    for part in ("bin/postgres", "temporal server start-dev", "-m services.intake", "-m workflows.worker"):
        assert part in commands
    assert any(f"127.0.0.1:{stack.ports['intake']}" in line for line in stack.output.lines)
    assert serving(f"127.0.0.1:{stack.ports['intake']}")
    assert serving(f"127.0.0.1:{stack.ports['worker_health']}")
    assert_the_ui_decodes_through_the_codec_server(stack)
    assert_the_console_offers_the_dev_sign_in(stack)

    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=90) == 0
    assert_all_gone(stack.processes)


def wait_serving(address: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if serving(address):
                return
        except grpc.RpcError as error:  # not listening again yet
            last = error
        time.sleep(0.2)
    raise AssertionError(f"{address} not SERVING within {timeout} s (last: {last!r})")


def recorded_pids(stack: Stack) -> dict[str, int]:
    return {part["name"]: part["pid"] for part in json.loads(stack.record.read_text())["parts"]}


def submit_report(stack: Stack) -> str:
    """A report through the CLI, as the README shows; the case id it prints."""
    env = dict(stack.env, INTAKE_PORT=str(stack.ports["intake"]), KAHU_KEYS_DIR=str(stack.state_dir / "keys"))
    kahu = [sys.executable, "-m", "cli.main"]
    token = subprocess.run(
        [*kahu, "token", "--role", "intake-social-worker", "--site", "hutt", "--subject", "sw.aroha"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.strip()
    env["KAHU_TOKEN"] = token
    key = f"devstack-restarts-{uuid.uuid4()}"  # retried with the same key: never a second case
    deadline = time.monotonic() + 60
    while True:
        done = subprocess.run(
            [*kahu, "report", "submit", "cli/examples/report.json", "--idempotency-key", key, "--json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode == 0:
            return str(json.loads(done.stdout)["case_id"])
        # UNAVAILABLE while a restarted part reconnects; anything else is a failure
        assert "UNAVAILABLE" in done.stderr or "DEADLINE_EXCEEDED" in done.stderr, done.stderr
        assert time.monotonic() < deadline, done.stderr
        time.sleep(0.5)


@pytest.mark.integration
def test_dev_stack_restarts_each_part_that_dies_and_keeps_working(stack: Stack) -> None:
    stack.wait_ready()
    intake_address = f"127.0.0.1:{stack.ports['intake']}"
    before = recorded_pids(stack)

    stack.process_running("services.intake").kill()
    stack.output.wait_for("kahu: intake restarted", timeout=60)
    assert "kahu: intake exited with code -9" in stack.output.lines
    wait_serving(intake_address)

    psutil.Process(before["temporal"]).kill()
    stack.output.wait_for("kahu: temporal restarted", timeout=90)

    psutil.Process(before["postgres"]).kill()
    stack.output.wait_for("kahu: postgres restarted", timeout=90)

    after = recorded_pids(stack)
    for part in ("intake", "temporal", "postgres"):
        assert after[part] != before[part] and psutil.pid_exists(after[part]), part
    assert any(line.startswith("kahu: restarting intake in ") and "intake.log" in line for line in stack.output.lines)
    wait_serving(intake_address)
    case_id = submit_report(stack)  # the restarted intake, PostgreSQL and Temporal take a report
    assert len(case_id) == 36

    stack.processes = tree(stack.process.pid)
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=90) == 0
    assert_all_gone(stack.processes)


def test_dev_stack_refuses_a_port_in_use_and_starts_nothing(stack_state: Path) -> None:
    env, ports = stack_env(stack_state)
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", ports["temporal"]))
        busy.listen()
        result = subprocess.run(
            [sys.executable, "-m", "devstack"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
    assert result.returncode != 0
    expected = f"kahu: port {ports['temporal']} for temporal is already in use (set TEMPORAL_PORT to use another)"
    assert expected in (result.stdout + result.stderr).splitlines()
    assert not (stack_state / "postgres").exists()


def test_a_dead_supervisors_parts_are_stopped_only_while_they_run_as_recorded(tmp_path: Path) -> None:
    path = tmp_path / "run" / "supervisor.json"
    ended = subprocess.Popen(["true"])
    ended.wait()
    sleepers = [subprocess.Popen(["sleep", "60"]) for _ in range(3)]
    try:
        deadline = time.monotonic() + 10
        while any(psutil.Process(s.pid).cmdline() != ["sleep", "60"] for s in sleepers):  # until exec'd
            assert time.monotonic() < deadline
            time.sleep(0.01)
        started = [psutil.Process(sleeper.pid).create_time() for sleeper in sleepers]
        recorded = [
            ("temporal", sleepers[0].pid, started[0], ["sleep", "60"]),  # as recorded: stopped
            ("postgres", sleepers[1].pid, started[1] - 60, ["sleep", "60"]),  # PID reused since: left alone
            ("intake", sleepers[2].pid, started[2], ["sleep", "61"]),  # likewise
        ]
        parts = [{"name": n, "pid": pid, "create_time": t, "cmdline": c} for n, pid, t, c in recorded]
        path.parent.mkdir()
        supervisor = {"name": "supervisor", "pid": ended.pid, "create_time": 0.0, "cmdline": ["python"]}
        path.write_text(json.dumps({"supervisor": supervisor, "parts": parts}))
        said: list[str] = []

        record = RunRecord.claim(path, said.append)

        assert said == [f"stopped Temporal (PID {sleepers[0].pid}) left by a supervisor that died"]
        assert sleepers[0].wait(timeout=5) == -signal.SIGTERM
        assert sleepers[1].poll() is None and sleepers[2].poll() is None
        assert json.loads(path.read_text())["supervisor"]["pid"] == os.getpid()
        with pytest.raises(
            AlreadyRunning, match=rf"^another `make run` is running on {tmp_path} \(PID {os.getpid()}\)$"
        ):
            RunRecord.claim(path, said.append)
        record.remove()
        assert not path.exists()
    finally:
        for sleeper in sleepers:
            sleeper.kill()
            sleeper.wait()


@pytest.mark.integration
def test_a_killed_supervisors_children_stop_and_the_next_start_stops_the_rest(stack_state: Path) -> None:
    first, second = Stack(stack_state), None
    try:
        first.wait_ready()
        ours = [p for p in first.processes if p.pid != first.process.pid and p.cmdline()[1:2] == ["-m"]]
        assert {"services.intake", "services.codec", "workflows.worker"} <= {p.cmdline()[2] for p in ours}
        postgres = next(p for p in first.processes if p.ppid() == first.process.pid and p.name() == "postgres")
        temporal = next(p for p in first.processes if "start-dev" in p.cmdline())

        first.process.kill()  # the supervisor only, as the OOM killer would
        assert first.process.wait(timeout=10) == -signal.SIGKILL
        assert_all_gone(ours)  # services, codec server and worker stop by themselves
        assert not gone(postgres) and not gone(temporal)

        second = Stack(stack_state, first.ports)
        second.wait_ready()
        assert second.output.lines[:3] == [
            f"kahu: stopped Temporal (PID {temporal.pid}) left by a supervisor that died",
            f"kahu: stopped PostgreSQL (PID {postgres.pid}) left by a supervisor that died",
            f"kahu: starting; logs in {stack_state.resolve() / 'logs'}",
        ]
        assert gone(postgres) and gone(temporal)
        assert serving(f"127.0.0.1:{second.ports['intake']}")

        second.process.send_signal(signal.SIGINT)
        assert second.process.wait(timeout=90) == 0
        assert_all_gone(first.processes + second.processes)
        assert not second.record.exists()
    finally:
        first.clean_up()
        if second is not None:
            second.clean_up()


@pytest.mark.integration
def test_a_second_stack_on_the_same_state_is_refused_and_the_first_runs_on(stack: Stack) -> None:
    stack.wait_ready()
    result = subprocess.run(
        [sys.executable, "-m", "devstack"], cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    expected = f"kahu: another `make run` is running on {stack.state_dir.resolve()} (PID {stack.process.pid})"
    assert (result.stdout + result.stderr).splitlines() == [expected]
    assert serving(f"127.0.0.1:{stack.ports['intake']}")
    assert json.loads(stack.record.read_text())["supervisor"]["pid"] == stack.process.pid

    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=90) == 0
    assert_all_gone(stack.processes)
    assert not stack.record.exists()
