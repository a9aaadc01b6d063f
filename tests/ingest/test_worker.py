"""The worker on the real broker: poison messages, any client, races between workers (SIGKILL
at random moments: tests/faults/test_worker_kills.py)."""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import pytest
from confluent_kafka import Consumer, TopicPartition
from kafka import KafkaProducer
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from onegrid.demo import factories
from onegrid.ingest.contract import MAX_MESSAGE_BYTES
from onegrid.ingest.decode import Report
from onegrid.ingest.worker import Worker
from onegrid.ingest.writer import BatchWriter, Delivery
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.catalog import rules
from tests.ingest.conftest import (
    Dataset,
    accepted,
    encode,
    produce,
    running,
    wait_for,
)

pytestmark = pytest.mark.usefixtures("city")


@pytest.fixture
def worker(settings: Settings, ingest_engine: Engine, dataset: Dataset) -> Iterator[Worker]:
    # unsigned messages, as a development store takes them (signatures: test_signing.py)
    worker = Worker(replace(settings, require_signatures=False), ingest_engine,
                    group=f"test-{uuid.uuid4().hex[:8]}", datasets=[dataset.id])
    with running(worker):
        yield worker


POISON = {
    "not JSON": (b"{not json", "not JSON"),
    "not UTF-8": ("名称".encode("gbk"), "not UTF-8"),
    "a tombstone": (None, "no value"),
    "oversized": (b"{" + b" " * (MAX_MESSAGE_BYTES + 1) + b"}", "the limit is"),
    "envelope without subject_key": ({"dataset": "X", "department": "SCJG"}, "subject_key"),
    "schema-invalid attributes": ({"employees": "many"},
                                  'employees is not of type "integer"'),
    "bad credit-code check character": ({"subject_key": factories.corrupt(
        "91330302MA2AXXXXX8")}, "check character is wrong"),
    "bad resident-ID check character": ({"legal_person_id": "330302198001011231"},
                                        'legal_person_id is not a "resident-id"'),
    "outside the city": ({"geometry": {"type": "Point", "coordinates": [121.47, 31.23]}},
                         "outside the city"),
    "unknown CRS": ({"crs": "EPSG:3857"}, "unknown CRS 'EPSG:3857'"),
    "unknown dataset": ({"dataset": "no.such"}, "unknown dataset 'no.such'"),
    "not a contributor": ({"department": "GAJ"}, "may not contribute"),
    "naive timestamp": ({"occurred_at": "2026-11-20T08:00:00"}, "no UTC offset"),
    "a NUL character": ({"name": "温州\x00商贸"}, "attributes.name contains the character U+0000"),
}


def _poison(dataset: Dataset, name: str) -> bytes | None:
    value, _ = POISON[name]
    if value is None or isinstance(value, bytes):
        return value
    message = dataset.message(subject_key="91330302MA2AXXXXX8")
    if value.keys() & {"employees", "legal_person_id", "name"}:
        message["attributes"].update(value)
    elif set(value) == {"dataset", "department"}:
        message = value
    else:
        message.update(value)
    return encode(message)


def test_every_poison_message_is_a_dead_letter_with_its_reason(settings, engine, dataset,
                                                               worker) -> None:
    rng = random.Random(7)
    good = [encode(dataset.message(subject_key=factories.credit_code(rng), record_id=f"g{n}"))
            for n in range(20)]
    values = good[:10] + [_poison(dataset, name) for name in POISON] + good[10:]
    produce(settings, dataset.topic, values)
    deadline = time.monotonic() + 60
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            letters = conn.execute(text("SELECT reason FROM dead_letter WHERE topic = :t"),
                                   {"t": dataset.topic}).scalars().all()
            stored = conn.scalar(text("SELECT count(*) FROM record WHERE dataset_id = :d"),
                                 {"d": dataset.id})
            if len(letters) == len(POISON) and stored == 20:
                break
            time.sleep(0.3)
    assert stored == 20, "the worker went on after the poison and stored every good message"
    for name, (_, expected) in POISON.items():
        assert any(expected in reason for reason in letters), (name, letters)


def test_a_message_from_an_independent_kafka_client_is_ingested(settings, engine, dataset,
                                                                worker) -> None:
    """kafka-python implements the protocol itself (no librdkafka), as a Java or Go client
    would; the message is written by hand from docs/ingest.md, not by our code."""
    value = ('{"dataset": "' + dataset.id + '", "department": "SCJG", "record_id": "kp-1", '
             '"subject_key": "91330302MA2AXXXXX8", "occurred_at": "2026-11-20T08:00:00+08:00", '
             '"crs": "GCJ-02", "geometry": {"type": "Point", "coordinates": [120.6596, 28.0113]},'
             ' "attributes": {"name": "温州示例鞋业有限公司", "employees": 12}}')
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    producer.send(dataset.topic, key=b"91330302MA2AXXXXX8", value=value.encode()).get(30)
    producer.close()
    assert wait_for(engine, dataset.id, received=1)["new"] == 1
    with engine.connect() as conn:
        lon = conn.scalar(text("SELECT ST_X(geom) FROM record WHERE dataset_id = :d"),
                          {"d": dataset.id})
    assert abs(lon - (120.6596 - 0.0046)) < 0.001, "GCJ-02 was converted (≈ 450 m west)"
    assert _committed_on_kafka(settings, worker.group, dataset.topic) == 1, \
        "after the store, the offset reaches Kafka too (for standard lag monitors)"


def _committed_on_kafka(settings: Settings, group: str, topic: str, seconds: float = 20) -> int:
    """The group's committed offsets on the broker, summed over the topic's partitions (the
    worker commits them asynchronously, after each batch's transaction)."""
    reader = Consumer({"bootstrap.servers": settings.kafka_bootstrap_servers, "group.id": group})
    try:
        partitions = reader.list_topics(topic, timeout=10).topics[topic].partitions
        deadline = time.monotonic() + seconds
        while True:
            committed = reader.committed([TopicPartition(topic, p) for p in partitions], 10)
            total = sum(max(tp.offset, 0) for tp in committed)
            if total or time.monotonic() > deadline:
                return total
            time.sleep(0.3)
    finally:
        reader.close()


@dataclass
class Race:
    """Two batch writers in one consumer group, and batches of the dataset for them."""

    dataset: Dataset
    catalog: dict
    departments: dict[str, int]
    pii_key: str

    def writers(self, first, second) -> tuple[BatchWriter, BatchWriter]:
        return (BatchWriter(first, "race", lambda: self.departments),
                BatchWriter(second, "race", lambda: self.departments))

    def batch(self, partition: int, *messages: tuple[int, str, str]
              ) -> list[tuple[Delivery, Report]]:
        """(offset, subject key, phone) each, on ``partition``."""
        topic = self.dataset.topic
        values = [(offset, encode(self.dataset.message(
            record_id=f"p{partition}-{offset}", phone=phone, subject_key=key)))
            for offset, key, phone in messages]
        return [(Delivery(topic, partition, offset, None, value),
                 accepted(value, topic, self.catalog, self.pii_key)) for offset, value in values]

    def records(self, engine: Engine) -> list[tuple]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(
                "SELECT attributes ->> 'phone', version, reports FROM record "
                "WHERE dataset_id = :d"), {"d": self.dataset.id})]


@pytest.fixture
def race(settings: Settings, engine: Engine, dataset: Dataset, caplog) -> Race:
    caplog.set_level(logging.INFO, logger="onegrid.ingest.writer")
    with Session(engine) as session:
        return Race(dataset, rules(session),
                    dict(session.execute(text("SELECT code, id FROM department")).all()),
                    settings.pii_key)


def test_a_record_created_by_another_worker_meanwhile_is_merged_not_lost(
        engine, ingest_engine, race: Race, caplog) -> None:
    """Two writers, one subject new to the dataset, the first one's batch still open: the
    second's record insert waits on the unique key, fails when the first commits, and its batch
    is written again, as a merge."""
    key = factories.credit_code(random.Random())
    with ingest_engine.connect() as first, ingest_engine.connect() as second:
        one, two = race.writers(first, second)
        first.begin()
        one.write(race.batch(1, (0, key, "0577-88001111")), [])  # stored, not yet committed
        with ThreadPoolExecutor(1) as pool:
            later = pool.submit(two.write, race.batch(2, (0, key, "0577-88002222")), [])
            time.sleep(1.0)  # the second batch is waiting on the first one's new record
            assert not later.done()
            first.commit()
            outcome = later.result(timeout=30)
    assert "a record of the batch appeared meanwhile; writing the batch again" in caplog.text
    assert outcome.counts[(race.dataset.id, "SCJG")] == {"received": 1, "merged": 1,
                                                         "versions": 1}
    assert race.records(engine) == [("0577-88002222", 2, 2)]


def test_batches_that_wait_on_each_other_are_written_again_not_lost(
        engine, ingest_engine, race: Race, caplog) -> None:
    """A deadlock between two writers (each batch waits on a new record of the other) fails one
    batch, which is written again: both end as merges, nothing lost."""
    rng = random.Random()
    first_key, second_key = factories.credit_code(rng), factories.credit_code(rng)
    with ingest_engine.connect() as first, ingest_engine.connect() as second:
        one, two = race.writers(first, second)
        first.begin()
        one.write(race.batch(1, (0, first_key, "0577-88001111")), [])  # not yet committed
        with ThreadPoolExecutor(1) as pool:
            # adds second_key, then waits on first_key
            later = pool.submit(two.write, race.batch(2, (0, second_key, "0577-88002222"),
                                                      (1, first_key, "0577-88002222")), [])
            time.sleep(0.3)
            # waits on second_key: a cycle, which PostgreSQL breaks after deadlock_timeout (1 s)
            # by failing the batch that waited first, the second one
            one.write(race.batch(1, (1, second_key, "0577-88001111")), [])
            first.commit()
            outcome = later.result(timeout=30)
    assert "each waited on a new record of the other; writing the batch again" in caplog.text
    assert outcome.counts[(race.dataset.id, "SCJG")] == {"received": 2, "merged": 2,
                                                         "versions": 2}
    assert race.records(engine) == [("0577-88002222", 2, 2)] * 2
