"""The data a workflow records its part of the case's record with (workflows/record.py): the
`record_case_events` activity's argument. Apart from the concerns' models, which it names
(where a case, an assessment, a placement search or a conference stands)."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.case.model import AssessmentStanding, CaseStanding, RecordedEvent
from workflows.conference.model import ConferenceStanding
from workflows.placement.model import PlacementStanding


@dataclass(frozen=True)
class RecordBatch:
    """The `record_case_events` activity's argument: a workflow's events not recorded yet,
    and (when it changed) where the case, its assessment, its placement search or a
    conference stands, with its version (a newer version replaces an older one, never the
    reverse). `case_id` is empty for a conference without a case: its own service alone
    keeps its record."""

    case_id: str
    workflow_id: str
    events: list[RecordedEvent]
    version: int = 0
    case: CaseStanding | None = None
    assessment: AssessmentStanding | None = None
    #: The case's (or the conference's) site and region, which the service keeping the
    #: workflow's own record checks a caller's scope against.
    site: str = ""
    region: str = ""
    placement: PlacementStanding | None = None
    conference: ConferenceStanding | None = None
    #: The workflow's own service keeps its record too (a placement search's or a
    #: conference's, under patch `standing-recorded`); batches from before go to intake only.
    own: bool = False
