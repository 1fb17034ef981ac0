"""The CLI's side of security: `kahu token` (development only), the bearer token on every
call (KAHU_TOKEN or --token), acting as oneself, and `kahu audit verify`."""

from __future__ import annotations

import jwt
import pytest
from typer.testing import CliRunner

from cli.main import app
from services.common.config import Settings
from services.common.identity import TokenVerifier
from services.common.keys import new_signing_key
from tests.cli.conftest import Kahu
from tests.tokens import staff


def _token(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("KAHU_KEYS_DIR", str(settings.keys_dir))
    result = CliRunner().invoke(app, ["token", *args])
    return result.exit_code, result.stdout.strip(), result.stderr


@pytest.fixture
def dev_keys(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    from services.common.config import load

    new_signing_key(tmp_path / "signing", kid="dev-20261122-abcd")
    monkeypatch.setenv("KAHU_KEYS_DIR", str(tmp_path))
    return load({"KAHU_KEYS_DIR": str(tmp_path)})


def test_kahu_token_mints_a_development_token_for_a_role(dev_keys: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    code, token, err = _token(
        dev_keys, monkeypatch, "--role", "site-manager", "--site", "hutt", "--subject", "sm.rewi", "--ttl", "2h"
    )
    assert code == 0, err
    assert "DEVELOPMENT-ONLY" in err
    verifier = TokenVerifier.from_dir(
        dev_keys.signing_keys_dir, issuer=dev_keys.token_issuer, audience=dev_keys.token_audience
    )
    principal = verifier.verify(token)
    assert (principal.subject, set(principal.roles), set(principal.sites), principal.dev) == (
        "sm.rewi",
        {"site_manager"},
        {"hutt"},
        True,
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 2 * 3600


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--role", "janitor"], "unknown role janitor"),
        (["--role", "workload"], "unknown role workload"),
        (["--role", "supervisor", "--site", "atlantis"], "unknown site atlantis"),
        (["--role", "agency-reporter", "--agency", "mi6"], "unknown agency mi6"),
        (["--role", "supervisor", "--ttl", "3d"], "--ttl"),
    ],
)
def test_kahu_token_refuses_what_no_token_should_say(
    dev_keys: Settings, monkeypatch: pytest.MonkeyPatch, args: list[str], problem: str
) -> None:
    code, _, err = _token(dev_keys, monkeypatch, *args)
    assert code == 2
    assert problem in err


def test_kahu_token_refuses_a_key_that_is_not_a_development_key(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, token, err = _token(settings, monkeypatch, "--role", "supervisor")  # the session's key: test-signing
    assert code == 2 and not token
    assert "not a development key" in err


async def test_a_call_without_a_token_says_how_to_get_one(kahu: Kahu) -> None:
    result = await kahu("case", "list", "--site", "hutt", token="")
    assert result.exit_code == 1
    assert "UNAUTHENTICATED" in result.stderr
    assert "KAHU_TOKEN" in result.stderr


async def test_staff_act_as_themselves(kahu: Kahu, report_file) -> None:
    token = await _mint(kahu, "sup.mere")
    submitted = await kahu("report", "submit", str(report_file), "--json", token=token)
    assert submitted.exit_code == 0, submitted.output
    case_id = submitted.stdout.split('"case_id": "')[1].split('"')[0]
    as_someone_else = await kahu(
        "triage", "decide", case_id, "--pathway", "no-further-action", "--by", "sw.aroha", token=token
    )
    assert as_someone_else.exit_code == 1
    assert "PERMISSION_DENIED" in as_someone_else.stderr and "decided_by" in as_someone_else.stderr


async def _mint(kahu: Kahu, subject: str) -> str:
    from tests.tokens import mint

    return mint(kahu.settings, staff(subject))
