"""The one way a Kahu process connects to Temporal: traced, with Kahu's data converter."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor

from services.common.config import Settings


async def connect_temporal(settings: Settings) -> Client:
    """Connect to the configured namespace; workflow starts and runs are traced."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        interceptors=[TracingInterceptor()],
    )
