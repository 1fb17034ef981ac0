"""The facts of a report that triage reads: categories and flags, no names or free text."""

from __future__ import annotations

import datetime as dt

from kahu.v1 import common_pb2
from workflows.case.model import CaseFacts


def _age(child: common_pb2.Child, today: dt.date) -> int | None:
    if child.HasField("date_of_birth"):
        born = child.date_of_birth
        # a partial date (a year, or a year and month): the youngest the child may be
        birthday = (born.month or 12, born.day or 31)
        return today.year - born.year - ((today.month, today.day) < birthday)
    return child.age_years if child.HasField("age_years") else None


def case_facts(report: common_pb2.Report, today: dt.date) -> CaseFacts:
    ages = [age for age in (_age(child, today) for child in report.children) if age is not None]
    agency = report.reporter.agency
    return CaseFacts(
        concerns=[common_pb2.ConcernCategory.Name(c) for c in report.concerns],
        immediate_danger=report.immediate_danger,
        agency=common_pb2.Agency.Name(agency) if agency else "",
        prior_involvement=report.prior_involvement.ministry or report.prior_involvement.police,
        youngest_child_age=min(ages) if ages else None,
        # what the report says, whoever makes it: the hub's reports, and the same fact from anyone
        child_safety_hub=agency == common_pb2.AGENCY_CHILD_SAFETY_HUB
        or common_pb2.CONCERN_CATEGORY_CARER_ENTERING_CUSTODY in report.concerns,
    )
