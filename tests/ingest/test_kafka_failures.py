"""Ingest on a Kafka cluster whose partition leaders move and whose brokers fail.

librdkafka's mock cluster (three brokers, each partition on all three) listens on real sockets,
so the worker and the producer use it as any cluster; its C API, reached through ctypes on the
librdkafka that confluent-kafka loaded, moves leaders and takes brokers down while 3,000 new
subjects are published over 10 s. The worker stores offsets with its batches: it must neither
lose nor double a message."""

from __future__ import annotations

import ctypes
import random
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import confluent_kafka
import pytest
import yaml
from confluent_kafka import Producer
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from onegrid.demo import factories
from onegrid.demo.datasets import SPECS
from onegrid.ingest.worker import Worker
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.catalog import register
from onegrid.platform.streams import topic_for
from tests.ingest.conftest import encode, envelope, running, wait_for

pytestmark = pytest.mark.usefixtures("city")

BROKERS, PARTITIONS, MESSAGES = 3, 3, 3_000


class MockCluster:
    """librdkafka's mock cluster through its C API (rdkafka_mock.h)."""

    def __init__(self, brokers: int) -> None:
        libs = Path(confluent_kafka.__file__).parent.parent / "confluent_kafka.libs"
        lib = ctypes.CDLL(str(next(libs.glob("librdkafka*.so*"))))
        lib.rd_kafka_conf_new.restype = ctypes.c_void_p
        lib.rd_kafka_new.restype = ctypes.c_void_p
        lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
                                     ctypes.c_size_t]
        lib.rd_kafka_mock_cluster_new.restype = ctypes.c_void_p
        lib.rd_kafka_mock_cluster_new.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
        lib.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
        lib.rd_kafka_mock_topic_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                                   ctypes.c_int, ctypes.c_int]
        lib.rd_kafka_mock_partition_set_leader.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                                           ctypes.c_int32, ctypes.c_int32]
        lib.rd_kafka_mock_broker_set_down.argtypes = [ctypes.c_void_p, ctypes.c_int32]
        lib.rd_kafka_mock_broker_set_up.argtypes = [ctypes.c_void_p, ctypes.c_int32]
        lib.rd_kafka_mock_cluster_destroy.argtypes = [ctypes.c_void_p]
        lib.rd_kafka_destroy.argtypes = [ctypes.c_void_p]
        self._lib = lib
        errors = ctypes.create_string_buffer(512)
        # the handle that owns the cluster: a producer that never produces (RD_KAFKA_PRODUCER)
        self._owner = lib.rd_kafka_new(0, lib.rd_kafka_conf_new(), errors, len(errors))
        assert self._owner, errors.value
        self._cluster = lib.rd_kafka_mock_cluster_new(self._owner, brokers)
        self.bootstrap_servers = lib.rd_kafka_mock_cluster_bootstraps(self._cluster).decode()

    def create_topic(self, topic: str, partitions: int, replication: int) -> None:
        assert self._lib.rd_kafka_mock_topic_create(self._cluster, topic.encode(), partitions,
                                                    replication) == 0

    def move_leader(self, topic: str, partition: int, broker: int) -> None:
        assert self._lib.rd_kafka_mock_partition_set_leader(self._cluster, topic.encode(),
                                                            partition, broker) == 0

    def broker_down(self, broker: int) -> None:
        assert self._lib.rd_kafka_mock_broker_set_down(self._cluster, broker) == 0

    def broker_up(self, broker: int) -> None:
        assert self._lib.rd_kafka_mock_broker_set_up(self._cluster, broker) == 0

    def close(self) -> None:
        self._lib.rd_kafka_mock_cluster_destroy(self._cluster)
        self._lib.rd_kafka_destroy(self._owner)


@pytest.fixture
def cluster() -> Iterator[MockCluster]:
    made = MockCluster(BROKERS)
    yield made
    made.close()


@pytest.fixture
def on_cluster(settings: Settings, engine: Engine, cluster: MockCluster
               ) -> tuple[Settings, str]:
    """Settings pointing at the mock cluster, and a dataset of the test's own with its topic
    there (unsigned messages, as a development store takes them)."""
    spec = yaml.safe_load(SPECS.joinpath("market.business.yaml").read_text("utf-8"))
    spec["id"] = f"t{uuid.uuid4().hex[:10]}.business"
    with Session(engine) as session:
        register(session, spec)
        session.commit()
    mocked = replace(settings, kafka_bootstrap_servers=cluster.bootstrap_servers,
                     require_signatures=False)
    cluster.create_topic(topic_for(spec["id"], mocked.topic_prefix), PARTITIONS, BROKERS)
    return mocked, spec["id"]


def _chaos(cluster: MockCluster, topic: str, stop: threading.Event) -> list[str]:
    """Moves a partition's leader every 0.3 s and takes a broker down for 1 s every 2 s, its
    partitions first led elsewhere; returns what it did."""
    rng, done = random.Random(7), []
    while not stop.wait(0.3):
        partition, broker = rng.randrange(PARTITIONS), rng.randint(1, BROKERS)
        cluster.move_leader(topic, partition, broker)
        done.append(f"leader {partition}→{broker}")
        if len(done) % 7 == 0:
            down = rng.randint(1, BROKERS)
            up = [b for b in range(1, BROKERS + 1) if b != down]
            for p in range(PARTITIONS):
                cluster.move_leader(topic, p, rng.choice(up))
            cluster.broker_down(down)
            stop.wait(1)
            cluster.broker_up(down)
            done.append(f"broker {down} down 1 s")
    return done


def test_leader_changes_and_broker_failures_lose_and_double_nothing(
        on_cluster: tuple[Settings, str], cluster: MockCluster, engine: Engine,
        ingest_engine: Engine) -> None:
    settings, dataset = on_cluster
    topic = topic_for(dataset, settings.topic_prefix)
    rng = random.Random(11)
    keys = list(dict.fromkeys(factories.credit_code(rng) for _ in range(MESSAGES + 50)))
    keys = keys[:MESSAGES]
    worker = Worker(settings, ingest_engine, group=f"test-{uuid.uuid4().hex[:8]}",
                    datasets=[dataset])
    stop, actions = threading.Event(), []
    chaos = threading.Thread(target=lambda: actions.extend(_chaos(cluster, topic, stop)),
                             daemon=True)
    with running(worker):
        chaos.start()
        producer = Producer({**settings.kafka, "enable.idempotence": True, "acks": "all",
                             "linger.ms": 5})
        for n, key in enumerate(keys):
            producer.produce(topic, key=key, value=encode(envelope(
                dataset=dataset, subject_key=key, record_id=f"m{n}")))
            producer.poll(0)
            if n % 100 == 99:
                time.sleep(0.3)  # about 300 a second for 10 s: the chaos lands mid-stream
        assert producer.flush(60) == 0
        stop.set()
        chaos.join(10)
        seen = wait_for(engine, dataset, MESSAGES, seconds=120)
        time.sleep(2)  # a doubled batch would arrive after the last one counted
    with engine.connect() as conn:
        records, reports = conn.execute(text(
            "SELECT count(*), coalesce(sum(reports), 0) FROM record WHERE dataset_id = :d"),
            {"d": dataset}).one()
    assert any("down" in a for a in actions) and len(actions) > 5, actions
    assert seen == {"received": MESSAGES, "new": MESSAGES, "merged": 0, "dead_letters": 0}
    assert (records, reports) == (MESSAGES, MESSAGES)
