"""Settings: every variable read in one place, with README's defaults and clear refusals."""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path

import pytest

from onegrid.platform import settings as settings_module
from onegrid.platform.errors import ConfigurationError
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.loop.dedup import DedupRule
from onegrid.platform.screen.rules import ScreenRules
from onegrid.platform.settings import Settings

REQUIRED = {"DATABASE_URL": "postgresql://u@h/db", "KAFKA_BOOTSTRAP_SERVERS": "b:9092",
            "ONEGRID_SECRET_KEY": "s", "ONEGRID_PII_KEY": "p"}
README = Path(__file__).resolve().parents[2] / "README.md"


def test_unset_variables_give_the_documented_defaults() -> None:
    settings = Settings.from_env(REQUIRED)
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert (settings.grid_size_m, settings.ingest_batch, settings.tile_url) == (500, 5000, "")
    assert settings.working_hours == WorkingHours()
    assert settings.screen == ScreenRules()
    assert settings.dedup == DedupRule()


def test_the_nested_settings_come_from_their_variables() -> None:
    settings = Settings.from_env(REQUIRED | {
        "ONEGRID_WORKING_PERIODS": "09:00-18:00", "ONEGRID_WORKING_DAYS": "1-6",
        "ONEGRID_TIMEZONE": "Asia/Urumqi", "ONEGRID_FEED_SECONDS": "5",
        "ONEGRID_DEDUP_RADIUS_M": "80", "ONEGRID_DEDUP_HOURS": "48",
        "ONEGRID_GRID_SIZE_M": ""})  # empty is unset
    assert settings.working_hours.periods == ((time(9), time(18)),)
    assert settings.working_hours.weekdays == frozenset(range(1, 7))
    assert settings.working_hours.zone == settings.screen.zone == "Asia/Urumqi"
    assert settings.screen.feed_seconds == 5
    assert settings.dedup == DedupRule(80, timedelta(hours=48))
    assert settings.grid_size_m == 500


@pytest.mark.parametrize(("name", "value"), [
    ("ONEGRID_GRID_SIZE_M", "500m"),
    ("ONEGRID_GRID_SIZE_M", "0"),
    ("ONEGRID_INGEST_BATCH", "5e3"),
    ("ONEGRID_WARNING_SIGMA", "three"),
    ("ONEGRID_DEDUP_HOURS", "nan"),
    ("ONEGRID_WORKING_PERIODS", "08:30-12:00;14:00-17:30"),
    ("ONEGRID_WORKING_PERIODS", "12:00-08:30"),
    ("ONEGRID_WORKING_DAYS", "1-8"),
    ("ONEGRID_TIMEZONE", "Asia/Wenzhou"),
    ("ONEGRID_REQUIRE_SIGNATURES", "maybe"),
])
def test_a_bad_value_is_a_configuration_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"^{name}={value!r}: ") as refused:
        Settings.from_env(REQUIRED | {name: value})
    assert refused.value.__cause__ is None and not isinstance(refused.value, ValueError)


def test_kafka_variables_become_librdkafka_settings_and_signatures_are_required() -> None:
    settings = Settings.from_env(REQUIRED | {
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SSL_CA_LOCATION": "/etc/ssl/ca.pem", "KAFKA_SASL_USERNAME": ""})  # empty: unset
    assert settings.kafka == {"bootstrap.servers": "b:9092", "security.protocol": "SASL_SSL",
                              "sasl.mechanism": "SCRAM-SHA-512",
                              "ssl.ca.location": "/etc/ssl/ca.pem"}
    assert settings.require_signatures
    assert not Settings.from_env(REQUIRED | {"ONEGRID_REQUIRE_SIGNATURES": "false"}
                                 ).require_signatures


def test_a_missing_value_is_named() -> None:
    with pytest.raises(ConfigurationError, match="ONEGRID_PII_KEY"):
        Settings.from_env({k: v for k, v in REQUIRED.items() if k != "ONEGRID_PII_KEY"})


def test_readme_lists_every_variable_the_settings_read() -> None:
    read = set(re.findall(r'"((?:ONEGRID|DATABASE|KAFKA)_[A-Z0-9_]+)"',
                          Path(settings_module.__file__).read_text()))
    configuration = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert read and read - set(re.findall(r"`([A-Z0-9_]+)`", configuration)) == set()


def test_the_trace_key_and_checkpoints_live_in_the_state_folder_unless_named() -> None:
    settings = Settings.from_env(REQUIRED | {"ONEGRID_STATE_DIR": "/srv/onegrid"})
    assert settings.trace_key_file == "/srv/onegrid/trace-signing-key.pem"
    assert settings.trace_checkpoints_file == "/srv/onegrid/trace-checkpoints.jsonl"
    named = Settings.from_env(REQUIRED | {"ONEGRID_TRACE_KEY_FILE": "/keys/trace.pem",
                                          "ONEGRID_TRACE_CHECKPOINTS": "/audit/cp.jsonl"})
    assert (named.trace_key_file, named.trace_checkpoints_file) == ("/keys/trace.pem",
                                                                    "/audit/cp.jsonl")
