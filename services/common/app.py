"""Process entry points: one for every domain service and the worker."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import AsyncExitStack

from services.common.access import AccessError
from services.common.config import ConfigError, Settings, load
from services.common.logs import configure_logging
from services.common.metrics import configure_metrics
from services.common.server import GrpcServer, Service, run_until_signalled
from services.common.tracing import configure_tracing
from workflows.policy.loader import PolicyError

Build = Callable[[Settings, AsyncExitStack], Awaitable[Sequence[Service]]]
log = logging.getLogger(__name__)
SUPERVISOR_PID = "KAHU_SUPERVISOR_PID"
"""Set by `make run` (devstack) to its PID: the processes it starts stop when it dies."""


async def serve(name: str, build: Build, settings: Settings) -> None:
    """Build the service's resources, serve until signalled, then drain and release them."""
    async with AsyncExitStack() as stack:
        services = await build(settings, stack)
        server = GrpcServer(services, host=settings.host, port=settings.port(name), settings=settings)
        port = await server.start()
        log.info("serving on %s:%d", settings.host, port)
        await run_until_signalled(server.stop)


def run_process(name: str, main: Callable[[Settings], Coroutine[None, None, None]]) -> None:
    """Load settings, set up logging and tracing, and run `main`; exit 2 on bad configuration."""
    _stop_with_supervisor()
    try:
        settings = load()
    except ConfigError as err:
        print(f"kahu-{name}: {err}", file=sys.stderr)
        sys.exit(2)
    configure_logging(name)
    provider = configure_tracing(name, settings)
    meters = configure_metrics(name, settings)
    try:
        asyncio.run(main(settings))
    except (PolicyError, AccessError, ConfigError) as err:
        print(f"kahu-{name}: {err}", file=sys.stderr)
        sys.exit(2)
    finally:
        meters.shutdown()
        provider.shutdown()
    # Stopped cleanly: skip interpreter teardown, where Temporal's runtime threads can
    # abort the process (temporalio/sdk-python#300) and turn a clean stop into SIGABRT.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _stop_with_supervisor(interval: float = 0.5) -> None:
    """Under `make run`, stop gracefully (SIGTERM to ourselves) once the supervisor is gone,
    even killed by SIGKILL: then it is no longer our parent."""
    supervisor = os.environ.pop(SUPERVISOR_PID, "")  # not for our own children
    if not supervisor.isdigit():
        return

    def watch() -> None:
        while os.getppid() == int(supervisor):
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()


def run_service(name: str, build: Build) -> None:
    """Run `build`'s services as the `name` process."""
    run_process(name, lambda settings: serve(name, build, settings))
