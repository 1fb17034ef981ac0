"""PlacementService under the access table (policy/access.yaml): a case's search is
admitted like its case, the worker's RPCs are the worker's alone, and ops see metadata."""

from __future__ import annotations

import uuid

import grpc
import pytest

from kahu.v1 import placement_pb2
from services.common.identity import Principal
from tests.conftest import Platform
from tests.intake.reports import open_case
from tests.placement.test_case_placement import custody_approved
from tests.tokens import staff, workload

P = placement_pb2


async def code(call: object) -> grpc.StatusCode:
    try:
        await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_a_cases_search_is_admitted_by_the_cases_site(platform: Platform) -> None:
    case_id = (await open_case(platform)).case.case_id  # at hutt, no placement search yet
    elsewhere = await platform.as_(staff("sup.south", sites=frozenset({"canterbury"}), regions=frozenset()))
    here = await platform.as_(staff("sup.hutt", sites=frozenset({"hutt"}), regions=frozenset()))
    request = P.GetPlacementSearchRequest(case_id=case_id)
    assert elsewhere.placement is not None and here.placement is not None
    assert await code(elsewhere.placement.GetPlacementSearch(request)) == grpc.StatusCode.PERMISSION_DENIED
    assert await code(here.placement.GetPlacementSearch(request)) == grpc.StatusCode.NOT_FOUND
    select = P.SelectCandidateRequest(
        idempotency_key=f"select-{uuid.uuid4()}",
        case_id=case_id,
        caregiver_id=str(uuid.uuid4()),
        selected_by="sup.south",
    )
    assert await code(elsewhere.placement.SelectCandidate(select)) == grpc.StatusCode.PERMISSION_DENIED
    select.selected_by = "someone.else"
    assert await code(here.placement.SelectCandidate(select)) == grpc.StatusCode.PERMISSION_DENIED  # acts as itself


@pytest.mark.parametrize(
    ("caller", "method", "request_", "expected"),
    [
        pytest.param(
            staff(),
            "HoldPlaces",
            P.HoldPlacesRequest(hold_id=str(uuid.uuid4())),
            grpc.StatusCode.PERMISSION_DENIED,
            id="staff-hold",
        ),
        pytest.param(
            workload(),
            "SearchPlacements",
            P.SearchPlacementsRequest(child_ids=[str(uuid.uuid4())]),
            grpc.StatusCode.PERMISSION_DENIED,
            id="worker-search",
        ),
        pytest.param(
            Principal(subject="ops.one", roles=frozenset({"ops"})),
            "GetPerson",
            P.GetPersonRequest(person_id=str(uuid.uuid4())),
            grpc.StatusCode.PERMISSION_DENIED,
            id="ops-person",
        ),
        pytest.param(
            staff(), "GetPerson", P.GetPersonRequest(person_id=str(uuid.uuid4())), grpc.StatusCode.NOT_FOUND, id="staff"
        ),
    ],
)
async def test_the_worker_and_people_call_their_own_rpcs(
    platform: Platform, caller: Principal, method: str, request_: object, expected: grpc.StatusCode
) -> None:
    stubs = await platform.as_(caller)
    assert stubs.placement is not None
    assert await code(getattr(stubs.placement, method)(request_)) == expected


async def test_ops_see_a_placement_searchs_metadata_only(platform: Platform) -> None:
    case_id = await custody_approved(platform, None)
    ops = await platform.as_(Principal(subject="ops.one", roles=frozenset({"ops"})))
    assert ops.placement is not None
    shown = (await ops.placement.GetPlacementSearch(P.GetPlacementSearchRequest(case_id=case_id))).search
    assert shown.case_id == case_id and shown.stage == P.PLACEMENT_SEARCH_STAGE_AWAITING_SELECTION
    assert shown.search_id and not shown.timeline and not shown.excluded
