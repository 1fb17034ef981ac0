"""TriageService through real gRPC and PostgreSQL: proposals, the Police notification, and
validation of the social worker's decisions."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, cast

import asyncpg
import grpc
import pytest

from kahu.v1 import common_pb2, triage_pb2
from services.common.config import Settings
from services.common.errors import field_violations
from services.common.identity import Principal
from services.triage import app as triage_app
from tests.conftest import Platform
from workflows.policy.loader import POLICY_ENV, PolicyError

#: Operations: scope `any`, so a proposal for a case with no workflow is theirs to read.
OPS = Principal(subject="ops.tui", roles=frozenset({"ops"}))


def _facts(**changes: Any) -> common_pb2.CaseFacts:
    facts = common_pb2.CaseFacts(
        concerns=[common_pb2.CONCERN_CATEGORY_NEGLECT],
        agency=common_pb2.AGENCY_EDUCATION,
        youngest_child_age=6,
    )
    for name, value in changes.items():
        if name == "concerns":
            facts.ClearField("concerns")
            facts.concerns.extend(value)
        else:
            setattr(facts, name, value)
    return facts


async def _count(platform: Platform, sql: str, *args: object) -> int:
    conn = await asyncpg.connect(platform.database_url)
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


async def test_proposal_names_the_rules_that_fired_and_is_made_once(platform: Platform) -> None:
    case_id = str(uuid.uuid4())
    first = await platform.triage.ProposeTriage(triage_pb2.ProposeTriageRequest(case_id=case_id, facts=_facts()))

    proposal = first.proposal
    assert (proposal.timeframe, proposal.pathway) == (
        common_pb2.TIMEFRAME_URGENT,
        common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
    )
    assert [r.id for r in proposal.fired_rules] == ["neglect"]
    assert proposal.fired_rules[0].description.startswith("Neglect needs")

    # a retry (even with other facts) gets the proposal made the first time
    retry = await platform.triage.ProposeTriage(
        triage_pb2.ProposeTriageRequest(case_id=case_id, facts=_facts(immediate_danger=True))
    )
    assert retry.proposal == proposal
    ops = await platform.as_(OPS)
    stored = await ops.triage.GetProposal(triage_pb2.GetProposalRequest(case_id=case_id))
    assert stored.proposal == proposal


async def test_immediate_danger_proposal_is_critical_joint_investigation(platform: Platform) -> None:
    response = await platform.triage.ProposeTriage(
        triage_pb2.ProposeTriageRequest(
            case_id=str(uuid.uuid4()), facts=_facts(immediate_danger=True, agency=common_pb2.AGENCY_POLICE)
        )
    )
    assert response.proposal.timeframe == common_pb2.TIMEFRAME_CRITICAL
    assert response.proposal.pathway == common_pb2.PATHWAY_JOINT_INVESTIGATION
    assert "immediate-danger" in [r.id for r in response.proposal.fired_rules]


async def test_get_proposal_of_an_unknown_case_is_not_found_for_callers_in_scope(platform: Platform) -> None:
    request = triage_pb2.GetProposalRequest(case_id=str(uuid.uuid4()))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await (await platform.as_(OPS)).triage.GetProposal(request)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as raised:  # staff of some sites cannot tell it exists not
        await platform.triage.GetProposal(request)
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_police_are_notified_once_however_often_retried(platform: Platform) -> None:
    case_id = str(uuid.uuid4())
    request = triage_pb2.NotifyPoliceRequest(case_id=case_id, reason="immediate danger reported")

    responses = await asyncio.gather(*(platform.triage.NotifyPolice(request) for _ in range(12)))

    assert len({r.notification_id for r in responses}) == 1
    assert sorted(r.already_sent for r in responses) == [False] + [True] * 11
    rows = await _count(
        platform, "SELECT count(*) FROM triage.police_notifications WHERE case_id = $1", uuid.UUID(case_id)
    )
    assert rows == 1


def _propose(change: Callable[[triage_pb2.ProposeTriageRequest], None], field: str) -> object:
    return pytest.param(change, field, id=field)


BAD_PROPOSALS = [
    _propose(lambda r: setattr(r, "case_id", "case-1"), "case_id"),
    _propose(lambda r: r.ClearField("facts"), "facts"),
    _propose(lambda r: r.facts.ClearField("concerns"), "facts.concerns"),
    _propose(lambda r: r.facts.concerns.__setitem__(0, cast(Any, 99)), "facts.concerns[0]"),
    _propose(lambda r: setattr(r.facts, "agency", cast(Any, 99)), "facts.agency"),
    _propose(lambda r: setattr(r.facts, "youngest_child_age", 40), "facts.youngest_child_age"),
]


@pytest.mark.parametrize(("change", "field"), BAD_PROPOSALS)
async def test_bad_proposal_request_names_the_field_and_stores_nothing(
    platform: Platform, change: Callable[[triage_pb2.ProposeTriageRequest], None], field: str
) -> None:
    request = triage_pb2.ProposeTriageRequest(case_id=str(uuid.uuid4()), facts=_facts())
    change(request)
    before = await _count(platform, "SELECT count(*) FROM triage.proposals")

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.triage.ProposeTriage(request)

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in {v.field for v in field_violations(raised.value)}
    assert await _count(platform, "SELECT count(*) FROM triage.proposals") == before


def _decision() -> triage_pb2.RecordDecisionRequest:
    return triage_pb2.RecordDecisionRequest(
        idempotency_key=f"decide-{uuid.uuid4()}",
        case_id=str(uuid.uuid4()),
        decided_by="sw.aroha-1",
        pathway=common_pb2.PATHWAY_CHILD_AND_FAMILY_ASSESSMENT,
        timeframe=common_pb2.TIMEFRAME_URGENT,
    )


def _decide(change: Callable[[triage_pb2.RecordDecisionRequest], None], field: str) -> object:
    return pytest.param(change, field, id=field)


BAD_DECISIONS = [
    _decide(lambda r: setattr(r, "idempotency_key", "short"), "idempotency_key"),
    _decide(lambda r: setattr(r, "case_id", ""), "case_id"),
    _decide(lambda r: setattr(r, "decided_by", ""), "decided_by"),
    _decide(lambda r: setattr(r, "decided_by", "a" * 65), "decided_by"),
    _decide(lambda r: setattr(r, "decided_by", "Aroha Smith"), "decided_by"),
    _decide(lambda r: setattr(r, "pathway", 0), "pathway"),
    _decide(lambda r: setattr(r, "pathway", cast(Any, 42)), "pathway"),
    _decide(lambda r: setattr(r, "timeframe", 0), "timeframe"),
    _decide(lambda r: setattr(r, "pathway", common_pb2.PATHWAY_NO_FURTHER_ACTION), "timeframe"),
    _decide(lambda r: setattr(r, "reason", "x" * 2001), "reason"),
    _decide(lambda r: setattr(r, "reason", "because\x1b[31m"), "reason"),
]


@pytest.mark.parametrize(("change", "field"), BAD_DECISIONS)
async def test_bad_decision_names_the_field_and_records_nothing(
    platform: Platform, change: Callable[[triage_pb2.RecordDecisionRequest], None], field: str
) -> None:
    request = _decision()
    change(request)
    before = await _count(platform, "SELECT count(*) FROM triage.actions")

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.triage.RecordDecision(request)

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in {v.field for v in field_violations(raised.value)}
    assert await _count(platform, "SELECT count(*) FROM triage.actions") == before


async def test_decision_on_a_case_that_does_not_exist_records_nothing(platform: Platform) -> None:
    request = _decision()

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.triage.RecordDecision(request)

    # staff scoped to sites get the answer they would get for a case of another site
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert (
        await _count(
            platform, "SELECT count(*) FROM triage.actions WHERE idempotency_key = $1", request.idempotency_key
        )
        == 0
    )


async def test_bad_consent_names_every_field(platform: Platform) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.triage.RecordConsent(
            triage_pb2.RecordConsentRequest(idempotency_key="k", case_id="x", recorded_by="", note="\x00")
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(raised.value)} == {"idempotency_key", "case_id", "recorded_by", "note"}


async def test_a_bad_policy_stops_start_up(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_text("version: 2\n", encoding="utf-8")
    monkeypatch.setenv(POLICY_ENV, str(bad))
    async with AsyncExitStack() as stack:
        with pytest.raises(PolicyError, match=r"policy\.yaml: timeframes"):
            await triage_app.build(settings, stack)
