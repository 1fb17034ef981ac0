"""Configuration from the environment, with defaults for the embedded stack.

Every process (services, worker, dev stack, CLI) reads its settings here, once, at
start-up; `load()` validates everything and raises `ConfigError` naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
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
    "plan": 50057,
    "worker_health": 50060,
    "codec": 8089,
    # the web console (services/console), HTTP
    "console": 8300,
    # `make run`'s notification sinks (devstack/sinks.py): SMTP, and the signed-webhook receiver
    "smtp_sink": 8025,
    "webhook_sink": 8090,
}


#: The domain services, each its own gRPC server process.
DOMAIN_SERVICES = ("intake", "triage", "assessment", "supervision", "placement", "conference", "plan")


#: The embedded stack's database roles: the owner of the schemas, which applies the
#: migrations, and the role the services work as, which owns nothing (so it can neither
#: drop the audit trail's triggers nor change its tables).
OWNER_ROLE = "postgres"
APP_ROLE = "kahu_app"

#: The access table (roles x RPCs x scope) shipped with the code.
DEFAULT_ACCESS_FILE = Path(__file__).resolve().parents[2] / "policy" / "access.yaml"
#: Where notifications go (services/common/notifications/routing.py), shipped with the code.
DEFAULT_NOTIFICATIONS_FILE = Path(__file__).resolve().parents[2] / "policy" / "notifications.yaml"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class TlsFiles:
    """Certificates for gRPC (and the codec server's HTTPS), PEM files read at start and
    re-read when they change. `ca_file` set: peers must present certificates it signed
    (servers require client certificates; clients verify servers against it)."""

    cert_file: str
    key_file: str
    ca_file: str | None


@dataclass(frozen=True)
class Settings:
    """Validated settings for one process."""

    host: str
    ports: Mapping[str, int]
    temporal_address: str
    temporal_namespace: str
    task_queue: str
    #: The service's own role: reads and writes its tables, appends to its audit trail,
    #: owns nothing (DATABASE_URL).
    database_url: str
    otel_endpoint: str | None
    drain_seconds: float
    drain_notice_seconds: float
    max_message_bytes: int
    state_dir: str
    extra: Mapping[str, str] = field(default_factory=dict)
    #: Where the keys are: `signing/` (jwks.json, signing-key.jwk) and `payload/`
    #: (current, <key id>.key); /etc/kahu/keys on Kubernetes.
    keys_dir: str = ".kahu/keys"
    token_issuer: str = "kahu"
    token_audience: str = "kahu"
    access_file: str = str(DEFAULT_ACCESS_FILE)
    tls: TlsFiles | None = None
    #: Listen in plaintext on an address other than loopback (KAHU_ALLOW_PLAINTEXT).
    allow_plaintext: bool = False
    #: Origins whose pages may call the codec server (the Temporal UI's).
    codec_cors_origins: tuple[str, ...] = ()
    #: The codec server also accepts a token in the path (/t/<token>/decode): for the
    #: development UI, which cannot send one (KAHU_CODEC_PATH_TOKENS).
    codec_path_tokens: bool = False
    #: The role that owns the schemas and applies migrations (DATABASE_OWNER_URL); None:
    #: migrations are applied elsewhere (a Kubernetes init container) or, on a database
    #: with one role, by `database_url`'s role itself.
    database_owner_url: str | None = None
    #: A second, plaintext port that serves grpc.health.v1 alone, for probes that cannot
    #: speak TLS (KAHU_PROBE_PORT); None: none.
    probe_port: int | None = None
    #: The notifications' channels and routes (KAHU_NOTIFICATIONS_FILE).
    notifications_file: str = str(DEFAULT_NOTIFICATIONS_FILE)
    #: The development profile (KAHU_DEV_PROFILE; only `make run` sets it): what exists for
    #: development alone, such as the console's dev sign-in, is on.
    dev_profile: bool = False

    def port(self, part: str) -> int:
        return self.ports[part]

    @property
    def signing_keys_dir(self) -> Path:
        return Path(self.keys_dir) / "signing"

    @property
    def payload_keys_dir(self) -> Path:
        return Path(self.keys_dir) / "payload"

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


def _database_url(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    url = env.get(name) or default
    if url is None:
        return None
    parsed = urlparse(url)
    if parsed.scheme not in ("postgresql", "postgres") or not parsed.hostname or not parsed.path.strip("/"):
        raise ConfigError(f"{name} must look like postgresql://USER@HOST:PORT/DATABASE")
    return url


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name}={env[name]!r} must be true or false")


def _tls(env: Mapping[str, str]) -> TlsFiles | None:
    cert, key, ca = (env.get(f"KAHU_TLS_{part}_FILE") or None for part in ("CERT", "KEY", "CA"))
    if cert is None and key is None:
        if ca is not None:
            raise ConfigError("KAHU_TLS_CA_FILE needs KAHU_TLS_CERT_FILE and KAHU_TLS_KEY_FILE")
        return None
    if cert is None or key is None:
        raise ConfigError("KAHU_TLS_CERT_FILE and KAHU_TLS_KEY_FILE go together")
    for name, path in (("KAHU_TLS_CERT_FILE", cert), ("KAHU_TLS_KEY_FILE", key), ("KAHU_TLS_CA_FILE", ca)):
        if path is not None and not Path(path).is_file():
            raise ConfigError(f"{name}={path!r} is not a readable file")
    return TlsFiles(cert, key, ca)


def _name(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name) or default
    if not 1 <= len(value) <= 200 or any(ch.isspace() for ch in value):
        raise ConfigError(f"{name}={value!r} must be 1-200 characters without spaces")
    return value


def is_loopback(host: str) -> bool:
    """Whether `host` (an IP address or "localhost") is a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    embedded = f"127.0.0.1:{ports['postgres']}/kahu"
    database_url = _database_url(env, "DATABASE_URL", f"postgresql://{APP_ROLE}@{embedded}")
    assert database_url is not None
    owner_default = f"postgresql://{OWNER_ROLE}@{embedded}" if not env.get("DATABASE_URL") else None
    database_owner_url = _database_url(env, "DATABASE_OWNER_URL", owner_default)
    otel = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None
    if otel is not None and urlparse(otel).scheme not in ("http", "https"):
        raise ConfigError(f"OTEL_EXPORTER_OTLP_ENDPOINT={otel!r} must be an http(s) URL")
    max_message_mib = _positive_float(env, "KAHU_MAX_MESSAGE_MIB", 4.0)
    extra = {
        name: _host_port(name, env[name])
        for name in (f"{part.upper()}_ADDRESS" for part in DOMAIN_SERVICES)
        if env.get(name)
    }
    state_dir = env.get("KAHU_STATE_DIR", ".kahu")
    ui_port = ports["temporal_ui"]
    origins = tuple(
        o.strip()
        for o in (env.get("KAHU_CODEC_CORS_ORIGINS") or f"http://127.0.0.1:{ui_port},http://localhost:{ui_port}").split(
            ","
        )
        if o.strip()
    )
    for origin in origins:
        parsed_origin = urlparse(origin)
        if parsed_origin.scheme not in ("http", "https") or not parsed_origin.netloc or parsed_origin.path:
            raise ConfigError(f"KAHU_CODEC_CORS_ORIGINS: {origin!r} is not an origin like https://host[:port]")
    access_file = env.get("KAHU_ACCESS_FILE") or str(DEFAULT_ACCESS_FILE)
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
        state_dir=state_dir,
        extra=extra,
        keys_dir=env.get("KAHU_KEYS_DIR") or str(Path(state_dir) / "keys"),
        token_issuer=_name(env, "KAHU_TOKEN_ISSUER", "kahu"),
        token_audience=_name(env, "KAHU_TOKEN_AUDIENCE", "kahu"),
        access_file=access_file,
        tls=_tls(env),
        allow_plaintext=_flag(env, "KAHU_ALLOW_PLAINTEXT"),
        codec_cors_origins=origins,
        codec_path_tokens=_flag(env, "KAHU_CODEC_PATH_TOKENS"),
        database_owner_url=database_owner_url,
        probe_port=_port(env, "KAHU_PROBE_PORT", 0) or None,
        notifications_file=env.get("KAHU_NOTIFICATIONS_FILE") or str(DEFAULT_NOTIFICATIONS_FILE),
        dev_profile=_flag(env, "KAHU_DEV_PROFILE"),
    )
