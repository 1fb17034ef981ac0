"""Reports about a child no other test reports on (a second report about the same child, of
the same kind of concern and from a new notifier, is additional information on the first
one's case: services/intake/further.py), and cases opened from them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from kahu.v1 import assessment_pb2, common_pb2, intake_pb2, triage_pb2
from tests import factories
from tests.conftest import Platform
from tests.polling import answered, eventually
from workflows.case.model import workflow_id

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


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def case_workflows_started_since(platform: Platform, since: dt.datetime) -> int:
    """How many case workflows Temporal started at or after `since`.

    Temporal's visibility (what `count_workflows` reads) is eventually consistent: a
    workflow started a moment ago may not be counted yet. So a new case is opened first,
    after whatever the test did, and its workflow waited for by id in visibility; then the
    case workflows started since `since` are counted, that one left out."""
    barrier = workflow_id((await platform.intake.SubmitReport(submit_request())).case_id)

    async def visible() -> bool:
        return (await platform.temporal.count_workflows(f"WorkflowId = '{barrier}'")).count == 1

    await eventually(visible)
    stamp = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    query = f"WorkflowType = 'CaseWorkflow' AND StartTime >= '{stamp}' AND WorkflowId != '{barrier}'"
    return (await platform.temporal.count_workflows(query)).count


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


async def assessed(
    platform: Platform,
    case_id: str,
    outcome: common_pb2.Outcome,
    *,
    social_worker: str,
    site: str,
    allocated_by: str,
    reason: str,
) -> None:
    """Allocate the case's assessment (once its workflow takes it) and complete it with
    `outcome`, as the social worker allocated."""
    allocate = assessment_pb2.AllocateRequest(
        idempotency_key=f"allocate-{uuid.uuid4()}",
        case_id=case_id,
        social_worker=social_worker,
        site=site,
        allocated_by=allocated_by,
    )
    await answered(lambda: platform.assessment.Allocate(allocate))
    await platform.assessment.CompleteAssessment(
        assessment_pb2.CompleteAssessmentRequest(
            idempotency_key=f"complete-{uuid.uuid4()}",
            case_id=case_id,
            completed_by=social_worker,
            outcome=outcome,
            reason=reason,
        )
    )


def actions(timeline: Any) -> list[str]:
    return [entry.action for entry in timeline]


async def closed_case(platform: Platform, case_id: str, timeout: float = 30.0) -> intake_pb2.GetCaseResponse:
    """The case's record once it is closed, which is complete then: a closing case's stage is
    recorded only once its last events are (patch `closed-after-events`)."""

    async def closed() -> intake_pb2.GetCaseResponse | None:
        case = await get_case(platform, case_id)
        return case if case.case.stage == common_pb2.CASE_STAGE_CLOSED else None

    case = await eventually(closed, timeout=timeout)
    assert "case.closed" in actions(case.timeline), "recorded closed before how it closed"
    return case


async def possible_duplicate(platform: Platform, site: str) -> tuple[str, str]:
    """Two cases at `site` about one child that intake matches only possibly (services/intake/
    matching.py): a report naming the child with a date of birth, then one naming them by
    age alone, which opens a case of its own flagged "possible duplicate of" the first. Both
    wait for triage; (the first case, the flagged case)."""
    first = submit_request()
    first.report.site = site
    child = first.report.children[0]
    born = child.date_of_birth
    today = dt.date.today()
    again = submit_request()
    again.report.site = site
    again.report.children[0].ClearField("date_of_birth")
    again.report.children[0].name = child.name
    again.report.children[0].age_years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    opened = (await open_case(platform, first)).case.case_id
    flagged = (await open_case(platform, again)).case.case_id
    assert flagged != opened, "an age alone is never a certain match"
    return opened, flagged


def further_report(
    first: intake_pb2.SubmitReportRequest, *concerns: common_pb2.ConcernCategory, name: str | None = None
) -> intake_pb2.SubmitReportRequest:
    """Another report about the first one's child: of `concerns` (the first one's if none),
    from `name` at the same agency (a new notifier if None)."""
    again = submit_request()
    again.report.children[0].CopyFrom(first.report.children[0])
    again.report.concerns[:] = list(concerns) or list(first.report.concerns)
    again.report.reporter.CopyFrom(first.report.reporter)
    again.report.reporter.name = f"Kaiako {uuid.uuid4().hex[:8]}" if name is None else name
    again.report.reporter.contact = "" if name is None else again.report.reporter.contact
    return again
