"""Keys and bearer tokens for the tests: made fresh in a temporary directory per session,
never in the repository.

`staff()` is the in-process platform's default caller: a member of staff with every
site-level role at every site. `ActingAs` is the token source of the platform's stubs: it
signs, per call, a token for whoever the request says acts (`decided_by`, …, per the access
table's `actor`), or the workload identity for the RPCs only Kahu's own processes may call.
The authorisation tests use explicit principals instead (`mint`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from services.common.access import AccessTable, load_access
from services.common.checks import STAFF_ID
from services.common.config import Settings
from services.common.identity import WORKLOAD_PREFIX, WORKLOAD_ROLE, Principal, Signer
from services.common.keys import new_payload_key, new_signing_key
from services.common.sites import load_sites, regions

STAFF_ROLES = frozenset({"intake_social_worker", "supervisor", "site_manager", "regional_manager"})


def make_keys(keys_dir: Path) -> Path:
    """Signing and payload keys under `keys_dir` (the layout of services/common/keys.py)."""
    new_signing_key(keys_dir / "signing", kid="test-signing")
    new_payload_key(keys_dir / "payload", kid="test-payload")
    return keys_dir


def staff(subject: str = "test.staff", **changes: object) -> Principal:
    principal = Principal(
        subject=subject,
        roles=STAFF_ROLES,
        sites=frozenset(load_sites()),
        regions=regions(),
    )
    return replace(principal, **changes)  # type: ignore[arg-type]


def workload(name: str = "test") -> Principal:
    return Principal(subject=f"{WORKLOAD_PREFIX}{name}", roles=frozenset({WORKLOAD_ROLE}))


def mint(settings: Settings, principal: Principal, *, ttl: float = 3600, **overrides: object) -> str:
    """A token for `principal` signed with the session's key (`overrides`: claims to
    change, e.g. `aud="other"`)."""
    signer = Signer.from_dir(settings.signing_keys_dir)
    return signer.mint(
        principal,
        issuer=str(overrides.pop("iss", settings.token_issuer)),
        audience=str(overrides.pop("aud", settings.token_audience)),
        ttl=ttl,
        **overrides,
    )


@dataclass
class ActingAs:
    """Signs a token per call for whoever the request names as acting (see module doc)."""

    settings: Settings
    default: Principal

    def __post_init__(self) -> None:
        self._table: AccessTable = load_access(self.settings.access_file)
        self._signer = Signer.from_dir(self.settings.signing_keys_dir)
        self._cache: dict[Principal, str] = {}

    def _token(self, principal: Principal) -> str:
        token = self._cache.get(principal)
        if token is None:
            token = self._signer.mint(
                principal, issuer=self.settings.token_issuer, audience=self.settings.token_audience, ttl=6 * 3600
            )
            self._cache[principal] = token
        return token

    def __call__(self, method: str, request: object) -> str | None:
        entry = self._table.entry(method)
        principal = self.default
        if entry is not None:
            if WORKLOAD_ROLE in entry.allow and not (set(entry.allow) & principal.roles):
                return self._token(workload())
            named = getattr(request, entry.actor, "") if entry.actor else ""
            if STAFF_ID.fullmatch(named):
                principal = replace(principal, subject=named)
        return self._token(principal)
