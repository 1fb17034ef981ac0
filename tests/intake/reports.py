"""Reports about a child no other test reports on (a second report about the same child is
additional information on the first one's case), and cases opened from them."""

from __future__ import annotations

import uuid
from typing import Any

from kahu.v1 import common_pb2, intake_pb2, triage_pb2
from tests import factories
from tests.conftest import Platform
from tests.polling import eventually

submit_request = factories.submit_request


async def get_case(platform: Platform, case_id: str) -> intake_pb2.GetCaseResponse:
    return await platform.intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id))


async def open_case(
    platform: Platform,
    request: intake_pb2.SubmitReportRequest | None = None,
    *,
    fast: bool = False,
) -> intake_pb2.GetCaseResponse:
    """Submit a report (through the fast-policy intake when `fast`) and wait until the
    case's triage proposal is in."""
    intake = platform.fast_intake if fast else platform.intake
    response = await intake.SubmitReport(request or submit_request())

    async def proposed() -> intake_pb2.GetCaseResponse | None:
        case = await get_case(platform, response.case_id)
        return case if case.HasField("proposal") else None

    return await eventually(proposed)


async def decide(platform: Platform, case_id: str, **fields: Any) -> triage_pb2.RecordDecisionResponse:
    """Record a triage decision: a child and family assessment, urgent, unless `fields` say otherwise."""
    request = triage_pb2.RecordDecisionRequest(
        idempotency_key=f"decide-{uuid.uuid4()}",
        case_id=case_id,
        decided_by="sw.aroha",
        pathway=common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
        timeframe=common_pb2.TIMEFRAME_URGENT,
    )
    for name, value in fields.items():
        setattr(request, name, value)
    return await platform.triage.RecordDecision(request)


def actions(timeline: Any) -> list[str]:
    return [entry.action for entry in timeline]
