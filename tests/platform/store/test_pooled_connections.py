"""The app's pool after the server dropped a connection (a restart, a crash, an administrator):
the next use gets a new connection, not an error (docs/reliability.md)."""

from __future__ import annotations

import time

from sqlalchemy import Engine, text

from onegrid.platform.settings import Settings
from onegrid.platform.store.db import engine_for

PID = text("SELECT pg_backend_pid()")


def _gone(engine: Engine, pid: int) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        for _ in range(100):
            if not conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"),
                               {"p": pid}):
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} outlived pg_terminate_backend")


def test_a_connection_the_server_dropped_is_replaced_before_use(settings: Settings,
                                                                engine: Engine) -> None:
    pool = engine_for(settings.owner_database_url)
    with pool.connect() as conn:
        dropped = conn.scalar(PID)
    _gone(engine, dropped)  # from another pool: the app's keeps its connection, now dead
    with pool.connect() as conn:
        assert conn.scalar(PID) != dropped
