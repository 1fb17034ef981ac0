"""Metrics: every gRPC call counted and timed by method and status code, escalations and
reports counted once however often they are retried, labels never a case; the Temporal
SDK's metrics and ours reach an OTLP endpoint when one is configured."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from aiohttp import web

from kahu.v1 import intake_pb2
from services.common import temporal as temporal_module
from services.common.config import Settings
from services.common.metrics import configure_metrics
from services.common.temporal import connect_temporal
from tests import factories
from tests.conftest import METRICS, Platform, free_port
from tests.polling import eventually
from tests.tokens import staff

Series = dict[tuple[str, frozenset[tuple[str, Any]]], float]


def _series() -> Series:
    """Every series recorded so far: (metric, labels) -> its count (histograms) or sum."""
    data = METRICS.get_metrics_data()
    found: Series = {}
    if data is None:
        return found
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    value = getattr(point, "count", None)
                    found[(metric.name, frozenset((point.attributes or {}).items()))] = float(
                        value if value is not None else getattr(point, "value", 0)
                    )
    return found


def _delta(before: Series, after: Series, name: str, **labels: Any) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_every_call_is_counted_by_method_and_status(platform: Platform) -> None:
    case_id = (await platform.intake.SubmitReport(factories.submit_request())).case_id
    elsewhere = await platform.as_(staff("sup.far", roles=frozenset({"supervisor"}), sites=frozenset({"northland"})))
    before = _series()
    await platform.intake.GetCase(intake_pb2.GetCaseRequest(case_id=case_id))
    for stub, request in (
        (elsewhere.intake, intake_pb2.GetCaseRequest(case_id=case_id)),
        (platform.intake, intake_pb2.GetCaseRequest(case_id="not-a-case-id")),
    ):
        with pytest.raises(grpc.aio.AioRpcError):
            await stub.GetCase(request)
    after = _series()

    method = "/kahu.v1.IntakeService/GetCase"
    duration = "kahu.rpc.server.duration"
    for code in ("OK", "PERMISSION_DENIED", "INVALID_ARGUMENT"):
        assert _delta(before, after, duration, **{"rpc.method": method, "rpc.grpc.status_code": code}) == 1, code
    labels = {value for _, attributes in after for _, value in attributes}
    assert case_id not in labels and "sup.far" not in labels, "a label is never a case or a person"


async def test_reports_and_escalations_are_counted_once_however_often_sent(platform: Platform) -> None:
    request = factories.submit_request()
    before = _series()
    first = await platform.intake.SubmitReport(request)
    again = await platform.intake.SubmitReport(request)
    assert again.replayed
    raise_ = factories.escalation_request(first.case_id, tier=2)
    assert (await platform.supervision.RaiseEscalation(raise_)).created
    assert not (await platform.supervision.RaiseEscalation(raise_)).created
    after = _series()

    assert _delta(before, after, "kahu.cases.reports", **{"kahu.outcome": "new_case"}) == 1
    assert _delta(before, after, "kahu.escalations.raised", **{"kahu.kind": "ASSESSMENT", "kahu.tier": 2}) == 1


@pytest.fixture
async def collector() -> AsyncIterator[tuple[str, list[str]]]:
    """An OTLP/HTTP endpoint that keeps the paths it was sent to."""
    received: list[str] = []

    async def accept(request: web.Request) -> web.Response:
        await request.read()
        received.append(request.path)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_route("POST", "/{path:.*}", accept)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        await runner.cleanup()


async def test_metrics_are_exported_over_otlp_when_configured(
    settings: Settings, collector: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint, received = collector
    configured = dataclasses.replace(settings, otel_endpoint=endpoint)
    monkeypatch.setattr(temporal_module, "_RUNTIME", None)  # this test's runtime, exporting
    monkeypatch.setattr(temporal_module, "SDK_METRICS_EVERY", dt.timedelta(seconds=1))
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)  # what the OTLP exporter reads

    provider = configure_metrics("test", configured)  # ours (the global one is the tests')
    provider.get_meter("kahu").create_counter("kahu.test").add(1)
    assert await asyncio.to_thread(provider.force_flush)
    provider.shutdown()
    assert "/v1/metrics" in received

    received.clear()
    client = await connect_temporal(configured, f"metrics-{uuid.uuid4().hex[:6]}")
    async for _ in client.list_workflows(page_size=1):
        break

    async def exported() -> bool:
        return "/v1/metrics" in received

    await eventually(exported)
