"""What every command group shares: the invocation's state (global options and its client)
and the options that mean the same in every command (`--json`, `--idempotency-key`, `--by`, ...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer
from google.protobuf.message import Message
from rich.console import Console

from cli import render
from cli.rpc import Client, fail
from cli.token_cmd import token_subject


@dataclass
class State:
    """The global options of one invocation, and its client (opened on first use)."""

    overrides: dict[str, str | None]
    timeout: float
    json: bool
    token: str | None = None
    client: Client | None = field(default=None)

    def call(self, service: str, method: str, request: Message, key: str | None = None, retry: str = "") -> Any:
        """`retry`: what else a retry must repeat besides the key (e.g. `--triggered-at ...`)."""
        if self.client is None:
            self.client = Client(self.overrides, self.timeout, self.token)
        return self.client.call(service, method, request, key=key, retry=retry)

    def actor(self, by: str) -> str:
        """Who acts: `--by` (or KAHU_STAFF_ID), else the subject the token names."""
        if by:
            return by
        subject = token_subject(self.token or "")
        if subject is None:
            fail("give --by (your staff id), KAHU_STAFF_ID, or a token that names you", 2)
        return subject

    def show(self, answer: Message, as_json: bool, human: Callable[[Console], None]) -> None:
        if as_json or self.json:
            print(render.to_json(answer), flush=True)
        else:
            human(render.console())

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


def state_of(ctx: typer.Context) -> State:
    state = ctx.find_object(State)
    assert state is not None
    return state


def read_text(path: str) -> str:
    """A text file's contents ("-": stdin); an unreadable file is a usage error."""
    try:
        if path == "-":
            return typer.get_text_stream("stdin").read()
        with open(path, encoding="utf-8") as file:
            return file.read()
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {path}: {getattr(error, 'strerror', None) or error}", 2)


Json = Annotated[bool, typer.Option("--json", help="Print the answer as JSON (proto field names), for scripts.")]
Key = Annotated[
    str | None,
    typer.Option("--idempotency-key", help="Retry safely by giving the same key again (default: a new key)."),
]
By = Annotated[
    str, typer.Option("--by", envvar="KAHU_STAFF_ID", help="Your staff id (default: the one your token names).")
]
CaseId = Annotated[str, typer.Argument(metavar="CASE_ID", help="The case's id.")]
Site = Annotated[str, typer.Option(help="Site code, e.g. hutt.")]
OptSite = Annotated[str, typer.Option(help="Only this site (a site code, e.g. hutt).")]
Region = Annotated[str, typer.Option(help="Only this region, e.g. greater-wellington.")]
MinTier = Annotated[int, typer.Option(min=0, help="Only escalated to at least this tier.")]
PageSize = Annotated[int, typer.Option(min=0, help="At most this many (0: the service's default).")]
PageToken = Annotated[str, typer.Option(help="The page after the one that printed this token.")]
Reason = Annotated[str, typer.Option(help="Why (recorded on the case).")]
IncludeResolved = Annotated[bool, typer.Option(help="Also resolved escalations.")]
