"""What every form carries and how a refusal comes back to it.

Each form is rendered with the session's CSRF token and a fresh idempotency key (hidden
fields), and the key goes to the RPC's `idempotency_key`: a form submitted twice acts once.
A refusal re-renders the form with the service's message and an error summary whose links
go to the fields the service named.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from starlette.datastructures import FormData
from starlette.requests import Request

from services.console.backend import Refusal
from services.console.session import csrf_ok


class BadForm(Exception):
    """A POST without this session's CSRF token, or without an idempotency key."""


def new_key() -> str:
    """A fresh idempotency key (the services take 8..128 of [A-Za-z0-9._:-])."""
    return f"console-{secrets.token_hex(16)}"


async def submitted(request: Request) -> FormData:
    """The posted form, once its CSRF token checks out."""
    form = await request.form()
    key = form.get("idempotency_key")
    if not csrf_ok(request, form.get("csrf_token")) or not isinstance(key, str) or not key.startswith("console-"):
        raise BadForm
    return form


def text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def choice(form: FormData, name: str, enum: EnumTypeWrapper) -> str:
    """The enum value name a field holds (its name, or its number); the enum's unspecified
    value when it holds neither (the service says what is missing)."""
    value = text(form, name)
    if value.isdigit() and int(value) in enum.values():
        return enum.Name(int(value))
    names = enum.keys()
    return value if value in names else names[0]


@dataclass
class Problem:
    """A refused form: its id, the service's message, what each named field is told, and
    what was entered (to show again)."""

    form_id: str
    message: str
    fields: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)

    def links(self) -> list[tuple[str, str]]:
        """(href, text) of the error summary: each field's, or the form's for the message."""
        if not self.fields:
            return [(f"#{self.form_id}", self.message)]
        return [(f"#{self.form_id}-{name}", text) for name, text in self.fields.items()]


def problem(form_id: str, refusal: Refusal, form: FormData, fields: tuple[str, ...]) -> Problem:
    """The refusal as it is shown: violations of the form's own fields beside them, others
    in the summary linked to the form."""
    named: dict[str, str] = {}
    others = []
    for violation in refusal.violations:
        leaf = violation.field.rsplit(".", 1)[-1]
        if leaf in fields:
            named[leaf] = violation.description
        else:
            others.append(f"{violation.field}: {violation.description}")
    message = refusal.message if not others else f"{refusal.message} ({'; '.join(others)})"
    values = {name: text(form, name) for name in fields}
    return Problem(form_id, message, named, values)
