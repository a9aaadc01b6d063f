"""Poison of every kind, published with kafka-python (no librdkafka, no OneGrid code) between
good messages to a worker that requires signatures: each poison message ends as a dead letter
with a reason a person understands, every good message is stored, and the worker goes on."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import yaml
from kafka import KafkaProducer
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from onegrid.demo import factories
from onegrid.demo.datasets import SPECS
from onegrid.ingest.contract import MAX_MESSAGE_BYTES
from onegrid.ingest.topics import ensure_topics
from onegrid.ingest.worker import Worker
from onegrid.platform.accounts.ingest_keys import create_key
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.catalog import register
from onegrid.platform.streams import topic_for
from tests.ingest.conftest import (
    Dataset,
    counters,
    envelope,
    registered_copy,
    running,
    wait_for,
)
from tests.ingest.test_faults import ticket

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("city")]
HOTLINE = "hotline.ticket"
Headers = list[tuple[str, bytes]]


def _sign(key: tuple[str, str], value: bytes) -> Headers:
    """docs/ingest.md §2, written here without OneGrid's code."""
    kid, secret = key
    mac = hmac.new(secret.encode("ascii"), value, hashlib.sha256).hexdigest()
    return [("onegrid-signature", f"kid={kid},v1={mac}".encode())]


def _json(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False).encode()


class Poison:
    """The poison kinds: name -> (topic's dataset, value, headers, what its reason says)."""

    def __init__(self, business: str, keys: dict[str, tuple[str, str]], other: str) -> None:
        self.business, self.keys, self.other = business, keys, other
        self.rng = random.Random(28)

    def good(self, **changes: Any) -> dict[str, Any]:
        message = envelope(dataset=self.business, subject_key=factories.credit_code(self.rng),
                           record_id=f"p{uuid.uuid4().hex[:8]}")
        message.update(changes)
        return message

    def signed(self, message: dict[str, Any], key: str = "SCJG") -> tuple[bytes, Headers]:
        value = _json(message)
        return value, _sign(self.keys[key], value)

    def kinds(self) -> dict[str, tuple[str, bytes | None, Headers, str]]:
        b = self.business
        ticket_key = "RX12345"
        wrong_mac = [("onegrid-signature",
                      f"kid={self.keys['SCJG'][0]},v1={'0' * 64}".encode())]
        kinds: dict[str, tuple[str, bytes | None, Headers, str]] = {
            "not JSON": (b, b"{not json", [], "not JSON"),
            "not UTF-8": (b, "名称".encode("gbk"), [], "not UTF-8"),
            "a tombstone": (b, None, [], "no value"),
            "larger than the limit": (b, b"{" + b" " * (MAX_MESSAGE_BYTES + 1) + b"}", [],
                                      "the limit is"),
            "an envelope without subject_key": (
                b, _json({"dataset": b, "department": "SCJG"}), [], "subject_key"),
            "unsigned": (b, _json(self.good()), [], "the message is unsigned"),
            "a bad signature": (b, _json(self.good()), wrong_mac,
                                "the signature does not match"),
            "an unknown ingest key": (b, *self._with_key(self.good(), ("0" * 16, "ogk_x")),
                                      "unknown ingest key"),
            "an unknown department": (b, *self.signed(self.good(department="NOPE")),
                                      "the message says it is from department 'NOPE'"),
            "attributes against the schema": (
                b, *self.signed(self.good(attributes={"name": "温州甲贸易有限公司",
                                                      "employees": "many"})),
                'employees is not of type "integer"'),
            "a bad credit-code check character": (
                b, *self.signed(self.good(subject_key=factories.corrupt("91330302MA2AXXXXX8"))),
                "check character is wrong"),
            "a geometry of the wrong type": (
                b, *self.signed(self.good(geometry={"type": "LineString", "coordinates": [
                    [120.65, 28.01], [120.66, 28.02]]})), "takes Point geometries"),
            "a location outside the city": (
                b, *self.signed(self.good(geometry={"type": "Point",
                                                    "coordinates": [121.47, 31.23]})),
                "outside the city"),
            "an unknown CRS": (b, *self.signed(self.good(crs="EPSG:3857")),
                               "unknown CRS 'EPSG:3857'"),
            "a date in the future": (b, *self.signed(self.good(
                occurred_at="2099-01-01T00:00:00+08:00")), "is in the future"),
            "a NUL character": (b, *self.signed(self.good(attributes={"name": "温州\x00商贸"})),
                                "U+0000"),
            "a ticket of an unknown issue category": (
                HOTLINE, *self.signed(ticket(2801, issue_category="C9999"), ticket_key),
                "unknown category 'C9999'"),
            "a ticket without a description": (
                HOTLINE, *self.signed(ticket(2802, description=""), ticket_key),
                "describe the issue in a few words"),
        }
        return kinds

    def _with_key(self, message: dict[str, Any], key: tuple[str, str]) -> tuple[bytes, Headers]:
        value = _json(message)
        return value, _sign(key, value)

    def flood(self, n: int) -> list[tuple[bytes, Headers]]:
        """Another registered dataset's envelopes (a copy of tax.taxpayer, SWJ's, signed right)
        on the business dataset's topic."""
        return [self.signed(envelope(dataset=self.other, department="SWJ",
                                     subject_key=factories.credit_code(self.rng),
                                     credit_grade="A"), "SWJ") for _ in range(n)]


@pytest.fixture
def keys(engine: Engine, settings: Settings) -> dict[str, tuple[str, str]]:
    with Session(engine) as session:
        made = {code: create_key(session, code, settings.secret_key)
                for code in ("SCJG", "SWJ", "RX12345")}
        keys = {code: (key.kid, secret) for code, (key, secret) in made.items()}
        session.commit()
    return keys


@pytest.fixture
def hotline_registered(engine: Engine) -> Iterator[None]:
    """hotline.ticket registered and committed (the bridge into the issue loop is its)."""
    with Session(engine) as session:
        known = session.scalar(text("SELECT count(*) FROM dataset WHERE id = :d"), {"d": HOTLINE})
        if not known:
            register(session, yaml.safe_load(SPECS.joinpath(f"{HOTLINE}.yaml").read_text("utf-8")))
            session.commit()
    yield
    if not known:
        with engine.begin() as conn:
            for table, column in (("record", "dataset_id"), ("ingest_counter", "dataset"),
                                  ("dead_letter", "dataset"), ("dataset", "id")):
                conn.execute(text(f"DELETE FROM {table} WHERE {column} = :d"), {"d": HOTLINE})


def test_every_poison_kind_is_a_dead_letter_and_the_rest_is_stored(
        own_prefix: Settings, engine: Engine, ingest_engine: Engine, dataset: Dataset,
        keys, hotline_registered) -> None:
    settings = replace(own_prefix, require_signatures=True)
    prefix = settings.topic_prefix
    ensure_topics(settings.kafka, [HOTLINE, dataset.id], prefix=prefix)
    other = registered_copy(engine, settings, "tax.taxpayer", "tax")
    poison = Poison(dataset.id, keys, other)
    kinds = poison.kinds()
    assert len(kinds) + 1 >= 15, "at least 15 kinds, the flood included"
    good = [poison.signed(poison.good()) for _ in range(40)]
    flood = poison.flood(200)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers,
                             max_request_size=2_000_000)
    topic = {dataset.id: topic_for(dataset.id, prefix), HOTLINE: topic_for(HOTLINE, prefix)}
    sends = [(dataset.id, v, h) for v, h in good[:20]] + [
        (on, v, h) for on, v, h, _ in kinds.values()] + [
        (dataset.id, v, h) for v, h in flood + good[20:]]
    for n, (on, value, headers) in enumerate(sends):  # keyed: a tombstone needs a key
        producer.send(topic[on], key=f"k{n}".encode(), value=value, headers=headers)
    producer.flush(30)
    producer.close()

    worker = Worker(settings, ingest_engine, f"poison-{uuid.uuid4().hex[:8]}",
                    datasets=[dataset.id, HOTLINE])
    expected = {d: sum(on == d for on, *_ in kinds.values()) for d in (dataset.id, HOTLINE)}
    with running(worker) as thread:
        seen = wait_for(engine, dataset.id, received=40 + expected[dataset.id])
        letters = _letters(engine, prefix, len(kinds) + 200)
        assert thread.is_alive()
    assert seen == {"received": 40 + expected[dataset.id], "new": 40, "merged": 0,
                    "dead_letters": expected[dataset.id]}
    assert counters(engine, HOTLINE)["dead_letters"] == expected[HOTLINE]
    reasons = [reason for _, reason in letters]
    for name, (_, _, _, says) in kinds.items():
        assert sum(says in reason for reason in reasons) == 1, (name, set(reasons))
    flooded = [(t, r) for t, r in letters if f"{other!r} arrived on topic" in r]
    assert len(flooded) == 200 and {t for t, _ in flooded} == {topic[dataset.id]}
    assert len(letters) == len(kinds) + 200


def _letters(engine: Engine, prefix: str, n: int, seconds: float = 60) -> list[tuple[str, str]]:
    deadline = time.monotonic() + seconds
    while True:
        with engine.connect() as conn:
            rows = [(t, r) for t, r in conn.execute(text(
                'SELECT topic, reason FROM dead_letter WHERE topic LIKE :p || \'%\' '
                'ORDER BY id'), {"p": prefix})]
        if len(rows) >= n or time.monotonic() > deadline:
            return rows
        time.sleep(0.3)
