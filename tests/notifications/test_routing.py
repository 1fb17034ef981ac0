"""The routing file: the shipped default loads; a bad file stops start-up naming the place;
routes pick a site's channel before its region's and the role's default."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from services.common.config import DEFAULT_NOTIFICATIONS_FILE, ConfigError, load
from services.common.notifications.routing import Email, Webhook, load_routing

SECRET = "a-development-secret-of-32-bytes"


def _keys(tmp_path: Path) -> Path:
    keys = tmp_path / "keys"
    (keys / "notifications").mkdir(parents=True)
    (keys / "notifications" / "police-webhook.secret").write_text(SECRET + "\n")
    return keys


def _load(tmp_path: Path, data: object, env: dict[str, str] | None = None):
    path = tmp_path / "notifications.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    settings = load({"KAHU_NOTIFICATIONS_FILE": str(path), "KAHU_KEYS_DIR": str(_keys(tmp_path))})
    return load_routing(settings, env or {})


def _default() -> dict:
    return yaml.safe_load(DEFAULT_NOTIFICATIONS_FILE.read_text(encoding="utf-8"))


def test_the_shipped_file_routes_to_the_dev_stacks_sinks(tmp_path: Path) -> None:
    routing = _load(tmp_path, DEFAULT_NOTIFICATIONS_FILE.read_text(encoding="utf-8"))
    police = routing.channels["police"]
    assert isinstance(police, Webhook)
    assert police.url == "http://127.0.0.1:8090/police"
    assert police.secret == SECRET.encode()
    supervisors = routing.channels["site-supervisors"]
    assert isinstance(supervisors, Email) and (supervisors.host, supervisors.port) == ("127.0.0.1", 8025)
    assert routing.police == ("police",)
    assert routing.attention == ("ops",)
    assert routing.escalation_channels("site_supervisor", "hutt", "greater-wellington") == ("site-supervisors",)
    assert routing.escalation_channels("regional_manager", "hutt", "greater-wellington") == ("regional-managers",)
    assert routing.escalation_channels("coordinator_manager", "hutt", "greater-wellington") == (
        "youth-justice-managers",
    )
    assert routing.link_to("case-1") == "http://127.0.0.1:8233/namespaces/default/workflows/case-1"
    assert (routing.delivery.attempts, routing.delivery.timeout) == (8, 10.0)


def test_ports_and_secrets_come_from_the_environment(tmp_path: Path) -> None:
    data = _default()
    data["channels"]["police"] = {"kind": "webhook", "url": data["channels"]["police"]["url"], "secret_env": "HOOK"}
    env = {"WEBHOOK_SINK_PORT": "18090", "SMTP_SINK_PORT": "18025", "HOOK": "from-the-environment-0123"}
    routing = _load(tmp_path, data, env)
    police = routing.channels["police"]
    assert isinstance(police, Webhook)
    assert (police.url, police.secret) == ("http://127.0.0.1:18090/police", b"from-the-environment-0123")
    ops = routing.channels["ops"]
    assert isinstance(ops, Email) and ops.port == 18025
    assert "from-the-environment" not in repr(routing)  # a secret is never printed


def test_a_site_s_channels_come_before_its_region_s_and_the_default(tmp_path: Path) -> None:
    data = _default()
    data["routes"]["escalations"]["site_manager"] = {
        "default": "site-managers",
        "sites": {"hutt": ["ops", "police"]},
        "regions": {"greater-wellington": "regional-managers"},
    }
    routing = _load(tmp_path, data)
    assert routing.escalation_channels("site_manager", "hutt", "greater-wellington") == ("ops", "police")
    assert routing.escalation_channels("site_manager", "wellington", "greater-wellington") == ("regional-managers",)
    assert routing.escalation_channels("site_manager", "canterbury", "canterbury") == ("site-managers",)


def test_retries_double_from_the_first_up_to_the_most(tmp_path: Path) -> None:
    delivery = _load(tmp_path, _default()).delivery
    assert [delivery.retry_after(n) for n in range(1, 10)] == [2, 4, 8, 16, 32, 64, 128, 256, 300]


def _broken(change: object, message: str) -> object:
    return pytest.param(change, message, id=message)


def _set(path: str, value: object):
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[key]
        if value is None:
            del data[last]
        else:
            data[last] = value

    return change


BROKEN = [
    _broken(_set("version", 2), "version: must be 1"),
    _broken(_set("routes.police", "nobody"), "routes.police: names no channel"),
    _broken(_set("routes.escalations.site_manager", None), "routes.escalations.site_manager: missing"),
    _broken(_set("routes.escalations.site_boss", {"default": "ops"}), "routes.escalations.site_boss: unknown key"),
    _broken(
        _set("routes.escalations.site_manager", {"default": "ops", "sites": {"atlantis": "ops"}}),
        "routes.escalations.site_manager.sites.atlantis: unknown key",
    ),
    _broken(
        _set("channels.police.url", "http://police.example/hook"),
        "channels.police.url: must be https:// (plain http only to a loopback address)",
    ),
    _broken(_set("channels.police.secret_file", "nowhere.secret"), "channels.police.secret_file: cannot read"),
    _broken(_set("channels.police.secret_file", None), "channels.police: needs secret_file or secret_env"),
    _broken(_set("channels.ops.port", "${NO_SUCH_PORT}"), "channels.ops.port: names ${NO_SUCH_PORT}, which is not set"),
    _broken(_set("channels.ops.to", ["not an address"]), "channels.ops.to[0]: must be an email address"),
    _broken(_set("channels.ops.kind", "pigeon"), "channels.ops.kind: must be webhook or email"),
    _broken(_set("channels.Ops", {"kind": "email"}), "channels.Ops: a channel's name is"),
    _broken(_set("link", "https://kahu.example/cases/{case_id}"), "link: must be an http(s) URL with {workflow_id}"),
    _broken(
        _set("link", "https://kahu.example/{workflow_id}?child={name}"),
        "link: may fill in {workflow_id} only",
    ),
    _broken(_set("delivery.attempts", 0), "delivery.attempts: must be a whole number, 1-100"),
    _broken(_set("delivery.timeout", {"minutes": 5}), "delivery.timeout: must be at most 60 seconds"),
    _broken(_set("delivery.max_retry", {"seconds": 1}), "delivery.max_retry: must be at least delivery.first_retry"),
]


@pytest.mark.parametrize(("change", "message"), BROKEN)
def test_a_bad_file_names_the_place(tmp_path: Path, change, message: str) -> None:
    data = _default()
    change(data)
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, data)
    assert str(raised.value).startswith(f"{tmp_path / 'notifications.yaml'}: ")
    assert message in str(raised.value)


def test_a_repeated_key_or_bad_yaml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="line 3 column 1: duplicate key 'version'"):
        _load(tmp_path, "version: 1\nlink: x\nversion: 1\n")
    with pytest.raises(ConfigError, match="cannot read"):
        load_routing(load({"KAHU_NOTIFICATIONS_FILE": str(tmp_path / "missing.yaml")}), {})
