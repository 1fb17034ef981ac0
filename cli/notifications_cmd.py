"""`kahu notifications`: what `make run`'s notification sinks received (devstack/sinks.py),
read from their journals under the dev stack's state directory (KAHU_STATE_DIR)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer
from rich.table import Table

from cli import render
from cli.common import Json
from cli.rpc import fail
from devstack.sinks import KINDS, received
from services.common.config import ConfigError, load
from workflows.policy.working_days import NZ


def _when(value: str) -> str:
    return dt.datetime.fromisoformat(value).astimezone(NZ).strftime("%Y-%m-%d %H:%M:%S")


def _about(record: dict[str, Any]) -> tuple[str, str, str]:
    """What a record is about: its kind, its case (or conference), and what it says."""
    kind = str(record["key"]).partition(":")[0]  # keys are <kind>:<what it tells of>:<channel>
    if "body" in record:  # a webhook delivery
        body = record["body"]
        what = f"/{record['channel']}: {body.get('reason') or body.get('step') or kind} at {body.get('site') or '-'}"
        return kind, str(body.get("case_id") or body.get("conference_id") or ""), what
    subject = str(record["subject"])  # "... case <id>" or "... conference <id>"
    return kind, subject.rpartition(" ")[2], f"{', '.join(record['to'])}: {subject.rpartition(', ')[0]}"


def notifications(
    sink: Annotated[
        str | None, typer.Option(help=f"Only this sink's: {' or '.join(KINDS)}.", show_default=False)
    ] = None,
    case: Annotated[str, typer.Option("--case", help="Only those about this case (or conference) id.")] = "",
    as_json: Json = False,
) -> None:
    """List what the dev stack's SMTP sink and webhook receiver received, oldest first: each
    notification once (a delivery repeated under its key is counted in REPEATS)."""
    if sink is not None and sink not in KINDS:
        fail(f"--sink must be {' or '.join(KINDS)}", 2)
    try:
        settings = load()
    except ConfigError as error:
        fail(str(error), 2)
    rows: list[dict[str, Any]] = []
    repeats: dict[tuple[str, str], int] = {}
    for kind in (sink,) if sink else KINDS:
        for record in received(settings, kind):
            if record.get("duplicate"):
                repeats[(kind, record["key"])] = repeats.get((kind, record["key"]), 0) + 1
            elif not case or case in json.dumps(record):
                rows.append({"sink": kind, **record})
    rows.sort(key=lambda r: str(r["received_at"]))
    for row in rows:
        row["repeats"] = repeats.get((row["sink"], row["key"]), 0)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Notifications received ({len(rows)})", title_justify="left")
    for column in ("RECEIVED", "SINK", "KIND", "CASE", "WHAT", "REPEATS", "KEY"):
        table.add_column(column)
    for row in rows:
        kind, about, what = _about(row)
        table.add_row(_when(row["received_at"]), row["sink"], kind, about, what, str(row["repeats"]), row["key"])
    render.console().print(table)
