"""Event → screen latency while ingest is busy: a 12345 hotline ticket's publication to its issue
on the command centre's live feed, with records being ingested at 2,000 a second meanwhile.

    deploy/with-env.sh --admin .venv/bin/python -m bench.feed [--rate 2000] [--tickets 120]
        [--workers 2] [--ports 8403 8404]

A bench database of its own (the demo city and datasets). ``--workers`` `onegrid ingest run`
processes in one group consume a business dataset's topic (4 partitions) and hotline.ticket's,
under onegrid.bench.; the site (gunicorn) signs an operator in and the stream service (uvicorn)
serves the live feed, which one wall reads. Every envelope is made and signed before timing.
Then records are published at ``--rate`` a second (open loop, a twentieth of a second's worth
at a time) and, every half second, a ticket at a grid of its own (two tickets never merge into
one issue). A ticket's latency runs from its publication to the wall reading the new_issue
event of its issue, matched by location. Prints p50 and p95 (target: p95 ≤ 2 s) and the rate
at which the records were published and stored meanwhile."""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import UTC, datetime

from confluent_kafka import Producer
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bench.api import serve
from bench.common import (
    BENCH_PREFIX,
    bench_database,
    bench_settings,
    line,
    remove_from_broker,
)
from bench.ingest import bench_dataset, city_points, envelopes, signing_key
from bench.web_load import signed_in
from onegrid.ingest.signing import SIGNATURE_HEADER, signature
from onegrid.ingest.topics import ensure_topics
from onegrid.platform.accounts.ingest_keys import publishing_key
from onegrid.platform.settings import Settings
from onegrid.platform.streams import topic_for

TARGET_P95 = 2.0
TICKETS = "hotline.ticket"
TICKET_EVERY = 0.5  # seconds between two tickets
SLICES = 20  # the records' publication is paced a twentieth of a second at a time
Message = tuple[str, bytes, bytes]  # key, value, signature


def tickets(engine: Engine, count: int, key: tuple[str, str]) -> list[tuple[Message, float,
                                                                              float]]:
    """``count`` signed tickets, each at a point of a grid of its own (farther apart than the
    loop's merge radius), with that point."""
    with engine.connect() as conn:
        points = conn.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM area "
            "WHERE level = 'grid' ORDER BY code LIMIT :n) g"), {"n": count}).all()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    made = []
    for n, (lon, lat) in enumerate(points):
        ticket = f"RXBENCH{uuid.uuid4().hex[:12]}"
        value = json.dumps({
            "dataset": TICKETS, "department": "RX12345", "record_id": ticket,
            "subject_key": ticket, "occurred_at": now, "crs": "EPSG:4490",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "attributes": {"category": "市容环境", "issue_category": "E0102",
                           "description": f"人行道上垃圾堆积无人清理（{n}）", "channel": "电话",
                           "caller_phone": "13800000000", "status": "已受理"}},
            ensure_ascii=False).encode()
        made.append(((ticket, value, signature(*key, value)), lon, lat))
    return made


def signed(pairs: Iterator[tuple[str, bytes]], key: tuple[str, str]) -> list[Message]:
    return [(subject, value, signature(*key, value)) for subject, value in pairs]


def publish(producer: Producer, topic: str, message: Message) -> None:
    subject, value, sig = message
    while True:
        try:
            producer.produce(topic, key=subject, value=value,
                             headers=[(SIGNATURE_HEADER, sig)])
            return
        except BufferError:
            producer.poll(0.05)


def paced(producer: Producer, topic: str, messages: list[Message], rate: float,
          stop: threading.Event, published: list[int]) -> None:
    """``messages`` published at ``rate`` a second, open loop, until done or ``stop``;
    ``published[0]`` counts them."""
    step = max(1, int(rate / SLICES))
    started = time.perf_counter()
    for n in range(0, len(messages), step):
        if stop.is_set():
            return
        time.sleep(max(0.0, started + n / rate - time.perf_counter()))
        for message in messages[n:n + step]:
            publish(producer, topic, message)
        producer.poll(0)
        published[0] = n + step


@contextmanager
def wall(stream: str, site: str, seen: list[tuple[float, float, float]]) -> Iterator[None]:
    """One operator's live feed read on a thread of its own: (time read, lon, lat) of each
    new_issue event appended to ``seen``."""
    operator, stop, opened = signed_in(site), threading.Event(), threading.Event()

    def read() -> None:
        with operator.get(f"{stream}/screen/feed", stream=True, timeout=120) as response:
            response.raise_for_status()
            kind = ""
            for received in response.iter_lines():
                opened.set()
                raw = received.decode()
                if stop.is_set():
                    return
                if raw.startswith("event: "):
                    kind = raw[len("event: "):]
                elif raw.startswith("data: ") and kind == "new_issue":
                    data = json.loads(raw[len("data: "):])
                    seen.append((time.perf_counter(), data["lon"], data["lat"]))
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not opened.wait(30):
        raise RuntimeError("the live feed did not open")
    try:
        yield
    finally:
        stop.set()


def latencies(sent: list[tuple[float, float, float]],
              seen: list[tuple[float, float, float]]) -> list[float]:
    """Each ticket's time from publication to the wall, matched by location (seconds)."""
    found = []
    for at, lon, lat in sent:
        read = [t for t, x, y in seen if math.isclose(x, lon, abs_tol=1e-6)
                and math.isclose(y, lat, abs_tol=1e-6)]
        if read:
            found.append(read[0] - at)
    return found


@contextmanager
def ingesting(workers: int, env: dict[str, str], group: str, dataset: str) -> Iterator[None]:
    """``workers`` `onegrid ingest run` processes in ``group`` on the records and tickets."""
    processes = [subprocess.Popen(
        [sys.executable, "-m", "onegrid.cli", "ingest", "run", "--group", group, "--dataset",
         dataset, "--dataset", TICKETS], env={**os.environ, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
            process.wait(30)


def caught_up(engine: Engine, dataset: str, published: list[int], rate: float,
              seconds: float = 180) -> None:
    """Wait until the workers have joined their group and drained what was published before
    (to within a second's worth): from then on they ingest at the publishing rate."""
    deadline = time.monotonic() + seconds
    while True:
        done = stored(engine, dataset)
        if done and done >= published[0] - rate:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the workers did not catch up in {seconds:.0f} s")
        time.sleep(0.5)


def stored(engine: Engine, dataset: str, column: str = "received") -> int:
    """The dataset's messages handled (``received``) or dead-lettered (``dead_letters``)."""
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT coalesce(sum({column}), 0) FROM ingest_counter "
                                     "WHERE dataset = :d"), {"d": dataset}).scalar_one())


def run(settings: Settings, engine: Engine, rate: float, count: int, workers: int,
        ports: tuple[int, int]) -> None:
    dataset = bench_dataset(engine, "feed")
    group = f"bench-{uuid.uuid4().hex[:8]}"
    topics = [topic_for(d, settings.topic_prefix) for d in (dataset, TICKETS)]
    seconds = count * TICKET_EVERY
    with Session(engine) as session:
        ticket_key = publishing_key(session, "RX12345", settings.secret_key, "bench")
        session.commit()
    ensure_topics(settings.kafka, [dataset], partitions=4, prefix=settings.topic_prefix)
    ensure_topics(settings.kafka, [TICKETS], partitions=1, prefix=settings.topic_prefix)
    # enough for the workers' start (up to a minute on a busy machine) and the tickets'
    records = signed(envelopes(dataset, int(rate * (seconds + 70)), 0.0, city_points(engine)),
                     signing_key(settings, engine))
    ticketed = tickets(engine, count, ticket_key)
    url = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    env = {"DATABASE_URL": url, "ONEGRID_INGEST_DATABASE_URL": url,
           "ONEGRID_TOPIC_PREFIX": settings.topic_prefix, "ONEGRID_STREAM_PORT": str(ports[1]),
           "ONEGRID_FEED_SECONDS": str(seconds + 120)}
    site, stream = (f"http://127.0.0.1:{p}" for p in ports)
    producer = Producer({**settings.kafka, "linger.ms": 5,
                         "queue.buffering.max.messages": 1_000_000})
    sent: list[tuple[float, float, float]] = []
    seen: list[tuple[float, float, float]] = []
    stop = threading.Event()
    try:
        with ExitStack() as stack:
            stack.enter_context(serve([sys.executable, "-m", "gunicorn", "-w", "1", "-b",
                                       f"127.0.0.1:{ports[0]}", "onegrid.api:create_app()"],
                                      env, f"{site}/healthz"))
            stack.enter_context(serve([
                sys.executable, "-m", "uvicorn", "--factory",
                "onegrid.api.screen.stream:create_stream_app", "--port", str(ports[1]),
                "--log-level", "warning", "--no-access-log"], env, f"{stream}/screen/feed"))
            stack.enter_context(ingesting(workers, env, group, dataset))
            stack.enter_context(wall(stream, site, seen))
            published = [0]
            loader = threading.Thread(target=paced, args=(producer, topics[0], records, rate,
                                                          stop, published))
            loader.start()
            caught_up(engine, dataset, published, rate)
            time.sleep(5)  # ingest at its pace before the first ticket
            before, started = stored(engine, dataset), time.perf_counter()
            for n, (message, lon, lat) in enumerate(ticketed):
                time.sleep(max(0.0, started + n * TICKET_EVERY - time.perf_counter()))
                publish(producer, topics[1], message)
                sent.append((time.perf_counter(), lon, lat))
                producer.poll(0)
            window = time.perf_counter() - started
            stored_rate = (stored(engine, dataset) - before) / window
            stop.set()
            loader.join()
            deadline = time.monotonic() + 30
            while len(seen) < len(sent) and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        stop.set()
        producer.flush(30)
        remove_from_broker(settings.kafka, topics, [group])
    report(latencies(sent, seen), len(sent), stored_rate, rate)
    line("records and tickets dead-lettered", f"{stored(engine, dataset, 'dead_letters')} and "
         f"{stored(engine, TICKETS, 'dead_letters')}")


def report(found: list[float], sent: int, stored_rate: float, rate: float) -> None:
    line("load average (1 min) at the end", f"{os.getloadavg()[0]:.1f}")
    line(f"records stored a second (published at {rate:,.0f})", f"{stored_rate:,.0f}")
    line("tickets on the wall", f"{len(found)} of {sent}")
    if len(found) < 2:
        line("ticket → wall", "too few tickets reached the wall to say")
        return
    cuts = statistics.quantiles(found, n=20)
    p50, p95 = statistics.median(found), cuts[18]
    verdict = "met" if p95 <= TARGET_P95 and len(found) == sent else "NOT met"
    line("ticket → wall p50 / p95", f"{p50:.2f} / {p95:.2f} s  "
         f"(target p95 ≤ {TARGET_P95:.0f} s: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=2000.0, help="records published a second")
    parser.add_argument("--tickets", type=int, default=120, help="one every half second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ports", type=int, nargs=2, default=(58111, 58112),
                        help="the site's and the stream service's")
    args = parser.parse_args()
    settings = Settings.from_env()
    print("preparing a bench database with the demo city …", flush=True)
    with bench_database(settings, "onegrid_bench_feed", warm=False) as engine:
        # Topics of its own under the benches' prefix (hotline.ticket's too).
        own = replace(bench_settings(settings, engine), topic_prefix=f"{BENCH_PREFIX}feed.")
        run(own, engine, args.rate, args.tickets, args.workers,
            tuple(args.ports))


if __name__ == "__main__":
    main()
