"""A further report counts (patch facts-compose): it brings its facts into the open case;
in triage the rules propose again on all the reports, immediate danger makes the case
critical at once (Police told once, a non-critical decision refused) and the triage
deadline comes forward to the earliest that applies; and the response deadline is the
earliest of those that apply (a hub case decided critical is due in 24 hours, not 48)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from tests.case.test_workflow import decision, rejected
from tests.polling import eventually
from tests.workflows.scenarios import POLICY, Harness, until_stage
from workflows.assessment.workflows import AssessmentWorkflow
from workflows.case.model import (
    AdditionalInformation,
    CaseFacts,
    CaseView,
    DeadlineKind,
    Stage,
    TriageProposal,
)
from workflows.case.workflows import CaseWorkflow
from workflows.policy.model import Pathway, Timeframe

FURTHER = CaseFacts(
    concerns=["CONCERN_CATEGORY_FAMILY_VIOLENCE"],
    immediate_danger=True,
    agency="AGENCY_POLICE",
    prior_involvement=False,
    youngest_child_age=2,
    child_safety_hub=False,
)


async def test_a_further_report_of_immediate_danger_makes_the_case_critical_at_once(harness: Harness) -> None:
    handle = await harness.start()
    first = await handle.query(CaseWorkflow.state)
    assert first.deadline is not None and first.deadline.kind == DeadlineKind.TRIAGE
    ordinary_due = first.deadline.due_at
    harness.activities.proposal = TriageProposal(Timeframe.CRITICAL, Pathway.JOINT_INVESTIGATION, ["danger"])

    answer = await handle.execute_update(
        CaseWorkflow.add_information,
        AdditionalInformation("report-2", FURTHER.concerns, True, facts=FURTHER),
    )
    assert not answer.timeline  # an update answers without it (the history keeps every answer)
    view = await handle.query(CaseWorkflow.state)
    assert view.deadline == answer.deadline and view.proposal == answer.proposal
    actions = [e.action for e in view.timeline]
    assert actions[-1] != "report.added"  # the facts came in after it
    changed = next(e for e in view.timeline if e.action == "case.facts_changed")
    assert "CONCERN_CATEGORY_FAMILY_VIOLENCE" in changed.detail and "immediate danger" in changed.detail
    asked = harness.activities.proposed_for[-1]
    assert (
        asked is not None
        and asked.immediate_danger
        and set(asked.concerns)
        == {
            "CONCERN_CATEGORY_NEGLECT",
            "CONCERN_CATEGORY_FAMILY_VIOLENCE",
        }
    )
    assert asked.youngest_child_age == 2
    assert view.proposal == harness.activities.proposal
    assert len(harness.activities.police) == 1  # told once

    # the triage deadline comes forward: an hour from the further report, not the first's
    assert view.deadline is not None and view.deadline.due_at is not None and ordinary_due is not None
    assert view.deadline.due_at < ordinary_due
    reported = next(e.at for e in view.timeline if e.action == "report.added")
    assert POLICY.immediate_danger_triage_deadline is not None
    assert view.deadline.due_at == reported + timedelta(seconds=POLICY.immediate_danger_triage_deadline.seconds)
    assert "deadline.shortened" in actions

    reason = await rejected(
        handle, CaseWorkflow.decide_triage, decision(Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "x")
    )
    assert "critical" in reason
    await handle.execute_update(
        CaseWorkflow.add_information,
        AdditionalInformation("report-3", FURTHER.concerns, True, facts=FURTHER),
    )
    assert len(harness.activities.police) == 1  # still once

    # the shortened deadline passes and escalates, as any deadline does
    await harness.skip_to(view.deadline.due_at + timedelta(seconds=1))

    async def breached() -> CaseView | None:
        now = await handle.query(CaseWorkflow.state)
        return now if now.deadline is not None and now.deadline.breached else None

    assert (await eventually(breached)).deadline is not None
    assert harness.activities.tiers(DeadlineKind.TRIAGE) == [(1, 1)]


async def test_a_further_report_with_nothing_new_changes_nothing(harness: Harness) -> None:
    handle = await harness.start()
    before = await handle.query(CaseWorkflow.state)
    same = CaseFacts(["CONCERN_CATEGORY_NEGLECT"], False, "AGENCY_HEALTH_NZ", False, 7, False)
    await handle.execute_update(
        CaseWorkflow.add_information, AdditionalInformation("report-2", same.concerns, False, facts=same)
    )
    view = await handle.query(CaseWorkflow.state)
    assert [e.action for e in view.timeline][-1] == "report.added"
    assert view.deadline == before.deadline and len(harness.activities.proposed_for) == 1


async def test_a_hub_case_decided_critical_is_due_in_the_critical_timeframe(harness: Harness) -> None:
    handle = await harness.start(child_safety_hub=True, concerns=["CONCERN_CATEGORY_CARER_ENTERING_CUSTODY"])
    await handle.execute_update(
        CaseWorkflow.decide_triage, decision(Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.CRITICAL, "baby alone")
    )
    await until_stage(handle, Stage.ASSESSMENT)
    shown = await eventually(lambda: harness.shown_clock(handle, DeadlineKind.ASSESSMENT))
    view = await handle.query(CaseWorkflow.state)
    decided_at = next(e.at for e in view.timeline if e.action == "triage.decided")
    critical = POLICY.timeframes[Timeframe.CRITICAL].seconds
    assert critical < POLICY.child_safety_hub_assessment.seconds
    assert shown.due_at == decided_at + timedelta(seconds=critical)


async def test_a_further_hub_report_needs_an_assessment(harness: Harness) -> None:
    handle = await harness.start()
    hub = dataclasses.replace(
        FURTHER, immediate_danger=False, child_safety_hub=True, concerns=["CONCERN_CATEGORY_CARER_ENTERING_CUSTODY"]
    )
    await handle.execute_update(
        CaseWorkflow.add_information, AdditionalInformation("report-2", hub.concerns, False, facts=hub)
    )
    reason = await rejected(handle, CaseWorkflow.decide_triage, decision(Pathway.NO_FURTHER_ACTION, None, "fine"))
    assert "initial assessment" in reason


async def test_a_further_report_of_immediate_danger_brings_the_assessment_forward(harness: Harness) -> None:
    handle = await harness.start()
    await handle.execute_update(
        CaseWorkflow.decide_triage, decision(Pathway.CHILD_AND_FAMILY_ASSESSMENT, Timeframe.URGENT, "as proposed")
    )
    await until_stage(handle, Stage.ASSESSMENT)

    urgent = await eventually(lambda: harness.shown_clock(handle, DeadlineKind.ASSESSMENT))
    await handle.execute_update(
        CaseWorkflow.add_information, AdditionalInformation("report-2", FURTHER.concerns, True, facts=FURTHER)
    )
    view = await handle.query(CaseWorkflow.state)
    reported = next(e.at for e in view.timeline if e.action == "report.added")
    critical = await eventually(lambda: harness.shown_clock(handle, DeadlineKind.ASSESSMENT, urgent.due_at))
    assert critical.due_at == reported + timedelta(seconds=POLICY.timeframes[Timeframe.CRITICAL].seconds)
    assessment = await harness.assessment(handle).query(AssessmentWorkflow.state)
    assert any(e.action == "deadline.shortened" for e in assessment.timeline)
    assert len(harness.activities.police) == 1
