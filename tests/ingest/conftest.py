"""Ingest fixtures: the demo datasets registered, messages built the way producers do, and
committed datasets with topics of their own for workers on the real broker."""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from importlib.resources import files
from typing import Any

import pytest
import yaml
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from onegrid.demo.datasets import SPECS
from onegrid.ingest.decode import Refusal, Report, decode
from onegrid.ingest.topics import ensure_topics
from onegrid.ingest.worker import Worker
from onegrid.ingest.writer import BatchWriter, Delivery
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.catalog import DatasetRules, register, rules
from onegrid.platform.streams import topic_for
from tests.conftest import acting, role_of

DATASETS = files("onegrid.demo").joinpath("data", "datasets")
LUCHENG_POINT = (120.6550, 28.0140)  # inside Lucheng district, Wenzhou


@pytest.fixture
def catalog(db: Session, city: None) -> dict[str, DatasetRules]:
    for spec in DATASETS.iterdir():
        if spec.name.endswith(".yaml"):
            register(db, yaml.safe_load(spec.read_text("utf-8")))
    db.flush()
    return rules(db)


@pytest.fixture
def write(db: Session, catalog: dict[str, DatasetRules], settings: Settings):
    """Decode messages as the worker does and write them as one batch, as ingest's role."""
    ingest = role_of(settings.ingest_database_url)
    with acting(db.connection(), ingest):
        writer = batch_writer(db, "test-group")
    offsets = itertools.count()

    def write_batch(*messages: dict, topic: str | None = None):
        reports: list[tuple[Delivery, Report]] = []
        refusals: list[tuple[Delivery, Refusal]] = []
        for message in messages:
            value = encode(message) if isinstance(message, dict) else message
            t = topic or f"onegrid.ingest.{message['dataset']}"
            d = Delivery(t, 0, next(offsets), None, value)
            result = decode(value, t, catalog, settings.pii_key)
            if isinstance(result, Report):
                reports.append((d, result))
            else:
                refusals.append((d, result))
        with acting(db.connection(), ingest):
            return writer.write(reports, refusals)
    return write_batch


def batch_writer(db: Session, group: str) -> BatchWriter:
    """A writer on the test's connection, for consumer group ``group``."""
    departments: dict[str, int] = dict(db.execute(text("SELECT code, id FROM department")).all())
    return BatchWriter(db.connection(), group, lambda: departments)


def envelope(dataset: str = "market.business", department: str = "SCJG",
             subject_key: str = "91330302MA2AXXXXX8", record_id: str = "r-1",
             occurred_at: str = "2026-11-20T08:00:00+08:00", crs: str | None = "EPSG:4490",
             geometry: Any = "default", **attributes: Any) -> dict[str, Any]:
    if geometry == "default":
        geometry = {"type": "Point", "coordinates": list(LUCHENG_POINT)}
    return {"dataset": dataset, "department": department, "record_id": record_id,
            "subject_key": subject_key, "occurred_at": occurred_at, "crs": crs,
            "geometry": geometry,
            "attributes": {"name": "温州市鹿城区示例商贸有限公司", **attributes}}


def contribution(**kwargs: Any) -> dict[str, Any]:
    """envelope() less the name it adds unless given: a contributor sets only what the
    dataset's spec lets it (SWJ: phone, employees in market.business)."""
    message = envelope(**kwargs)
    if "name" not in kwargs:
        del message["attributes"]["name"]
    return message


def accepted(value: bytes, topic: str, catalog: dict[str, DatasetRules], pii_key: str) -> Report:
    """decode() of a message the test means to be valid (a refusal fails with its reason)."""
    result = decode(value, topic, catalog, pii_key)
    assert isinstance(result, Report), result
    return result


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False).encode()


@dataclass
class Dataset:
    """A dataset of the test's own, on a topic of its own (the `dataset` fixture)."""

    id: str
    topic: str

    def message(self, **kwargs) -> dict:
        return envelope(dataset=self.id, **kwargs)


def registered_copy(engine: Engine, settings: Settings, spec: str, kind: str) -> str:
    """A committed copy of the demo's dataset ``spec`` under a name of its own
    (t<random>.<kind>), with its topic; returns the name."""
    copy = yaml.safe_load(SPECS.joinpath(f"{spec}.yaml").read_text("utf-8"))
    copy["id"] = f"t{uuid.uuid4().hex[:10]}.{kind}"
    with Session(engine) as session:
        register(session, copy)
        session.commit()
    ensure_topics(settings.kafka, [copy["id"]])
    return str(copy["id"])


@pytest.fixture
def dataset(engine: Engine, settings: Settings, kafka_admin: AdminClient) -> Iterator[Dataset]:
    """A copy of market.business under a name of its own, committed, with its topic (deleted
    afterwards)."""
    name = registered_copy(engine, settings, "market.business", "business")
    yield Dataset(name, topic_for(name))
    own = topic_for(name.split(".")[0])  # its topic, and a twin's (test_worker.py)
    delete_topics(kafka_admin, lambda topic: topic.startswith(own))


@pytest.fixture
def own_prefix(settings: Settings, kafka_admin: AdminClient) -> Iterator[Settings]:
    """The settings with a topic prefix of the test's own, taking unsigned messages: its
    workers and topics see nobody else's on the shared broker. The topics under it are deleted
    afterwards."""
    prefix = f"test.{uuid.uuid4().hex[:8]}."
    # unsigned messages, as a development store takes them (signatures: test_signing.py)
    yield replace(settings, topic_prefix=prefix, require_signatures=False)
    delete_topics(kafka_admin, lambda name: name.startswith(prefix))


def delete_topics(admin: AdminClient, which) -> None:
    names = [name for name in admin.list_topics(timeout=10).topics if which(name)]
    for future in (admin.delete_topics(names).values() if names else ()):
        future.result(timeout=10)


@contextmanager
def running(worker: Worker) -> Iterator[threading.Thread]:
    """The worker on a thread of its own, stopped at the end."""
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        worker.stopping.set()
        thread.join(30)


def produce(settings: Settings, topic: str, values: Sequence[bytes | None],
            keys: Sequence[str] | None = None) -> None:
    """Publish as the contract says: keyed by subject key, so one subject stays in order."""
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap_servers,
                         "enable.idempotence": True, "message.max.bytes": 2_000_000})
    for n, value in enumerate(values):
        producer.produce(topic, key=keys[n] if keys else str(n % 97), value=value)
        producer.poll(0)
    assert producer.flush(30) == 0


def counters(engine: Engine, dataset: str) -> dict[str, int]:
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT coalesce(sum(received), 0), coalesce(sum(new), 0), coalesce(sum(merged), 0),"
            " coalesce(sum(dead_letters), 0) FROM ingest_counter WHERE dataset = :d"),
            {"d": dataset}).one()
    return dict(zip(("received", "new", "merged", "dead_letters"), map(int, row), strict=True))


def wait_for(engine: Engine, dataset: str, received: int, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen = counters(engine, dataset)
        if seen["received"] >= received:
            return seen
        time.sleep(0.3)
    raise AssertionError(f"only {counters(engine, dataset)} of {received} after {seconds} s")
