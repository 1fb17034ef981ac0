"""The web console with a real caseload, beside the bare calls its pages make.

On the dev stack (`make run`'s, the console among its parts):

1. 10,000 open escalations at one site, in supervision's schema (in SQL, as the owner), and
   a case with 500 timeline entries (recorded through IntakeService.RecordCaseEvents, as the
   worker records them);
2. one call at a time, a supervisor signed in to the console (its dev sign-in) loads the
   escalation queue of that site (its first page, the oldest 50) and the case's
   page, each beside the bare call the page makes with the same token (`ListQueue` with
   the page's request; `GetCase`): p95 of the server time of each page (its Server-Timing
   header: rendering included, the network not) and of the round trip, and of the bare
   calls; target: the page's p95 within 1.5 x the call's, and under 150 ms.

`python -m bench console` runs it alone (`make bench` runs it among the others) and writes
bench/results/console.json.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
import uuid

import asyncpg
import httpx

from bench.results import Comparison, Report, summary_ms
from bench.stack import Stack, running_stack
from kahu.v1 import common_pb2, intake_pb2, intake_pb2_grpc, supervision_pb2, supervision_pb2_grpc
from services.common.channels import aio_channel
from services.common.convert import timestamp
from services.common.identity import Principal, Signer, StaticToken
from services.common.sites import load_sites
from services.console.pages.queue import PAGE_SIZE
from workflows.case.model import placement_workflow_id

ESCALATIONS = 10_000
TIMELINE = 500
CALLS = 200
WARM_UP = 30
SITE = "wellington"
SUPERVISOR = "sup.bench"
RATIO_TARGET = 1.5
P95_TARGET_MS = 150.0

ESCALATE = """
INSERT INTO supervision.escalations (escalation_id, case_id, workflow_id, kind, cycle, tier, role, site, region,
    due_at, raised_at, raise_at, level)
SELECT gen_random_uuid(), id, 'case-' || id, 'ASSESSMENT', 1, 1 + (n % 3),
    (ARRAY['site_supervisor', 'site_manager', 'regional_manager'])[1 + (n % 3)], $1, $2,
    $3::timestamptz - make_interval(mins => n), $3::timestamptz - make_interval(mins => n),
    $3::timestamptz - make_interval(mins => n), 'BREACH'
FROM (SELECT gen_random_uuid() AS id, n FROM generate_series(1, $4) AS n) AS cases
"""


def _token(stack: Stack, principal: Principal) -> str:
    settings = stack.settings
    signer = Signer.from_dir(settings.signing_keys_dir)
    return signer.mint(principal, issuer=settings.token_issuer, audience=settings.token_audience, ttl=3600)


async def _caseload(stack: Stack, now: dt.datetime) -> str:
    """The escalations and the case with a long timeline; the case's id."""
    settings = stack.settings
    conn = await asyncpg.connect(settings.database_owner_url or settings.database_url)
    try:
        await conn.execute(ESCALATE, SITE, load_sites()[SITE].region, now, ESCALATIONS)
        await conn.execute("ANALYZE supervision.escalations")
    finally:
        await conn.close()
    reporter = Principal("bench.reporter", frozenset({"intake_social_worker"}), sites=frozenset({SITE}), dev=True)
    workload = Principal("workload:bench", frozenset({"workload"}))
    report = common_pb2.Report(
        reporter=common_pb2.Reporter(kind=common_pb2.REPORTER_KIND_PROFESSIONAL, name="Bench", contact="04 000 0000"),
        site=SITE,
        children=[common_pb2.Child(name=f"Bench Child {uuid.uuid4().hex[:6]}", age_years=7)],
        concerns=[common_pb2.CONCERN_CATEGORY_NEGLECT],
        risk_reason="A benchmark's case.",
    )
    async with aio_channel(settings.address("intake"), settings, StaticToken(_token(stack, reporter))) as channel:
        opened = await intake_pb2_grpc.IntakeServiceStub(channel).SubmitReport(
            intake_pb2.SubmitReportRequest(idempotency_key=f"bench-{uuid.uuid4()}", report=report)
        )
    workflow_id = placement_workflow_id(opened.case_id)  # a workflow of the case that records nothing else
    events = [
        intake_pb2.CaseEvent(
            event_id=f"{workflow_id}:{n}",
            entry=common_pb2.TimelineEntry(
                at=timestamp(now - dt.timedelta(minutes=TIMELINE - n)),
                actor="sw.bench",
                action="note.recorded",
                detail=f"entry {n} of the benchmark's timeline",
            ),
        )
        for n in range(TIMELINE)
    ]
    async with aio_channel(settings.address("intake"), settings, StaticToken(_token(stack, workload))) as channel:
        await intake_pb2_grpc.IntakeServiceStub(channel).RecordCaseEvents(
            intake_pb2.RecordCaseEventsRequest(case_id=opened.case_id, workflow_id=workflow_id, events=events)
        )
    return str(opened.case_id)


def _server_ms(response: httpx.Response) -> float:
    match = re.search(r"app;dur=([0-9.]+)", response.headers.get("server-timing", ""))
    assert match is not None and response.status_code == 200, f"{response.status_code}: {response.text[:300]}"
    return float(match.group(1)) / 1000


async def _measure(stack: Stack, case_id: str) -> dict[str, list[float]]:
    settings = stack.settings
    supervisor = Principal(SUPERVISOR, frozenset({"supervisor"}), sites=frozenset({SITE}), dev=True)
    queue_request = supervision_pb2.ListQueueRequest(site=SITE, page_size=PAGE_SIZE, due_within_seconds=4 * 3600)
    samples: dict[str, list[float]] = {k: [] for k in ("queue", "queue_rtt", "list", "case", "case_rtt", "get")}
    url = f"http://{settings.host}:{settings.port('console')}"
    token = StaticToken(_token(stack, supervisor))
    async with (
        httpx.AsyncClient(base_url=url, timeout=30) as console,
        aio_channel(settings.address("supervision"), settings, token, traced=False) as supervision_channel,
        aio_channel(settings.address("intake"), settings, token, traced=False) as intake_channel,
    ):
        form = await console.get("/sign-in")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', form.text)
        assert csrf is not None and key is not None
        fields = {"csrf_token": csrf[1], "idempotency_key": key[1], "role": "supervisor", "site": SITE}
        signed_in = await console.post("/sign-in/dev", data={**fields, "staff_id": SUPERVISOR})
        assert signed_in.status_code == 303, signed_in.text
        supervision = supervision_pb2_grpc.SupervisionServiceStub(supervision_channel)
        intake = intake_pb2_grpc.IntakeServiceStub(intake_channel)
        for i in range(WARM_UP + CALLS):
            started = time.perf_counter()
            page = await console.get("/queue", params={"site": SITE})
            queue_rtt = time.perf_counter() - started
            started = time.perf_counter()
            listed = await supervision.ListQueue(queue_request)
            bare_list = time.perf_counter() - started
            started = time.perf_counter()
            shown = await console.get(f"/cases/{case_id}")
            case_rtt = time.perf_counter() - started
            started = time.perf_counter()
            record = await intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id))
            bare_get = time.perf_counter() - started
            if i >= WARM_UP:
                assert len(listed.items) == PAGE_SIZE and len(record.timeline) >= TIMELINE
                samples["queue"].append(_server_ms(page))
                samples["queue_rtt"].append(queue_rtt)
                samples["list"].append(bare_list)
                samples["case"].append(_server_ms(shown))
                samples["case_rtt"].append(case_rtt)
                samples["get"].append(bare_get)
    return samples


async def run(stack: Stack) -> Report:
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    case_id = await _caseload(stack, now)
    loaded = time.perf_counter() - started
    samples = await _measure(stack, case_id)
    ms = {name: summary_ms(values) for name, values in samples.items()}
    return Report(
        benchmark="console",
        parameters={"escalations": ESCALATIONS, "timeline": TIMELINE, "calls": CALLS, "queue_page": PAGE_SIZE},
        comparisons=[
            Comparison(
                "queue page p95 / ListQueue p95", ms["queue"]["p95_ms"], ms["list"]["p95_ms"], "ms", RATIO_TARGET, False
            ),
            Comparison("queue page p95 / 150 ms", ms["queue"]["p95_ms"], P95_TARGET_MS, "ms", 1.0, False),
            Comparison(
                "case page p95 / GetCase p95", ms["case"]["p95_ms"], ms["get"]["p95_ms"], "ms", RATIO_TARGET, False
            ),
            Comparison("case page p95 / 150 ms", ms["case"]["p95_ms"], P95_TARGET_MS, "ms", 1.0, False),
        ],
        figures={
            "loaded_seconds": round(loaded, 1),
            "queue_page_server": ms["queue"],
            "queue_page_round_trip": ms["queue_rtt"],
            "list_queue": ms["list"],
            "case_page_server": ms["case"],
            "case_page_round_trip": ms["case_rtt"],
            "get_case": ms["get"],
        },
    )


async def main() -> Report:
    async with running_stack() as stack:
        return await run(stack)


if __name__ == "__main__":
    report = asyncio.run(main())
    report.print()
    print(f"  written to {report.write()}")
