"""Fairness: a backlog on one dataset does not starve the others.

    deploy/with-env.sh --admin .venv/bin/python -m bench.fairness [--backlog 1000000]

It queues ``--backlog`` envelopes on one dataset's topic, starts ``--workers`` `onegrid ingest
run` processes on that dataset and a second one, and once a tenth of the backlog is stored (the
workers are under way) publishes a trickle of ``--rate`` envelopes a second on the second
dataset's topic until the backlog is drained. Each trickle envelope's latency runs from its
publication to the moment a reader of the store first sees its record (the store is asked every
0.1 s). It prints the trickle's p50, p95 and largest latency of the envelopes published while
the backlog was being drained, against the target: p95 ≤ 5 s, and a worker's pace (events a
second: while several topics are consumed its batches hold about a second's worth, and the
trickle waits about three of them; ingest/fairness.py).

Like bench.ingest it runs beside the platform without touching it (bench/common.py): a
database of its own, topics under onegrid.bench., a consumer group bench-…, all removed when
it ends, however it ends."""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from confluent_kafka import Producer
from sqlalchemy import Engine, text

from bench.common import bench_database, bench_settings, line, remove_from_broker
from bench.ingest import bench_dataset, city_points, envelopes, produce, signing_key
from onegrid.ingest.fairness import BATCH_SECONDS
from onegrid.ingest.signing import SIGNATURE_HEADER, signature
from onegrid.ingest.topics import ensure_topics
from onegrid.platform.settings import Settings
from onegrid.platform.streams import topic_for

TARGET_P95 = 5.0
"""Issue 28's acceptance: the trickle's publish-to-stored p95, in seconds."""
LOOK_EVERY = 0.1
"""How often the store is asked which trickle records it holds (a latency's resolution)."""


def stored(engine: Engine, dataset: str) -> int:
    """Messages of ``dataset`` the workers have stored or refused, by the store's counters."""
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT coalesce(sum(received), 0) FROM ingest_counter WHERE dataset = :d"),
            {"d": dataset}).scalar_one())


@contextmanager
def workers(settings: Settings, datasets: list[str], count: int, group: str
            ) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` `onegrid ingest run` processes in ``group`` on ``datasets`` (in the database
    and under the topic prefix of ``settings``), stopped at the end."""
    env = {**os.environ, "DATABASE_URL": settings.database_url,
           "ONEGRID_INGEST_DATABASE_URL": settings.ingest_database_url,
           "ONEGRID_TOPIC_PREFIX": settings.topic_prefix}
    command = [sys.executable, "-m", "onegrid.cli", "ingest", "run", "--group", group]
    for dataset in datasets:
        command += ["--dataset", dataset]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for _ in range(count)]
    try:
        yield processes
    finally:
        for process in processes:
            process.terminate()
            process.wait(30)


def wait_until(done: Callable[[], bool], processes: list[subprocess.Popen[bytes]], what: str,
               timeout: float) -> None:
    """Waits for ``done``; raises if a worker exits or ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while not done():
        if any(p.poll() is not None for p in processes):
            raise RuntimeError(f"an ingest worker exited while {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{timeout:.0f} s passed while {what}")
        time.sleep(0.1)


class Trickle:
    """Publishes ``rate`` new subjects a second to ``dataset``'s topic on a thread of its own,
    and watches the store for their records on another: ``latencies`` maps each subject key to
    the seconds from its publication to its record's first sight."""

    def __init__(self, settings: Settings, engine: Engine, dataset: str, rate: float,
                 key: tuple[str, str], points: list[tuple[float, float]]) -> None:
        self.settings, self.engine, self.dataset, self.rate, self.key = \
            settings, engine, dataset, rate, key
        self.published: dict[str, float] = {}  # subject key → time.monotonic() of its produce
        self.latencies: dict[str, float] = {}
        self._pairs = envelopes(dataset, 10_000_000, 0.0, points, seed=3)
        self._lock = threading.Lock()
        self.publishing, self.watching = threading.Event(), threading.Event()
        self._threads = [threading.Thread(target=self._publish, daemon=True),
                         threading.Thread(target=self._watch, daemon=True)]

    def __enter__(self) -> Trickle:
        self.publishing.set()
        self.watching.set()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.publishing.clear()
        self.watching.clear()
        for thread in self._threads:
            thread.join(30)

    def stop_publishing(self) -> set[str]:
        """Stops publishing; returns the subject keys published so far."""
        self.publishing.clear()
        self._threads[0].join(30)
        with self._lock:
            return set(self.published)

    def wait_stored(self, keys: set[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not keys <= self.latencies.keys() and time.monotonic() < deadline:
            time.sleep(LOOK_EVERY)

    def _publish(self) -> None:
        topic = topic_for(self.dataset, self.settings.topic_prefix)
        producer = Producer({**self.settings.kafka, "enable.idempotence": True,
                             "linger.ms": 0})
        start = time.monotonic()
        sent = 0
        while self.publishing.is_set():
            subject, value = next(self._pairs)
            producer.produce(topic, key=subject, value=value,
                             headers=[(SIGNATURE_HEADER, signature(*self.key, value))])
            with self._lock:
                self.published[subject] = time.monotonic()
            producer.poll(0)
            sent += 1
            time.sleep(max(0.0, start + sent / self.rate - time.monotonic()))
        producer.flush(30)

    def _watch(self) -> None:
        with self.engine.connect() as conn:
            while self.watching.is_set():
                with self._lock:
                    waiting = [k for k in self.published if k not in self.latencies]
                if waiting:
                    seen = conn.execute(text(
                        "SELECT subject_key FROM record WHERE dataset_id = :d "
                        "AND subject_key = ANY(:keys)"),
                        {"d": self.dataset, "keys": waiting}).scalars().all()
                    conn.commit()
                    now = time.monotonic()
                    with self._lock:
                        for k in seen:
                            self.latencies[k] = now - self.published[k]
                time.sleep(LOOK_EVERY)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (the smallest value at least ``share`` of them reach)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


@dataclass(frozen=True)
class Fairness:
    p95: float  # the trickle's publish-to-stored p95, seconds
    pace: float  # the backlog's messages a worker stored a second


def run(settings: Settings, engine: Engine, backlog: int, rate: float, count: int
        ) -> Fairness:
    """The whole measurement in the bench's database (``engine``), with ``settings`` from
    bench_settings (or another topic prefix of its own). Raises when
    a worker exits or stalls, or an envelope of the trickle is never stored."""
    slow, fast = bench_dataset(engine, "backlog"), bench_dataset(engine, "trickle")
    topics = [topic_for(d, settings.topic_prefix) for d in (slow, fast)]
    group = f"bench-{uuid.uuid4().hex[:8]}"
    try:
        ensure_topics(settings.kafka, [slow, fast], prefix=settings.topic_prefix)
        key, points = signing_key(settings, engine), city_points(engine)
        started = time.perf_counter()
        produce(settings, topics[0], envelopes(slow, backlog, 0.0, points), key)
        print(f"{backlog:,} envelopes queued on {topics[0]} in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        with workers(settings, [slow, fast], count, group) as processes:
            # under way: the group joined, and every worker's first read-ahead, fetched before
            # it had taken a batch, is behind it (a tenth of the backlog)
            wait_until(lambda: stored(engine, slow) >= backlog // 10, processes, "joining",
                       120 + backlog / 10_000)
            started = time.perf_counter()
            with Trickle(settings, engine, fast, rate, key, points) as trickle:
                wait_until(lambda: stored(engine, slow) >= backlog, processes,
                           "draining the backlog", 120 + backlog / 1000)
                drained = time.perf_counter()
                during = trickle.stop_publishing()
                trickle.wait_stored(during, 60)
    finally:
        remove_from_broker(settings.kafka, topics, [group])
    missing = during - trickle.latencies.keys()
    if missing:
        raise RuntimeError(f"{len(missing)} of the trickle's {len(during)} envelopes were not "
                           "stored within 60 s of the backlog's end")
    latencies = [trickle.latencies[k] for k in during]
    p95 = percentile(latencies, 0.95)
    rest = backlog - backlog // 10
    line(f"backlog drained, {count} worker(s)", f"the last {rest:,} in {drained - started:.1f} s "
         f"({rest / (drained - started):,.0f} events/s)")
    line(f"trickle: {len(during):,} envelopes at {rate:g}/s", f"publish → stored p50 "
         f"{statistics.median(latencies):.2f} s, p95 {p95:.2f} s, max {max(latencies):.2f} s")
    pace = rest / (drained - started) / count
    line("one worker's pace", f"{pace:,.0f} events/s: a batch of {settings.ingest_batch:,} "
         f"in {settings.ingest_batch / pace:.2f} s (the trickle waits about three turns of "
         f"≤ {BATCH_SECONDS:g} s)")
    line(f"target: p95 ≤ {TARGET_P95:g} s", "met" if p95 <= TARGET_P95 else "missed")
    return Fairness(p95, pace)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backlog", type=int, default=1_000_000,
                        help="envelopes queued on one dataset's topic before the workers start")
    parser.add_argument("--rate", type=float, default=20.0,
                        help="the trickle on the other dataset's topic, envelopes a second")
    parser.add_argument("--workers", type=int, default=2,
                        help="ingest worker processes in one consumer group (one per core)")
    args = parser.parse_args()
    settings = Settings.from_env()
    print("preparing a bench database with the demo city …", flush=True)
    with bench_database(settings, "onegrid_bench_fairness") as engine:
        run(bench_settings(settings, engine), engine, args.backlog, args.rate, args.workers)


if __name__ == "__main__":
    main()
