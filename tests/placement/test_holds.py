"""Holds on caregivers' places through real gRPC and PostgreSQL, from many clients at once:
a caregiver's places are never promised to more children than it has, a hold id is one
hold however often it is sent, and a hold is released (or confirmed) once."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import asyncpg
import grpc
import pytest

from kahu.v1 import placement_pb2, placement_pb2_grpc
from services.common.channels import aio_channel
from services.common.convert import timestamp
from services.common.errors import field_violations
from services.common.identity import StaticToken
from tests.conftest import Platform
from tests.placement.network import caregiver, person, placement
from tests.tokens import mint, workload

P = placement_pb2
CLIENTS = 12


@pytest.fixture
async def clients(platform: Platform) -> AsyncIterator[list[placement_pb2_grpc.PlacementServiceStub]]:
    """Separate connections to the placement service, each as the worker would call it."""
    settings = platform.settings
    tokens = StaticToken(mint(settings, workload()))
    async with AsyncExitStack() as stack:
        channels = [
            await stack.enter_async_context(
                aio_channel(f"{settings.host}:{settings.port('placement')}", settings, tokens, traced=False)
            )
            for _ in range(CLIENTS)
        ]
        yield [placement_pb2_grpc.PlacementServiceStub(c) for c in channels]


def release(hold_id: str, reason: int = P.RELEASE_REASON_EXPIRED) -> P.ReleaseHoldRequest:
    return P.ReleaseHoldRequest(hold_id=hold_id, reason=reason)  # type: ignore[arg-type]


def hold(caregiver_id: str, places: int = 1, hold_id: str | None = None) -> P.HoldPlacesRequest:
    return P.HoldPlacesRequest(
        hold_id=hold_id or str(uuid.uuid4()),
        caregiver_id=caregiver_id,
        case_id=str(uuid.uuid4()),
        places=places,
        expires_at=timestamp(dt.datetime.now(dt.UTC) + dt.timedelta(hours=48)),
    )


async def in_use(platform: Platform, caregiver_id: str) -> tuple[int, int, int, int]:
    """(placed, held, capacity, places held by HELD holds) as the database has them."""
    conn = await asyncpg.connect(platform.database_url)
    try:
        row = await conn.fetchrow(
            "SELECT c.placed, c.held, c.capacity,"
            " (SELECT coalesce(sum(places), 0) FROM placement.holds h"
            "  WHERE h.caregiver_id = c.caregiver_id AND h.status = 'HELD') AS holding"
            " FROM placement.caregivers c WHERE c.caregiver_id = $1",
            uuid.UUID(caregiver_id),
        )
    finally:
        await conn.close()
    return row["placed"], row["held"], row["capacity"], int(row["holding"])


async def outcomes(calls: list[asyncio.Future[object]] | list[object]) -> tuple[list[object], list[grpc.StatusCode]]:
    done = await asyncio.gather(*calls, return_exceptions=True)
    ok = [r for r in done if not isinstance(r, BaseException)]
    refused = [r.code() for r in done if isinstance(r, grpc.aio.AioRpcError)]
    assert len(ok) + len(refused) == len(done), [r for r in done if isinstance(r, BaseException)]
    return ok, refused


async def test_concurrent_holds_from_many_clients_never_over_allocate(
    platform: Platform, clients: list[placement_pb2_grpc.PlacementServiceStub]
) -> None:
    carer = await caregiver(placement(platform), await person(placement(platform)), capacity=3)

    ok, refused = await outcomes([clients[i % CLIENTS].HoldPlaces(hold(carer)) for i in range(60)])

    assert len(ok) == 3 and refused == [grpc.StatusCode.FAILED_PRECONDITION] * 57
    assert await in_use(platform, carer) == (0, 3, 3, 3)

    # a sibling group of two finds one place left after a release, and is refused
    released = ok[0]
    assert isinstance(released, P.HoldPlacesResponse)
    answers, _ = await outcomes([clients[i % CLIENTS].ReleaseHold(release(released.hold.hold_id)) for i in range(20)])
    assert sorted(a.released for a in answers) == [False] * 19 + [True]  # type: ignore[attr-defined]
    assert await in_use(platform, carer) == (0, 2, 3, 2)
    _, refused = await outcomes([clients[i % CLIENTS].HoldPlaces(hold(carer, places=2)) for i in range(10)])
    assert refused == [grpc.StatusCode.FAILED_PRECONDITION] * 10

    # confirming is idempotent and moves the places from held to placed
    confirmed = ok[1]
    assert isinstance(confirmed, P.HoldPlacesResponse)
    answers, refused = await outcomes(
        [clients[i].ConfirmHold(P.ConfirmHoldRequest(hold_id=confirmed.hold.hold_id)) for i in range(CLIENTS)]
    )
    assert refused == [], "every confirmation of the same hold is answered"
    assert [(a.hold.hold_id, a.hold.status, a.hold.places) for a in answers] == [  # type: ignore[attr-defined]
        (confirmed.hold.hold_id, P.HOLD_STATUS_CONFIRMED, 1)
    ] * CLIENTS
    assert await in_use(platform, carer) == (1, 1, 3, 1)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await clients[0].ReleaseHold(release(confirmed.hold.hold_id))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await clients[0].ConfirmHold(P.ConfirmHoldRequest(hold_id=released.hold.hold_id))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    ok, _ = await outcomes([clients[i % CLIENTS].HoldPlaces(hold(carer)) for i in range(30)])
    assert len(ok) == 1
    assert await in_use(platform, carer) == (1, 2, 3, 2)


async def test_holds_releases_and_confirmations_racing_keep_the_count_exact(
    platform: Platform, clients: list[placement_pb2_grpc.PlacementServiceStub]
) -> None:
    stub = placement(platform)
    carers = [await caregiver(stub, await person(stub), capacity=2) for _ in range(3)]
    confirmed = dict.fromkeys(carers, 0)
    still_held = dict.fromkeys(carers, 0)

    async def churn(client: placement_pb2_grpc.PlacementServiceStub, n: int) -> None:
        for i in range(n):
            carer = carers[i % len(carers)]
            try:
                made = await client.HoldPlaces(hold(carer))
            except grpc.aio.AioRpcError as error:
                assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
                continue
            if i % 3 == 0:
                await client.ConfirmHold(P.ConfirmHoldRequest(hold_id=made.hold.hold_id))
                confirmed[carer] += 1
            elif i % 3 == 1:
                await client.ReleaseHold(release(made.hold.hold_id, P.RELEASE_REASON_DECLINED))
            else:
                still_held[carer] += 1

    await asyncio.gather(*(churn(client, 8) for client in clients))

    for carer in carers:
        assert await in_use(platform, carer) == (confirmed[carer], still_held[carer], 2, still_held[carer])
        assert confirmed[carer] + still_held[carer] <= 2


async def test_a_hold_id_is_one_hold_however_often_sent(
    platform: Platform, clients: list[placement_pb2_grpc.PlacementServiceStub]
) -> None:
    carer = await caregiver(placement(platform), await person(placement(platform)), capacity=2)
    request = hold(carer)
    answers, _ = await outcomes([client.HoldPlaces(request) for client in clients])
    assert {a.hold.hold_id for a in answers} == {request.hold_id}  # type: ignore[attr-defined]
    assert sorted(a.created for a in answers) == [False] * (CLIENTS - 1) + [True]  # type: ignore[attr-defined]
    assert await in_use(platform, carer) == (0, 1, 2, 1)
    reused = hold(carer, places=2, hold_id=request.hold_id)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await clients[0].HoldPlaces(reused)
    assert raised.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_unapproved_or_expired_caregivers_are_never_held(
    platform: Platform, clients: list[placement_pb2_grpc.PlacementServiceStub]
) -> None:
    stub = placement(platform)
    pending = await caregiver(stub, await person(stub), approved=False)
    expired = await caregiver(stub, await person(stub), approved_days_ago=800, expires_in_days=-70)
    for carer, why in ((pending, "not approved"), (expired, "expired")):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await clients[0].HoldPlaces(hold(carer))
        assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION and why in (raised.value.details() or "")


async def test_the_database_itself_refuses_to_over_allocate(platform: Platform) -> None:
    """The last line of defence: a check constraint, whatever a future code path does."""
    carer = await caregiver(placement(platform), await person(placement(platform)), capacity=1)
    conn = await asyncpg.connect(platform.database_url)
    try:
        with pytest.raises(asyncpg.CheckViolationError, match="caregivers_never_over_allocated"):
            await conn.execute(
                "UPDATE placement.caregivers SET held = held + 2 WHERE caregiver_id = $1", uuid.UUID(carer)
            )
    finally:
        await conn.close()


async def test_capacity_never_falls_below_the_places_in_use(
    platform: Platform, clients: list[placement_pb2_grpc.PlacementServiceStub]
) -> None:
    stub = placement(platform)
    carer_person = await person(stub)
    carer = await caregiver(stub, carer_person, capacity=2)
    await clients[0].HoldPlaces(hold(carer, places=2))
    got = (await stub.GetCaregiver(P.GetCaregiverRequest(caregiver_id=carer))).caregiver
    got.capacity = 1
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.PutCaregiver(P.PutCaregiverRequest(caregiver=got))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field: v.description for v in field_violations(raised.value)} == {
        "caregiver.capacity": "must be at least the 2 place(s) in use"
    }
    assert await in_use(platform, carer) == (0, 2, 2, 2)
