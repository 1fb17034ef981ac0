"""The case's record in PostgreSQL (RecordCaseEvents, GetCase): each event recorded exactly
once however often it is sent, where the case stands replaced only by a newer version, the
events append-only, and GetCase answering the whole record, with the report's people and
concerns, cut to what each role may see."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import grpc
import pytest

from kahu.v1 import common_pb2, intake_pb2
from services.common.convert import timestamp
from services.common.errors import field_violations
from services.common.identity import Principal
from tests.conftest import Platform
from tests.intake.reports import actions, get_case, open_case, submit_request
from tests.polling import eventually
from workflows.case.model import assessment_workflow_id, placement_workflow_id, workflow_id

AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _events(workflow: str, first: int, count: int) -> list[intake_pb2.CaseEvent]:
    return [
        intake_pb2.CaseEvent(
            event_id=f"{workflow}:{n}",
            entry=common_pb2.TimelineEntry(
                at=timestamp(AT + dt.timedelta(minutes=n)), actor="sw.aroha", action="placement.searched", detail=f"{n}"
            ),
        )
        for n in range(first, first + count)
    ]


async def _bare_case(platform: Platform) -> str:
    """A case row no workflow writes to, so this test alone records its events."""
    case_id = uuid.uuid4()
    conn = await asyncpg.connect(platform.database_url)
    try:
        await conn.execute(
            "INSERT INTO intake.cases (case_id, workflow_id, site, region, concerns, immediate_danger, child_count,"
            " received_at, workflow_started_at) VALUES ($1, $2, 'hutt', 'greater-wellington', $3, false, 1, $4, $4)",
            case_id,
            f"case-{case_id}",
            ["CONCERN_CATEGORY_NEGLECT"],
            AT,
        )
    finally:
        await conn.close()
    return str(case_id)


async def test_each_event_is_recorded_once_however_often_it_is_sent(platform: Platform) -> None:
    case_id = await _bare_case(platform)
    search = placement_workflow_id(case_id)
    batch = intake_pb2.RecordCaseEventsRequest(case_id=case_id, workflow_id=search, events=_events(search, 0, 3))
    assert (await platform.intake.RecordCaseEvents(batch)).recorded == 3
    assert (await platform.intake.RecordCaseEvents(batch)).recorded == 0  # the activity retried
    overlapping = intake_pb2.RecordCaseEventsRequest(case_id=case_id, workflow_id=search, events=_events(search, 2, 2))
    assert (await platform.intake.RecordCaseEvents(overlapping)).recorded == 1

    conn = await asyncpg.connect(platform.database_url)
    try:
        rows = await conn.fetch(
            "SELECT event_id, seq, detail FROM intake.case_events WHERE case_id = $1 ORDER BY seq", uuid.UUID(case_id)
        )
    finally:
        await conn.close()
    assert [(r["event_id"], r["seq"], r["detail"]) for r in rows] == [(f"{search}:{n}", n, f"{n}") for n in range(4)]
    timeline = (await get_case(platform, case_id)).timeline
    assert [(e.action, e.detail, e.at.ToDatetime(tzinfo=dt.UTC)) for e in timeline] == [
        ("placement.searched", f"{n}", AT + dt.timedelta(minutes=n)) for n in range(4)
    ]


def _standing(version: int, stage: Any, **fields: Any) -> intake_pb2.CaseStanding:
    return intake_pb2.CaseStanding(version=version, stage=stage, **fields)


async def test_where_a_case_stands_is_replaced_only_by_a_newer_version(platform: Platform) -> None:
    case_id = await _bare_case(platform)
    case_workflow = workflow_id(case_id)
    decision = common_pb2.TriageDecision(
        decided_by="sw.aroha",
        pathway=common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
        timeframe=common_pb2.TIMEFRAME_URGENT,
        reason="Needs assessing.",
    )
    deadline = common_pb2.DeadlineStatus(
        kind=common_pb2.DEADLINE_KIND_ASSESSMENT, due_at=timestamp(AT + dt.timedelta(days=14)), tier=1, breached=True
    )

    async def record(version: int, stage: Any, **fields: Any) -> None:
        await platform.intake.RecordCaseEvents(
            intake_pb2.RecordCaseEventsRequest(
                case_id=case_id, workflow_id=case_workflow, standing=_standing(version, stage, **fields)
            )
        )

    await record(5, common_pb2.CASE_STAGE_ASSESSMENT, decision=decision, deadline=deadline)
    await record(4, common_pb2.CASE_STAGE_TRIAGE)  # an older standing arriving late
    shown = await get_case(platform, case_id)
    assert shown.case.stage == common_pb2.CASE_STAGE_ASSESSMENT
    assert (shown.case.pathway, shown.case.urgency) == (
        common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
        common_pb2.TIMEFRAME_URGENT,
    )
    assert shown.decision == decision
    assert shown.case.deadline == deadline

    await record(6, common_pb2.CASE_STAGE_CLOSED, decision=decision, outcome=common_pb2.OUTCOME_FAMILY_SUPPORT_PLAN)
    shown = await get_case(platform, case_id)
    assert (shown.case.stage, shown.outcome, shown.case.HasField("deadline")) == (
        common_pb2.CASE_STAGE_CLOSED,
        common_pb2.OUTCOME_FAMILY_SUPPORT_PLAN,
        False,
    )

    assessment = intake_pb2.AssessmentStanding(
        version=2, assessment=common_pb2.Assessment(case_id=case_id, social_worker="sw.tama")
    )
    await platform.intake.RecordCaseEvents(
        intake_pb2.RecordCaseEventsRequest(
            case_id=case_id, workflow_id=assessment_workflow_id(case_id), assessment=assessment
        )
    )
    assert (await get_case(platform, case_id)).case.assignee == "sw.tama"
    # the allocated social worker reaches the case from PostgreSQL; another does not
    tama = Principal(subject="sw.tama", roles=frozenset({"social_worker"}))
    shown = await (await platform.as_(tama)).intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id))
    assert shown.case.case_id == case_id
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        other = Principal(subject="sw.hemi", roles=frozenset({"social_worker"}))
        await (await platform.as_(other)).intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id))
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_child_stage_shows_the_childs_clock_as_its_own_batches_send_it(platform: Platform) -> None:
    case_id = await _bare_case(platform)
    due = AT + dt.timedelta(days=14)

    def clock(kind: Any, at: dt.datetime | None, tier: int = 0, **fields: Any) -> common_pb2.DeadlineStatus:
        status = common_pb2.DeadlineStatus(kind=kind, tier=tier, breached=tier > 0, **fields)
        if at is not None:
            status.due_at.CopyFrom(timestamp(at))
        return status

    async def record(workflow: str, **fields: Any) -> None:
        await platform.intake.RecordCaseEvents(
            intake_pb2.RecordCaseEventsRequest(case_id=case_id, workflow_id=workflow, **fields)
        )

    async def shown(**filters: Any) -> tuple[common_pb2.DeadlineStatus, list[str]]:
        case = (await get_case(platform, case_id)).case
        listed = await platform.intake.ListCases(intake_pb2.ListCasesRequest(site="hutt", page_size=500, **filters))
        return case.deadline, [c.case_id for c in listed.cases]

    triage = clock(common_pb2.DEADLINE_KIND_TRIAGE, AT + dt.timedelta(days=1))
    await record(workflow_id(case_id), standing=_standing(1, common_pb2.CASE_STAGE_TRIAGE, deadline=triage))
    assessment = assessment_workflow_id(case_id)
    # the child's first batch may come before the case records that it entered the child's stage
    await record(assessment, child_clock=clock(common_pb2.DEADLINE_KIND_ASSESSMENT, due))
    assert (await shown())[0] == triage
    await record(workflow_id(case_id), standing=_standing(2, common_pb2.CASE_STAGE_ASSESSMENT))
    deadline, _ = await shown()
    assert (deadline.kind, deadline.due_at.ToDatetime(dt.UTC)) == (common_pb2.DEADLINE_KIND_ASSESSMENT, due)

    # breached, escalated, then extended: each batch of the child's moves what the case shows
    await record(assessment, child_clock=clock(common_pb2.DEADLINE_KIND_ASSESSMENT, due, tier=2))
    deadline, breached = await shown(stage=common_pb2.CASE_STAGE_ASSESSMENT, min_tier=2)
    assert (deadline.tier, deadline.breached) == (2, True) and case_id in breached
    later = due + dt.timedelta(days=5)
    extended = clock(common_pb2.DEADLINE_KIND_ASSESSMENT, later, original_due_at=timestamp(due))
    await record(assessment, child_clock=extended)
    deadline, breached = await shown(stage=common_pb2.CASE_STAGE_ASSESSMENT, min_tier=2)
    assert deadline == extended and case_id not in breached

    # once the case leaves the stage, its own shows (none), whatever a child sends meanwhile
    await record(workflow_id(case_id), standing=_standing(3, common_pb2.CASE_STAGE_OUTCOME))
    assert not (await get_case(platform, case_id)).case.HasField("deadline")
    search = placement_workflow_id(case_id)
    await record(search, child_clock=clock(common_pb2.DEADLINE_KIND_PLACEMENT, AT + dt.timedelta(days=40)))
    assert not (await get_case(platform, case_id)).case.HasField("deadline")
    await record(workflow_id(case_id), standing=_standing(4, common_pb2.CASE_STAGE_PLACEMENT))
    deadline, _ = await shown()
    assert (deadline.kind, deadline.due_at.ToDatetime(dt.UTC)) == (
        common_pb2.DEADLINE_KIND_PLACEMENT,
        AT + dt.timedelta(days=40),
    )


def _a_bad_clock_from_the_assessment(request: intake_pb2.RecordCaseEventsRequest, case_id: str) -> None:
    request.workflow_id = assessment_workflow_id(case_id)
    request.events[0].CopyFrom(_events(request.workflow_id, 0, 1)[0])
    request.child_clock.CopyFrom(common_pb2.DeadlineStatus(tier=99))  # no kind, and past the last tier


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (lambda r, c: setattr(r, "workflow_id", f"case-{uuid.uuid4()}"), {"workflow_id", "events[0].event_id"}),
        (lambda r, c: r.events.add().CopyFrom(_events(workflow_id(c), 0, 1)[0]), {"events[1].event_id"}),
        (lambda r, c: setattr(r.events[0], "event_id", "case-x:0"), {"events[0].event_id"}),
        (lambda r, c: r.events[0].entry.ClearField("at"), {"events[0].entry.at"}),
        (lambda r, c: setattr(r.events[0].entry, "action", "Not An Action"), {"events[0].entry.action"}),
        (lambda r, c: setattr(r.events[0].entry, "actor", "sw aroha"), {"events[0].entry.actor"}),
        (lambda r, c: r.standing.CopyFrom(_standing(0, 99)), {"standing.version", "standing.stage"}),
        (
            lambda r, c: r.assessment.CopyFrom(intake_pb2.AssessmentStanding(version=1)),
            {"assessment"},  # from the case's workflow: only its assessment's says where that stands
        ),
        (lambda r, c: r.events.extend(_events(workflow_id(c), 1, 500)), {"events"}),
        (
            lambda r, c: r.child_clock.CopyFrom(common_pb2.DeadlineStatus(kind=common_pb2.DEADLINE_KIND_ASSESSMENT)),
            {"child_clock"},  # from the case's own workflow: only its assessment's or search's clock
        ),
        (_a_bad_clock_from_the_assessment, {"child_clock.kind", "child_clock.tier"}),
    ],
)
async def test_a_bad_record_is_refused_naming_the_field(platform: Platform, change: Any, fields: set[str]) -> None:
    case_id = await _bare_case(platform)
    request = intake_pb2.RecordCaseEventsRequest(
        case_id=case_id, workflow_id=workflow_id(case_id), events=_events(workflow_id(case_id), 0, 1)
    )
    change(request, case_id)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.intake.RecordCaseEvents(request)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(raised.value)} == fields


async def test_events_of_no_case_are_not_found(platform: Platform) -> None:
    case_id = str(uuid.uuid4())
    request = intake_pb2.RecordCaseEventsRequest(
        case_id=case_id, workflow_id=workflow_id(case_id), events=_events(workflow_id(case_id), 0, 1)
    )
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.intake.RecordCaseEvents(request)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


async def test_recorded_events_are_never_changed_or_removed(platform: Platform) -> None:
    case_id = await _bare_case(platform)
    search = placement_workflow_id(case_id)
    await platform.intake.RecordCaseEvents(
        intake_pb2.RecordCaseEventsRequest(case_id=case_id, workflow_id=search, events=_events(search, 0, 1))
    )
    for url in (platform.settings.database_url, platform.database_url):  # the service's role, and the owner
        conn = await asyncpg.connect(url)
        try:
            for statement in (
                "UPDATE intake.case_events SET detail = 'rewritten' WHERE case_id = $1",
                "DELETE FROM intake.case_events WHERE case_id = $1",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.execute(statement, uuid.UUID(case_id))
        finally:
            await conn.close()


async def test_get_case_shows_the_reports_people_and_concerns_to_those_who_may_see_them(
    platform: Platform,
) -> None:
    request = submit_request()
    opened = await open_case(platform, request)
    case_id = opened.case.case_id
    shown = await get_case(platform, case_id)
    assert [r.report for r in shown.reports] == [request.report]
    assert not shown.reports[0].additional_information and shown.reports[0].report_id
    assert shown.reports[0].report.children[0].name == request.report.children[0].name
    assert shown.reports[0].report.household[0].relationship == "father"
    assert list(shown.case.concerns) == [common_pb2.CONCERN_CATEGORY_NEGLECT]
    await eventually(lambda: _has(platform, case_id, "triage.proposed"))

    cut = {
        "ops": Principal(subject="ops.rua", roles=frozenset({"ops"})),
        "agency_reporter": Principal(
            subject="system.education", roles=frozenset({"agency_reporter"}), agency="AGENCY_EDUCATION"
        ),
        "partner_agency": Principal(
            subject="health.partner",
            roles=frozenset({"partner_agency"}),
            agency="AGENCY_HEALTH_NZ",
            purpose="safety_and_wellbeing",
            case_id=case_id,
        ),
    }
    for role, caller in cut.items():
        seen = await (await platform.as_(caller)).intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id))
        assert seen.case.case_id == case_id, role
        assert not seen.reports and not seen.timeline, f"{role} sees people or the timeline"


async def _has(platform: Platform, case_id: str, action: str) -> bool:
    return action in actions((await get_case(platform, case_id)).timeline)
