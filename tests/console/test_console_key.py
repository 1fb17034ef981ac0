"""The console's key: made with the development keys (and by `python -m services.common.keys
console` for a deployment), published limited to staff roles, so the services accept the
people's tokens it signs and refuse any other it could sign."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.common.identity import InvalidToken, Principal, Signer, TokenVerifier
from services.common.keys import CONSOLE_ROLES, DEV_PREFIX, ensure_dev_keys

#: The roles a console may never sign for, written here, not read from the code.
NEVER = ("workload", "agency_reporter", "partner_agency")


def test_the_console_key_signs_for_staff_only(tmp_path: Path) -> None:
    created = ensure_dev_keys(tmp_path)
    assert any("console key" in line for line in created)
    assert ensure_dev_keys(tmp_path) == []  # made once
    console = Signer.from_dir(tmp_path / "console")
    assert console.kid.startswith(f"{DEV_PREFIX}console-")
    published = {k["kid"]: k for k in json.loads((tmp_path / "signing" / "jwks.json").read_text())["keys"]}
    assert set(published[console.kid]["kahu_roles"]) == set(CONSOLE_ROLES)
    assert not set(NEVER) & set(CONSOLE_ROLES)

    verifier = TokenVerifier.from_dir(tmp_path / "signing", issuer="kahu", audience="kahu")
    supervisor = Principal("sup.hana", frozenset({"supervisor"}), sites=frozenset({"hutt"}))
    token = console.mint(supervisor, issuer="kahu", audience="kahu", ttl=300)
    assert verifier.verify(token).subject == "sup.hana"
    for role, subject in (("workload", "workload:worker"), ("agency_reporter", "police"), ("partner_agency", "hnz")):
        forged = console.mint(Principal(subject, frozenset({role})), issuer="kahu", audience="kahu", ttl=300)
        with pytest.raises(InvalidToken, match="may not sign tokens for these roles"):
            verifier.verify(forged)
