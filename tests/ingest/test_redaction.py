"""Dead letters hold no resident ID in clear, whatever the refusal: not in any table, not on
onegrid.dlq (read with kafka-python), not in a log line, not in `onegrid dlq list`; the rest of
each message is kept as it came."""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from click.testing import CliRunner
from confluent_kafka import Producer
from kafka import KafkaConsumer
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from onegrid.cli import main
from onegrid.demo import factories
from onegrid.ingest.worker import Worker
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.identity import mask
from onegrid.platform.streams import DLQ_TOPIC, topic_for
from tests.conftest import environment
from tests.ingest.conftest import encode, envelope, registered_copy, running

pytestmark = pytest.mark.usefixtures("city")
SHANGHAI = {"type": "Point", "coordinates": [121.47, 31.23]}  # outside the city


@pytest.fixture
def residents(engine: Engine, settings: Settings) -> str:
    """A copy of population.resident (keyed by resident ID) under a name of its own."""
    return registered_copy(engine, settings, "population.resident", "resident")


@pytest.fixture
def ingesting(settings: Settings, ingest_engine: Engine, residents: str) -> Iterator[None]:
    # unsigned messages, as a development store takes them (signatures: test_signing.py)
    worker = Worker(replace(settings, require_signatures=False), ingest_engine,
                    group=f"test-{uuid.uuid4().hex[:8]}", datasets=[residents])
    with running(worker):
        yield


def _refused(dataset: str, ids: list[str], typo: str, order: str
             ) -> list[tuple[str, bytes, str, tuple[str, str]]]:
    """Messages about people, each refused for a reason other than the ID it carries: (Kafka
    key, value, a part of the reason, the dead letter's dataset and department)."""
    def person(key: str, **fields: Any) -> bytes:
        return encode(envelope(**{"dataset": dataset, "department": "GAJ", "subject_key": key,
                                  "name": "张三", **fields}))

    def without_record_id(key: str) -> bytes:
        message = envelope(dataset, "GAJ", key, name="张三")
        del message["record_id"]
        return encode(message)

    masked = mask(ids[4])
    return [
        (ids[0], person(ids[0], geometry=SHANGHAI, address=f"同住人{ids[1]}，订单{order}"),
         "outside the city", (dataset, "GAJ")),
        (ids[2], person(ids[2], gender="未知"), "gender is not one of", (dataset, "GAJ")),
        (ids[3], person(ids[3], dataset="no.such"), "unknown dataset 'no.such'",
         ("no.such", "GAJ")),
        (ids[5], person(ids[5], department=ids[4]), f"department '{masked}' may not contribute",
         (dataset, masked)),
        (ids[6], without_record_id(ids[6]), "it lacks record_id", (dataset, "GAJ")),
        (typo, person(typo), "check character is wrong", (dataset, "GAJ")),
        (ids[7], f"身份证号{ids[7]}".encode("gbk"), "not UTF-8", (dataset, "")),
    ]


def _masked(data: bytes, ids: list[str]) -> bytes:
    for rid in ids:
        data = data.replace(rid.encode(), mask(rid).encode())
    return data


def test_a_refused_message_about_a_person_keeps_no_resident_id_in_clear(
        settings: Settings, engine: Engine, residents: str, ingesting: None, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    rng = random.Random()
    ids = [factories.resident_id(rng) for _ in range(8)]
    typo = factories.corrupt(factories.resident_id(rng))  # personal, in a resident-ID field
    order = factories.corrupt(factories.resident_id(rng))  # an order number: stays as it is
    clear = [*ids, typo]
    refused = _refused(residents, ids, typo, order)
    topic = topic_for(residents)
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap_servers})
    for key, value, _, _ in refused:  # one partition, so that the offsets follow the list
        producer.produce(topic, key=key, value=value, partition=0)
    assert producer.flush(30) == 0
    with engine.connect() as conn:
        letters = _dead_letters(conn, topic, len(refused))
        assert _columns_holding(conn, clear) == []
    assert not any(rid in caplog.text for rid in clear)
    assert [tuple(row[:5]) for row in letters] == [  # the rest of each message as it came
        (offset, _masked(key.encode(), clear), _masked(value, clear), *names)
        for offset, (key, value, _, names) in enumerate(refused)]
    for (_, _, part, _), row in zip(refused, letters, strict=True):
        assert part in row.reason, (part, row.reason)
    assert order.encode() in letters[0].value
    published = _published(settings, topic, len(refused))
    assert sorted((m.key, m.value, dict(m.headers)["reason"].decode()) for m in published) == \
        sorted((f"{topic}:0:{row.offset}".encode(), row.value, row.reason) for row in letters)
    listed = _dlq_list(settings, residents)
    assert "outside the city" in listed and not any(rid in listed for rid in clear)


def test_a_resident_id_field_and_a_reason_quoting_an_id_are_masked(write, db: Session) -> None:
    """A wrong check character in a field of format resident-id is masked too; a resident ID
    sent as a credit code is masked where the reason quotes it."""
    typo, rid = "330302198001011231", "330302198001011230"
    outcome = write(envelope(legal_person_id=typo, record_id="typo"),
                    envelope(subject_key=rid, record_id="as-credit-code"))
    reasons = [r.reason for _, r in outcome.dead_letters]
    assert reasons == [
        "attributes do not match the schema of 'market.business': "
        'legal_person_id is not a "resident-id"',
        "unified social credit code '330302********1230' is invalid: the check character is "
        "wrong"]
    kept = db.execute(text("SELECT key, value, reason FROM dead_letter WHERE topic = :t "
                           "ORDER BY id DESC LIMIT 2"),
                      {"t": "onegrid.ingest.market.business"}).all()
    published = [(d.key, d.value, r.reason) for d, r in outcome.dead_letters]
    assert sorted(map(tuple, kept)) == sorted(published)
    assert b'"legal_person_id": "330302********1231"' in published[0][1]
    assert not any(secret in str(published) for secret in (typo, rid))


def test_dlq_list_masks_a_dead_letter_kept_before_ids_were(settings: Settings,
                                                           engine: Engine) -> None:
    rid = factories.resident_id(random.Random())
    dataset = f"t{uuid.uuid4().hex[:10]}.old"
    with engine.begin() as conn:
        conn.execute(text(
            'INSERT INTO dead_letter (topic, partition, "offset", value, reason, dataset, '
            "department) VALUES (:t, 0, 0, :v, :r, :d, :p)"),
            {"t": topic_for(dataset), "v": rid.encode(), "d": dataset, "p": rid,
             "r": f"unified social credit code {rid!r} is invalid"})
    try:
        listed = _dlq_list(settings, dataset)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM dead_letter WHERE dataset = :d"), {"d": dataset})
    assert rid not in listed and listed.count(mask(rid)) == 2


def _dead_letters(conn: Connection, topic: str, count: int, seconds: float = 60) -> list:
    deadline = time.monotonic() + seconds
    while True:
        rows = conn.execute(text(
            'SELECT "offset", key, value, dataset, department, reason FROM dead_letter '
            'WHERE topic = :t ORDER BY "offset"'), {"t": topic}).all()
        if len(rows) >= count or time.monotonic() > deadline:
            return list(rows)
        time.sleep(0.3)


def _columns_holding(conn: Connection, needles: list[str]) -> list[str]:
    """Every column of every table in the database, of a type that can hold text (text, jsonb,
    bytea, arrays), that holds one of ``needles`` anywhere in a value."""
    columns = conn.execute(text(
        "SELECT c.table_schema, c.table_name, c.column_name, c.data_type "
        "FROM information_schema.columns c JOIN information_schema.tables t "
        "     USING (table_schema, table_name) "
        "WHERE t.table_type = 'BASE TABLE' "
        "  AND c.table_schema NOT IN ('pg_catalog', 'information_schema') "
        "  AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', "
        "                      'bytea', 'ARRAY')")).all()
    assert len(columns) > 50
    holding = []
    for schema, table, column, kind in columns:
        found = (f'position(convert_to(n, \'UTF8\') IN "{column}") > 0' if kind == "bytea"
                 else f'strpos("{column}"::text, n) > 0')
        if conn.scalar(text(f'SELECT EXISTS (SELECT FROM "{schema}"."{table}", '
                            f"unnest(CAST(:n AS text[])) n WHERE {found})"), {"n": needles}):
            holding.append(f"{schema}.{table}.{column}")
    return holding


def _published(settings: Settings, topic: str, count: int, seconds: float = 60) -> list:
    """The dead letters of ``topic`` on onegrid.dlq, read by kafka-python (no librdkafka)."""
    consumer = KafkaConsumer(DLQ_TOPIC, bootstrap_servers=settings.kafka_bootstrap_servers,
                             auto_offset_reset="earliest", enable_auto_commit=False)
    try:
        found: list = []
        deadline = time.monotonic() + seconds
        while len(found) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                found += [r for r in records if (("topic", topic.encode()) in r.headers)]
        return found
    finally:
        consumer.close()


def _dlq_list(settings: Settings, dataset: str) -> str:
    result = CliRunner().invoke(main, ["dlq", "list", "--dataset", dataset],
                                env=environment(settings),
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output
