"""The one way a Kahu process connects to Temporal: traced, every payload encrypted
(services/common/codec.py), and as a workload identity of its own.

The process signs itself a short-lived `workload:<name>` token (services/common/identity.py)
and sends it as the Temporal API key (`authorization: Bearer …`), renewed before it
expires; its `permissions` claim is in the form Temporal's JWT claim mapper reads
(`<namespace>:write`, `<namespace>:worker` for the worker), so a Temporal cluster that
verifies Kahu's JWKS can authorise each process. The dev server ignores it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import weakref
from datetime import timedelta

from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.runtime import OpenTelemetryConfig, Runtime, TelemetryConfig

from services.common.codec import EncryptionCodec, data_converter
from services.common.config import Settings
from services.common.identity import Signer, WorkloadTokens

log = logging.getLogger(__name__)

_RENEWALS: set[asyncio.Task[None]] = set()
_RUNTIME: Runtime | None = None
#: How often the SDK's metrics are sent (as often as the services' own).
SDK_METRICS_EVERY = timedelta(seconds=30)


def workload_tokens(settings: Settings, name: str, **extra: object) -> WorkloadTokens:
    """This process's own identity, signed with its signing key."""
    return WorkloadTokens(
        Signer.from_dir(settings.signing_keys_dir),
        settings.token_issuer,
        settings.token_audience,
        name,
        extra=dict(extra),
    )


async def _renew(client_ref: weakref.ref[Client], tokens: WorkloadTokens) -> None:
    while True:
        await asyncio.sleep(tokens.ttl / 3)
        client = client_ref()
        if client is None:
            return
        client.api_key = tokens.current()
        del client


def sdk_runtime(settings: Settings) -> Runtime | None:
    """The Temporal SDK's runtime of this process when metrics are exported: it sends the
    SDK's own metrics (workflow and activity task latencies, slots, polls; labelled by
    namespace, task queue and workflow or activity type, never by a case) over OTLP/HTTP
    to OTEL_EXPORTER_OTLP_ENDPOINT. None: the default runtime, without metrics."""
    global _RUNTIME
    if settings.otel_endpoint is None:
        return None
    if _RUNTIME is None:
        url = f"{settings.otel_endpoint.rstrip('/')}/v1/metrics"
        metrics = OpenTelemetryConfig(
            url=url, http=True, durations_as_seconds=True, metric_periodicity=SDK_METRICS_EVERY
        )
        _RUNTIME = Runtime(telemetry=TelemetryConfig(metrics=metrics, metric_prefix="temporal_"))
    return _RUNTIME


#: A process that needs Temporal at once (the worker) tries this many times, backing off
#: from CONNECT_PAUSE to CONNECT_PAUSE_MAX seconds (about a minute in all), then gives up
#: (and its supervisor restarts it).
CONNECT_ATTEMPTS = 8
CONNECT_PAUSE = 1.0
CONNECT_PAUSE_MAX = 10.0


async def connect_temporal(
    settings: Settings, name: str = "kahu", *, worker: bool = False, lazy: bool = False
) -> Client:
    """Connect to the configured namespace as `workload:<name>`; starts and runs are traced
    and every payload is encrypted with the payload keys. `lazy` (the services) connects on
    the first call, so a service starts, and answers UNAVAILABLE, while Temporal is down."""
    codec = EncryptionCodec.from_dir(settings.payload_keys_dir)
    role = "worker" if worker else "write"
    tokens = workload_tokens(settings, name, permissions=[f"{settings.temporal_namespace}:{role}"])
    pause = CONNECT_PAUSE
    for attempt in range(1, CONNECT_ATTEMPTS + 1):
        try:
            client = await Client.connect(
                settings.temporal_address,
                namespace=settings.temporal_namespace,
                interceptors=[TracingInterceptor()],
                data_converter=data_converter(codec),
                api_key=tokens.current(),
                tls=False,  # Temporal's frontend as deployed (the dev server, the cluster's) is plaintext
                identity=f"kahu-{name}@{socket.gethostname()}",
                runtime=sdk_runtime(settings),
                lazy=lazy,
            )
            break
        except RuntimeError as error:  # the SDK's "Failed client connect" (a lazy connect never raises)
            if attempt == CONNECT_ATTEMPTS:
                raise
            log.warning(
                "Temporal at %s not reachable (%s); retrying in %.0f s", settings.temporal_address, error, pause
            )
            await asyncio.sleep(pause)
            pause = min(pause * 2, CONNECT_PAUSE_MAX)
    task = asyncio.get_running_loop().create_task(_renew(weakref.ref(client), tokens))
    _RENEWALS.add(task)
    task.add_done_callback(_RENEWALS.discard)
    return client


async def stop_renewals() -> None:
    """Stop renewing every client's token (at the end of a process or a test session)."""
    for task in list(_RENEWALS):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
