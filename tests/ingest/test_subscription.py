"""The worker consumes the topics of the registered datasets, named one by one: never a topic
under its prefix that no registered dataset owns, nor one under another prefix (a bench's)."""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import replace

import pytest
import yaml
from confluent_kafka.admin import AdminClient, NewTopic
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from onegrid.demo import factories
from onegrid.demo.datasets import SPECS
from onegrid.ingest.topics import ensure_topics
from onegrid.ingest.worker import Worker
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.catalog import register
from onegrid.platform.streams import topic_for
from tests.ingest.conftest import Dataset, encode, produce, running, wait_for

pytestmark = pytest.mark.usefixtures("city")
BENCH_PREFIX = "onegrid.bench."  # bench/common.py's


def _message(dataset: Dataset, n: int) -> bytes:
    return encode(dataset.message(subject_key=factories.credit_code(random.Random(n)),
                                  record_id=f"s{n}"))


def _seen(engine: Engine, group: str, topics: list[str]) -> list[tuple[str, str]]:
    """What the group stored or refused from ``topics``: offsets and dead letters."""
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT 'offset', topic FROM ingest_offset WHERE consumer_group = :g "
            "AND topic = ANY(:t) UNION ALL "
            "SELECT 'dead letter', topic FROM dead_letter WHERE topic = ANY(:t)"),
            {"g": group, "t": topics})]


def test_only_the_registered_datasets_topics_are_consumed(own_prefix: Settings, engine,
                                                          dataset, kafka_admin: AdminClient
                                                          ) -> None:
    """Three topics hold a valid record of a registered dataset: its own topic, one under the
    same prefix whose name no registered dataset has, and one under the benchmarks' prefix.
    The worker (every registered dataset) stores the first and never reads the others: before,
    its pattern caught the second, and refused each of its messages as a dead letter."""
    prefix = own_prefix.topic_prefix
    ours, stray = topic_for(dataset.id, prefix), topic_for(f"u{uuid.uuid4().hex[:8]}.x", prefix)
    bench = topic_for(dataset.id, BENCH_PREFIX)
    ensure_topics(own_prefix.kafka, [dataset.id], prefix=prefix)
    for name in (stray, bench):
        kafka_admin.create_topics([NewTopic(name, num_partitions=1)])[name].result(timeout=10)
    try:
        for n, topic in enumerate((stray, bench, ours)):
            produce(own_prefix, topic, [_message(dataset, n)])
        group = f"test-{uuid.uuid4().hex[:8]}"
        worker = Worker(own_prefix, engine, group)
        with running(worker) as thread:
            assert wait_for(engine, dataset.id, received=1)["new"] == 1
            time.sleep(3)  # the others would have come in the same fetches
            assert thread.is_alive()
        assert _seen(engine, group, [ours, stray, bench]) == [("offset", ours)]
        assert wait_for(engine, dataset.id, received=1)["received"] == 1
    finally:
        for name in (stray, bench):
            kafka_admin.delete_topics([name])[name].result(timeout=10)


def test_a_dataset_registered_while_the_worker_runs_is_consumed(own_prefix: Settings, engine,
                                                                dataset) -> None:
    """The worker reads the catalog again (every catalog_ttl_s) and subscribes again when the
    registered datasets' topics change."""
    ensure_topics(own_prefix.kafka, [dataset.id],
                  prefix=own_prefix.topic_prefix)
    produce(own_prefix, topic_for(dataset.id, own_prefix.topic_prefix), [_message(dataset, 1)])
    worker = Worker(replace(own_prefix, kafka_max_poll_ms=3000), engine,
                    f"test-{uuid.uuid4().hex[:8]}")
    worker.catalog_ttl_s = 1.0
    with running(worker):
        wait_for(engine, dataset.id, received=1)
        later = _register_copy(engine, f"t{uuid.uuid4().hex[:10]}.business")
        ensure_topics(own_prefix.kafka, [later.id],
                      prefix=own_prefix.topic_prefix)
        produce(own_prefix, topic_for(later.id, own_prefix.topic_prefix), [_message(later, 2)])
        assert wait_for(engine, later.id, received=1, seconds=60)["new"] == 1


def _register_copy(engine: Engine, dataset_id: str) -> Dataset:
    spec = yaml.safe_load(SPECS.joinpath("market.business.yaml").read_text("utf-8"))
    spec["id"] = dataset_id
    with Session(engine) as session:
        register(session, spec)
        session.commit()
    return Dataset(dataset_id, topic_for(dataset_id))

