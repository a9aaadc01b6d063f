"""Settings, read once from the environment by each entry point (create_app, the `onegrid`
command, the benches) and passed down; every variable and default is listed in README.md."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from onegrid.platform.errors import ConfigurationError
from onegrid.platform.governance.working_time import (
    DEFAULT_DAYS,
    DEFAULT_PERIODS,
    WorkingHours,
    parse_periods,
    parse_weekdays,
)
from onegrid.platform.loop.dedup import DedupRule
from onegrid.platform.screen.rules import ScreenRules

STORE_SRID = 4490
"""CGCS2000, the national datum: every geometry in the store uses it (docs/architecture.md)."""

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    database_url: str
    kafka_bootstrap_servers: str
    secret_key: str
    pii_key: str
    state_dir: str = ".state"
    grid_size_m: int = 500
    tile_url: str = ""
    kafka_max_poll_ms: int = 10_000
    ingest_batch: int = 5_000
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    screen: ScreenRules = field(default_factory=ScreenRules)
    dedup: DedupRule = field(default_factory=DedupRule)
    # librdkafka settings from KAFKA_* variables (KAFKA_SECURITY_PROTOCOL → security.protocol),
    # bootstrap.servers aside: every Kafka client takes them through ``kafka``
    kafka_client: Mapping[str, str] = field(default_factory=dict)
    require_signatures: bool = True  # off only for a development store (docs/ingest.md §2)

    @property
    def kafka(self) -> dict[str, str]:
        """The librdkafka configuration every confluent-kafka client OneGrid creates starts
        from: the servers and whatever KAFKA_* variables set (SASL, TLS …)."""
        return {**self.kafka_client, "bootstrap.servers": self.kafka_bootstrap_servers}

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default ``os.environ``). A missing required value or
        one that does not parse raises ConfigurationError naming the variable."""
        env = os.environ if env is None else env
        required = ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "ONEGRID_SECRET_KEY",
                    "ONEGRID_PII_KEY")
        missing = [name for name in required if not env.get(name)]
        if missing:
            raise ConfigurationError(
                f"{', '.join(missing)} not set: run commands through `make` or "
                "`deploy/with-env.sh`, or export them (see README, Configuration)"
            )
        url = env["DATABASE_URL"]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        read = _Reader(env)
        zone = read("ONEGRID_TIMEZONE", "Asia/Shanghai", _zone)
        return cls(
            database_url=url,
            kafka_bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"],
            secret_key=env["ONEGRID_SECRET_KEY"],
            pii_key=env["ONEGRID_PII_KEY"],
            state_dir=env.get("ONEGRID_STATE_DIR", ".state"),
            grid_size_m=read("ONEGRID_GRID_SIZE_M", "500", _count),
            tile_url=env.get("ONEGRID_TILE_URL", ""),
            kafka_max_poll_ms=read("ONEGRID_KAFKA_MAX_POLL_MS", "10000", _count),
            ingest_batch=read("ONEGRID_INGEST_BATCH", "5000", _count),
            working_hours=WorkingHours(
                periods=read("ONEGRID_WORKING_PERIODS", DEFAULT_PERIODS, parse_periods),
                weekdays=read("ONEGRID_WORKING_DAYS", DEFAULT_DAYS, parse_weekdays),
                zone=zone),
            screen=ScreenRules(
                warning_sigma=read("ONEGRID_WARNING_SIGMA", "3", _measure),
                warning_min_issues=read("ONEGRID_WARNING_MIN_ISSUES", "3", _count),
                baseline_days=read("ONEGRID_WARNING_BASELINE_DAYS", "28", _count),
                overdue_cluster=read("ONEGRID_OVERDUE_CLUSTER", "3", _count),
                dead_letter_spike=read("ONEGRID_DEAD_LETTER_SPIKE", "20", _count),
                dead_letter_window=timedelta(
                    seconds=read("ONEGRID_DEAD_LETTER_WINDOW_S", "300", _measure)),
                resolve_window=timedelta(
                    days=read("ONEGRID_RESOLVE_WINDOW_DAYS", "30", _measure)),
                feed_seconds=read("ONEGRID_FEED_SECONDS", "55", _measure),
                feed_poll=read("ONEGRID_FEED_POLL_S", "0.5", _measure),
                zone=zone),
            dedup=DedupRule(
                radius_m=read("ONEGRID_DEDUP_RADIUS_M", "50", _measure),
                window=timedelta(hours=read("ONEGRID_DEDUP_HOURS", "24", _measure))),
            kafka_client=_librdkafka(env),
            require_signatures=read("ONEGRID_REQUIRE_SIGNATURES", "true", _flag),
        )


class _Reader:
    """Reads one optional variable (unset or empty: the default) through a parser; a value
    the parser refuses becomes a ConfigurationError that names the variable."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def __call__(self, name: str, default: str, parse: Callable[[str], T]) -> T:
        value = self.env.get(name) or default
        try:
            return parse(value)
        except ValueError as exc:
            raise ConfigurationError(f"{name}={value!r}: {exc} (see README, Configuration)"
                                     ) from None


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError("expected a whole number") from None
    if number < 1:
        raise ValueError("expected a whole number of at least 1")
    return number


def _measure(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError("expected a number") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError("expected a finite number of at least 0")
    return number


def _librdkafka(env: Mapping[str, str]) -> dict[str, str]:
    """librdkafka's properties from KAFKA_* variables: the rest of the name in lower case, "_"
    read as "." (KAFKA_SASL_MECHANISM → sasl.mechanism); KAFKA_BOOTSTRAP_SERVERS is kept apart."""
    return {name.removeprefix("KAFKA_").lower().replace("_", "."): value
            for name, value in env.items()
            if name.startswith("KAFKA_") and name != "KAFKA_BOOTSTRAP_SERVERS" and value}


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise ValueError("expected true or false")
    return lowered in ("true", "1", "yes", "on")


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected an IANA time zone such as Asia/Shanghai") from None
    return value
