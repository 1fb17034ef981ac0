"""OpenTelemetry metrics: one meter provider per process, OTLP export when configured.

Labels are few and bounded, and never personal: RPC method names, gRPC status codes, the
kinds and tiers of escalations, and the steps (activities) that need attention. No case id,
site of a person, name or text is ever a label (a label's every value is a separate series,
and series outlive cases).

- `kahu.rpc.server.duration` (histogram, s): every gRPC call a Kahu server answers, by
  `rpc.method` and `rpc.grpc.status_code`; its count is the call rate, refusals included.
- `kahu.escalations.raised` (counter): escalations newly raised, by `kahu.kind` and
  `kahu.tier` (the supervision queue's and the conference service's).
- `kahu.cases.reports` (counter): reports accepted, by `kahu.outcome` (`new_case` or
  `additional_information`; a retried report is not counted again).
- `kahu.attention.raised` (counter): steps that need a person newly raised on the
  supervisors' queue (workflows/attention.py), by `kahu.step` (the activity's name) and
  `kahu.reason` (`REFUSED`, or `STILL_FAILING`); a retried raise is not counted again.
- `kahu.attention.told` (counter, the worker's): the same steps as the worker starts to
  tell supervision of them, counted even while supervision is down: the alert on steps
  that need a person watches this one.

The worker's Temporal metrics (task latencies, slots, polls, by workflow and activity
type) come from the Temporal SDK itself (services/common/temporal.py).
"""

from __future__ import annotations

from typing import Any

import grpc
from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, Resource

from services.common.config import Settings

_METER = metrics.get_meter("kahu")
RPC_DURATION = _METER.create_histogram(
    "kahu.rpc.server.duration", unit="s", description="gRPC calls answered, by method and status code"
)
ESCALATIONS = _METER.create_counter(
    "kahu.escalations.raised", unit="{escalation}", description="escalations newly raised, by kind and tier"
)
REPORTS = _METER.create_counter(
    "kahu.cases.reports", unit="{report}", description="reports of concern accepted, by outcome"
)
ATTENTION_TOLD = _METER.create_counter(
    "kahu.attention.told", unit="{item}", description="steps that need a person, as the worker tells of them"
)
ATTENTION = _METER.create_counter(
    "kahu.attention.raised", unit="{item}", description="steps that need a person newly raised, by step and reason"
)


#: SLA reporting's gauges (services/intake/reporting.py), by figure: kahu.sla.<figure>.
_SLA: dict[str, Any] = {}  # synchronous gauges (the API names their type privately)


def record_sla(figure: str, value: float, labels: dict[str, str]) -> None:
    """One SLA figure of a site, region and timeframe (labels: those alone, never a case)."""
    gauge = _SLA.get(figure)
    if gauge is None:
        gauge = _SLA[figure] = _METER.create_gauge(f"kahu.sla.{figure}", description=f"SLA reporting: {figure}")
    gauge.set(value, labels)


def record_rpc(method: str, code: grpc.StatusCode, seconds: float) -> None:
    RPC_DURATION.record(seconds, {"rpc.method": method, "rpc.grpc.status_code": code.name})


def record_escalation(kind: str, tier: int | str) -> None:
    """An escalation newly raised: a deadline's kind and its tier (or a conference
    deadline's level)."""
    ESCALATIONS.add(1, {"kahu.kind": kind, "kahu.tier": tier})


def record_attention_told(step: str, reason: str) -> None:
    """The worker starts telling supervision of a step that needs a person."""
    ATTENTION_TOLD.add(1, {"kahu.step": step, "kahu.reason": reason})


def record_attention(step: str, reason: str) -> None:
    """A step that needs a person newly raised: the step (an activity's name) and why."""
    ATTENTION.add(1, {"kahu.step": step, "kahu.reason": reason})


def record_report(additional_information: bool) -> None:
    REPORTS.add(1, {"kahu.outcome": "additional_information" if additional_information else "new_case"})


def configure_metrics(service_name: str, settings: Settings, *readers: MetricReader) -> MeterProvider:
    """Install the global meter provider for this process: metrics go over OTLP/HTTP when
    OTEL_EXPORTER_OTLP_ENDPOINT is set (every 30 s), and to `readers` (tests)."""
    all_readers = list(readers)
    if settings.otel_endpoint:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        all_readers.append(PeriodicExportingMetricReader(OTLPMetricExporter(), export_interval_millis=30_000))
    provider = MeterProvider(
        metric_readers=all_readers, resource=Resource.create({SERVICE_NAME: f"kahu-{service_name}"})
    )
    metrics.set_meter_provider(provider)
    return provider
