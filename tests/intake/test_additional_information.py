"""A report about a child who already has an open case is added to that case, through real
gRPC, PostgreSQL and the case workflow; a closed case gets a new one."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from kahu.v1 import common_pb2, intake_pb2
from services.common.config import ConfigError
from services.intake.matching import DEV_MATCH_KEY, child_digests, match_key, normalise_name
from tests.conftest import Platform
from tests.intake.reports import (
    actions,
    case_workflows_started_since,
    decide,
    get_case,
    now,
    open_case,
    submit_request,
)
from tests.polling import eventually


def _about(first: intake_pb2.SubmitReportRequest) -> intake_pb2.SubmitReportRequest:
    """Another report (another notifier, a concern of the same kind) about the first one's
    child: one that joins its open case (services/intake/further.py)."""
    again = submit_request()
    again.report.children[0].CopyFrom(first.report.children[0])
    again.report.concerns[:] = first.report.concerns
    again.report.reporter.agency = common_pb2.AGENCY_HEALTH_NZ
    again.report.reporter.name = f"Nurse {uuid.uuid4().hex[:8]}"
    return again


async def _case_rows(platform: Platform, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(platform.database_url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def test_names_match_whatever_their_case_macrons_or_spacing() -> None:
    assert (
        normalise_name("  ĀNIWANIWA   Pōtae-Smith ")
        == normalise_name("aniwaniwa potae smith")
        == ("aniwaniwa potae smith")
    )
    child = common_pb2.Child(name="Hēmi", date_of_birth=common_pb2.Date(year=2015, month=1, day=2))
    same = common_pb2.Child(name="HEMI", date_of_birth=common_pb2.Date(year=2015, month=1, day=2))
    other_day = common_pb2.Child(name="Hēmi", date_of_birth=common_pb2.Date(year=2015, month=1, day=3))
    by_age = common_pb2.Child(name="Hēmi", age_years=9)
    assert child_digests(DEV_MATCH_KEY, [child]) == child_digests(DEV_MATCH_KEY, [same])
    assert child_digests(DEV_MATCH_KEY, [child]) != child_digests(DEV_MATCH_KEY, [other_day])
    assert child_digests(b"another key of at least 32 chars!!", [child]) != child_digests(DEV_MATCH_KEY, [child])
    assert child_digests(DEV_MATCH_KEY, [by_age]) == []


def test_match_key_comes_from_the_environment() -> None:
    assert match_key({}) == DEV_MATCH_KEY
    assert match_key({"KAHU_MATCH_KEY": "k" * 32}) == b"k" * 32
    with pytest.raises(ConfigError, match="KAHU_MATCH_KEY"):
        match_key({"KAHU_MATCH_KEY": "short"})


async def test_report_about_a_child_with_an_open_case_is_added_to_it(platform: Platform) -> None:
    first = submit_request()
    case_id = (await open_case(platform, first)).case.case_id
    since = now()
    again = _about(first)
    again.report.children[0].name = again.report.children[0].name.upper()

    added = await platform.intake.SubmitReport(again)
    retried = await platform.intake.SubmitReport(again)

    assert (added.case_id, added.additional_information, added.replayed) == (case_id, True, False)
    assert (retried.case_id, retried.report_id, retried.additional_information, retried.replayed) == (
        case_id,
        added.report_id,
        True,
        True,
    )

    async def added_once() -> bool:  # on the record a moment after the answer
        return actions((await get_case(platform, case_id)).timeline).count("report.added") == 1

    await eventually(added_once)
    assert await case_workflows_started_since(platform, since) == 0, "no case was opened for the report"
    reports = await _case_rows(
        platform, "SELECT additional FROM intake.reports WHERE case_id = $1 ORDER BY received_at", uuid.UUID(case_id)
    )
    assert [r["additional"] for r in reports] == [False, True]
    (stored,) = await _case_rows(platform, "SELECT child_keys FROM intake.cases WHERE case_id = $1", uuid.UUID(case_id))
    assert len(stored["child_keys"]) == 1
    assert first.report.children[0].name.encode() not in stored["child_keys"][0]


async def test_reports_about_the_same_new_child_at_once_open_one_case(platform: Platform) -> None:
    first = submit_request()
    others = [_about(first) for _ in range(5)]

    responses = await asyncio.gather(*(platform.intake.SubmitReport(r) for r in [first, *others]))

    assert len({r.case_id for r in responses}) == 1
    assert sum(not r.additional_information for r in responses) == 1

    async def all_added() -> intake_pb2.GetCaseResponse | None:
        case = await get_case(platform, responses[0].case_id)
        return case if actions(case.timeline).count("report.added") == 5 else None

    await eventually(all_added)


async def test_a_different_child_gets_a_case_of_their_own(platform: Platform) -> None:
    first = submit_request()
    case_id = (await platform.intake.SubmitReport(first)).case_id
    sibling = _about(first)
    sibling.report.children[0].date_of_birth.year -= 2

    other = await platform.intake.SubmitReport(sibling)

    assert other.case_id != case_id and not other.additional_information


async def _closed(platform: Platform) -> tuple[intake_pb2.SubmitReportRequest, str]:
    """A report whose case was closed with no further action."""
    first = submit_request()
    case_id = (await open_case(platform, first)).case.case_id
    await decide(
        platform, case_id, pathway=common_pb2.PATHWAY_NO_FURTHER_ACTION, timeframe=0, reason="Already resolved."
    )

    async def recorded_closed() -> bool:
        rows = await _case_rows(platform, "SELECT stage FROM intake.cases WHERE case_id = $1", uuid.UUID(case_id))
        return rows[0]["stage"] == "CLOSED"

    await eventually(recorded_closed)
    return first, case_id


async def test_a_report_after_the_case_closed_opens_a_new_case(platform: Platform) -> None:
    first, closed_id = await _closed(platform)

    response = await platform.intake.SubmitReport(_about(first))

    assert response.case_id != closed_id and not response.additional_information
    await eventually(lambda: _in_triage(platform, response.case_id))


async def test_a_case_closing_as_the_report_arrives_still_gets_a_new_case(platform: Platform) -> None:
    first, closed_id = await _closed(platform)
    # intake has not yet heard the case closed: its workflow refuses the report
    conn = await asyncpg.connect(platform.database_url)
    try:
        await conn.execute("UPDATE intake.cases SET stage = 'TRIAGE' WHERE case_id = $1", uuid.UUID(closed_id))
    finally:
        await conn.close()
    again = _about(first)

    response = await platform.intake.SubmitReport(again)
    retried = await platform.intake.SubmitReport(again)

    assert response.case_id != closed_id and not response.additional_information
    assert (retried.case_id, retried.replayed) == (response.case_id, True)
    await eventually(lambda: _in_triage(platform, response.case_id))
    rows = await _case_rows(platform, "SELECT stage FROM intake.cases WHERE case_id = $1", uuid.UUID(closed_id))
    assert rows[0]["stage"] == "CLOSED"
    assert "report.added" not in actions((await get_case(platform, closed_id)).timeline)


async def _in_triage(platform: Platform, case_id: str) -> bool:
    return (await get_case(platform, case_id)).case.stage == common_pb2.CASE_STAGE_TRIAGE


async def test_a_report_the_case_already_has_is_marked_delivered_not_refused(platform: Platform) -> None:
    """The workflow took the report but intake lost the mark (a crash between the two): the
    outbox sends it again, the case answers that it has it (the same update id), and it counts as delivered,
    once on the case's timeline."""
    first = submit_request()
    opened = await open_case(platform, first)
    added = await platform.intake.SubmitReport(_about(first))
    assert added.additional_information and added.case_id == opened.case.case_id
    await _case_rows(
        platform, "UPDATE intake.reports SET delivered_at = NULL WHERE report_id = $1", uuid.UUID(added.report_id)
    )

    async def delivered_again() -> bool:
        rows = await _case_rows(
            platform, "SELECT delivered_at FROM intake.reports WHERE report_id = $1", uuid.UUID(added.report_id)
        )
        return rows[0]["delivered_at"] is not None

    await eventually(delivered_again, timeout=30)
    timeline = (await get_case(platform, opened.case.case_id)).timeline
    assert actions(timeline).count("report.added") == 1
