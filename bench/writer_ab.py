"""The store writer against another revision's, batch by batch in the same run.

    deploy/with-env.sh --admin .venv/bin/python -m bench.writer_ab [--against HEAD] [--events 60000]
                                                           [--reports 0.5] [--b-schema SQL]

This machine's speed moves by up to half between minutes, so two separate runs of
`bench.ingest` cannot tell a 5 % change. Here both writers — this checkout's `BatchWriter` (B)
and the one at ``--against`` (A: its writer.py and SQL files, taken from git) — write the same
kind of batches into one database, alternating batch by batch (A first, then B first), each
through its own connection, and the CPU each PostgreSQL backend spends on each statement is
read from /proc: both sides see the same machine at the same moments. Messages are decoded
before timing (decode is the same code for both). Both sides get the same messages (which
re-report what, with which values) about different subjects: with the same subjects, the
second writer of each batch would find the first one's. A revision against itself gives B/A
within ≈ 1.5 % for PostgreSQL; the writer's Python moves by up to a quarter between identical
sides (garbage collection lands on either), so this measures SQL changes.

A's SQL runs on this checkout's schema (the database is migrated to head), and its writer takes
reports from this checkout's decode: it cannot measure a revision that needs what a later
migration removed, or that reads a report field decode no longer writes (before a33386a: the
provenance).

``--b-schema SQL`` measures a change of the schema instead (an index dropped, a storage
parameter): B then writes into a second database, built the same way, where SQL ran after the
migrations; both databases are on the one server, so both sides still see the same moments.
The databases are dropped when it ends, however it ends; it uses no topic or consumer group on
the broker (the batches are decoded in this process and handed to the writers)."""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
import types
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session

import onegrid.ingest.writer as this_writer
from bench.common import BENCH_PREFIX, bench_database, line
from bench.ingest import bench_dataset, city_points, envelopes, signing_key
from onegrid.demo import factories
from onegrid.ingest.decode import decode
from onegrid.ingest.signing import Keyring, signature
from onegrid.platform.accounts.ingest_keys import ingest_keys
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.catalog import DatasetRules, rules
from onegrid.platform.store.sqlfiles import split
from onegrid.platform.streams import topic_for

INGEST = "src/onegrid/ingest"


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent).stdout


def peer_writer(revision: str) -> types.ModuleType:
    """The writer module as it was at ``revision``, reading that revision's SQL files."""
    sql = {Path(path).stem: _git("show", f"{revision}:{path}")
           for path in _git("ls-tree", "--name-only", f"{revision}", f"{INGEST}/sql/").split()}
    module = types.ModuleType(f"writer_at_{revision}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    source = _git("show", f"{revision}:{INGEST}/writer.py")
    exec(compile(source, f"{revision}:{INGEST}/writer.py", "exec"), module.__dict__)
    parsed = {name: tuple(text(s) for s in split(body)) for name, body in sql.items()}
    module.__dict__["statements"] = lambda _package, name: parsed[name]
    return module


class Side:
    """One writer, its dataset, its messages and the CPU its backend spent, by statement."""

    def __init__(self, name: str, module: types.ModuleType, engine: Engine, n: int,
                 reports: float, points: list[tuple[float, float]], subjects: int,
                 departments: dict[str, int]) -> None:
        self.module = module
        self.dataset = bench_dataset(engine, f"ab_{name.lower()}")
        self.messages = list(other_subjects(envelopes(self.dataset, n, reports, points),
                                            random.Random(subjects)))
        self.conn = engine.connect()
        self.conn.info.update(side=self, pid=self.conn.exec_driver_sql(
            "SELECT pg_backend_pid()").scalar())
        self.conn.commit()
        self.statements: Counter[str] = Counter()
        self.backend = self.python = 0.0
        self.writer = module.BatchWriter(self.conn, f"ab-{name}", lambda: departments)

    def write(self, start: int, size: int, catalog, pii_key: str,
              signer: tuple[Keyring, str, str]) -> None:
        """Decode (untimed: the same code for both sides) as the worker does, signatures
        verified, and time the writer."""
        topic = topic_for(self.dataset, BENCH_PREFIX)
        keyring, kid, secret = signer
        batch = [(self.module.Delivery(topic, 0, start + i, key.encode(), value),
                  decode(value, topic, catalog, pii_key, keyring=keyring,
                         signature=signature(kid, secret, value), prefix=BENCH_PREFIX))
                 for i, (key, value) in enumerate(self.messages[start:start + size])]
        backend, python = backend_cpu(self.conn), time.process_time()
        self.writer.write(batch, [])
        self.python += time.process_time() - python
        self.backend += backend_cpu(self.conn) - backend


def other_subjects(messages, rng: random.Random):
    """The same messages about other subjects: each subject key replaced by a new valid one."""
    keys: dict[str, str] = {}
    for key, value in messages:
        if key not in keys:
            keys[key] = factories.credit_code(rng)
        yield keys[key], value.replace(key.encode(), keys[key].encode())


def backend_cpu(conn: Connection) -> float:
    """CPU seconds the connection's backend has used (schedstat: nanoseconds on the CPU)."""
    with open(f"/proc/{conn.info['pid']}/schedstat") as stat:
        return int(stat.read().split()[0]) / 1e9


def time_statements(engine: Engine) -> None:
    """Add each statement's backend CPU to its side's tally, under its first words."""
    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        if "side" in conn.info:
            conn.info["started"] = backend_cpu(conn)

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany) -> None:
        if "started" in conn.info:
            words = " ".join(" ".join(line for line in statement.splitlines()
                                      if not line.lstrip().startswith("--")).split())
            conn.info["side"].statements[words[:64]] += backend_cpu(conn) - conn.info.pop(
                "started")


def report(a: Side, b: Side, n: int) -> None:
    us = 1e6 / n
    for label, (x, y) in {"PostgreSQL per message": (a.backend, b.backend),
                          "the writer's Python per message": (a.python, b.python),
                          "both": (a.backend + a.python, b.backend + b.python)}.items():
        line(label, f"A {x * us:6.1f} µs   B {y * us:6.1f} µs   B/A {y / x:.3f}")
    print("  per statement, backend CPU per message (A, B):")
    for words in sorted(a.statements.keys() | b.statements.keys(),
                        key=lambda w: -(a.statements[w] + b.statements[w])):
        if (a.statements[words] + b.statements[words]) * us >= 1:
            print(f"    {a.statements[words] * us:6.1f} {b.statements[words] * us:6.1f}  {words}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default="HEAD", help="git revision of writer A")
    parser.add_argument("--events", type=int, default=60_000, help="messages for each writer")
    parser.add_argument("--reports", type=float, default=0.5,
                        help="share of messages that re-report an earlier subject")
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--b-schema", metavar="SQL",
                        help="B writes into a database of its own where SQL ran after migrating")
    args = parser.parse_args()
    settings = Settings.from_env()
    print("preparing a bench database with the demo city …", flush=True)
    with ExitStack() as databases:
        a_engine = b_engine = databases.enter_context(bench_database(settings,
                                                                     "onegrid_bench_ab"))
        if args.b_schema:
            b_engine = databases.enter_context(bench_database(settings, "onegrid_bench_ab_b"))
            with b_engine.begin() as conn:
                conn.exec_driver_sql(args.b_schema)
        compare(args, settings, a_engine, b_engine)


def compare(args: argparse.Namespace, settings: Settings, a_engine: Engine,
            b_engine: Engine) -> None:
    """Writer A (``--against``) in ``a_engine``, this checkout's in ``b_engine``."""
    points = city_points(a_engine)
    with a_engine.connect() as conn:
        departments: dict[str, int] = dict(
            conn.execute(text("SELECT code, id FROM department")).all())
    a = Side("A", peer_writer(args.against), a_engine, args.events, args.reports, points, 1,
             departments)
    b = Side("B", this_writer, b_engine, args.events, args.reports, points, 2, departments)
    catalog: dict[str, DatasetRules] = {}
    for engine in {a_engine, b_engine}:
        with Session(engine) as session:
            catalog |= rules(session)
        time_statements(engine)
    kid, secret = signing_key(settings, a_engine)
    with Session(a_engine) as session:
        signer = (Keyring(ingest_keys(session, settings.secret_key)), kid, secret)
    schema = f", B's database after {args.b_schema!r}" if args.b_schema else ""
    print(f"writer A/B: this checkout (B) against {args.against} (A){schema}, "
          f"{args.events:,} messages each, {args.reports:.0%} re-reports, {args.batch:,} a batch",
          flush=True)
    for number, start in enumerate(range(0, args.events, args.batch)):
        for side in (a, b) if number % 2 == 0 else (b, a):
            side.write(start, args.batch, catalog, settings.pii_key, signer)
    for side in (a, b):
        side.conn.close()
    report(a, b, args.events)


if __name__ == "__main__":
    main()
