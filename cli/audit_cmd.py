"""`kahu audit verify`: walk every service's audit trail and report the first broken link."""

from __future__ import annotations

import asyncio
from typing import Annotated

import asyncpg
import typer

from cli.rpc import fail
from services.common.audit import ChainReport, audited_schemas, verify_chain
from services.common.config import ConfigError, load

app = typer.Typer(help="The audit trail: append-only and hash-chained, in each service's schema.", no_args_is_help=True)


async def _verify(database_url: str, schemas: list[str]) -> list[ChainReport]:
    conn = await asyncpg.connect(database_url)
    try:
        found = await audited_schemas(conn)
        missing = [s for s in schemas if s not in found]
        if missing:
            fail(f"no audit trail in schema {', '.join(missing)} (there are: {', '.join(found) or 'none'})", 2)
        return [await verify_chain(conn, schema) for schema in schemas or found]
    finally:
        await conn.close()


@app.command("verify")
def verify(
    schema: Annotated[
        list[str] | None, typer.Option("--schema", help="Only this service's trail (repeatable).")
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(envvar="DATABASE_URL", help="The database (default: DATABASE_URL, else the dev stack)."),
    ] = None,
) -> None:
    """Recompute every record's hash from the first; print each trail's length and head, or
    the first broken link (then exit 1)."""
    try:
        url = database_url or load().database_url
    except ConfigError as error:
        fail(str(error), 2)
    try:
        reports = asyncio.run(_verify(url, list(schema or [])))
    except (OSError, asyncpg.PostgresError) as error:
        fail(f"cannot read the audit trail: {error}", 1)
    broken = False
    for report in reports:
        if report.intact:
            print(
                f"{report.schema}: {report.records} records, chain intact;"
                f" head #{report.head_seq} sha256:{report.head_hash.hex()}"
            )
        else:
            broken = True
            print(
                f"{report.schema}: BROKEN at record #{report.broken_at}: {report.problem};"
                f" the {report.records} records before it are intact"
            )
    if broken:
        raise typer.Exit(1)
