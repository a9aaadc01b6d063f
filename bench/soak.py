"""Soak: the web and an ingest worker under steady load, and how their resident memory grows.

    deploy/with-env.sh --admin .venv/bin/python -m bench.soak [--minutes 20] [--rate 1000]

(`make soak`.) It serves the web as `make run` does (gunicorn, workers with threads) and runs
`onegrid ingest run`, both on a database of its own with the demo city, publishes signed
envelopes at ``--rate`` a second (half of them re-reports, a third of those changed) while a
reader asks the API and the pages a few times a second, and samples the resident memory (RSS)
of the web (its master and workers) and of the worker every 10 s. The target: each grows by
less than 10 % from the end of the warm-up (the first tenth of the run, at least 30 s, and the
worker caught up with what was published while it joined) to the end. It also checks that
ingest kept up (the lag at the end) and that the web answered without a server error.

Beside the platform without touching it (bench/common.py): its database, its topic under
onegrid.bench., its consumer group; all removed when it ends, however it ends."""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests
from confluent_kafka import Producer
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bench.api import serve
from bench.common import bench_database, bench_settings, line, remove_from_broker
from bench.ingest import bench_dataset, city_points, envelopes, signing_key
from onegrid.ingest.signing import SIGNATURE_HEADER, signature
from onegrid.ingest.topics import ensure_topics
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.tokens import create_token
from onegrid.platform.streams import topic_for

SAMPLE_S = 10.0
TARGET_GROWTH = 0.10
"""Issue 28: resident memory of the web and of ingest grows by less than 10 %."""


def rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants (gunicorn's workers), in kB."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        total += next((int(row.split()[1]) for row in status.splitlines()
                       if row.startswith("VmRSS:")), 0)
    return total


@dataclass
class Samples:
    web: list[int] = field(default_factory=list)
    ingest: list[int] = field(default_factory=list)
    at: list[float] = field(default_factory=list)
    lag: list[int] = field(default_factory=list)  # events published, not yet stored


def publish(settings: Settings, topic: str, pairs: Iterator[tuple[str, bytes]],
            key: tuple[str, str], rate: int, until: float, sent: list[int]) -> None:
    """``rate`` signed envelopes a second, in tenths of a second, until ``until``."""
    producer = Producer({**settings.kafka, "enable.idempotence": True, "linger.ms": 20})
    tick = time.monotonic()
    while tick < until:
        for subject, value in itertools.islice(pairs, rate // 10):
            producer.produce(topic, key=subject, value=value,
                             headers=[(SIGNATURE_HEADER, signature(*key, value))])
            sent[0] += 1
        producer.poll(0)
        tick += 0.1
        time.sleep(max(0.0, tick - time.monotonic()))
    producer.flush(60)


def read(base: str, token: str, dataset: str, until: float, answers: list[int]) -> None:
    """What the platform's readers ask, about five times a second."""
    auth = {"Authorization": f"Bearer {token}"}
    paths = [f"/api/v1/datasets/{dataset}/records?limit=100", "/ogc/collections", "/healthz",
             "/metrics", "/open311/v2/services.json", f"/api/v1/datasets/{dataset}/changes"]
    http = requests.Session()
    for path in itertools.cycle(paths):
        if time.monotonic() > until:
            return
        answers.append(http.get(base + path, headers=auth, timeout=30).status_code)
        time.sleep(0.2)


def stored(engine: Engine, dataset: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(sum(received), 0) FROM ingest_counter "
                                     "WHERE dataset = :d"), {"d": dataset}).scalar_one())


def soak(settings: Settings, engine: Engine, minutes: float, rate: int, port: int) -> bool:
    dataset = bench_dataset(engine, "soak")
    group = f"bench-soak-{uuid.uuid4().hex[:6]}"
    ensure_topics(settings.kafka, [dataset], prefix=settings.topic_prefix)
    topic = topic_for(dataset, settings.topic_prefix)
    key = signing_key(settings, engine)
    with Session(engine) as session:
        _, token = create_token(session, "ZHZX", "soak")
        session.commit()
    seconds = minutes * 60
    pairs = envelopes(dataset, int(rate * seconds * 1.1) + rate, 0.5, city_points(engine))
    env = {"DATABASE_URL": settings.database_url,
           "ONEGRID_INGEST_DATABASE_URL": settings.ingest_database_url,
           "ONEGRID_TOPIC_PREFIX": settings.topic_prefix}
    port = port or _free_port()
    base = f"http://127.0.0.1:{port}"
    web = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
           "--threads", "4", "onegrid.api:create_app()"]
    samples, sent, answers = Samples(), [0], list[int]()
    try:
        with serve(web, env, f"{base}/healthz"):
            ingest = subprocess.Popen([sys.executable, "-m", "onegrid.cli", "ingest", "run",
                                       "--group", group, "--dataset", dataset],
                                      env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            web_pid = _listener(port)
            started = time.monotonic()
            until = started + seconds
            threads = [threading.Thread(target=publish, args=(settings, topic, pairs, key,
                                                               rate, until, sent)),
                       threading.Thread(target=read, args=(base, token, dataset, until,
                                                           answers))]
            for thread in threads:
                thread.start()
            try:
                while time.monotonic() < until:
                    time.sleep(SAMPLE_S)
                    samples.web.append(rss_kb(web_pid))
                    samples.ingest.append(rss_kb(ingest.pid))
                    samples.at.append(time.monotonic() - started)
                    samples.lag.append(sent[0] - stored(engine, dataset))
                    print(f"  {samples.at[-1]:6.0f} s  web {samples.web[-1] / 1024:6.1f} MB  "
                          f"ingest {samples.ingest[-1] / 1024:6.1f} MB  sent {sent[0]:,}  "
                          f"lag {samples.lag[-1]:,}", flush=True)
                for thread in threads:
                    thread.join()
                lag = sent[0] - stored(engine, dataset)
            finally:
                ingest.terminate()
                ingest.wait(30)
    finally:
        remove_from_broker(settings.kafka, [topic], [group])
    return report(samples, seconds, rate, sent[0], lag, answers)


def report(samples: Samples, seconds: float, rate: int, sent: int, lag: int,
           answers: list[int]) -> bool:
    """The growth from the end of the warm-up: the first tenth of the run (at least 30 s),
    and the worker caught up with what was published while it joined its group (its fetch
    buffers and the batch in hand are full from then on)."""
    warm = max(30.0, seconds / 10)
    first = next((i for i, (at, behind) in enumerate(zip(samples.at, samples.lag, strict=True))
                  if at >= warm and behind <= 2 * rate), len(samples.at) - 1)
    line("warm-up ended at", f"{samples.at[first]:.0f} s")
    held = True
    line("events published, a second", f"{sent / seconds:,.0f}")
    line("ingest lag at the end (events)", f"{lag:,}")
    errors = sum(status >= 500 for status in answers)
    line("web answers / server errors", f"{len(answers):,} / {errors}")
    for name, rss in (("web", samples.web), ("ingest", samples.ingest)):
        growth = rss[-1] / rss[first] - 1
        held &= growth < TARGET_GROWTH
        line(f"{name} RSS after warm-up → end",
             f"{rss[first] / 1024:.1f} MB → {rss[-1] / 1024:.1f} MB ({growth:+.1%}; "
             f"target < {TARGET_GROWTH:.0%})")
    return held and errors == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listener(port: int) -> int:
    """The pid of the process listening on ``port`` (gunicorn's master)."""
    found = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True,
                           text=True).stdout
    return int(found.split("pid=")[1].split(",")[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--rate", type=int, default=1000, help="events a second")
    parser.add_argument("--port", type=int, default=0, help="the web's (default: a free one)")
    args = parser.parse_args()
    base = Settings.from_env()
    print(f"bench.soak: {args.minutes:g} minutes at {args.rate:,} events/s", flush=True)
    with bench_database(base, "onegrid_soak", warm=False) as engine:
        held = soak(bench_settings(base, engine), engine, args.minutes, args.rate,
                    args.port)
    print("target held" if held else "target missed", flush=True)
    sys.exit(0 if held else 1)


if __name__ == "__main__":
    main()
