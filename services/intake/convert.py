"""Conversions of intake's cases to kahu.v1 messages: from its own rows, and from the case
workflows' search attributes when listing."""

from __future__ import annotations

from temporalio.client import WorkflowExecution

from kahu.v1 import common_pb2, intake_pb2
from services.common import convert
from services.intake.store import CaseRow
from workflows import search_attributes as sa
from workflows.case.model import DeadlineKind, Stage, case_id_of
from workflows.policy.model import Pathway, Timeframe

#: Which clock runs in a stage.
_CLOCKS = {
    Stage.TRIAGE: DeadlineKind.TRIAGE,
    Stage.ASSESSMENT: DeadlineKind.ASSESSMENT,
    Stage.INVESTIGATION: DeadlineKind.ASSESSMENT,
    Stage.PLACEMENT: DeadlineKind.PLACEMENT,
}


def reporter_agency(report: common_pb2.Report) -> str:
    """The name of the agency that made the report ("" for anyone else)."""
    agency = report.reporter.agency
    return common_pb2.Agency.Name(agency) if agency else ""


def case_to_proto(case: CaseRow, stage: str) -> intake_pb2.Case:
    """A case as intake recorded it, in `stage` (a Stage's value)."""
    return intake_pb2.Case(
        case_id=case.case_id,
        site=case.site,
        region=case.region,
        stage=f"CASE_STAGE_{stage}",
        concerns=case.concerns,
        immediate_danger=case.immediate_danger,
        child_count=case.child_count,
        received_at=convert.timestamp(case.received_at),
        workflow_id=case.workflow_id,
    )


def listed_case_to_proto(execution: WorkflowExecution, row: CaseRow | None) -> intake_pb2.Case:
    """A case from its search attributes, with intake's own metadata when it has the row."""
    attributes = execution.typed_search_attributes
    stage_name = attributes.get(sa.STAGE) or (row.stage if row else "")
    stage = Stage(stage_name) if stage_name in Stage.__members__ else None
    urgency = attributes.get(sa.URGENCY) or ""
    pathway = attributes.get(sa.PATHWAY) or ""
    case = intake_pb2.Case(
        case_id=case_id_of(execution.id),
        site=attributes.get(sa.SITE) or "",
        region=attributes.get(sa.REGION) or "",
        stage=convert.STAGE.to_proto(stage),
        workflow_id=execution.id,
        urgency=convert.TIMEFRAME.to_proto(Timeframe(urgency) if urgency in Timeframe.__members__ else None),
        pathway=convert.PATHWAY.to_proto(Pathway(pathway) if pathway in Pathway.__members__ else None),
        concerns=row.concerns if row is not None else [],
    )
    if row is not None:
        case.immediate_danger = row.immediate_danger
        case.child_count = row.child_count
        case.received_at.CopyFrom(convert.timestamp(row.received_at))
    due_at = attributes.get(sa.DUE_AT)
    kind = _CLOCKS.get(stage) if stage is not None else None
    if due_at is not None and kind is not None:
        case.deadline.CopyFrom(
            common_pb2.DeadlineStatus(
                kind=convert.DEADLINE_KIND.to_proto(kind),
                due_at=convert.timestamp(due_at),
                breached=bool(attributes.get(sa.BREACHED)),
                tier=attributes.get(sa.ESCALATION_TIER) or 0,
            )
        )
    return case
