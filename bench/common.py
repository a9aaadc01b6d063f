"""What the benchmarks share: a database, topics and consumer groups of their own, removed
when they finish (on a failure too), and report lines.

The benchmarks never touch the platform's: their topics are under BENCH_PREFIX, which no ingest
worker of the platform consumes (it names the topics of its registered datasets, under its own
prefix), their groups are named bench-…, and their datasets live in their own database."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from sqlalchemy import URL, Connection, Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from onegrid.demo.city import build
from onegrid.demo.datasets import register_all
from onegrid.gis.hierarchy import settle
from onegrid.platform.settings import Settings
from onegrid.platform.store import migrate
from onegrid.platform.store.db import create_database

BENCH_PREFIX = "onegrid.bench."
"""The benchmarks' topics: onegrid.bench.<dataset>."""
log = logging.getLogger(__name__)


@contextmanager
def bench_database(settings: Settings, name: str = "onegrid_bench",
                   warm: bool = True) -> Iterator[Engine]:
    """A fresh database ``name`` on the configured server, migrated, with the demo city (and
    the server's buffers warmed, unless ``warm`` is false); dropped at the end. The cluster
    administrator's (it installs PostGIS), which the benches use for everything: they measure
    the work, not the roles' privileges."""
    admin_url = make_url(settings.admin_database_url)
    with scratch_database(admin_url, name, lambda conn: create_database(conn, name)) as engine:
        migrate.upgrade(engine)
        with Session(engine) as session:
            build(session, settings, lambda _: None)
            register_all(session)
            session.commit()
        settle(engine)  # as `onegrid demo city` does
        if warm:
            warm_buffer_pool(engine)
        yield engine


@contextmanager
def copied_database(engine: Engine, name: str) -> Iterator[Engine]:
    """A copy of ``engine``'s database named ``name``, its files copied (seconds, where loading
    again takes minutes); dropped at the end."""
    engine.dispose()  # a template may have no one connected
    create = text(f'CREATE DATABASE "{name}" TEMPLATE "{engine.url.database}" STRATEGY FILE_COPY')
    with scratch_database(engine.url, name, lambda conn: conn.execute(create)) as copy:
        yield copy


@contextmanager
def scratch_database(admin_url: URL, name: str,
                     create: Callable[[Connection], object]) -> Iterator[Engine]:
    """Database ``name`` made by ``create`` (on an autocommit connection to the server's
    ``postgres`` database as the user of ``admin_url``) after dropping any left by a run that
    died; dropped at the end, on a failure too."""
    admin = create_engine(admin_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with admin.connect() as conn:
        conn.execute(drop)
        create(conn)
    engine = create_engine(admin_url.set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()


def bench_settings(settings: Settings, engine: Engine) -> Settings:
    """``settings`` for the bench's database (every role's URL) and topics."""
    url = engine.url.render_as_string(hide_password=False)
    return replace(settings, database_url=url, owner_database_url=url, ingest_database_url=url,
                   topic_prefix=BENCH_PREFIX)


def remove_from_broker(kafka: Mapping[str, str], topics: Iterable[str] = (),
                       groups: Iterable[str] = ()) -> None:
    """Deletes the bench's ``topics`` and consumer ``groups`` from the broker; one that is
    already gone, or that the broker keeps, is logged, not raised (this runs in finally)."""
    admin = AdminClient(dict(kafka))
    topics, groups = list(topics), list(groups)
    futures = {**(admin.delete_topics(topics) if topics else {}),
               **(admin.delete_consumer_groups(groups) if groups else {})}
    for name, future in futures.items():
        try:
            future.result(timeout=30)
        except KafkaException as exc:
            log.warning("the bench could not remove %s from the broker: %s", name, exc)


def warm_buffer_pool(engine: Engine, pages: int | None = None) -> int:
    """Have the server fill ``pages`` of its shared buffers (all of them by default) with a scratch
    table, then drop it; returns the bytes the table held.

    The first touch of each page of a server's shared memory costs the kernel far more than the
    work done on it (2 GB of huge pages here: ≈ 7 s of kernel CPU, the virtual machine's host
    backing them as they are touched), and a server that has run a while never pays it again.
    Left alone, the first run after PostgreSQL starts pays it inside its timed stretch."""
    with engine.begin() as conn:
        if pages is None:  # shared_buffers, in pages
            pages = conn.execute(text(
                "SELECT setting::int FROM pg_settings WHERE name = 'shared_buffers'")).scalar_one()
        # Unlogged: no WAL. INSERT … SELECT takes buffers from the whole pool, where COPY and
        # CREATE TABLE AS cycle through a small ring of them. Seven rows of 1,000 bytes fill a
        # page, and stay under the size at which PostgreSQL would compress them.
        conn.execute(text("CREATE UNLOGGED TABLE bench_warm (filler text)"))
        conn.execute(text("INSERT INTO bench_warm SELECT repeat('x', 1000) "
                          "FROM generate_series(1, :rows)"), {"rows": pages * 7})
        size = conn.execute(text("SELECT pg_relation_size('bench_warm')")).scalar_one()
        conn.execute(text("DROP TABLE bench_warm"))
    return size


def line(label: str, value: str) -> None:
    print(f"  {label:<44} {value}", flush=True)


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds used so far by some processes, by the local PostgreSQL server's processes
    (none when the database is elsewhere), and by the whole machine left idle and spent in the
    kernel (from /proc)."""

    processes: float
    postgres: float
    idle: float
    kernel: float

    def __sub__(self, other: CpuSample) -> CpuSample:
        return CpuSample(self.processes - other.processes, self.postgres - other.postgres,
                         self.idle - other.idle, self.kernel - other.kernel)


def cpu_sample(pids: list[int]) -> CpuSample:
    tick = os.sysconf("SC_CLK_TCK")
    server = [int(p.parent.name) for p in Path("/proc").glob("[0-9]*/comm")
              if _read(p).strip() == "postgres"]
    # cpu user nice system idle iowait irq softirq …
    machine = [int(v) for v in _read(Path("/proc/stat")).split()[1:8]]
    idle, kernel = machine[3] + machine[4], machine[2] + machine[5] + machine[6]
    return CpuSample(_cpu(pids) / tick, _cpu(server) / tick, idle / tick, kernel / tick)


def _cpu(pids: list[int]) -> int:
    ticks = 0
    for pid in pids:
        fields = _read(Path(f"/proc/{pid}/stat")).rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12]) if fields else 0  # utime, stime
    return ticks


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:  # the process ended meanwhile
        return ""
