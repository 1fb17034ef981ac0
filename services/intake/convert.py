"""Conversions of intake's cases to kahu.v1 messages, from its own rows and the case's record
(services/intake/record.py)."""

from __future__ import annotations

from collections.abc import Mapping

from kahu.v1 import common_pb2, intake_pb2
from services.common import convert
from services.intake.record import CaseRecord
from services.intake.store import CaseRow
from workflows.case.model import DeadlineKind, DeadlineStatus, Stage
from workflows.policy.model import Pathway, Timeframe


def reporter_agency(report: common_pb2.Report) -> str:
    """The name of the agency that made the report ("" for anyone else)."""
    agency = report.reporter.agency
    return common_pb2.Agency.Name(agency) if agency else ""


def case_to_proto(case: CaseRow) -> intake_pb2.Case:
    """A case as intake holds it: its metadata and where it stands."""
    message = intake_pb2.Case(
        case_id=case.case_id,
        site=case.site,
        region=case.region,
        stage=convert.STAGE.to_proto(Stage(case.stage)),
        concerns=case.concerns,
        immediate_danger=case.immediate_danger,
        child_count=case.child_count,
        received_at=convert.timestamp(case.received_at),
        workflow_id=case.workflow_id,
        urgency=convert.TIMEFRAME.to_proto(Timeframe(case.timeframe) if case.timeframe else None),
        pathway=convert.PATHWAY.to_proto(Pathway(case.pathway) if case.pathway else None),
        assignee=case.assignee or "",
    )
    if case.deadline_kind is not None:
        status = DeadlineStatus(DeadlineKind(case.deadline_kind), case.due_at, case.breached, case.tier)
        message.deadline.CopyFrom(convert.deadline_to_proto(status))
    return message


def record_to_proto(record: CaseRecord, rule_descriptions: Mapping[str, str]) -> intake_pb2.GetCaseResponse:
    """The whole of a case's record: the case, its workflows' timelines merged, its triage,
    outcome and placement, and its reports with their people and concerns."""
    response = intake_pb2.GetCaseResponse(
        case=case_to_proto(record.case),
        timeline=convert.timeline_to_proto(e.entry for e in record.events),
        reports=[
            intake_pb2.CaseReport(
                report_id=r.report_id,
                received_at=convert.timestamp(r.received_at),
                additional_information=r.additional,
                report=r.report,
            )
            for r in record.reports
        ],
    )
    if record.standing is not None:
        standing = intake_pb2.CaseStanding.FromString(record.standing)
        if standing.HasField("proposal"):
            response.proposal.CopyFrom(standing.proposal)
            for rule in response.proposal.fired_rules:
                rule.description = rule_descriptions.get(rule.id, "")
        if standing.HasField("decision"):
            response.decision.CopyFrom(standing.decision)
        if standing.HasField("awaiting_approval"):
            response.awaiting_approval.CopyFrom(standing.awaiting_approval)
        response.outcome = standing.outcome
        if standing.HasField("placement"):
            response.placement.CopyFrom(standing.placement)
    # the deadline an extension moved, as the workflow whose clock the case shows last recorded
    # it (the columns hold the current one, which listings filter on)
    shown = (
        common_pb2.DeadlineStatus.FromString(record.child_clock)
        if record.child_clock is not None
        else intake_pb2.CaseStanding.FromString(record.standing).deadline
        if record.standing is not None
        else None
    )
    if shown is not None and shown.HasField("original_due_at") and response.case.HasField("deadline"):
        response.case.deadline.original_due_at.CopyFrom(shown.original_due_at)
    return response
