"""A further report: one about a child whose case is open (a CERTAIN match:
services/intake/matching.py). Whether it joins that case as additional information, or opens
a case of its own, needing its own triage decision, linked to the open case, is the policy's
`further_reports.join` (policy/kahu.yaml):

- `always`: it joins.
- `same_kind_from_a_new_notifier`: as in practice, it joins only when its concerns are of
  the same kind as the case's (`same_kind`) and its notifier is new to the case
  (`same_notifier` holds for no report on the case).

Pure functions over the reports as stored (`intake.reports.report`); the reporter's name and
contact are compared here, in memory, and never stored or logged for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kahu.v1 import common_pb2
from services.intake.matching import normalise_name
from workflows.policy.model import JoinRule

_NOT_DIGITS = re.compile(r"\D")


def same_kind(concerns: Iterable[int], case_concerns: Iterable[int]) -> bool:
    """The report's concerns are of the same kind as the case's when every concern category
    it names is already among the concerns of the reports on the case (the categories are
    the kinds: no grouping of them is statutory, and a new category, say neglect reported on
    a case about physical abuse, is what needs its own decision). A report naming none adds
    no kind."""
    return set(concerns) <= set(case_concerns)


def _contact(contact: str) -> str:
    """A phone number or an email address as compared: an address in lower case without
    spaces; a number by its digits, an international New Zealand number (+64, 0064) as
    dialled at home (0...)."""
    text = contact.strip().casefold()
    if "@" in text:
        return "".join(text.split())
    digits = _NOT_DIGITS.sub("", text)
    for prefix in ("0064", "64"):
        if digits.startswith(prefix) and (text.startswith("+") or prefix == "0064"):
            return "0" + digits[len(prefix) :]
    return digits


def same_notifier(reporter: common_pb2.Reporter, other: common_pb2.Reporter) -> bool:
    """Whether two reports come from the same notifier: the same kind of reporter and agency,
    and the same name (case, macrons, punctuation and spacing aside: `normalise_name`), or,
    where either gives no name, the same contact (digits of a phone number, an email address
    in any case). Different names are different people, even on one agency's switchboard
    number. An anonymous reporter, or one giving neither name nor contact, is never known
    to be the same, so counts as new."""
    if reporter.anonymous or other.anonymous:
        return False
    if (reporter.kind, reporter.agency) != (other.kind, other.agency):
        return False
    name, other_name = normalise_name(reporter.name), normalise_name(other.name)
    if name and other_name:
        return name == other_name
    contact, other_contact = _contact(reporter.contact), _contact(other.contact)
    return bool(contact) and contact == other_contact


@dataclass(frozen=True)
class Verdict:
    """Whether the report joins the open case; if not, why (text for both timelines, with
    no personal data)."""

    joins: bool
    reason: str = ""


def decide(rule: JoinRule, report: common_pb2.Report, case_reports: Iterable[common_pb2.Report]) -> Verdict:
    """Whether `report` joins the open case whose reports are `case_reports`, under `rule`."""
    if rule is JoinRule.ALWAYS:
        return Verdict(True)
    on_case = list(case_reports)
    case_concerns = {c for r in on_case for c in r.concerns}
    reasons = []
    if any(same_notifier(report.reporter, r.reporter) for r in on_case):
        reasons.append("the same notifier reported again")
    if not same_kind(report.concerns, case_concerns):
        new = sorted(set(report.concerns) - case_concerns)
        names = ", ".join(common_pb2.ConcernCategory.Name(c).removeprefix("CONCERN_CATEGORY_") for c in new)
        reasons.append(f"another kind of concern ({names})")
    if not reasons:
        return Verdict(True)
    return Verdict(False, f"a further report needing its own decision: {' and '.join(reasons)}")
