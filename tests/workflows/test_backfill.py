"""A run that began before the record did is recorded once an operator backfills it
(workflows/backfill.py): its timeline so far first, then each event as it happens, each
once; asked again, it changes nothing; and its history, update included, replays. So is a
conference that began before its own service kept its record."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from temporalio.worker import Replayer

from kahu.v1 import conference_pb2, intake_pb2, triage_pb2
from services.common.config import Settings
from tests.conference.conferences import get, register, start_request, stub
from tests.conftest import Platform
from tests.intake.reports import actions, submit_request
from tests.own_temporal import OwnTemporal, own_temporal
from tests.polling import eventually
from workflows.backfill import backfill
from workflows.case.model import TimelineEntry, workflow_id
from workflows.case.workflows import CaseWorkflow
from workflows.conference.model import conference_workflow_id
from workflows.conference.workflows import YouthJusticeConferenceWorkflow
from workflows.record import Record
from workflows.worker import WORKFLOWS, sandbox_runner

#: Only this module holds conferences at this site.
SITE = "bay-of-plenty"


async def _recorded(p: Platform, case_id: str) -> list[str]:
    found = await p.intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id))
    return actions(found.timeline)


async def test_a_run_from_before_the_record_is_recorded_once_backfilled(
    settings: Settings, platform: Platform, fast_conference_policy: Path
) -> None:
    with pytest.MonkeyPatch.context() as before_the_record:
        # the worker's code as it was before record-in-postgres: no run records anything
        before_the_record.setattr(Record, "start", lambda self, timeline: None)
        async with own_temporal(settings, platform.database_url, fast_conference_policy) as own:
            await _backfilled(own, before_the_record)


async def _backfilled(own: OwnTemporal, before_the_record: pytest.MonkeyPatch) -> None:
    p = own.platform
    case_id = (await p.intake.SubmitReport(submit_request())).case_id
    handle = p.temporal.get_workflow_handle(workflow_id(case_id))

    async def proposed() -> bool:
        return "triage.proposed" in [e.action for e in (await handle.query(CaseWorkflow.state)).timeline]

    await eventually(proposed)
    assert await _recorded(p, case_id) == []  # the run records nothing

    # today's worker takes over: the run replays, and still records nothing, until asked
    before_the_record.undo()
    await own.restart_worker()
    assert await _recorded(p, case_id) == []
    first = await backfill(p.temporal)
    assert (first.asked, first.began) == (1, 1)

    async def backfilled() -> list[str] | None:
        done = await _recorded(p, case_id)
        return done if "triage.proposed" in done else None

    done = await eventually(backfilled)
    assert done.index("case.opened") < done.index("triage.proposed")
    assert len(done) == len(set(done))  # each event once

    again = await backfill(p.temporal)
    assert (again.asked, again.began) == (1, 0)

    proposal = (await p.triage.GetProposal(triage_pb2.GetProposalRequest(case_id=case_id))).proposal
    await p.triage.RecordDecision(
        triage_pb2.RecordDecisionRequest(
            idempotency_key=f"decide-{uuid.uuid4()}",
            case_id=case_id,
            decided_by="sw.aroha",
            pathway=proposal.pathway,
            timeframe=proposal.timeframe,
            reason="As proposed.",
        )
    )

    async def decided() -> list[str] | None:
        done = await _recorded(p, case_id)
        return done if "triage.decided" in done else None

    done = await eventually(decided)  # recorded as it happens, from the backfill on
    assert done.count("triage.decided") == 1 and done.count("triage.proposed") == 1
    history = await handle.fetch_history()
    await Replayer(
        workflows=WORKFLOWS, workflow_runner=sandbox_runner(), data_converter=p.temporal.data_converter
    ).replay_workflow(history)


async def test_a_conference_from_before_its_own_record_is_recorded_once_backfilled(
    settings: Settings, platform: Platform, fast_conference_policy: Path
) -> None:
    """A conference never continues as new: without the backfill, one running from before
    `standing-recorded` would show no state in GetConference until it closed."""
    start = Record.start

    def events_only(self: Record, timeline: list[TimelineEntry]) -> None:
        own, self._own = self._own, False  # the code before standing-recorded
        try:
            start(self, timeline)
        finally:
            self._own = own

    with pytest.MonkeyPatch.context() as before:
        before.setattr(Record, "start", events_only)
        async with own_temporal(settings, platform.database_url, fast_conference_policy) as own:
            p = own.platform
            staff, _ = await register(p, SITE, hours=[])
            conference_id = (await stub(p).StartConference(start_request(staff))).conference_id  # Police's: no case
            handle = p.temporal.get_workflow_handle(conference_workflow_id(conference_id))

            async def triggered() -> bool:
                steps = [e.action for e in (await handle.query(YouthJusticeConferenceWorkflow.state)).timeline]
                return "conference.triggered" in steps

            await eventually(triggered)
            assert not (await get(p, conference_id)).HasField("state")  # no record of its own
            before.undo()
            await own.restart_worker()
            assert (await backfill(p.temporal)).began == 1

            async def recorded() -> conference_pb2.Conference | None:
                found = await get(p, conference_id)
                return found if found.HasField("state") else None

            state = (await eventually(recorded)).state
            assert state.conference_id == conference_id
            assert state.timeline[0].action == "conference.triggered"
            assert (await backfill(p.temporal)).began == 0
            await Replayer(
                workflows=WORKFLOWS, workflow_runner=sandbox_runner(), data_converter=p.temporal.data_converter
            ).replay_workflow(await handle.fetch_history())
