"""A revoked token is refused by the running services, without a restart."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from kahu.v1 import intake_pb2
from services.common.keys import REVOKED_FILE
from tests import factories
from tests.conftest import Platform
from tests.polling import eventually
from tests.tokens import staff


@pytest.fixture
def revocations(platform: Platform) -> Iterator[Path]:
    path = platform.settings.signing_keys_dir / REVOKED_FILE
    assert not path.exists()
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


async def test_a_revoked_subjects_tokens_are_refused_by_the_services(platform: Platform, revocations: Path) -> None:
    case_id = (await platform.intake.SubmitReport(factories.submit_request())).case_id
    leaver = staff(f"sw.leaver.{uuid.uuid4().hex[:6]}", roles=frozenset({"supervisor"}), sites=frozenset({"hutt"}))
    stubs = await platform.as_(leaver)
    request = intake_pb2.GetCaseRequest(case_id=case_id)
    assert (await stubs.intake.GetCase(request)).case.case_id == case_id

    _revoke(revocations, leaver.subject, at=time.time() + 2)  # every token issued until now

    async def refused() -> bool:
        try:
            await stubs.intake.GetCase(request)
        except grpc.aio.AioRpcError as error:
            return error.code() == grpc.StatusCode.UNAUTHENTICATED
        return False

    await eventually(refused)
    assert (await platform.intake.GetCase(request)).case.case_id == case_id, "everyone else carries on"


def _revoke(path: Path, subject: str, at: float) -> None:
    when = dt.datetime.fromtimestamp(at, dt.UTC).isoformat()
    path.write_text(json.dumps({"subjects": {subject: when}}), encoding="utf-8")
    later = time.time_ns() + 10**9  # a new mtime, as a Secret update gives
    os.utime(path, ns=(later, later))
