"""Abandoned holds: a hold still held well after it expired (its search no longer runs)
is released by the placement service itself, once, audited; nothing else is touched."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import asyncpg
import pytest

from kahu.v1 import placement_pb2
from services.common.convert import timestamp
from services.placement import sweeper
from tests.placement.conftest import Own, new_database
from tests.placement.network import caregiver, person
from tests.polling import eventually
from workflows.policy.loader import POLICY_ENV, load_policy, shortened, write_policy

P = placement_pb2


def _hold(caregiver_id: str, expires_in: dt.timedelta) -> P.HoldPlacesRequest:
    return P.HoldPlacesRequest(
        hold_id=str(uuid.uuid4()),
        caregiver_id=caregiver_id,
        case_id=str(uuid.uuid4()),
        places=1,
        expires_at=timestamp(dt.datetime.now(dt.UTC) + expires_in),
    )


async def test_a_hold_long_past_its_expiry_is_released_once_and_audited(own: Own, tmp_path: Path) -> None:
    policy = write_policy(shortened(load_policy(), release_abandoned_holds_after=1), tmp_path / "policy.yaml")
    database = await new_database(own.settings)
    with pytest.MonkeyPatch.context() as env:
        env.setenv(POLICY_ENV, str(policy))
        stub = (await own.serve(database)).stub
    carer = await caregiver(stub, await person(stub), capacity=3)
    abandoned = await stub.HoldPlaces(_hold(carer, dt.timedelta(seconds=-2)))
    answered = await stub.HoldPlaces(_hold(carer, dt.timedelta(seconds=-2)))
    await stub.ConfirmHold(P.ConfirmHoldRequest(hold_id=answered.hold.hold_id))
    waiting = await stub.HoldPlaces(_hold(carer, dt.timedelta(hours=48)))

    conn = await asyncpg.connect(database)
    try:

        async def released() -> bool:
            status = await conn.fetchval(
                "SELECT status FROM placement.holds WHERE hold_id = $1", uuid.UUID(abandoned.hold.hold_id)
            )
            return bool(status == "RELEASED")

        await eventually(released)
        holds = {
            str(r["hold_id"]): (r["status"], r["release_reason"])
            for r in await conn.fetch("SELECT hold_id, status, release_reason FROM placement.holds")
        }
        assert holds == {
            abandoned.hold.hold_id: ("RELEASED", "EXPIRED"),
            answered.hold.hold_id: ("CONFIRMED", None),
            waiting.hold.hold_id: ("HELD", None),
        }
        places = await conn.fetchrow(
            "SELECT placed, held FROM placement.caregivers WHERE caregiver_id = $1", uuid.UUID(carer)
        )
        assert (places["placed"], places["held"]) == (1, 1), "the abandoned place is free again"
        audited = await conn.fetch(
            "SELECT actor, roles, case_id, result FROM placement.audit WHERE action = $1",
            "kahu.placement/ReleaseAbandonedHold",
        )
        assert [tuple(r) for r in audited] == [("workload:placement", "workload", abandoned.hold.case_id, "OK")]
    finally:
        await conn.close()


def test_sweeps_are_a_quarter_of_the_grace_apart_and_at_most_five_minutes() -> None:
    assert sweeper.interval(dt.timedelta(seconds=8)) == 2
    assert sweeper.interval(dt.timedelta(minutes=20)) == 300
    assert sweeper.interval(dt.timedelta(hours=24)) == 300  # five minutes
