"""Rendering a page: the templates, with what every page needs (who is signed in, the CSRF
token, a one-shot message, New Zealand time, enum labels)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from kahu.v1 import common_pb2, conference_pb2, intake_pb2, placement_pb2, plan_pb2, supervision_pb2
from services.common.sites import load_sites
from services.console import nztime
from services.console.forms import Problem, new_key
from services.console.session import csrf_token, signed_in, take_flash

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


#: Labels that are not the enum value's words (te reo Māori with its macrons).
WORDS = {
    "PLACEMENT_TIER_WHANAU": "Whānau",
    "PLACEMENT_TIER_HAPU": "Hapū",
    "PLACEMENT_TIER_FAMILY_NETWORK": "Family group and the family's network",
    "PLACEMENT_TIER_NON_KIN": "Approved non-kin caregivers",
    "PARTICIPANT_ROLE_WHANAU": "Whānau",
}


@functools.cache
def label(enum: EnumTypeWrapper, value: int) -> str:
    """`CASE_STAGE_YOUTH_JUSTICE_CONFERENCE` → `Youth justice conference`."""
    name = enum.Name(value)
    if name in WORDS:
        return WORDS[name]
    prefix = "_".join(enum.keys()[0].split("_")[:-1]) + "_"  # the _UNSPECIFIED value's prefix
    words = name.removeprefix(prefix).replace("_", " ").lower()
    return "—" if words == "unspecified" else words[:1].upper() + words[1:]


def site_name(code: str) -> str:
    """A site's name (its code when unknown)."""
    site = load_sites().get(code)
    return site.name if site else code


NOTHING = Markup("")


class Fields:
    """What a page's forms and deadlines are drawn with (`f` in the templates): the CSRF
    token and a fresh idempotency key per form, what a refusal said of each field (with its
    aria attributes) and what was entered, deadline tags and countdowns."""

    def __init__(self, problem: Problem | None, csrf: str, now: dt.datetime) -> None:
        self._problem = problem
        self._csrf = csrf
        self._now = now

    def _of(self, form_id: str) -> Problem | None:
        return self._problem if self._problem is not None and self._problem.form_id == form_id else None

    def hidden(self, form_id: str) -> Markup:
        """The CSRF token and a fresh idempotency key, as hidden fields of a form."""
        # both are tokens of URL-safe characters: nothing to escape (a page has a form per card)
        return Markup(
            f'<input type="hidden" name="csrf_token" value="{self._csrf}">\n'
            f'<input type="hidden" name="idempotency_key" value="{new_key()}">'
        )

    def field_error(self, form_id: str, name: str) -> Markup:
        """What the service said of a field, above it (nothing when it said nothing)."""
        found = self._of(form_id)
        if found is None or name not in found.fields:
            return NOTHING
        return Markup(
            '<p class="field-error" id="{}-{}-error"><span class="visually-hidden">Error:</span> {}</p>'
        ).format(form_id, name, found.fields[name])

    def described(self, form_id: str, name: str, hint: bool = False) -> Markup:
        """A field's aria-describedby (its hint, its error) and aria-invalid."""
        found = self._of(form_id)
        wrong = found is not None and name in found.fields
        if not hint and not wrong:
            return NOTHING
        ids = [f"{form_id}-{name}-hint"] * hint + [f"{form_id}-{name}-error"] * wrong
        return Markup(' aria-describedby="{}"').format(" ".join(ids)) + (
            Markup(' aria-invalid="true"') if wrong else Markup("")
        )

    def value(self, form_id: str, name: str, default: str = "") -> str:
        """What a refused form's field held (to show again), else `default`."""
        found = self._of(form_id)
        return found.values.get(name, default) if found is not None else default

    def form_message(self, form_id: str) -> Markup:
        """The service's message at the top of a refused form that named no field."""
        found = self._of(form_id)
        if found is None or found.fields:
            return NOTHING
        return Markup('<p class="field-error"><span class="visually-hidden">Error:</span> {}</p>').format(found.message)

    def tag(self, due: dt.datetime | None, breached: bool) -> Markup:
        """A deadline's tag: breached, due soon or on time."""
        return tag(due, breached, self._now)

    def countdown(self, due: dt.datetime | None) -> Markup:
        """Time left to `due` (or since it), which console.js keeps live."""
        return countdown(due, self._now)


def tag(due: dt.datetime | None, breached: bool, now: dt.datetime) -> Markup:
    """A deadline's tag at `now`: breached, due soon or on time."""
    text, colour = nztime.standing(due, breached, now)  # words of our own: nothing to escape
    return Markup(f'<strong class="tag tag-{colour}">{text}</strong>')


def countdown(due: dt.datetime | None, now: dt.datetime) -> Markup:
    """Time left to `due` at `now` (or since it), which console.js keeps live."""
    if due is None:
        return NOTHING
    left = (due - now).total_seconds()
    words = f"{nztime.span(left)} left" if left > 0 else f"{nztime.span(-left)} ago"
    return Markup(f'<time class="countdown" datetime="{nztime.iso(due)}">{words}</time>')


def timeline_rows(entries: Iterable[common_pb2.TimelineEntry]) -> Markup:
    """A case's timeline as table rows (when, who, what, detail), every value escaped: built
    here rather than in a template loop, since a case may have hundreds of entries."""
    row = "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"
    return Markup(
        "".join(
            row.format(nztime.shown_stamp(e.at), escape(e.actor), escape(e.action), escape(e.detail)) for e in entries
        )
    )


_env = templates.env
_env.auto_reload = False  # the templates ship with the code: no stat of each file per page
_env.globals.update(
    label=label,
    site_name=site_name,
    shown=nztime.shown,
    timeline_rows=timeline_rows,
    iso=nztime.iso,
    span=nztime.span,
    stamp=nztime.from_proto,
    new_key=new_key,
    pb=common_pb2,
    pb_supervision=supervision_pb2,
    pb_intake=intake_pb2,
    pb_plan=plan_pb2,
    pb_placement=placement_pb2,
    pb_conference=conference_pb2,
)


def page(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    now = dt.datetime.now(dt.UTC)
    full = {
        "who": signed_in(request),
        "csrf": csrf_token(request),
        "flash": take_flash(request),
        "now": now,
        "problem": None,
        **(context or {}),
    }
    full["f"] = Fields(full["problem"], full["csrf"], now)
    return templates.TemplateResponse(request, template, full, status_code=status)
