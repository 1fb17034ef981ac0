"""Apply services' schema migrations as the owner role: `python -m services.migrate SERVICE...`.

For deployments where the services' own roles may not change their schemas (Kubernetes:
an init container per pod). Needs DATABASE_OWNER_URL (the owner, which applies the
migrations) and DATABASE_URL (the service's role, which is granted its rights on the
schema; connecting as it also proves its credentials before the service starts).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import asyncpg

from services.assessment import store as assessment
from services.codec.app import SCHEMA as CODEC_SCHEMA
from services.common.config import ConfigError, load
from services.common.db import migrate_as_owner
from services.conference import store as conference
from services.intake import store as intake
from services.placement import store as placement
from services.plan import store as plan
from services.supervision import store as supervision
from services.triage import store as triage

#: Each process's schema and its migrations directory (None: the common ones only).
SCHEMAS: dict[str, tuple[str, Path | None]] = {
    "intake": (intake.SCHEMA, intake.MIGRATIONS),
    "triage": (triage.SCHEMA, triage.MIGRATIONS),
    "assessment": (assessment.SCHEMA, assessment.MIGRATIONS),
    "supervision": (supervision.SCHEMA, supervision.MIGRATIONS),
    "placement": (placement.SCHEMA, placement.MIGRATIONS),
    "plan": (plan.SCHEMA, plan.MIGRATIONS),
    "conference": (conference.SCHEMA, conference.MIGRATIONS),
    "codec": (CODEC_SCHEMA, None),
}


async def run(services: list[str], database_url: str, owner_url: str) -> list[str]:
    """Migrate `services`' schemas as the owner and grant DATABASE_URL's role; return what
    was applied."""
    conn = await asyncpg.connect(database_url)
    try:
        role = await conn.fetchval("SELECT current_user")
    finally:
        await conn.close()
    return await migrate_as_owner(owner_url, [SCHEMAS[name] for name in services], grant_to=role)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.migrate", description=__doc__.split("\n")[0])
    parser.add_argument("services", nargs="+", choices=sorted(SCHEMAS), metavar="SERVICE")
    args = parser.parse_args(argv)
    try:
        settings = load()
        if settings.database_owner_url is None:
            raise ConfigError("DATABASE_OWNER_URL is not set: migrations are applied as the schemas' owner")
        applied = asyncio.run(run(args.services, settings.database_url, settings.database_owner_url))
    except (ConfigError, OSError, asyncpg.PostgresError) as err:
        print(f"kahu-migrate: {err}", file=sys.stderr)
        return 2
    print(f"kahu-migrate: {', '.join(args.services)}: " + (", ".join(applied) or "up to date"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
