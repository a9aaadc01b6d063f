"""`onegrid feed` files and `onegrid dlq replay`, against the real broker."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from confluent_kafka import Consumer
from sqlalchemy import text
from sqlalchemy.orm import Session

from onegrid.ingest.deadletters import replay
from onegrid.ingest.feed import producer, publish, read_file
from onegrid.ingest.signing import SIGNATURE_HEADER, signature
from onegrid.ingest.topics import ensure_topics
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.settings import Settings


def _consume_all(settings: Settings, topic: str, expected: int) -> list:
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap_servers,
                         "group.id": f"t-{uuid.uuid4().hex}", "auto.offset.reset": "earliest",
                         "max.poll.interval.ms": 10000, "session.timeout.ms": 6000})
    consumer.subscribe([topic])
    try:
        messages: list = []
        for _ in range(60):
            messages += [m for m in consumer.consume(100, timeout=0.5) if m.error() is None]
            if len(messages) >= expected:
                break
        return messages
    finally:
        consumer.close()


def test_a_csv_file_becomes_typed_envelopes(tmp_path) -> None:
    path = tmp_path / "businesses.csv"
    path.write_text("record_id,subject_key,occurred_at,crs,lon,lat,name,employees\n"
                    "r1,91330302MA2AXXXXX8,2026-11-20T08:00:00+08:00,GCJ-02,120.66,28.01,"
                    "温州示例鞋业有限公司,12\n", encoding="utf-8")
    [envelope] = read_file(path, "market.business", "SCJG", {"employees": "integer"})
    assert envelope == {
        "dataset": "market.business", "department": "SCJG", "record_id": "r1",
        "subject_key": "91330302MA2AXXXXX8", "occurred_at": "2026-11-20T08:00:00+08:00",
        "crs": "GCJ-02", "geometry": {"type": "Point", "coordinates": [120.66, 28.01]},
        "attributes": {"name": "温州示例鞋业有限公司", "employees": 12}}


def test_a_jsonl_line_that_is_no_object_is_refused_by_its_number(tmp_path) -> None:
    path = tmp_path / "businesses.jsonl"
    path.write_text('{"record_id": "r1"}\n\n["r2"]\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match="line 3 is not a JSON object"):
        list(read_file(path, "market.business", "SCJG", {}))


def test_published_envelopes_are_keyed_by_subject_and_signed(settings: Settings) -> None:
    dataset = f"t{uuid.uuid4().hex[:10]}.feed"
    topic = ensure_topics(settings.kafka, [dataset])[0]
    envelopes: list[dict[str, Any]] = [
        {"dataset": dataset, "department": "SCJG" if n else "NOBODY", "subject_key": f"K{n}",
         "attributes": {}} for n in range(3)]
    signer = {"SCJG": ("kid1", "ogk_secret")}.get
    assert publish(producer(settings.kafka), envelopes, signer, quiet=True) == 3
    messages = sorted(_consume_all(settings, topic, 3), key=lambda m: m.key())
    assert [m.key() for m in messages] == [b"K0", b"K1", b"K2"]
    assert messages[0].headers() is None, "a department without a key: sent unsigned"
    assert [m.headers() for m in messages[1:]] == [
        [(SIGNATURE_HEADER, signature("kid1", "ogk_secret", m.value()))] for m in messages[1:]]


def test_replay_publishes_the_original_bytes_and_signature_once(settings: Settings, topic: str,
                                                                db: Session) -> None:
    original = "不是JSON".encode()
    letter_id = db.scalar(text(
        "INSERT INTO dead_letter (topic, partition, \"offset\", key, value, reason, dataset, "
        "department, signature) VALUES (:t, 0, 7, 'k', :v, 'the message is not JSON', 'x', '', "
        "'kid=k1,v1=00') RETURNING id"), {"t": topic, "v": original})
    target = producer(settings.kafka)
    assert replay(db, target, ids=[letter_id]) == 1
    assert replay(db, target, ids=[letter_id]) == 0  # already replayed
    [message] = _consume_all(settings, topic, 1)
    assert message.value() == original
    assert message.headers() == [(SIGNATURE_HEADER, b"kid=k1,v1=00")]
