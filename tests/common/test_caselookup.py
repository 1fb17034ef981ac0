"""Where a case belongs, as the other services learn it from the record (IntakeService.GetCaseScope
and ConferenceService.GetConferenceScope): workload callers only, NOT_FOUND for no such case, and
UNAVAILABLE, never INTERNAL, for a service whose scope check cannot reach intake; and the cases
due soon that supervision reads from the record (IntakeService.ListDueCases), within the scope
it states for its caller."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import datetime as dt
import uuid
from contextlib import AsyncExitStack
from typing import Any

import grpc
import pytest

from kahu.v1 import common_pb2, conference_pb2, intake_pb2, triage_pb2, triage_pb2_grpc
from services.common import caselookup
from services.common.authz import Place
from services.common.convert import from_timestamp, timestamp
from services.common.errors import field_violations
from services.common.sites import load_sites
from services.triage import app as triage_app
from tests.conftest import Platform, _serve, free_port
from tests.intake.reports import open_case, submit_request
from tests.tokens import staff, workload


async def test_get_case_scope_tells_a_workload_where_a_case_belongs(platform: Platform) -> None:
    request = submit_request()
    request.report.reporter.kind = common_pb2.REPORTER_KIND_AGENCY
    request.report.reporter.agency = common_pb2.AGENCY_POLICE
    case = (await open_case(platform, request)).case
    as_service = await platform.as_(workload("triage"))
    found = await as_service.intake.GetCaseScope(intake_pb2.GetCaseScopeRequest(case_id=case.case_id))
    assert (found.site, found.region) == (case.site, case.region) == (request.report.site, case.region)
    assert list(found.concerns) == sorted(common_pb2.ConcernCategory.Name(c) for c in case.concerns)
    assert list(found.agencies) == ["AGENCY_POLICE"]
    assert found.social_worker == ""

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await as_service.intake.GetCaseScope(intake_pb2.GetCaseScopeRequest(case_id=str(uuid.uuid4())))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND

    as_staff = await platform.as_(staff())
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await as_staff.intake.GetCaseScope(intake_pb2.GetCaseScopeRequest(case_id=case.case_id))
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED  # staff read GetCase, cut by role


async def test_get_conference_scope_is_for_workloads_only(platform: Platform) -> None:
    as_service = await platform.as_(workload("supervision"))
    assert as_service.conference is not None
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await as_service.conference.GetConferenceScope(
            conference_pb2.GetConferenceScopeRequest(conference_id=str(uuid.uuid4()))
        )
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    as_staff = await platform.as_(staff())
    assert as_staff.conference is not None
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await as_staff.conference.GetConferenceScope(
            conference_pb2.GetConferenceScopeRequest(conference_id=str(uuid.uuid4()))
        )
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_scope_check_without_intake_answers_unavailable(platform: Platform) -> None:
    case_id = (await open_case(platform)).case.case_id
    # a triage service whose intake is a port nobody listens on
    settings = dataclasses.replace(
        platform.settings, extra={**platform.settings.extra, "INTAKE_ADDRESS": f"127.0.0.1:{free_port()}"}
    )
    async with AsyncExitStack() as stack:
        channel = await _serve(stack, settings, triage_app.build, free_port())
        triage = triage_pb2_grpc.TriageServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await triage.GetProposal(triage_pb2.GetProposalRequest(case_id=case_id))
        assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
        assert raised.value.details() == "the case cannot be looked up right now"
        # the platform's triage, whose intake is up, answers the same question
        found = await platform.triage.GetProposal(triage_pb2.GetProposalRequest(case_id=case_id))
        assert found.proposal.fired_rules or found.proposal.pathway


async def test_list_due_cases_keeps_to_the_scope_it_is_given(platform: Platform) -> None:
    request = submit_request()
    case = (await open_case(platform, request)).case  # its triage deadline runs, a day away
    as_supervision = (await platform.as_(workload("supervision"))).intake
    in_two_days = timestamp(dt.datetime.now(dt.UTC) + dt.timedelta(days=2))

    async def due(**scope: Any) -> list[str]:
        found = await as_supervision.ListDueCases(
            intake_pb2.ListDueCasesRequest(site=case.site, due_before=in_two_days, limit=500, **scope)
        )
        return [c.case_id for c in found.cases]

    assert case.case_id in await due(within_sites=[case.site])
    assert case.case_id in await due(within_regions=[case.region])
    assert case.case_id in await due(everywhere=True)
    other = next(site for site in load_sites() if site != case.site)
    assert case.case_id not in await due(within_sites=[other])
    assert await due() == []  # no scope stated: nothing
    soonest = await as_supervision.ListDueCases(
        intake_pb2.ListDueCasesRequest(due_before=in_two_days, everywhere=True, limit=500)
    )
    dues = [from_timestamp(c.deadline.due_at) for c in soonest.cases]
    assert dues == sorted(dues) and all(c.deadline.breached is False for c in soonest.cases)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await as_supervision.ListDueCases(intake_pb2.ListDueCasesRequest(within_sites=["atlantis"], limit=501))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(raised.value)} == {"within_sites[0]", "due_before", "limit"}


async def test_a_cases_place_is_kept_across_calls_and_the_rest_is_asked_each_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    social_workers = {"case-a": "sw.one"}

    async def locate(case_id: str) -> caselookup.CaseScope | None:
        asked.append(case_id)
        if case_id not in social_workers:
            return None
        return caselookup.CaseScope(Place("hutt", "wellington"), frozenset(), frozenset(), social_workers[case_id])

    lookup = caselookup.CaseLookup(locate)

    async def in_a_call(work: Any) -> Any:  # each call runs in a context of its own
        return await asyncio.create_task(work(), context=contextvars.Context())

    assert await in_a_call(lambda: lookup.place("case-a")) == Place("hutt", "wellington")
    assert await in_a_call(lambda: lookup.place("case-a")) == Place("hutt", "wellington")
    assert asked == ["case-a"]  # the place, fixed at opening, is kept
    social_workers["case-a"] = "sw.two"
    assert await in_a_call(lambda: lookup.social_worker("case-a")) == "sw.two"  # the rest is asked again
    assert asked == ["case-a", "case-a"]

    assert await in_a_call(lambda: lookup.place("case-none")) is None
    assert await in_a_call(lambda: lookup.place("case-none")) is None
    assert asked.count("case-none") == 2  # no such case is not kept: it may be opened yet

    monkeypatch.setattr(caselookup, "PLACES_KEPT", 1)
    social_workers["case-b"] = "sw.three"
    await in_a_call(lambda: lookup.place("case-b"))  # keeps b, forgets a
    await in_a_call(lambda: lookup.place("case-a"))
    assert asked[-2:] == ["case-b", "case-a"]
