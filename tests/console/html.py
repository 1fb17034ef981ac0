"""Reading the console's pages as a browser without JavaScript would: a form's action and
the values it would submit, the page title, the error summary's links."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, Form] = {}
        self._current: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self.title = ""
        self._in_title = False
        self.summary_links: list[str] = []
        self._in_summary = False
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._current = Form(str(a.get("action", "")))
            self.forms[str(a.get("id", f"form-{len(self.forms)}"))] = self._current
        elif tag == "title":
            self._in_title = True
        elif tag == "script":
            self.scripts.append(a)
        elif tag == "div" and "error-summary" in (a.get("class") or ""):
            self._in_summary = True
        elif tag == "a" and self._in_summary:
            self.summary_links.append(str(a.get("href")))
        elif self._current is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._current.fields[str(a["name"])] = a.get("value") or ""
        elif self._current is not None and tag == "textarea":
            self._textarea = str(a.get("name"))
            self._current.fields[self._textarea] = ""
        elif self._current is not None and tag == "select":
            self._select = str(a.get("name"))
            self._current.fields.setdefault(self._select, "")
        elif self._current is not None and tag == "option" and self._select and "selected" in a:
            self._current.fields[self._select] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "title":
            self._in_title = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "ul" and self._in_summary:
            self._in_summary = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._textarea and self._current is not None:
            self._current.fields[self._textarea] += data


def parse(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


def form(html: str, form_id: str) -> Form:
    forms = parse(html).forms
    assert form_id in forms, f"no form {form_id} on the page; forms: {sorted(forms)}"
    return forms[form_id]
