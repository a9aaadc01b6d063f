"""Settings, read once from the environment by each entry point (create_app, the `onegrid`
command, the benches) and passed down; every variable and default is listed in README.md."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many

from onegrid.platform.errors import ConfigurationError
from onegrid.platform.governance.working_time import (
    DEFAULT_DAYS,
    DEFAULT_PERIODS,
    LocalDays,
    WorkingHours,
    parse_periods,
    parse_weekdays,
    read_local_days,
)
from onegrid.platform.loop.dedup import DedupRule
from onegrid.platform.screen.rules import ScreenRules
from onegrid.platform.streams import TOPIC_PREFIX

STORE_SRID = 4490
"""CGCS2000, the national datum: every geometry in the store uses it (docs/architecture.md)."""

T = TypeVar("T")


@dataclass(frozen=True)
class WebRules:
    """The web app's limits and cookie rules (README, Configuration)."""

    max_body_mb: int = 16  # photos are at most 5 MB: a bigger body is refused before parsing
    statement_timeout_ms: int = 30_000  # a web request's query runs at most this long
    # Failed sign-ins allowed per user name, and per client address (many share an office).
    login_limits: tuple[str, str] = ("5/minute", "30/minute")
    cookie_secure: bool = False  # True: Secure always; False: Secure on HTTPS requests
    proxy_hops: int = 0  # proxies in front whose X-Forwarded-* headers are trusted
    # Where browsers open the screen's live feed, which its own process serves (api/screen/
    # stream.py): 0, on the site itself at /screen/feed (a proxy in front routes that path to
    # that process); N, on port N of the site's host (`make run`: 8001).
    stream_port: int = 0


@dataclass(frozen=True)
class Settings:
    database_url: str
    kafka_bootstrap_servers: str
    secret_key: str
    pii_key: str
    state_dir: str = ".state"
    trace_key_file: str = ".state/trace-signing-key.pem"
    trace_checkpoints_file: str = ".state/trace-checkpoints.jsonl"
    # Least privilege (docs/architecture.md, The store: roles): database_url is the web app's
    # role; ingest and the set-up commands connect as their own. Unset: database_url.
    owner_database_url: str = ""
    ingest_database_url: str = ""
    admin_database_url: str = ""
    # A replica (through PgBouncer) for the read paths: records, OGC, tiles, the grid page, the
    # screen's figures. Unset: they read from database_url (store/replica.py says how a caller
    # still reads its own writes).
    database_read_url: str = ""
    grid_size_m: int = 500
    tile_url: str = ""
    kafka_max_poll_ms: int = 10_000
    ingest_batch: int = 5_000
    lookups_per_minute: int = 60  # subject lookups by raw key, per caller and web process
    topic_prefix: str = TOPIC_PREFIX
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    screen: ScreenRules = field(default_factory=ScreenRules)
    dedup: DedupRule = field(default_factory=DedupRule)
    web: WebRules = field(default_factory=WebRules)
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
        url = _psycopg(env["DATABASE_URL"])
        owner = _psycopg(env.get("ONEGRID_OWNER_DATABASE_URL") or url)
        read = _Reader(env)
        zone = read("ONEGRID_TIMEZONE", "Asia/Shanghai", _zone)
        state_dir = env.get("ONEGRID_STATE_DIR", ".state")
        return cls(
            database_url=url,
            owner_database_url=owner,
            ingest_database_url=_psycopg(env.get("ONEGRID_INGEST_DATABASE_URL") or url),
            admin_database_url=_psycopg(env.get("ONEGRID_ADMIN_DATABASE_URL") or owner),
            database_read_url=_psycopg(env.get("DATABASE_READ_URL") or ""),
            kafka_bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"],
            secret_key=env["ONEGRID_SECRET_KEY"],
            pii_key=env["ONEGRID_PII_KEY"],
            state_dir=state_dir,
            trace_key_file=env.get("ONEGRID_TRACE_KEY_FILE")
            or os.path.join(state_dir, "trace-signing-key.pem"),
            trace_checkpoints_file=env.get("ONEGRID_TRACE_CHECKPOINTS")
            or os.path.join(state_dir, "trace-checkpoints.jsonl"),
            grid_size_m=read("ONEGRID_GRID_SIZE_M", "500", _count),
            tile_url=env.get("ONEGRID_TILE_URL", ""),
            kafka_max_poll_ms=read("ONEGRID_KAFKA_MAX_POLL_MS", "10000", _count),
            ingest_batch=read("ONEGRID_INGEST_BATCH", "5000", _count),
            lookups_per_minute=read("ONEGRID_LOOKUPS_PER_MINUTE", "60", _count),
            topic_prefix=read("ONEGRID_TOPIC_PREFIX", TOPIC_PREFIX, _topic_prefix),
            working_hours=WorkingHours(
                periods=read("ONEGRID_WORKING_PERIODS", DEFAULT_PERIODS, parse_periods),
                weekdays=read("ONEGRID_WORKING_DAYS", DEFAULT_DAYS, parse_weekdays),
                zone=zone,
                local=read("ONEGRID_LOCAL_CALENDAR", "", _local_days)),
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
            web=WebRules(
                max_body_mb=read("ONEGRID_MAX_BODY_MB", "16", _count),
                statement_timeout_ms=read("ONEGRID_STATEMENT_TIMEOUT_MS", "30000", _count),
                login_limits=(read("ONEGRID_LOGIN_LIMIT_USER", "5/minute", _rate),
                              read("ONEGRID_LOGIN_LIMIT_ADDRESS", "30/minute", _rate)),
                cookie_secure=read("ONEGRID_COOKIE_SECURE", "0", _flag),
                proxy_hops=read("ONEGRID_PROXY_HOPS", "0", _hops),
                stream_port=read("ONEGRID_STREAM_PORT", "0", _hops)),
            kafka_client=_librdkafka(env),
            require_signatures=read("ONEGRID_REQUIRE_SIGNATURES", "true", _flag),
        )


def _psycopg(url: str) -> str:
    """``url`` with the psycopg 3 driver named (a plain postgresql:// URL means it too)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


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


def _rate(value: str) -> str:
    try:
        parse_many(value)
    except ValueError:
        raise ValueError("expected a rate such as 5/minute") from None
    return value


def _librdkafka(env: Mapping[str, str]) -> dict[str, str]:
    """librdkafka's properties from KAFKA_* variables: the rest of the name in lower case, "_"
    read as "." (KAFKA_SASL_MECHANISM → sasl.mechanism); KAFKA_BOOTSTRAP_SERVERS is kept apart."""
    return {name.removeprefix("KAFKA_").lower().replace("_", "."): value
            for name, value in env.items()
            if name.startswith("KAFKA_") and name != "KAFKA_BOOTSTRAP_SERVERS" and value}


def _local_days(path: str) -> LocalDays:
    """The city's own days off and working days (a CSV file), none when no file is named."""
    return read_local_days(path) if path else LocalDays()


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise ValueError("expected true or false")
    return lowered in ("true", "1", "yes", "on")


def _hops(value: str) -> int:
    return 0 if value == "0" else _count(value)


def _topic_prefix(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*\.", value):
        raise ValueError("expected the start of a Kafka topic name ending in a dot, such as "
                         "onegrid.ingest.")
    return value


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected an IANA time zone such as Asia/Shanghai") from None
    return value
