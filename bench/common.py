"""What the benchmarks share: a database of their own with the demo city, and report lines."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from onegrid.demo.city import build
from onegrid.demo.datasets import register_all
from onegrid.platform import migrate
from onegrid.platform.config import Settings


def bench_database(settings: Settings, name: str = "onegrid_bench") -> Engine:
    """A fresh database ``name`` on the configured server, migrated, with the demo city."""
    admin = create_engine(make_url(settings.database_url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(make_url(settings.database_url).set(database=name))
    migrate.upgrade(engine)
    with Session(engine) as session:
        build(session, settings.grid_size_m, lambda _: None)
        register_all(session)
        session.commit()
    return engine


def line(label: str, value: str) -> None:
    print(f"  {label:<44} {value}", flush=True)
