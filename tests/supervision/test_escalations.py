"""SupervisionService's escalations through real gRPC and PostgreSQL: raised exactly once,
resolved, and listed in the supervisors' queue with filters and paging."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, cast

import asyncpg
import grpc
import pytest

from kahu.v1 import common_pb2, supervision_pb2
from services.common.convert import timestamp
from services.common.errors import field_violations
from tests import factories
from tests.conftest import Platform
from workflows.case.model import assessment_workflow_id, workflow_id
from workflows.conference.model import conference_workflow_id

#: Only this module raises escalations at this site, so its queue is this module's to read.
SITE, REGION = "west-coast", "upper-south"


def _escalation(case_id: str | None = None, tier: int = 1, **changes: Any) -> supervision_pb2.RaiseEscalationRequest:
    request = factories.escalation_request(
        case_id or str(uuid.uuid4()), SITE, REGION, tier, dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    )
    for name, value in changes.items():
        setattr(request, name, value)
    return request


async def _rows(platform: Platform, case_id: str | None = None) -> int:
    """How many escalations the case has (all cases' when None)."""
    conn = await asyncpg.connect(platform.database_url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM supervision.escalations WHERE $1::uuid IS NULL OR case_id = $1",
                None if case_id is None else uuid.UUID(case_id),
            )
        )
    finally:
        await conn.close()


async def _queue(platform: Platform, **filters: Any) -> list[supervision_pb2.Escalation]:
    """Every page of the queue, in order."""
    items: list[supervision_pb2.Escalation] = []
    token = ""
    while True:
        page = await platform.supervision.ListQueue(supervision_pb2.ListQueueRequest(page_token=token, **filters))
        items.extend(page.items)
        token = page.next_page_token
        if not token:
            return items


async def test_an_escalation_is_raised_once_however_often_retried(platform: Platform) -> None:
    request = _escalation()

    responses = await asyncio.gather(*(platform.supervision.RaiseEscalation(request) for _ in range(12)))

    assert len({r.escalation_id for r in responses}) == 1
    assert sorted(r.created for r in responses) == [False] * 11 + [True]
    assert await _rows(platform, request.case_id) == 1


async def test_each_tier_and_cycle_is_its_own_escalation(platform: Platform) -> None:
    case_id = str(uuid.uuid4())
    raised = [
        await platform.supervision.RaiseEscalation(_escalation(case_id, tier=1)),
        await platform.supervision.RaiseEscalation(_escalation(case_id, tier=2, role="site_manager")),
        await platform.supervision.RaiseEscalation(_escalation(case_id, tier=1, cycle=2)),
        await platform.supervision.RaiseEscalation(
            _escalation(case_id, tier=1, kind=common_pb2.DEADLINE_KIND_TRIAGE, workflow_id=workflow_id(case_id))
        ),
    ]
    assert all(r.created for r in raised)
    assert len({r.escalation_id for r in raised}) == 4
    assert await _rows(platform, case_id) == 4


async def test_resolving_closes_only_that_kind_and_leaves_the_queue(platform: Platform) -> None:
    case_id = str(uuid.uuid4())
    await platform.supervision.RaiseEscalation(_escalation(case_id, tier=1))
    await platform.supervision.RaiseEscalation(_escalation(case_id, tier=2, role="site_manager"))
    triage = await platform.supervision.RaiseEscalation(
        _escalation(case_id, kind=common_pb2.DEADLINE_KIND_TRIAGE, workflow_id=workflow_id(case_id))
    )

    resolve = supervision_pb2.ResolveEscalationsRequest(case_id=case_id, kind=common_pb2.DEADLINE_KIND_ASSESSMENT)
    assert (await platform.supervision.ResolveEscalations(resolve)).resolved == 2
    assert (await platform.supervision.ResolveEscalations(resolve)).resolved == 0

    open_items = [i for i in await _queue(platform, site=SITE) if i.case_id == case_id]
    assert [i.escalation_id for i in open_items] == [triage.escalation_id]
    everything = [i for i in await _queue(platform, site=SITE, include_resolved=True) if i.case_id == case_id]
    assert sorted((i.kind, i.tier, i.resolved) for i in everything) == [
        (common_pb2.DEADLINE_KIND_TRIAGE, 1, False),
        (common_pb2.DEADLINE_KIND_ASSESSMENT, 1, True),
        (common_pb2.DEADLINE_KIND_ASSESSMENT, 2, True),
    ]


async def test_queue_pages_through_every_item_once_oldest_first(platform: Platform) -> None:
    ids = [(await platform.supervision.RaiseEscalation(_escalation())).escalation_id for _ in range(5)]

    for size in (1, 2, 3, 500):
        items = await _queue(platform, site=SITE, page_size=size)
        listed = [i.escalation_id for i in items]
        assert len(listed) == len(set(listed))
        assert [i for i in listed if i in ids] == ids
        raised = [(i.raised_at.seconds, i.raised_at.nanos) for i in items]
        assert raised == sorted(raised)


async def test_queue_filters_by_site_region_and_tier(platform: Platform) -> None:
    case_id = str(uuid.uuid4())
    tier1 = await platform.supervision.RaiseEscalation(_escalation(case_id, tier=1))
    tier2 = await platform.supervision.RaiseEscalation(_escalation(case_id, tier=2, role="site_manager"))
    elsewhere = await platform.supervision.RaiseEscalation(
        _escalation(tier=3, role="regional_manager", site="canterbury", region="canterbury")
    )

    def ids(items: list[supervision_pb2.Escalation]) -> set[str]:
        return {i.escalation_id for i in items}

    at_site = ids(await _queue(platform, site=SITE))
    assert {tier1.escalation_id, tier2.escalation_id} <= at_site
    assert elsewhere.escalation_id not in at_site
    in_region = ids(await _queue(platform, region=REGION))
    assert {tier1.escalation_id, tier2.escalation_id} <= in_region
    assert elsewhere.escalation_id not in in_region
    high = await _queue(platform, min_tier=2)
    assert {tier2.escalation_id, elsewhere.escalation_id} <= ids(high)
    assert tier1.escalation_id not in ids(high)
    assert all(i.tier >= 2 for i in high)

    item = next(i for i in await _queue(platform, site=SITE) if i.escalation_id == tier2.escalation_id)
    assert (item.case_id, item.tier, item.role, item.site, item.region) == (
        case_id,
        2,
        "site_manager",
        SITE,
        REGION,
    )
    assert item.workflow_id == assessment_workflow_id(case_id)
    assert item.acknowledged_by == "" and not item.resolved


async def test_the_queue_filters_by_age_and_counts_only_what_it_lists(platform: Platform) -> None:
    old, new = [(await platform.supervision.RaiseEscalation(_escalation())).escalation_id for _ in range(2)]
    conn = await asyncpg.connect(platform.database_url)
    try:
        await conn.execute(
            "UPDATE supervision.escalations SET raised_at = now() - interval '2 days' WHERE escalation_id = $1",
            uuid.UUID(old),
        )
        two_days = int(
            await conn.fetchval(
                "SELECT count(*) FROM supervision.escalations"
                " WHERE site = $1 AND resolved_at IS NULL AND raised_at <= now() - interval '1 day'",
                SITE,
            )
        )
    finally:
        await conn.close()

    aged = await platform.supervision.ListQueue(
        supervision_pb2.ListQueueRequest(site=SITE, older_than_seconds=86400, page_size=500, due_within_seconds=3600)
    )
    listed = {i.escalation_id for i in aged.items}
    assert old in listed and new not in listed
    assert sum(c.count for c in aged.tier_counts) == two_days
    assert not aged.due_soon  # an age filter lists escalations only
    everything = {i.escalation_id for i in await _queue(platform, site=SITE)}
    assert {old, new} <= everything


async def test_a_page_token_only_continues_its_own_listing(platform: Platform) -> None:
    for _ in range(2):
        await platform.supervision.RaiseEscalation(_escalation())
    first = await platform.supervision.ListQueue(supervision_pb2.ListQueueRequest(site=SITE, page_size=1))
    assert first.next_page_token

    for request in (
        supervision_pb2.ListQueueRequest(site="canterbury", page_size=1, page_token=first.next_page_token),
        supervision_pb2.ListQueueRequest(site=SITE, page_size=1, page_token="not-a-token"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await platform.supervision.ListQueue(request)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [v.field for v in field_violations(raised.value)] == ["page_token"]


def _raise(change: Callable[[supervision_pb2.RaiseEscalationRequest], None], field: str) -> object:
    return pytest.param(change, field, id=field)


BAD_ESCALATIONS = [
    _raise(lambda r: setattr(r, "case_id", "nope"), "case_id"),
    _raise(lambda r: setattr(r, "workflow_id", "case-someone-else"), "workflow_id"),
    _raise(lambda r: setattr(r, "kind", 0), "kind"),
    _raise(lambda r: setattr(r, "kind", cast(Any, 99)), "kind"),
    _raise(lambda r: setattr(r, "cycle", 0), "cycle"),
    _raise(lambda r: setattr(r, "tier", 0), "tier"),
    _raise(lambda r: setattr(r, "role", "janitor"), "role"),
    _raise(lambda r: setattr(r, "site", "atlantis"), "site"),
    _raise(lambda r: setattr(r, "region", "canterbury"), "region"),
    _raise(lambda r: r.ClearField("due_at"), "due_at"),
    _raise(lambda r: setattr(r, "conference_id", str(uuid.uuid4())), "conference_id"),
    _raise(lambda r: setattr(r, "level", supervision_pb2.ESCALATION_LEVEL_WARNING), "level"),
    _raise(lambda r: setattr(r, "kind", common_pb2.DEADLINE_KIND_CONVENING), "conference_id"),
    _raise(lambda r: setattr(r, "assignee", "not a staff id!"), "assignee"),
]


def _conference_escalation(conference_id: str, **changes: Any) -> supervision_pb2.RaiseEscalationRequest:
    return _escalation(
        str(uuid.uuid4()),
        kind=common_pb2.DEADLINE_KIND_CONVENING,
        conference_id=conference_id,
        workflow_id=conference_workflow_id(conference_id),
        role="coordinator_manager",
        assignee="mgr.1",
        **changes,
    )


async def test_a_conference_clock_escalates_once_per_cycle_tier_and_level(platform: Platform) -> None:
    conference_id = str(uuid.uuid4())
    warning = _conference_escalation(conference_id, tier=0, level=supervision_pb2.ESCALATION_LEVEL_WARNING)
    no_slot = _conference_escalation(conference_id, tier=0, level=supervision_pb2.ESCALATION_LEVEL_NO_SLOT)
    breach = _conference_escalation(conference_id, tier=1)
    answers = [await platform.supervision.RaiseEscalation(r) for r in (warning, no_slot, breach, warning, breach)]
    assert [a.created for a in answers] == [True, True, True, False, False]
    assert answers[3].escalation_id == answers[0].escalation_id
    case_kind = _escalation(warning.case_id)  # the conference's case: its own deadlines are apart
    assert (await platform.supervision.RaiseEscalation(case_kind)).created

    listed = [i for i in await _queue(platform, site=SITE) if i.conference_id == conference_id]
    assert sorted((i.level, i.tier) for i in listed) == [
        (supervision_pb2.ESCALATION_LEVEL_BREACH, 1),
        (supervision_pb2.ESCALATION_LEVEL_WARNING, 0),
        (supervision_pb2.ESCALATION_LEVEL_NO_SLOT, 0),
    ]
    resolve = supervision_pb2.ResolveEscalationsRequest(
        conference_id=conference_id,
        kind=common_pb2.DEADLINE_KIND_CONVENING,
        level=supervision_pb2.ESCALATION_LEVEL_NO_SLOT,
    )
    assert (await platform.supervision.ResolveEscalations(resolve)).resolved == 1
    left = [i for i in await _queue(platform, site=SITE) if i.conference_id == conference_id]
    assert sorted(i.level for i in left) == [
        supervision_pb2.ESCALATION_LEVEL_BREACH,
        supervision_pb2.ESCALATION_LEVEL_WARNING,
    ]
    own = [i for i in await _queue(platform, site=SITE) if i.case_id == warning.case_id and not i.conference_id]
    assert [i.kind for i in own] == [common_pb2.DEADLINE_KIND_ASSESSMENT]


@pytest.mark.parametrize(("change", "field"), BAD_ESCALATIONS)
async def test_bad_escalation_names_the_field_and_stores_nothing(
    platform: Platform, change: Callable[[supervision_pb2.RaiseEscalationRequest], None], field: str
) -> None:
    request = _escalation()
    change(request)
    before = await _rows(platform)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.supervision.RaiseEscalation(request)

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in {v.field for v in field_violations(raised.value)}
    assert await _rows(platform) == before


@pytest.mark.parametrize(
    ("request_", "fields"),
    [
        (supervision_pb2.ListQueueRequest(site="atlantis"), {"site"}),
        (supervision_pb2.ListQueueRequest(region="mordor"), {"region"}),
        (supervision_pb2.ListQueueRequest(site="hutt", region="canterbury"), {"region"}),
        (supervision_pb2.ListQueueRequest(min_tier=11, page_size=501), {"min_tier", "page_size"}),
        (supervision_pb2.ListQueueRequest(due_within_seconds=10**8), {"due_within_seconds"}),
        (supervision_pb2.ListQueueRequest(older_than_seconds=400 * 86400), {"older_than_seconds"}),
    ],
)
async def test_bad_queue_filters_are_named(
    platform: Platform, request_: supervision_pb2.ListQueueRequest, fields: set[str]
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.supervision.ListQueue(request_)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(raised.value)} == fields


async def test_acknowledging_an_unknown_escalation_tells_nothing(platform: Platform) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.supervision.Acknowledge(
            supervision_pb2.AcknowledgeRequest(
                idempotency_key=f"ack-{uuid.uuid4()}", escalation_id=str(uuid.uuid4()), acknowledged_by="sup.1"
            )
        )
    # the answer a supervisor gets for another site's escalation: existence is not leaked
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert raised.value.details() == "not permitted for this case"


async def test_extension_must_be_in_the_future(platform: Platform) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await platform.supervision.ExtendDeadline(
            supervision_pb2.ExtendDeadlineRequest(
                idempotency_key=f"extend-{uuid.uuid4()}",
                case_id=str(uuid.uuid4()),
                kind=common_pb2.DEADLINE_KIND_ASSESSMENT,
                due_at=timestamp(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)),
                extended_by="sup.1",
                reason="",
                reason_code="TOO_BUSY",
            )
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(raised.value)} == {"due_at", "reason", "reason_code"}
    (code,) = [v for v in field_violations(raised.value) if v.field == "reason_code"]
    assert "CHILD_NOT_LOCATED" in code.description  # the policy's reasons, named
