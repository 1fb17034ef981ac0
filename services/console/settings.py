"""The console's settings: Kahu's (services/common/config.py) and its own, from the environment.

    KAHU_CONSOLE_IDLE_MINUTES   sign out after this long without a request (default 30)
    KAHU_CONSOLE_URL            the console's public base URL (for the OIDC redirect URI);
                                default: the URL the request came in on
    KAHU_OIDC_ISSUER            the OpenID provider's issuer URL; unset: no OIDC sign-in
    KAHU_OIDC_CLIENT_ID, KAHU_OIDC_CLIENT_SECRET
    KAHU_OIDC_ROLES_CLAIM       the claim listing the person's groups (default `groups`)
    KAHU_OIDC_ROLE_MAP          group=kahu_role pairs, comma-separated
                                (e.g. `ot-supervisors=supervisor,ot-intake=intake_social_worker`)
    KAHU_OIDC_SITES_CLAIM       the claim listing site codes (default `sites`)
    KAHU_OIDC_REGIONS_CLAIM     the claim listing regions (default `regions`)
    KAHU_OIDC_STAFF_ID_CLAIM    the claim holding the staff id (default `preferred_username`)

The dev sign-in (pick a role and a site) exists only with the development profile
(`KAHU_DEV_PROFILE`, set by `make run` alone) and a development console key (`dev-…`).
Cookies are Secure except on loopback under the development profile.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

from services.common.config import ConfigError, Settings, is_loopback, load
from services.common.keys import CONSOLE_ROLES


@dataclass(frozen=True)
class OidcSettings:
    """How to sign people in with an OpenID provider and read their Kahu roles."""

    issuer: str
    client_id: str
    client_secret: str
    roles_claim: str = "groups"
    role_map: Mapping[str, str] = field(default_factory=dict)
    sites_claim: str = "sites"
    regions_claim: str = "regions"
    staff_id_claim: str = "preferred_username"


@dataclass(frozen=True)
class ConsoleSettings:
    kahu: Settings
    idle_seconds: int = 30 * 60
    public_url: str | None = None
    oidc: OidcSettings | None = None

    @property
    def secure_cookies(self) -> bool:
        return not (self.kahu.dev_profile and is_loopback(self.kahu.host))


def _role_map(raw: str) -> dict[str, str]:
    mapping = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        group, sep, role = pair.partition("=")
        if not sep or not group.strip() or role.strip() not in CONSOLE_ROLES:
            raise ConfigError(
                f"KAHU_OIDC_ROLE_MAP: {pair!r} is not group=role with a role of {', '.join(CONSOLE_ROLES)}"
            )
        mapping[group.strip()] = role.strip()
    return mapping


def load_console(env: Mapping[str, str] | None = None) -> ConsoleSettings:
    """Read and validate the console's settings; raise ConfigError naming the variable."""
    env = os.environ if env is None else env
    kahu = load(env)
    raw_idle = env.get("KAHU_CONSOLE_IDLE_MINUTES") or "30"
    if not raw_idle.isdigit() or not 1 <= int(raw_idle) <= 24 * 60:
        raise ConfigError(f"KAHU_CONSOLE_IDLE_MINUTES={raw_idle!r} must be 1..1440 minutes")
    public_url = env.get("KAHU_CONSOLE_URL") or None
    if public_url is not None and urlparse(public_url).scheme not in ("http", "https"):
        raise ConfigError(f"KAHU_CONSOLE_URL={public_url!r} must be an http(s) URL")
    oidc = None
    issuer = env.get("KAHU_OIDC_ISSUER")
    if issuer:
        parsed = urlparse(issuer)
        if parsed.scheme != "https" and not (parsed.scheme == "http" and is_loopback(parsed.hostname or "")):
            raise ConfigError(f"KAHU_OIDC_ISSUER={issuer!r} must be https (http only on loopback)")
        client_id = env.get("KAHU_OIDC_CLIENT_ID", "")
        if not client_id:
            raise ConfigError("KAHU_OIDC_ISSUER needs KAHU_OIDC_CLIENT_ID")
        oidc = OidcSettings(
            issuer=issuer.rstrip("/"),
            client_id=client_id,
            client_secret=env.get("KAHU_OIDC_CLIENT_SECRET", ""),
            roles_claim=env.get("KAHU_OIDC_ROLES_CLAIM") or "groups",
            role_map=_role_map(env.get("KAHU_OIDC_ROLE_MAP", "")),
            sites_claim=env.get("KAHU_OIDC_SITES_CLAIM") or "sites",
            regions_claim=env.get("KAHU_OIDC_REGIONS_CLAIM") or "regions",
            staff_id_claim=env.get("KAHU_OIDC_STAFF_ID_CLAIM") or "preferred_username",
        )
    return ConsoleSettings(kahu=kahu, idle_seconds=int(raw_idle) * 60, public_url=public_url, oidc=oidc)
