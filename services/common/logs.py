"""Process logging: one line per event, with the trace id; never request contents."""

from __future__ import annotations

import logging
import os

from services.common.tracing import current_trace_id


class _TraceIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.trace_id = current_trace_id()
        return True


def configure_logging(service_name: str) -> None:
    """Log to stderr as `time level service trace=<id> logger: message`."""
    handler = logging.StreamHandler()
    handler.addFilter(_TraceIdFilter())
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s %(levelname)s {service_name} trace=%(trace_id)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("KAHU_LOG_LEVEL", "INFO").upper())
