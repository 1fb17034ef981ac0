"""OpenTelemetry set-up: one tracer provider per process, OTLP export when configured."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from services.common.config import Settings


def configure_tracing(service_name: str, settings: Settings) -> TracerProvider:
    """Install the global tracer provider for this process and instrument asyncpg.

    Spans are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set; other
    OTEL_* variables are honoured by the exporter itself.
    """
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: f"kahu-{service_name}"}))
    if settings.otel_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    instrument_asyncpg()
    return provider


def instrument_asyncpg() -> None:
    """Emit a span per SQL statement; statement parameters are never recorded."""
    instrumentor = AsyncPGInstrumentor(capture_parameters=False)
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


def current_trace_id() -> str:
    """The current trace id as 32 hex digits, or "-" outside a trace."""
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else "-"
