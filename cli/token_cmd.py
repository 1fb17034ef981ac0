"""`kahu token`: a bearer token for the local platform, DEVELOPMENT ONLY.

It signs with the development signing key `make run` creates (`.kahu/keys/signing`, key
ids starting `dev-`) and refuses any other key, so it cannot mint tokens for a real
deployment. Tokens it mints carry `"dev": true`.
"""

from __future__ import annotations

import sys
from typing import Annotated

import jwt
import typer

from cli.params import duration
from cli.rpc import fail
from services.common.access import AccessError, load_access
from services.common.config import ConfigError, load
from services.common.identity import WORKLOAD_ROLE, Principal, Signer
from services.common.keys import DEV_PREFIX
from services.common.sites import load_sites, regions
from workflows.policy.loader import AGENCIES

MAX_TTL = 24 * 3600
DEFAULT_TTL = 8 * 3600


def token_subject(token: str) -> str | None:
    """The subject a token names (not verified: the services verify it)."""
    if not token:
        return None
    try:
        subject = jwt.decode(token, options={"verify_signature": False}).get("sub")
    except jwt.PyJWTError:
        return None
    return subject if isinstance(subject, str) else None


def token(
    role: Annotated[list[str], typer.Option("--role", help="A role (repeatable), e.g. supervisor, social-worker.")],
    site: Annotated[list[str] | None, typer.Option("--site", help="A site code (repeatable), e.g. hutt.")] = None,
    region: Annotated[list[str] | None, typer.Option("--region", help="A region (repeatable).")] = None,
    agency: Annotated[str, typer.Option(help="The caller's agency, e.g. police (agency reporters, partners).")] = "",
    purpose: Annotated[str, typer.Option(help="A partner agency's information-sharing purpose.")] = "",
    case: Annotated[str, typer.Option("--case", help="The one case a partner agency may see.")] = "",
    subject: Annotated[str, typer.Option(help="Staff id or system name (default: dev.<role>).")] = "",
    ttl: Annotated[
        int | None, typer.Option(parser=duration, metavar="DURATION", help="Lifetime (default 8h, at most 24h).")
    ] = None,
) -> None:
    """Mint a DEVELOPMENT-ONLY bearer token for the local platform (`make run`), signed with
    its development key; print it on stdout (`export KAHU_TOKEN=$(kahu token --role ...)`)."""
    try:
        settings = load()
        table = load_access(settings.access_file)
        signer = Signer.from_dir(settings.signing_keys_dir)
    except (ConfigError, AccessError) as error:
        fail(f"{error} (run `make run` once: it creates the development keys)", 2)
    if not signer.kid.startswith(DEV_PREFIX):
        fail(f"refusing: signing key {signer.kid} is not a development key; `kahu token` is for development only", 2)
    roles = {r.strip().lower().replace("-", "_") for r in role}
    unknown = roles - set(table.roles)
    if unknown or WORKLOAD_ROLE in roles:
        choices = ", ".join(r.replace("_", "-") for r in sorted(table.roles) if r != WORKLOAD_ROLE)
        fail(f"unknown role {', '.join(sorted(unknown or {WORKLOAD_ROLE}))}; choose from {choices}", 2)
    sites = set(site or [])
    if sites - set(load_sites()):
        fail(f"unknown site {', '.join(sorted(sites - set(load_sites())))}", 2)
    known_regions = set(region or [])
    if known_regions - regions():
        fail(f"unknown region {', '.join(sorted(known_regions - regions()))}", 2)
    agency_name = agency.strip().upper().replace("-", "_")
    if agency_name and not agency_name.startswith("AGENCY_"):
        agency_name = f"AGENCY_{agency_name}"
    if agency_name and agency_name not in AGENCIES:
        fail(
            f"unknown agency {agency}; choose from {', '.join(a.removeprefix('AGENCY_').lower() for a in AGENCIES)}", 2
        )
    if purpose and purpose not in table.purposes:
        fail(f"unknown purpose {purpose}; choose from {', '.join(sorted(table.purposes))}", 2)
    ttl = DEFAULT_TTL if ttl is None else ttl
    if not 60 <= ttl <= MAX_TTL:
        fail("--ttl must be between 1m and 24h", 2)
    principal = Principal(
        subject=subject or f"dev.{sorted(roles)[0]}",
        roles=frozenset(roles),
        agency=agency_name,
        sites=frozenset(sites),
        regions=frozenset(known_regions),
        purpose=purpose,
        case_id=case,
        dev=True,
    )
    minted = signer.mint(principal, issuer=settings.token_issuer, audience=settings.token_audience, ttl=ttl)
    print(minted, flush=True)
    print(
        f"kahu: DEVELOPMENT-ONLY token for {principal.subject} ({', '.join(sorted(roles))}), valid {ttl // 60} min",
        file=sys.stderr,
        flush=True,
    )
