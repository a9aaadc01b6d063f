"""Settings read once from the environment; every default is documented in README.md."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from onegrid.platform.errors import ConfigurationError

STORE_SRID = 4490
"""CGCS2000, the national datum: every geometry in the store uses it (docs/architecture.md)."""


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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default ``os.environ``); missing required values raise
        ConfigurationError naming the variable and how to get one."""
        env = os.environ if env is None else env
        required = {
            "DATABASE_URL": "database_url",
            "KAFKA_BOOTSTRAP_SERVERS": "kafka_bootstrap_servers",
            "ONEGRID_SECRET_KEY": "secret_key",
            "ONEGRID_PII_KEY": "pii_key",
        }
        missing = [name for name in required if not env.get(name)]
        if missing:
            raise ConfigurationError(
                f"{', '.join(missing)} not set: run commands through `make` or "
                "`deploy/with-env.sh`, or export them (see README, Configuration)"
            )
        values: dict[str, Any] = {attr: env[name] for name, attr in required.items()}
        url = values["database_url"]
        if url.startswith("postgresql://"):
            values["database_url"] = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        values["state_dir"] = env.get("ONEGRID_STATE_DIR", ".state")
        values["grid_size_m"] = int(env.get("ONEGRID_GRID_SIZE_M", "500"))
        values["tile_url"] = env.get("ONEGRID_TILE_URL", "")
        values["kafka_max_poll_ms"] = int(env.get("ONEGRID_KAFKA_MAX_POLL_MS", "10000"))
        values["ingest_batch"] = int(env.get("ONEGRID_INGEST_BATCH", "5000"))
        return cls(**values)
