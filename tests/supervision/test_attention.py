"""Steps that need a person (workflows/attention.py) through real gRPC, PostgreSQL and
Temporal: raised exactly once per item key, listed on the supervisors' queue within their
scope, and resolved by a supervisor once per idempotency key: closed here when no workflow
waits on the item, else sent to the workflow as its `decide_attention` update.

The workflow waiting on items is `AttentionProbe`, defined here (the update's contract
alone: a validator refusing an item it does not wait on, the answer kept), run by a worker
of this module on the platform's Temporal server."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import asyncpg
import grpc
import pytest
from temporalio import workflow
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from kahu.v1 import supervision_pb2
from services.common.convert import from_timestamp, timestamp
from services.common.errors import field_violations
from services.common.identity import Principal
from tests import factories
from tests.conftest import METRICS, Platform
from tests.polling import finished
from workflows.case.model import AttentionAnswer, AttentionDecision, assessment_workflow_id, workflow_id
from workflows.common import Rejected
from workflows.conference.model import conference_workflow_id

#: Only this module raises items at these sites, so their queue is this module's to read.
SITE, REGION = "whanganui", "central"
ELSEWHERE, ELSEWHERE_REGION = "lakes", "bay-of-plenty"
FAILING_SINCE = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
REFUSED = supervision_pb2.ATTENTION_REASON_REFUSED
RETRY = supervision_pb2.ATTENTION_DECISION_RETRY
SKIP = supervision_pb2.ATTENTION_DECISION_SKIP


def _item(
    case_id: str | None = None, *, n: int = 1, waiting: bool = False, **changes: Any
) -> supervision_pb2.RaiseAttentionRequest:
    """What the worker sends when a case's step `n` was refused."""
    case_id = case_id or str(uuid.uuid4())
    request = supervision_pb2.RaiseAttentionRequest(
        item_key=f"{workflow_id(case_id)}:{n}",
        case_id=case_id,
        workflow_id=workflow_id(case_id),
        step="propose_triage",
        reason=REFUSED,
        error="FAILED_PRECONDITION: the case is closed",
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
        site=SITE,
        region=REGION,
        waiting=waiting,
        failing_since=timestamp(FAILING_SINCE),
    )
    for name, value in changes.items():
        setattr(request, name, value)
    return request


def _resolve(item_id: str, decision: int = SKIP, by: str = "sup.rangi", **changes: Any) -> Any:
    request = supervision_pb2.ResolveAttentionRequest(
        idempotency_key=f"attention-{uuid.uuid4()}",
        item_id=item_id,
        decided_by=by,
        decision=cast(Any, decision),
        note="The school confirmed the address.",
    )
    for name, value in changes.items():
        setattr(request, name, value)
    return request


async def _fetch(platform: Platform, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(platform.database_url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def _items(platform: Platform, key: str | None = None) -> int:
    """How many items have `key` (every item when None)."""
    rows = await _fetch(
        platform, "SELECT count(*) AS n FROM supervision.attention WHERE $1::text IS NULL OR item_key = $1", key
    )
    return int(rows[0]["n"])


async def _actions(platform: Platform, key: str) -> list[str]:
    rows = await _fetch(platform, "SELECT action FROM supervision.actions WHERE idempotency_key = $1", key)
    return [r["action"] for r in rows]


def _raised_count(step: str, reason: str) -> float:
    """`kahu.attention.raised` so far for (step, reason)."""
    data = METRICS.get_metrics_data()
    labels = {"kahu.step": step, "kahu.reason": reason}
    total = 0.0
    for resource in data.resource_metrics if data is not None else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == "kahu.attention.raised":
                    for point in metric.data.data_points:
                        if dict(point.attributes or {}) == labels:
                            total += float(getattr(point, "value", 0))
    return total


async def _open(stub: Any, **filters: Any) -> list[supervision_pb2.AttentionItem]:
    page = await stub.ListQueue(supervision_pb2.ListQueueRequest(page_size=500, **filters))
    return list(page.attention)


def _person(
    subject: str, role: str, sites: frozenset[str] = frozenset(), regions: frozenset[str] = frozenset()
) -> Principal:
    return Principal(subject=subject, roles=frozenset({role}), sites=sites, regions=regions)


# -- raising -------------------------------------------------------------------------------


async def test_an_item_is_raised_once_however_often_retried(platform: Platform) -> None:
    request = _item(step="attention_test_once")
    before = _raised_count("attention_test_once", "REFUSED")

    responses = await asyncio.gather(*(platform.supervision.RaiseAttention(request) for _ in range(8)))

    assert len({r.item_id for r in responses}) == 1
    assert sorted(r.created for r in responses) == [False] * 7 + [True]
    assert await _items(platform, request.item_key) == 1
    assert _raised_count("attention_test_once", "REFUSED") - before == 1

    (shown,) = [i for i in await _open(platform.supervision, site=SITE) if i.item_id == responses[0].item_id]
    assert (shown.case_id, shown.conference_id, shown.workflow_id, shown.step) == (
        request.case_id,
        "",
        request.workflow_id,
        "attention_test_once",
    )
    assert (shown.reason, shown.error, shown.trace_id, shown.site, shown.region, shown.waiting) == (
        REFUSED,
        "FAILED_PRECONDITION: the case is closed",
        "4bf92f3577b34da6a3ce929d0e0e4736",
        SITE,
        REGION,
        False,
    )
    assert from_timestamp(shown.failing_since) == FAILING_SINCE
    assert shown.resolved_by == "" and shown.decision == supervision_pb2.ATTENTION_DECISION_UNSPECIFIED


async def test_items_of_an_assessment_and_of_a_conference(platform: Platform) -> None:
    case_id, conference_id = str(uuid.uuid4()), str(uuid.uuid4())
    assessment = _item(case_id, workflow_id=assessment_workflow_id(case_id), item_key=f"case-{case_id}-assessment:1")
    by_itself = _item(
        conference_id=conference_id,
        workflow_id=conference_workflow_id(conference_id),
        item_key=f"{conference_workflow_id(conference_id)}:1",
        reason=supervision_pb2.ATTENTION_REASON_STILL_FAILING,
    )
    by_itself.case_id = ""  # a conference no case started
    started_by_case = str(uuid.uuid4())
    with_its_case = _item(
        case_id,
        conference_id=started_by_case,
        workflow_id=conference_workflow_id(started_by_case),
        item_key=f"{conference_workflow_id(started_by_case)}:1",
        step="send_invitations",
    )

    raised = [await platform.supervision.RaiseAttention(r) for r in (assessment, by_itself, with_its_case)]

    assert all(r.created for r in raised)
    listed = {i.item_id: i for i in await _open(platform.supervision, site=SITE)}
    assert (listed[raised[0].item_id].case_id, listed[raised[0].item_id].conference_id) == (case_id, "")
    assert (listed[raised[1].item_id].case_id, listed[raised[1].item_id].conference_id) == ("", conference_id)
    assert listed[raised[1].item_id].reason == supervision_pb2.ATTENTION_REASON_STILL_FAILING
    assert (listed[raised[2].item_id].case_id, listed[raised[2].item_id].conference_id) == (case_id, started_by_case)


def _bad(change: Callable[[supervision_pb2.RaiseAttentionRequest], None], *fields: str) -> object:
    return pytest.param(change, set(fields), id="+".join(fields))


BAD_ITEMS = [
    _bad(lambda r: setattr(r, "item_key", ""), "item_key"),
    _bad(lambda r: setattr(r, "item_key", "has a space:1"), "item_key"),
    _bad(lambda r: setattr(r, "item_key", "k" * 201), "item_key"),
    _bad(lambda r: setattr(r, "case_id", "nope"), "case_id"),
    _bad(lambda r: setattr(r, "case_id", ""), "case_id"),
    _bad(lambda r: setattr(r, "workflow_id", "case-someone-else"), "workflow_id"),
    _bad(lambda r: setattr(r, "conference_id", str(uuid.uuid4())), "workflow_id"),
    _bad(lambda r: setattr(r, "conference_id", "nope"), "conference_id"),
    _bad(lambda r: setattr(r, "step", ""), "step"),
    _bad(lambda r: setattr(r, "step", "s" * 101), "step"),
    _bad(lambda r: setattr(r, "reason", 0), "reason"),
    _bad(lambda r: setattr(r, "reason", cast(Any, 9)), "reason"),
    _bad(lambda r: setattr(r, "error", "e" * 1001), "error"),
    _bad(lambda r: setattr(r, "trace_id", "t" * 65), "trace_id"),
    _bad(lambda r: setattr(r, "site", "atlantis"), "site"),
    _bad(lambda r: setattr(r, "region", "canterbury"), "region"),
    _bad(lambda r: r.ClearField("failing_since"), "failing_since"),
    _bad(
        lambda r: r.MergeFrom(supervision_pb2.RaiseAttentionRequest(item_key="a b", step="s" * 101, site="atlantis")),
        "item_key",
        "step",
        "site",
    ),
]


@pytest.mark.parametrize(("change", "fields"), BAD_ITEMS)
async def test_a_bad_item_names_every_bad_field_and_stores_nothing(
    platform: Platform, change: Callable[[supervision_pb2.RaiseAttentionRequest], None], fields: set[str]
) -> None:
    request = _item()
    change(request)
    before = await _items(platform)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.supervision.RaiseAttention(request)

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(raised.value)} == fields
    assert await _items(platform) == before


async def test_only_the_worker_raises_items(platform: Platform) -> None:
    supervisor = await platform.as_(_person("sup.rangi", "supervisor", sites=frozenset({SITE})))
    request = _item()
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await supervisor.supervision.RaiseAttention(request)
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert await _items(platform, request.item_key) == 0


# -- the queue -----------------------------------------------------------------------------


async def test_the_queue_shows_open_items_within_the_callers_scope(platform: Platform) -> None:
    here = await platform.supervision.RaiseAttention(_item())
    there = await platform.supervision.RaiseAttention(_item(site=ELSEWHERE, region=ELSEWHERE_REGION))
    supervisor = await platform.as_(_person("sup.rangi", "supervisor", sites=frozenset({SITE})))
    manager = await platform.as_(_person("rm.aroha", "regional_manager", regions=frozenset({REGION})))

    for caller in (supervisor, manager):
        listed = await _open(caller.supervision)
        assert here.item_id in {i.item_id for i in listed} and there.item_id not in {i.item_id for i in listed}
        assert {i.region for i in listed} == {REGION}
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await _open(caller.supervision, site=ELSEWHERE)
        assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED

    at_site = await _open(platform.supervision, site=SITE)
    assert here.item_id in {i.item_id for i in at_site} and {i.site for i in at_site} == {SITE}
    in_region = await _open(platform.supervision, region=ELSEWHERE_REGION)
    assert there.item_id in {i.item_id for i in in_region} and here.item_id not in {i.item_id for i in in_region}


async def test_the_queue_lists_items_oldest_first_on_its_first_page_only(platform: Platform) -> None:
    raised = [(await platform.supervision.RaiseAttention(_item())).item_id for _ in range(3)]
    for _ in range(3):  # escalations at the site, so the queue has a second page
        await platform.supervision.RaiseEscalation(factories.escalation_request(str(uuid.uuid4()), SITE, REGION))

    everything = await _open(platform.supervision, site=SITE)
    listed = [i.item_id for i in everything]
    assert [i for i in listed if i in raised] == raised
    times = [(i.raised_at.seconds, i.raised_at.nanos) for i in everything]
    assert times == sorted(times)

    first = await platform.supervision.ListQueue(supervision_pb2.ListQueueRequest(site=SITE, page_size=2))
    assert [i.item_id for i in first.attention] == listed[:2]
    assert first.next_page_token
    second = await platform.supervision.ListQueue(
        supervision_pb2.ListQueueRequest(site=SITE, page_size=2, page_token=first.next_page_token)
    )
    assert second.items and not second.attention  # escalations go on; the items are the first page's


# -- resolving an item no workflow waits on ------------------------------------------------


async def test_skip_closes_an_item_once_and_a_retry_replays(platform: Platform) -> None:
    item_id = (await platform.supervision.RaiseAttention(_item())).item_id
    request = _resolve(item_id, SKIP, "sup.rangi")

    first = await platform.supervision.ResolveAttention(request)
    again = await platform.supervision.ResolveAttention(request)

    assert (first.item.item_id, first.item.decision, first.item.resolved_by, first.replayed) == (
        item_id,
        SKIP,
        "sup.rangi",
        False,
    )
    assert again.replayed and again.item == first.item
    assert item_id not in {i.item_id for i in await _open(platform.supervision, site=SITE)}
    assert await _actions(platform, request.idempotency_key) == ["supervision.resolve_attention"]

    # another supervisor's SKIP finds it closed: the first decision stands
    later = await platform.supervision.ResolveAttention(_resolve(item_id, SKIP, "sup.tama"))
    assert (later.item.resolved_by, later.replayed) == ("sup.rangi", False)
    # a reused key with another request is refused
    reused = _resolve(item_id, SKIP, "sup.rangi", idempotency_key=request.idempotency_key, note="Other words.")
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.supervision.ResolveAttention(reused)
    assert raised.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_retry_does_not_apply_to_an_item_no_workflow_waits_on(platform: Platform) -> None:
    item_id = (await platform.supervision.RaiseAttention(_item())).item_id
    request = _resolve(item_id, RETRY)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.supervision.ResolveAttention(request)

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(raised.value)] == ["decision"]
    assert item_id in {i.item_id for i in await _open(platform.supervision, site=SITE)}
    assert await _actions(platform, request.idempotency_key) == []


async def test_a_bad_resolution_names_every_bad_field(platform: Platform) -> None:
    request = supervision_pb2.ResolveAttentionRequest(
        idempotency_key="short", item_id="nope", decided_by="", decision=cast(Any, 0), note="\u202eevil"
    )
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.supervision.ResolveAttention(request)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(raised.value)} == {
        "idempotency_key",
        "item_id",
        "decided_by",
        "decision",
        "note",
    }


async def test_only_supervisors_in_scope_resolve_and_unknown_items_tell_nothing(platform: Platform) -> None:
    item_id = (await platform.supervision.RaiseAttention(_item(site=ELSEWHERE, region=ELSEWHERE_REGION))).item_id
    supervisor = await platform.as_(_person("sup.rangi", "supervisor", sites=frozenset({SITE})))

    answers = []
    for target in (item_id, str(uuid.uuid4())):  # another site's item; no item at all
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await supervisor.supervision.ResolveAttention(_resolve(target, SKIP, "sup.rangi"))
        answers.append((raised.value.code(), raised.value.details()))
    assert answers[0] == answers[1] == (grpc.StatusCode.PERMISSION_DENIED, "not permitted for this case")

    with pytest.raises(grpc.aio.AioRpcError) as raised:  # staff act as themselves
        await supervisor.supervision.ResolveAttention(_resolve(item_id, SKIP, "sup.someone.else"))
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert item_id in {i.item_id for i in await _open(platform.supervision, site=ELSEWHERE)}


# -- resolving an item a workflow waits on -------------------------------------------------


@dataclasses.dataclass
class ProbeView:
    waiting: list[str]
    answers: list[AttentionAnswer]


@workflow.defn(name="AttentionProbe")
class AttentionProbe:
    """Waits for a supervisor's decision on each of `keys`, then answers with the decisions."""

    @workflow.init
    def __init__(self, keys: list[str]) -> None:
        self._waiting = list(keys)
        self._answers: list[AttentionAnswer] = []

    @workflow.run
    async def run(self, keys: list[str]) -> list[AttentionAnswer]:
        await workflow.wait_condition(lambda: not self._waiting)
        return self._answers

    @workflow.update
    def decide_attention(self, answer: AttentionAnswer) -> ProbeView:
        self._waiting.remove(answer.item_key)
        self._answers.append(answer)
        return ProbeView(list(self._waiting), list(self._answers))

    @decide_attention.validator
    def _waits_on(self, answer: AttentionAnswer) -> None:
        if answer.item_key not in self._waiting:
            raise Rejected("the workflow is not waiting for a decision on this item")


@pytest.fixture
async def probe_queue(platform: Platform) -> AsyncIterator[str]:
    """A task queue of the platform's Temporal server on which AttentionProbe runs."""
    task_queue = f"attention-{uuid.uuid4()}"
    async with Worker(
        platform.temporal,
        task_queue=task_queue,
        workflows=[AttentionProbe],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        yield task_queue


async def test_a_decision_on_a_waiting_item_reaches_its_workflow(platform: Platform, probe_queue: str) -> None:
    case_id = str(uuid.uuid4())
    keys = [f"{workflow_id(case_id)}:{n}" for n in (1, 2)]
    handle = await platform.temporal.start_workflow(
        AttentionProbe.run, keys, id=workflow_id(case_id), task_queue=probe_queue
    )
    first, second, unknown = [
        (await platform.supervision.RaiseAttention(_item(case_id, n=n, waiting=True))).item_id for n in (1, 2, 3)
    ]

    retry = _resolve(first, RETRY, "sup.rangi")
    decided = await platform.supervision.ResolveAttention(retry)
    assert (decided.item.decision, decided.item.resolved_by, decided.item.waiting, decided.replayed) == (
        RETRY,
        "sup.rangi",
        True,
        False,
    )
    again = await platform.supervision.ResolveAttention(retry)
    assert again.replayed and again.item == decided.item

    # decided already, otherwise: refused, and nothing is sent
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.supervision.ResolveAttention(_resolve(first, SKIP, "sup.tama"))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "already resolved: RETRY by sup.rangi" in (raised.value.details() or "")

    # the workflow refuses an item it does not wait on: the item stays open, no action is kept
    refused = _resolve(unknown, SKIP, "sup.rangi")
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.supervision.ResolveAttention(refused)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "not waiting for a decision on this item" in (raised.value.details() or "")
    assert unknown in {i.item_id for i in await _open(platform.supervision, site=SITE)}
    assert await _actions(platform, refused.idempotency_key) == []

    await platform.supervision.ResolveAttention(_resolve(second, SKIP, "sup.tama", note=""))

    assert await finished(handle) == [
        AttentionAnswer(keys[0], AttentionDecision.RETRY, "sup.rangi", "The school confirmed the address."),
        AttentionAnswer(keys[1], AttentionDecision.SKIP, "sup.tama", ""),
    ]
    open_ids = {i.item_id for i in await _open(platform.supervision, site=SITE)}
    assert first not in open_ids and second not in open_ids


async def test_a_decision_for_a_workflow_that_does_not_exist_is_not_found(platform: Platform) -> None:
    item_id = (await platform.supervision.RaiseAttention(_item(waiting=True))).item_id
    request = _resolve(item_id, RETRY)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.supervision.ResolveAttention(request)

    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert await _actions(platform, request.idempotency_key) == []
    assert item_id in {i.item_id for i in await _open(platform.supervision, site=SITE)}
