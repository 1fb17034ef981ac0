"""Every committed history replays against today's workflow code."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.workflows.scenarios import HISTORIES
from workflows.worker import WORKFLOWS, sandbox_runner

HISTORY_FILES = sorted(HISTORIES.glob("*.json"))


def test_histories_are_committed() -> None:
    assert HISTORY_FILES, "no committed histories under tests/workflows/histories"


@pytest.mark.parametrize("path", HISTORY_FILES, ids=[p.stem for p in HISTORY_FILES])
async def test_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())  # noqa: ASYNC240 (small file)
    await Replayer(workflows=WORKFLOWS, workflow_runner=sandbox_runner()).replay_workflow(history)
