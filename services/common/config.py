"""Configuration from the environment, with defaults for the embedded stack.

Every process (services, worker, dev stack, CLI) reads its settings here, once, at
start-up; `load()` validates everything and raises `ConfigError` naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

#: Default port of each part of the platform, overridable by `<NAME>_PORT`.
DEFAULT_PORTS: dict[str, int] = {
    "temporal": 7233,
    "temporal_ui": 8233,
    "postgres": 55432,
    "intake": 50051,
    "triage": 50052,
    "assessment": 50053,
    "supervision": 50054,
    "placement": 50055,
    "conference": 50056,
    "worker_health": 50060,
}


#: The domain services, each its own gRPC server process.
DOMAIN_SERVICES = ("intake", "triage", "assessment", "supervision", "placement", "conference")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Validated settings for one process."""

    host: str
    ports: Mapping[str, int]
    temporal_address: str
    temporal_namespace: str
    task_queue: str
    database_url: str
    otel_endpoint: str | None
    drain_seconds: float
    drain_notice_seconds: float
    max_message_bytes: int
    state_dir: str
    extra: Mapping[str, str] = field(default_factory=dict)

    def port(self, part: str) -> int:
        return self.ports[part]

    def address(self, service: str) -> str:
        """Address at which a domain service is reached (`<SERVICE>_ADDRESS` overrides)."""
        override = self.extra.get(f"{service.upper()}_ADDRESS")
        return override or f"{self.host}:{self.ports[service]}"


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise ConfigError(f"{name}={raw!r} is outside 1..65535")
    return value


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be positive")
    return value


def _host_port(name: str, value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConfigError(f"{name}={value!r} is not HOST:PORT")
    return value


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate settings from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    host = env.get("KAHU_HOST", "127.0.0.1")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            raise ConfigError(f"KAHU_HOST={host!r} is not an IP address") from None
    ports = {part: _port(env, f"{part.upper()}_PORT", default) for part, default in DEFAULT_PORTS.items()}
    temporal_address = _host_port("TEMPORAL_ADDRESS", env.get("TEMPORAL_ADDRESS") or f"127.0.0.1:{ports['temporal']}")
    database_url = env.get("DATABASE_URL") or f"postgresql://postgres@127.0.0.1:{ports['postgres']}/kahu"
    parsed = urlparse(database_url)
    if parsed.scheme not in ("postgresql", "postgres") or not parsed.hostname or not parsed.path.strip("/"):
        raise ConfigError("DATABASE_URL must look like postgresql://USER@HOST:PORT/DATABASE")
    otel = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None
    if otel is not None and urlparse(otel).scheme not in ("http", "https"):
        raise ConfigError(f"OTEL_EXPORTER_OTLP_ENDPOINT={otel!r} must be an http(s) URL")
    max_message_mib = _positive_float(env, "KAHU_MAX_MESSAGE_MIB", 4.0)
    extra = {
        name: _host_port(name, env[name])
        for name in (f"{part.upper()}_ADDRESS" for part in DOMAIN_SERVICES)
        if env.get(name)
    }
    return Settings(
        host=host,
        ports=ports,
        temporal_address=temporal_address,
        temporal_namespace=env.get("TEMPORAL_NAMESPACE", "default"),
        task_queue=env.get("KAHU_TASK_QUEUE", "kahu-cases"),
        database_url=database_url,
        otel_endpoint=otel,
        drain_seconds=_positive_float(env, "KAHU_DRAIN_SECONDS", 10.0),
        drain_notice_seconds=_positive_float(env, "KAHU_DRAIN_NOTICE_SECONDS", 1.0),
        max_message_bytes=int(max_message_mib * 1024 * 1024),
        state_dir=env.get("KAHU_STATE_DIR", ".kahu"),
        extra=extra,
    )
