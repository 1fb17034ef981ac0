"""The `kahu` CLI pointed at the in-process platform.

The platform runs on the session's event loop in this thread, and the CLI makes blocking
gRPC calls, so each invocation runs in a worker thread while the loop keeps serving.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from services.common.config import Settings
from tests.conftest import Platform
from tests.polling import eventually
from tests.tokens import mint, staff

EXAMPLES = Path(__file__).resolve().parents[2] / "cli" / "examples"
EXAMPLE = EXAMPLES / "report.json"
CONFERENCE_EXAMPLE = EXAMPLES / "conference.yaml"
OUTCOME_EXAMPLE = EXAMPLES / "outcome.yaml"
CARE_OUTCOME_EXAMPLE = EXAMPLES / "care-outcome.yaml"
COURT_DIRECTION_EXAMPLE = EXAMPLES / "court-direction.yaml"


@dataclass
class Kahu:
    runner: CliRunner
    settings: Settings

    async def __call__(self, *args: str, input: str | None = None, token: str | None = None) -> Result:
        """Run `kahu ARGS` with KAHU_TOKEN set to `token`, by default a token for the staff
        member `--by` names (staff at every site with every site-level role)."""
        if token is None:
            by = args[args.index("--by") + 1] if "--by" in args else None
            token = mint(self.settings, staff(by) if by else staff())
        env = {"KAHU_TOKEN": token}
        return await asyncio.to_thread(self.runner.invoke, app, list(args), input=input, env=env)

    async def ok(self, *args: str) -> Result:
        """Run a command that must succeed."""
        result = await self(*args)
        assert result.exit_code == 0, f"kahu {' '.join(args)} → {result.exit_code}: {result.output}"
        return result

    async def json(self, *args: str) -> Any:
        """Run a command that must succeed, with `--json`; its parsed answer."""
        return json.loads((await self.ok(*args, "--json")).stdout)

    async def case_at(self, case_id: str, stage: str) -> Any:
        """`case show` once the case is at `stage` (a closed case's record is complete by
        then: patch `closed-after-events`)."""

        async def probe() -> Any:
            shown = await self.json("case", "show", case_id)
            return shown if shown["case"]["stage"] == stage else None

        shown = await eventually(probe)
        if stage == "CASE_STAGE_CLOSED":
            assert "case.closed" in [e["action"] for e in shown["timeline"]], "recorded closed before how it closed"
        return shown


@pytest.fixture
def kahu(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Kahu:
    settings = platform.settings
    for service in ("intake", "triage", "assessment", "supervision", "placement", "conference", "plan"):
        monkeypatch.setenv(f"{service.upper()}_ADDRESS", f"{settings.host}:{settings.port(service)}")
    for name in ("KAHU_STAFF_ID", "KAHU_TIMEOUT", "COLUMNS", "KAHU_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return Kahu(CliRunner(), settings)


def example() -> dict[str, Any]:
    return dict(json.loads(EXAMPLE.read_text(encoding="utf-8")))


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    """The example report about a child no other test reports on (a second report about the
    same child would be additional information on the first one's case)."""
    data = example()
    data["children"][0]["name"] = f"Kōwhai Rangitāne {secrets.token_hex(4)}"
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path
