"""The `kahu` CLI pointed at the in-process platform.

The platform runs on the session's event loop in this thread, and the CLI makes blocking
gRPC calls, so each invocation runs in a worker thread while the loop keeps serving.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from services.common.config import Settings
from services.conference import app as conference_app
from tests.conftest import Platform, _serve, free_port
from tests.tokens import mint, staff
from workflows.policy.loader import POLICY_ENV, load_policy, write_policy
from workflows.policy.model import ConferenceHours, Span

EXAMPLES = Path(__file__).resolve().parents[2] / "cli" / "examples"
EXAMPLE = EXAMPLES / "report.json"
CONFERENCE_EXAMPLE = EXAMPLES / "conference.yaml"
OUTCOME_EXAMPLE = EXAMPLES / "outcome.yaml"


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


@pytest.fixture
def kahu(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Kahu:
    settings = platform.settings
    for service in ("intake", "triage", "assessment", "supervision", "placement", "conference"):
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


@pytest.fixture(scope="session")
async def fast_conference_address(
    platform: Platform, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """The address of a conference service whose conferences are booked a second or two
    ahead (one-second notice, one-minute slots on a one-second grid, any hour of any day),
    so a test can hold one; the platform's worker runs them like any other."""
    policy = load_policy()
    assert policy.case.youth_justice is not None
    fast = replace(
        policy.case.youth_justice,
        minimum_notice=Span(seconds=1),
        conference_length=Span(seconds=60),
        slot_granularity=Span(seconds=1),
        conference_hours=ConferenceHours(
            weekdays=list(range(7)), start_minute=0, end_minute=1440, public_holidays=True
        ),
    )
    path = write_policy(
        replace(policy, case=replace(policy.case, youth_justice=fast)),
        tmp_path_factory.mktemp("policy") / "cli-fast-conference.yaml",
    )
    port = free_port()
    async with AsyncExitStack() as stack:
        with pytest.MonkeyPatch.context() as env:
            env.setenv(POLICY_ENV, str(path))
            await _serve(stack, settings, conference_app.build, port)
        yield f"{settings.host}:{port}"
