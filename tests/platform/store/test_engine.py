"""The app's engines (db.engine_for): JSON comes back exactly as stored, times in UTC whatever
the server's TimeZone, and a pooled connection the server dropped (a restart, a crash, an
administrator) is replaced before use rather than failing the next request
(docs/reliability.md)."""

from __future__ import annotations

import math
import time
from datetime import UTC

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from onegrid.platform.settings import Settings
from onegrid.platform.store.db import engine_for

BIG = 123456789012345678901234567890  # beyond 64 bits: a producer may send it, ingest keeps it
PID = text("SELECT pg_backend_pid()")


def _read(settings: Settings, document: str, kind: str = "jsonb") -> object:
    with engine_for(settings.owner_database_url).connect() as conn:
        return conn.scalar(text(f"SELECT CAST(:d AS {kind})"), {"d": document})


def test_json_and_jsonb_come_back_as_stored(settings: Settings) -> None:
    document = f'{{"big": {BIG}, "name": "鹿城", "deep": [[{{"x": 1.5}}]], "none": null}}'
    expected = {"big": BIG, "name": "鹿城", "deep": [[{"x": 1.5}]], "none": None}
    assert _read(settings, document) == expected
    assert _read(settings, document, "json") == expected


def test_a_number_beyond_a_doubles_range_is_read_not_refused(settings: Settings) -> None:
    """jsonb holds any decimal: an integer comes back exact, a fraction as near as a float can."""
    assert _read(settings, f'{{"n": 1e400, "x": {10 ** 400}.5}}') == {"n": 10 ** 400,
                                                                        "x": math.inf}


def test_times_come_back_in_utc(settings: Settings) -> None:
    with engine_for(settings.owner_database_url).connect() as conn:
        assert conn.scalar(text("SHOW TimeZone")) == "UTC"
        moment = conn.scalar(text("SELECT TIMESTAMPTZ '2026-12-01 08:00:00+08:00'"))
    assert moment.tzinfo is UTC and moment.hour == 0


def _gone(url: str, pid: int) -> None:
    """Backend ``pid`` terminated from a connection of no pool's (engine_for gives the tests'
    fixtures the app's own engine, whose pool holds ``pid``)."""
    with create_engine(url, poolclass=NullPool).connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        for _ in range(100):
            if not conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"),
                               {"p": pid}):
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} outlived pg_terminate_backend")


def test_a_connection_the_server_dropped_is_replaced_before_use(settings: Settings) -> None:
    pool = engine_for(settings.owner_database_url)
    with pool.connect() as conn:
        dropped = conn.scalar(PID)
    _gone(settings.owner_database_url, dropped)  # the pool keeps its connection, now dead
    with pool.connect() as conn:
        assert conn.scalar(PID) != dropped
