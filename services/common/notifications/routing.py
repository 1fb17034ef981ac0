"""Where notifications go: the routing file (`KAHU_NOTIFICATIONS_FILE`, else
`policy/notifications.yaml`), read and strictly validated when triage and supervision
start; a bad file raises `ConfigError` naming the file and the place in it.

The file names channels (a signed webhook, or email over SMTP) and routes: Police's channel
(immediate danger), the channel of each escalation tier's role (a site's or region's own
before the role's default), the channel of "needs attention" items (ops), the link a
notification carries, and how deliveries are retried. String values may name environment
variables, `${NAME}` or `${NAME:-default}` (the dev stack's ports); secrets come from files
(below `KAHU_KEYS_DIR` unless absolute) or the environment, never from the file itself.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from services.common.config import ConfigError, Settings, is_loopback
from services.common.sites import load_sites, regions
from workflows.conference.model import COORDINATOR_MANAGER
from workflows.policy.loader import ROLES, read_yaml
from workflows.policy.model import PLAN_ROLES

VERSION = 1
#: Every role an escalation can go to (the policy's tiers, and a conference's coordinator's manager).
ESCALATION_ROLES = (*ROLES, COORDINATOR_MANAGER)
#: The roles a child's plan escalates to (policy `plans`); routed where the file routes them
#: (a file from before plans does not: their escalations then go to `attention`).
OPTIONAL_ESCALATION_ROLES = PLAN_ROLES
CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_ADDRESS = re.compile(r"[^@\s<>,]+@[^@\s<>,]+")
_VARIABLE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}")
_SECONDS_PER = {"seconds": 1, "minutes": 60, "hours": 3600}
#: The shortest secret a webhook may be signed with.
MIN_SECRET_BYTES = 16
MAX_TIMEOUT = 60.0


@dataclass(frozen=True)
class Webhook:
    """A signed HTTPS webhook (plain HTTP only to loopback: the dev stack's receiver)."""

    name: str
    url: str
    secret: bytes = field(repr=False)
    #: Certificates to verify the receiver with (PEM), instead of the system's.
    ca_file: str | None = None


@dataclass(frozen=True)
class Email:
    """Email over SMTP, with STARTTLS (required unless the server is on loopback)."""

    name: str
    host: str
    port: int
    sender: str
    to: tuple[str, ...]
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None


Channel = Webhook | Email


@dataclass(frozen=True)
class RoleRoute:
    """Where one escalation role's notifications go: the site's channels, else the
    region's, else the default."""

    default: tuple[str, ...]
    sites: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    regions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def channels(self, site: str, region: str) -> tuple[str, ...]:
        return self.sites.get(site) or self.regions.get(region) or self.default


@dataclass(frozen=True)
class Delivery:
    """How a delivery is tried: `attempts` tries in all, waiting `first_retry` seconds
    after the first failure, twice as long after each further one, at most `max_retry`;
    each try bounded by `timeout` seconds."""

    attempts: int
    first_retry: float
    max_retry: float
    timeout: float

    def retry_after(self, failures: int) -> float:
        """Seconds to wait after the `failures`-th failed try."""
        return float(min(self.max_retry, self.first_retry * 2 ** max(0, failures - 1)))


@dataclass(frozen=True)
class Routing:
    channels: Mapping[str, Channel]
    police: tuple[str, ...]
    attention: tuple[str, ...]
    escalations: Mapping[str, RoleRoute]
    #: A link to what a notification is about, `{workflow_id}` filled in.
    link: str
    delivery: Delivery
    source: str = ""

    def escalation_channels(self, role: str, site: str, region: str) -> tuple[str, ...]:
        route = self.escalations.get(role)
        # every role is routed (validated); one unknown here goes to ops rather than nowhere
        return route.channels(site, region) if route is not None else self.attention

    def link_to(self, workflow_id: str) -> str:
        return self.link.replace("{workflow_id}", workflow_id)


class _Invalid(Exception):
    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)


def load_routing(settings: Settings, env: Mapping[str, str] | None = None) -> Routing:
    """Read and validate `settings.notifications_file`; secrets from `settings.keys_dir` or `env`."""
    env = os.environ if env is None else env
    path = Path(settings.notifications_file)
    data = read_yaml(path, ConfigError)
    try:
        return _routing(_Reader(env, Path(settings.keys_dir)), data, str(path))
    except _Invalid as exc:
        raise ConfigError(f"{path}: {exc}") from exc


@dataclass(frozen=True)
class _Reader:
    env: Mapping[str, str]
    keys_dir: Path

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise _Invalid(where, "must be non-empty text")

        def substitute(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            found = self.env.get(name)
            if found:
                return found
            if default is None:
                raise _Invalid(where, f"names ${{{name}}}, which is not set (give a default: ${{{name}:-...}})")
            return default

        return _VARIABLE.sub(substitute, value)

    def secret(self, entry: Mapping[str, Any], where: str, name: str) -> str | None:
        """The secret `entry` names by `<name>_file` or `<name>_env` (exactly one), or None."""
        file_key, env_key = f"{name}_file", f"{name}_env"
        if file_key in entry and env_key in entry:
            raise _Invalid(where, f"give {file_key} or {env_key}, not both")
        if file_key in entry:
            path = Path(self.text(entry[file_key], f"{where}.{file_key}"))
            path = path if path.is_absolute() else self.keys_dir / path
            try:
                value = path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise _Invalid(f"{where}.{file_key}", f"cannot read {path}: {exc.strerror or exc}") from None
            if not value:
                raise _Invalid(f"{where}.{file_key}", f"{path} is empty")
            return value
        if env_key in entry:
            variable = self.text(entry[env_key], f"{where}.{env_key}")
            value = self.env.get(variable, "").strip()
            if not value:
                raise _Invalid(f"{where}.{env_key}", f"the environment variable {variable} is not set")
            return value
        return None


def _mapping(value: object, where: str, required: Collection[str], optional: Collection[str] = ()) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(where, "must be a mapping")
    allowed = [*required, *optional]
    for key in value:
        if key not in allowed:
            place = f"{where}.{key}" if where else str(key)
            raise _Invalid(place, f"unknown key (expected one of {', '.join(allowed)})")
    for key in required:
        if key not in value:
            raise _Invalid(f"{where}.{key}" if where else key, "missing")
    return value


def _seconds(value: object, where: str) -> float:
    if not isinstance(value, dict) or len(value) != 1:
        raise _Invalid(where, "must be one duration, {UNIT: N} with UNIT one of seconds/minutes/hours")
    ((unit, amount),) = value.items()
    if unit not in _SECONDS_PER:
        raise _Invalid(where, "must be one of seconds/minutes/hours")
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
        raise _Invalid(f"{where}.{unit}", "must be a positive number")
    return float(amount) * _SECONDS_PER[unit]


def _file(reader: _Reader, value: object, where: str) -> str:
    path = reader.text(value, where)
    if not Path(path).is_file():
        raise _Invalid(where, f"{path} is not a readable file")
    return path


def _channel(reader: _Reader, name: str, value: object, where: str) -> Channel:
    if not CHANNEL_NAME.fullmatch(name):
        raise _Invalid(where, "a channel's name is 1-63 lower-case letters, digits and -")
    kind = value.get("kind") if isinstance(value, dict) else None
    if kind == "webhook":
        entry = _mapping(value, where, ["kind", "url"], ["secret_file", "secret_env", "ca_file"])
        url = reader.text(entry["url"], f"{where}.url")
        parsed = urlparse(url)
        if parsed.scheme not in ("https", "http") or not parsed.hostname:
            raise _Invalid(f"{where}.url", "must be an https:// URL")
        if parsed.scheme == "http" and not is_loopback(parsed.hostname):
            raise _Invalid(f"{where}.url", "must be https:// (plain http only to a loopback address)")
        secret = reader.secret(entry, where, "secret")
        if secret is None:
            raise _Invalid(where, "needs secret_file or secret_env (the HMAC key deliveries are signed with)")
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise _Invalid(where, f"its secret must be at least {MIN_SECRET_BYTES} bytes")
        ca = _file(reader, entry["ca_file"], f"{where}.ca_file") if "ca_file" in entry else None
        return Webhook(name, url, secret.encode(), ca)
    if kind == "email":
        entry = _mapping(
            value,
            where,
            ["kind", "host", "port", "from", "to"],
            ["username", "password_file", "password_env", "ca_file"],
        )
        port = entry["port"]
        port_text = str(port) if isinstance(port, int) else reader.text(port, f"{where}.port")
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise _Invalid(f"{where}.port", "must be a port number, 1-65535")
        sender = reader.text(entry["from"], f"{where}.from")
        if not _ADDRESS.fullmatch(sender):
            raise _Invalid(f"{where}.from", "must be an email address")
        recipients = entry["to"] if isinstance(entry["to"], list) else [entry["to"]]
        to = tuple(reader.text(item, f"{where}.to[{i}]") for i, item in enumerate(recipients))
        for i, address in enumerate(to):
            if not _ADDRESS.fullmatch(address):
                raise _Invalid(f"{where}.to[{i}]", "must be an email address")
        if not to:
            raise _Invalid(f"{where}.to", "must name at least one address")
        username = reader.text(entry["username"], f"{where}.username") if "username" in entry else None
        password = reader.secret(entry, where, "password")
        if (username is None) != (password is None):
            raise _Invalid(where, "username and password_file (or password_env) go together")
        ca = _file(reader, entry["ca_file"], f"{where}.ca_file") if "ca_file" in entry else None
        host = reader.text(entry["host"], f"{where}.host")
        return Email(name, host, int(port_text), sender, to, username, password, ca)
    raise _Invalid(f"{where}.kind", "must be webhook or email")


def _route(value: object, where: str, channels: Mapping[str, Channel]) -> tuple[str, ...]:
    names = value if isinstance(value, list) else [value]
    if not names:
        raise _Invalid(where, "must name a channel")
    for i, name in enumerate(names):
        if name not in channels:
            place = where if len(names) == 1 and not isinstance(value, list) else f"{where}[{i}]"
            raise _Invalid(place, f"names no channel (channels: {', '.join(channels)})")
    if len(set(names)) != len(names):
        raise _Invalid(where, "names the same channel twice")
    return tuple(names)


def _role_route(value: object, where: str, channels: Mapping[str, Channel]) -> RoleRoute:
    entry = _mapping(value, where, ["default"], ["sites", "regions"])
    sites, known_regions = load_sites(), regions()
    by_site = _mapping(entry.get("sites", {}), f"{where}.sites", [], sorted(sites))
    by_region = _mapping(entry.get("regions", {}), f"{where}.regions", [], sorted(known_regions))
    return RoleRoute(
        default=_route(entry["default"], f"{where}.default", channels),
        sites={site: _route(v, f"{where}.sites.{site}", channels) for site, v in by_site.items()},
        regions={region: _route(v, f"{where}.regions.{region}", channels) for region, v in by_region.items()},
    )


def _routing(reader: _Reader, data: object, source: str) -> Routing:
    top = _mapping(data, "", ["version", "channels", "routes", "link", "delivery"])
    if top["version"] != VERSION or isinstance(top["version"], bool):
        raise _Invalid("version", f"must be {VERSION} (the version this Kahu reads)")
    raw_channels = top["channels"]
    if not isinstance(raw_channels, dict) or not raw_channels:
        raise _Invalid("channels", "must be a mapping of at least one channel")
    channels = {str(name): _channel(reader, str(name), v, f"channels.{name}") for name, v in raw_channels.items()}
    routes = _mapping(top["routes"], "routes", ["police", "escalations", "attention"])
    escalations = _mapping(routes["escalations"], "routes.escalations", ESCALATION_ROLES, OPTIONAL_ESCALATION_ROLES)
    link = reader.text(top["link"], "link")
    parsed = urlparse(link.replace("{workflow_id}", "x"))
    if parsed.scheme not in ("https", "http") or not parsed.hostname or "{workflow_id}" not in link:
        raise _Invalid("link", "must be an http(s) URL with {workflow_id} in it")
    if re.search(r"\{(?!workflow_id\})", link):
        raise _Invalid("link", "may fill in {workflow_id} only (no personal data in a link)")
    delivery = _mapping(top["delivery"], "delivery", ["attempts", "first_retry", "max_retry", "timeout"])
    attempts = delivery["attempts"]
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= 100:
        raise _Invalid("delivery.attempts", "must be a whole number, 1-100")
    first_retry = _seconds(delivery["first_retry"], "delivery.first_retry")
    max_retry = _seconds(delivery["max_retry"], "delivery.max_retry")
    if max_retry < first_retry:
        raise _Invalid("delivery.max_retry", "must be at least delivery.first_retry")
    timeout = _seconds(delivery["timeout"], "delivery.timeout")
    if timeout > MAX_TIMEOUT:
        raise _Invalid("delivery.timeout", f"must be at most {MAX_TIMEOUT:.0f} seconds")
    return Routing(
        channels=channels,
        police=_route(routes["police"], "routes.police", channels),
        attention=_route(routes["attention"], "routes.attention", channels),
        escalations={
            role: _role_route(escalations[role], f"routes.escalations.{role}", channels)
            for role in (*ESCALATION_ROLES, *OPTIONAL_ESCALATION_ROLES)
            if role in escalations
        },
        link=link,
        delivery=Delivery(attempts, first_retry, max_retry, timeout),
        source=source,
    )
