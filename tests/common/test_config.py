from __future__ import annotations

import pytest

from services.common.config import ConfigError, load


def test_defaults_describe_the_embedded_stack() -> None:
    settings = load({})
    assert settings.ports == {  # the README's table of ports
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
        "console": 8300,
        "smtp_sink": 8025,
        "webhook_sink": 8090,
    }
    assert settings.temporal_address == "127.0.0.1:7233"
    assert settings.database_url == "postgresql://kahu_app@127.0.0.1:55432/kahu"
    assert settings.database_owner_url == "postgresql://postgres@127.0.0.1:55432/kahu"
    assert settings.probe_port is None
    assert settings.address("intake") == "127.0.0.1:50051"
    assert settings.otel_endpoint is None
    assert settings.dev_profile is False  # only `make run` turns it on
    assert load({"KAHU_DEV_PROFILE": "true"}).dev_profile is True


def test_overrides_flow_into_derived_addresses() -> None:
    settings = load({"TEMPORAL_PORT": "17233", "POSTGRES_PORT": "15432", "INTAKE_ADDRESS": "intake:443"})
    assert settings.temporal_address == "127.0.0.1:17233"
    assert settings.database_url.endswith(":15432/kahu")
    assert settings.address("intake") == "intake:443"


def test_a_database_of_ones_own_has_no_owner_role_unless_named() -> None:
    own = "postgresql://me@db.example:5432/kahu"
    assert load({"DATABASE_URL": own}).database_owner_url is None
    owner = "postgresql://owner@db.example:5432/kahu"
    assert load({"DATABASE_URL": own, "DATABASE_OWNER_URL": owner}).database_owner_url == owner


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"INTAKE_PORT": "http"}, "INTAKE_PORT"),
        ({"TRIAGE_PORT": "70000"}, "TRIAGE_PORT"),
        ({"TEMPORAL_ADDRESS": "nohost"}, "TEMPORAL_ADDRESS"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"DATABASE_OWNER_URL": "postgresql://owner@host"}, "DATABASE_OWNER_URL"),
        ({"KAHU_PROBE_PORT": "0"}, "KAHU_PROBE_PORT"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, "OTEL_EXPORTER_OTLP_ENDPOINT"),
        ({"KAHU_DRAIN_SECONDS": "-1"}, "KAHU_DRAIN_SECONDS"),
        ({"KAHU_HOST": "not a host"}, "KAHU_HOST"),
        ({"PLACEMENT_ADDRESS": "placement"}, "PLACEMENT_ADDRESS"),
    ],
)
def test_bad_values_are_refused_naming_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load(env)
