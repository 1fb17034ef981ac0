"""A workflow's part of its case's record in PostgreSQL.

PostgreSQL is the case's system of record; Temporal orchestrates. Each workflow of a case
(the case's own, its assessment's, its placement search's and its conference's) numbers the
events of its timeline as it notes them and records them with intake (the
`record_case_events` activity, `IntakeService.RecordCaseEvents`), exactly once per event id
`<workflow id>:<n>` (n counts the workflow's events from 0, across continue-as-new), however
often the activity is retried; with them, when it changed, where the case (or its
assessment, placement search or conference) stands, versioned so that an older standing
never replaces a newer one. The assessment, the placement search and the conference also
keep their own record, events and standing, with their own service (which answers their
reads from it); a conference without a case keeps only that one.

Recording runs beside the workflow's own work, in a task of its own, each batch a local
activity (an ordinary one once quick attempts fail): a service that is down delays the
record, never a deadline, and events noted meanwhile go in the next batch. A
workflow returns only once its record is complete (`complete`), and continues as new only
when it is (`settled`). A batch the service refuses
is put before a person (workflows/attention.py) and waits for their decision: RETRY sends it
again, SKIP leaves it out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.attention import Steps
    from workflows.case.model import (
        AssessmentStanding,
        CaseStanding,
        RecordedEvent,
        RecordState,
        TimelineEntry,
    )
    from workflows.common import quick_local
    from workflows.conference.model import ConferenceStanding
    from workflows.placement.model import PlacementStanding
    from workflows.record_model import RecordBatch

RECORD_PATCH = "record-in-postgres"
"""Every event of a case, and where it stands, is recorded in PostgreSQL as it happens; before,
the timeline lived in the workflows only. A run from before records from its next run on
(continue-as-new), its timeline so far first."""
STANDING_PATCH = "standing-recorded"
"""A placement search and a conference record where they stand with their events, and their
own service keeps them (PlacementService.RecordPlacementSearch, ConferenceService.RecordConference),
which answers GetPlacementSearch and GetConference from PostgreSQL; a conference without a
case records too (with its own service only). Before, they sent their events only (to intake;
a conference without a case, nothing), and those reads asked their workflows. Decided once
per run, as it starts: a run from before keeps to the old way, and its next run (a placement
search's continue-as-new) sends its timeline so far again first (intake keeps each event once)."""
#: At most this many events go in one call.
MAX_BATCH = 200

Standing = CaseStanding | AssessmentStanding | PlacementStanding | ConferenceStanding | None


def _nothing() -> Standing:
    return None


class Record:
    """See the module's docstring. `standing` says where the case (or its assessment,
    placement search or conference) stands now, as this workflow sees it (None: this
    workflow sends events only); `place` is the case's (or conference's) site and region,
    which the service keeping the workflow's own record checks callers against. `own`: the
    workflow's own service keeps its record, under STANDING_PATCH (a placement search's, a
    conference's; an assessment's always does)."""

    def __init__(
        self,
        case_id: str | None,
        state: RecordState,
        steps: Steps,
        standing: Callable[[], Standing] = _nothing,
        place: tuple[str, str] = ("", ""),
        *,
        own: bool = False,
    ) -> None:
        self._case_id = case_id
        self._place = place
        self.state = state
        self._steps = steps
        self._standing = standing
        self._given_standing = standing
        self._own = own
        #: The standing last recorded by this run (a new run sends its own once).
        self._sent: Standing = None
        self._sending = False
        self._task: asyncio.Task[None] | None = None

    def note(self, entry: TimelineEntry) -> None:
        """Number `entry` for the record (once it has started: before, `start` takes it)."""
        if self.state.started:
            self.state.pending.append(entry)
            self.state.noted += 1

    def start(self, timeline: list[TimelineEntry]) -> None:
        """Start recording. A workflow that did not record before numbers its timeline so far
        first; so does the first run whose own service keeps its record (STANDING_PATCH,
        decided here, once per run). Without it, a workflow about no case records nothing,
        and a placement search's or conference's sends its events only."""
        own = self._own and workflow.patched(STANDING_PATCH)
        if self._own and not own:
            self._standing = _nothing  # as before the patch: events only
        if (self._case_id is None and not own) or not workflow.patched(RECORD_PATCH):
            return
        s = self.state
        if not s.started or (own and not s.own):
            s.started = True
            s.pending = list(timeline)
            s.noted = len(timeline)
        s.own = s.own or own
        s.version += 1  # above any send of the run before that may still land
        self._task = asyncio.create_task(self._keep())

    async def backfill(self, timeline: list[TimelineEntry]) -> bool:
        """Record a run that began before it would (RECORD_PATCH, or STANDING_PATCH for a
        workflow whose own service keeps its record), from now on, its timeline so far
        first, as if it had started with the patches on; False when it records fully already.
        Asked for by an operator (the workflows' `record_backfill` update, workflows/backfill.py),
        so it is in the history and replays."""
        s = self.state
        if self._task is not None and (not self._own or s.own):
            return False
        if self._case_id is None and not self._own:
            return False  # a workflow about no case that keeps no record of its own
        await workflow.wait_condition(lambda: not self._sending)  # a batch in flight lands first
        s.started, s.own = True, s.own or self._own
        s.pending = list(timeline)  # again from event 0: each event is kept once per id
        s.noted = len(timeline)
        s.version += 1
        self._standing, self._sent = self._given_standing, None
        if self._task is None:
            self._task = asyncio.create_task(self._keep())
        return True

    async def complete(self) -> None:
        """Return once every event noted, and the standing as it is now, are recorded."""
        if self._task is None:
            return
        await workflow.wait_condition(self.settled)
        self._task.cancel()

    def keeps_standing(self) -> bool:
        """True once recording has started with a standing to keep: each change of it goes to
        the record with the next batch."""
        return self._task is not None and self._standing is not _nothing

    def settled(self) -> bool:
        """Nothing to record and no call in flight: the workflow may continue as new (a call
        in flight would be left behind by the run that made it)."""
        return self._task is None or (not self._sending and not self._due())

    def _due(self) -> bool:
        return bool(self.state.pending) or self._standing() != self._sent

    async def _keep(self) -> None:
        while True:
            await workflow.wait_condition(self._due)
            await self._send()

    async def _send(self) -> None:
        s = self.state
        workflow_id = workflow.info().workflow_id
        events = s.pending[:MAX_BATCH]
        first = s.noted - len(s.pending)
        standing = self._standing()
        changed = standing != self._sent
        version = s.version + 1 if changed else s.version
        batch = RecordBatch(
            case_id=self._case_id or "",
            workflow_id=workflow_id,
            events=[RecordedEvent(f"{workflow_id}:{first + i}", entry) for i, entry in enumerate(events)],
            version=version if changed else 0,
            case=standing if changed and isinstance(standing, CaseStanding) else None,
            assessment=standing if changed and isinstance(standing, AssessmentStanding) else None,
            site=self._place[0],
            region=self._place[1],
            placement=standing if changed and isinstance(standing, PlacementStanding) else None,
            conference=standing if changed and isinstance(standing, ConferenceStanding) else None,
            own=s.own,
        )
        self._sending = True
        try:
            await self._call(batch)
        finally:
            self._sending = False
        del s.pending[: len(events)]  # recorded, or a person chose to go on without them
        if changed:
            s.version = version
            self._sent = standing

    async def _call(self, batch: RecordBatch) -> None:
        done, _ = await quick_local("record_case_events", [batch])
        if not done:  # a durable activity, told to a person if it cannot go on
            await self._steps.run("record_case_events", [batch], waits=True)
