"""No message and no passing fault of the store stops the worker: tickets the issue loop
refuses become dead letters, and a connection cut mid-run is made again (real store, broker)."""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import yaml
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session

from onegrid.demo import factories
from onegrid.demo.datasets import SPECS
from onegrid.ingest.topics import ensure_topics
from onegrid.ingest.worker import Worker
from onegrid.ingest.writer import BatchWriter, Delivery
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.catalog import register, rules
from onegrid.platform.streams import topic_for
from tests.ingest.conftest import (
    accepted,
    counters,
    encode,
    produce,
    running,
    wait_for,
)
from tests.ingest.test_faults import ticket

pytestmark = pytest.mark.usefixtures("city")
HOTLINE = "hotline.ticket"  # the bridge into the issue loop is the dataset's, by this id


@pytest.fixture
def hotline(engine: Engine, own_prefix: Settings) -> Iterator[str]:
    """hotline.ticket registered and committed, its topic under the test's prefix; what the
    test stored under that prefix, and a registration it made, are removed afterwards."""
    with Session(engine) as session:
        known = session.scalar(text("SELECT count(*) FROM dataset WHERE id = :d"), {"d": HOTLINE})
        if not known:
            register(session, yaml.safe_load(SPECS.joinpath(f"{HOTLINE}.yaml").read_text("utf-8")))
            session.commit()
    yield topic_for(HOTLINE, own_prefix.topic_prefix)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM dead_letter WHERE topic LIKE :p || '%'"),
                     {"p": own_prefix.topic_prefix})
        conn.execute(text("DELETE FROM ingest_counter WHERE dataset = :d"), {"d": HOTLINE})
        if not known:
            conn.execute(text("DELETE FROM dataset WHERE id = :d"), {"d": HOTLINE})


def _letters(engine: Engine, topic: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(text('SELECT reason FROM dead_letter WHERE topic = :t '
                                      'ORDER BY "offset"'), {"t": topic}))


def test_tickets_the_loop_refuses_do_not_stop_the_worker(own_prefix, engine, dataset,
                                                         hotline) -> None:
    """Before, each of these tickets failed its batch, the worker exited, and its restart
    failed on the same batch: ingest stopped for every dataset."""
    ensure_topics(own_prefix.kafka, [HOTLINE, dataset.id],
                  prefix=own_prefix.topic_prefix)
    business = topic_for(dataset.id, own_prefix.topic_prefix)
    rng = random.Random(12)

    def businesses(n: int) -> list[bytes]:
        return [encode(dataset.message(subject_key=factories.credit_code(rng),
                                       record_id=f"b{uuid.uuid4().hex[:6]}")) for _ in range(n)]

    produce(own_prefix, hotline, [encode(ticket(21, issue_category="C9999")),
                                  encode(ticket(22, description=""))])
    produce(own_prefix, business, businesses(10))
    worker = Worker(own_prefix, engine, f"test-{uuid.uuid4().hex[:8]}",
                    datasets=[HOTLINE, dataset.id])
    with running(worker) as thread:
        wait_for(engine, dataset.id, received=10)
        deadline = time.monotonic() + 30
        while len(_letters(engine, hotline)) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        produce(own_prefix, business, businesses(5))  # and it goes on
        after = wait_for(engine, dataset.id, received=15)
        assert thread.is_alive()
    assert after == {"received": 15, "new": 15, "merged": 0, "dead_letters": 0}
    assert _letters(engine, hotline) == [
        "the ticket cannot open an issue in the loop: unknown category 'C9999' "
        "(see /open311/v2/services.json)",
        "the ticket cannot open an issue in the loop: describe the issue in a few words"]


def test_a_writer_cut_off_mid_batch_writes_the_batch_again(settings, engine, dataset,
                                                           caplog) -> None:
    """The batch waits on a lock, its connection is terminated meanwhile: the writer connects
    again (a new session: staging and settings made again) and writes the same batch, once."""
    caplog.set_level(logging.INFO, logger="onegrid.ingest.writer")
    group = f"cut-{uuid.uuid4().hex[:8]}"
    with Session(engine) as session:
        catalog = rules(session)
        departments: dict[str, int] = dict(
            session.execute(text("SELECT code, id FROM department")).all())
    values = [encode(dataset.message(subject_key=factories.credit_code(random.Random(n)),
                                     record_id=f"c{n}")) for n in range(3)]
    batch = [(Delivery(dataset.topic, 0, n, None, v),
              accepted(v, dataset.topic, catalog, settings.pii_key)) for n, v in enumerate(values)]
    with engine.connect() as own, engine.connect() as locker:
        writer = BatchWriter(own, group, lambda: departments)
        first = _backend(own)
        locker.execute(text("INSERT INTO ingest_offset (consumer_group, topic, partition, "
                            "next_offset) VALUES (:g, :t, 0, 0)"), {"g": group, "t": dataset.topic})
        locker.commit()
        locker.execute(text("SELECT * FROM ingest_offset WHERE consumer_group = :g FOR UPDATE"),
                       {"g": group})
        with ThreadPoolExecutor(1) as pool:
            written = pool.submit(writer.write, batch, [])
            _wait_until_waiting(locker, first)
            locker.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first})
            time.sleep(1.0)  # it connects again, and waits on the lock again
            locker.commit()
            outcome = written.result(timeout=30)
        second = _backend(own)
    assert second != first
    assert "the connection to the store was lost; writing the batch again" in caplog.text
    assert outcome.dead_letters == []
    assert counters(engine, dataset.id) == {"received": 3, "new": 3, "merged": 0,
                                            "dead_letters": 0}
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT next_offset FROM ingest_offset WHERE consumer_group = :g"),
                           {"g": group}) == 3


def _backend(conn: Connection) -> int:
    pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    conn.commit()
    return int(pid)


def _wait_until_waiting(conn: Connection, pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        waiting = conn.scalar(text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity "
                                   "WHERE pid = :p"), {"p": pid})
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the writer never waited on the lock")


def test_the_worker_goes_on_when_its_store_connections_are_cut_mid_run(settings, engine,
                                                                       dataset, caplog) -> None:
    """pg_terminate_backend on the worker's connections (its writer's, the catalog's) while it
    works, after each of three waves of messages has begun to be stored: each batch the cut
    hit is written again, none twice, nothing becomes a dead letter, the worker goes on."""
    caplog.set_level(logging.INFO, logger="onegrid.ingest.writer")
    wave, waves = 1000, 3
    rng = random.Random(13)
    name = f"test-{uuid.uuid4().hex[:8]}"
    own = create_engine(settings.ingest_database_url, connect_args={"application_name": name})
    # unsigned messages, as a development store takes them (signatures: test_signing.py)
    worker = Worker(replace(settings, ingest_batch=100, require_signatures=False), own, name,
                    datasets=[dataset.id])
    with running(worker) as thread, engine.connect() as conn:
        for w in range(waves):
            produce(settings, dataset.topic, [encode(dataset.message(
                subject_key=factories.credit_code(rng), record_id=f"m{w}-{i}"))
                for i in range(wave)])
            wait_for(engine, dataset.id, received=w * wave + 1)
            # mid-wave, or after it: then the next wave's first batch finds the cut
            assert conn.scalar(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :a"), {"a": name})
            conn.commit()
        seen = wait_for(engine, dataset.id, received=waves * wave, seconds=90)
        assert thread.is_alive()
    own.dispose()
    n = waves * wave
    assert seen == {"received": n, "new": n, "merged": 0, "dead_letters": 0}
    retries = caplog.text.count("the connection to the store was lost; writing the batch again")
    assert retries >= waves - 1
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM dead_letter WHERE topic = :t"),
                           {"t": dataset.topic}) == 0
        assert conn.scalar(text("SELECT count(*) FROM record WHERE dataset_id = :d"),
                           {"d": dataset.id}) == n
