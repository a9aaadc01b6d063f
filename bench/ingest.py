"""Ingest throughput against the COPY ceiling, measured in the same run.

    deploy/with-env.sh .venv/bin/python -m bench.ingest [--events 1000000]

For each mix (all new subjects; half re-reports of existing subjects, a third of them changed)
it first produces every envelope to the broker, then times the worker from its first batch to
the last commit: consume → validate → grid → merge → commit. The ceiling is PostgreSQL's COPY of
the same final rows into an identical table (same indexes and foreign keys), timed on the same
server."""

from __future__ import annotations

import argparse
import io
import json
import random
import threading
import time
import uuid
from dataclasses import replace

import yaml
from confluent_kafka import Producer
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bench.common import bench_database, line
from onegrid.demo import factories
from onegrid.demo.datasets import SPECS
from onegrid.ingest.contract import topic_for
from onegrid.ingest.topics import ensure_topics
from onegrid.ingest.worker import Worker
from onegrid.ingest.writer import Outcome
from onegrid.platform.catalog import register
from onegrid.platform.config import Settings

COLUMNS = ("dataset_id, subject_id, attributes, provenance, pii_hashes, geom, grid_id, version, "
           "reports, occurred_at, created_at, updated_at, change_seq")


def envelopes(dataset: str, n: int, reports: float, points: list[tuple[float, float]],
              seed: int = 1):
    """(key, value) pairs: a share ``reports`` of them re-report an earlier subject."""
    rng = random.Random(seed)
    known: list[tuple[str, dict, tuple[float, float]]] = []
    for i in range(n):
        if known and rng.random() < reports:
            key, attributes, point = rng.choice(known)
            if rng.random() < 1 / 3:
                attributes = {**attributes, "employees": rng.randint(1, 500)}
        else:
            name, industry = factories.business_name(rng)
            key, point = factories.credit_code(rng), rng.choice(points)
            attributes = {"name": name, "industry": industry, "address": factories.address(rng),
                          "employees": rng.randint(1, 500), "status": "存续"}
            known.append((key, attributes, point))
        yield key, json.dumps({
            "dataset": dataset, "department": "SCJG", "record_id": f"b{i}", "subject_key": key,
            "occurred_at": f"2026-11-{1 + i * 20 // n:02d}T08:00:00+08:00", "crs": "EPSG:4490",
            "geometry": {"type": "Point", "coordinates": list(point)},
            "attributes": attributes}, ensure_ascii=False).encode()


def produce(settings: Settings, topic: str, pairs) -> int:
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap_servers,
                         "enable.idempotence": True, "linger.ms": 50, "compression.type": "lz4",
                         "queue.buffering.max.messages": 1_000_000})
    count = 0
    for key, value in pairs:
        while True:
            try:
                producer.produce(topic, key=key, value=value)
                break
            except BufferError:
                producer.poll(0.2)
        count += 1
    producer.flush(120)
    return count


def run_worker(settings: Settings, engine: Engine, topic: str, n: int) -> tuple[float, float]:
    """Seconds from the first stored batch to the last, and from start (group join included)."""
    worker = Worker(settings, engine, group=f"bench-{uuid.uuid4().hex[:8]}", topics=topic)
    seen = {"received": 0, "first": 0.0, "last": 0.0}

    def on_batch(outcome: Outcome) -> None:
        batch = sum(c["received"] for c in outcome.counts.values())
        now = time.perf_counter()
        if not seen["first"]:
            seen["first"] = now - 1e-9
            seen["first_batch"] = batch
        seen["received"] += batch
        seen["last"] = now
        if seen["received"] >= n:
            worker.stopping.set()

    started = time.perf_counter()
    thread = threading.Thread(target=worker.run, kwargs={"on_batch": on_batch})
    thread.start()
    thread.join()
    # The first batch's own work is inside the window: count it from when it was fetched.
    steady = (seen["last"] - seen["first"]) * n / max(n - seen["first_batch"], 1)
    return steady, seen["last"] - started


def ceiling(engine: Engine, dataset: str) -> tuple[int, float]:
    """COPY the dataset's final rows into an identical table: (rows, seconds)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("DROP TABLE IF EXISTS record_ceiling")
        cursor.execute("CREATE TABLE record_ceiling (LIKE record INCLUDING ALL)")
        cursor.execute(  # LIKE leaves foreign keys out; the ceiling checks the same ones
            "SELECT 'ALTER TABLE record_ceiling ADD ' || pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid = 'record'::regclass AND contype = 'f'")
        for (statement,) in cursor.fetchall():
            cursor.execute(statement)
        buffer = io.BytesIO()
        with cursor.copy(f"COPY (SELECT {COLUMNS} FROM record WHERE dataset_id = %s) "
                         "TO STDOUT (FORMAT binary)", (dataset,)) as copy:
            for chunk in copy:
                buffer.write(chunk)
        raw.commit()
        started = time.perf_counter()
        with cursor.copy(f"COPY record_ceiling ({COLUMNS}) FROM STDIN (FORMAT binary)") as copy:
            copy.write(buffer.getvalue())
        raw.commit()
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM record_ceiling")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE record_ceiling")
        raw.commit()
        return rows, seconds
    finally:
        raw.close()


def mix(settings: Settings, engine: Engine, label: str, n: int, reports: float,
        points: list[tuple[float, float]]) -> None:
    spec = yaml.safe_load(SPECS.joinpath("market.business.yaml").read_text("utf-8"))
    spec["id"] = f"bench.{label}_{uuid.uuid4().hex[:6]}"
    with Session(engine) as session:
        register(session, spec)
        session.commit()
    topic = topic_for(spec["id"])
    ensure_topics(settings.kafka_bootstrap_servers, [spec["id"]], partitions=4)
    started = time.perf_counter()
    produce(settings, topic, envelopes(spec["id"], n, reports, points))
    print(f"{label}: {n:,} envelopes produced in {time.perf_counter() - started:.1f} s",
          flush=True)
    seconds, total = run_worker(settings, engine, topic, n)
    rows, copy_seconds = ceiling(engine, spec["id"])
    rate, copy_rate = n / seconds, rows / copy_seconds
    line("ingest (consume→validate→grid→merge→commit)", f"{rate:,.0f} events/s "
         f"({seconds:.1f} s; {total:.1f} s with the group join)")
    line(f"ceiling: COPY of the {rows:,} final rows", f"{copy_rate:,.0f} rows/s "
         f"({copy_seconds:.1f} s)")
    line("ratio to the ceiling", f"{rate / copy_rate:.2f}  (target ≥ 0.5; ≥ 30,000 events/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    settings = Settings.from_env()
    print("preparing a bench database with the demo city …", flush=True)
    engine = bench_database(settings)
    settings = replace(settings, database_url=engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        points = [tuple(p) for p in conn.execute(text(
            "SELECT ST_X(p.geom), ST_Y(p.geom) FROM area, "
            "ST_Dump(ST_GeneratePoints(geom, 50000, 7)) p WHERE code = '330302'"))]
    mix(settings, engine, "fresh", args.events, 0.0, points)
    mix(settings, engine, "rereport", args.events, 0.5, points)


if __name__ == "__main__":
    main()
