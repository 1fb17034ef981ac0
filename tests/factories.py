"""Valid requests to start from; each test changes only what it is about."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from kahu.v1 import common_pb2, intake_pb2, supervision_pb2
from services.common.convert import timestamp
from workflows.case.model import assessment_workflow_id


def report() -> common_pb2.Report:
    return common_pb2.Report(
        reporter=common_pb2.Reporter(
            kind=common_pb2.REPORTER_KIND_AGENCY,
            agency=common_pb2.AGENCY_EDUCATION,
            name="Mere Tūhoe-Ngātā",
            contact="021 555 0101",
        ),
        site="hutt",
        children=[
            common_pb2.Child(
                # unique per report, every word of it (intake matches names word by word:
                # services/intake/matching.py): a second report about one child joins the
                # first one's case, and no other report possibly matches it
                name=f"Āniwaniwa{secrets.token_hex(3)} Pōtae{secrets.token_hex(3)}",
                date_of_birth=common_pb2.Date(year=2016, month=3, day=14),
                iwi="Ngāti Porou",
                address="12 Kōwhai Street, Naenae",
                region="greater-wellington",
                school="Naenae Primary",
                languages=["te reo Māori", "English"],
            )
        ],
        household=[common_pb2.HouseholdMember(name="Hēmi Pōtae", relationship="father", adult_of_concern=True)],
        concerns=[common_pb2.CONCERN_CATEGORY_NEGLECT],
        incidents=[
            common_pb2.Incident(
                occurred_on=common_pb2.Date(year=2026, month=11, day=2),
                description="Arrived at school without lunch for the fifth day running.",
            )
        ],
        risk_reason="Repeated signs of neglect; the child says there is no food at home.",
        prior_involvement=common_pb2.PriorInvolvement(ministry=True, details="Earlier report in 2024."),
    )


def submit_request(key: str | None = None) -> intake_pb2.SubmitReportRequest:
    return intake_pb2.SubmitReportRequest(idempotency_key=key or f"test-{uuid.uuid4()}", report=report())


def escalation_request(
    case_id: str,
    site: str = "hutt",
    region: str = "greater-wellington",
    tier: int = 1,
    due_at: dt.datetime | None = None,
) -> supervision_pb2.RaiseEscalationRequest:
    """What the worker sends when a case's assessment deadline escalates to `tier`."""
    return supervision_pb2.RaiseEscalationRequest(
        case_id=case_id,
        workflow_id=assessment_workflow_id(case_id),
        kind=common_pb2.DEADLINE_KIND_ASSESSMENT,
        cycle=1,
        tier=tier,
        role="site_supervisor",
        site=site,
        region=region,
        due_at=timestamp(due_at or dt.datetime.now(dt.UTC)),
    )
