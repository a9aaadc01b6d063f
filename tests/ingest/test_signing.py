"""Signed departmental streams and contributors' rights, played by an attacker on the real
broker with kafka-python (no librdkafka, no OneGrid code in the producer)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from confluent_kafka import KafkaException
from kafka import KafkaProducer
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from onegrid.ingest.broker_loss import log_marks
from onegrid.ingest.deadletters import DeadLetterPublisher
from onegrid.ingest.decode import Refusal
from onegrid.ingest.feed import producer
from onegrid.ingest.redaction import redacted
from onegrid.ingest.topics import ensure_topics
from onegrid.ingest.worker import Worker
from onegrid.ingest.writer import Delivery
from onegrid.platform.accounts.ingest_keys import create_key, revoke_key
from onegrid.platform.operations.broker_view import read_once
from onegrid.platform.settings import Settings
from onegrid.platform.streams import topic_for
from tests.ingest.conftest import Dataset, running

pytestmark = pytest.mark.usefixtures("city")
KEY = "91330302MA2AXXXXX8"


@pytest.fixture
def keys(engine: Engine, settings: Settings) -> dict[str, tuple[str, str]]:
    """Fresh keys, committed: SCJG's, SWJ's and one of SCJG's that is then revoked."""
    with Session(engine) as session:
        made = {name: create_key(session, code, settings.secret_key)
                for name, code in (("SCJG", "SCJG"), ("SWJ", "SWJ"), ("revoked", "SCJG"))}
        revoke_key(session, made["revoked"][0].kid, "test")
        session.commit()
        return {name: (key.kid, secret) for name, (key, secret) in made.items()}


@pytest.fixture
def worker(settings: Settings, ingest_engine: Engine, dataset: Dataset) -> Iterator[Worker]:
    assert settings.require_signatures, "the default: signatures required"
    worker = Worker(settings, ingest_engine, group=f"test-{uuid.uuid4().hex[:8]}",
                    datasets=[dataset.id])
    with running(worker):
        yield worker


def message(dataset: str, department: str, record_id: str,
            occurred_at: str = "2026-11-20T08:00:00+08:00", **attributes: Any) -> bytes:
    return json.dumps({
        "dataset": dataset, "department": department, "record_id": record_id,
        "subject_key": KEY, "occurred_at": occurred_at, "crs": "EPSG:4490",
        "geometry": {"type": "Point", "coordinates": [120.6550, 28.0140]},
        "attributes": attributes}, ensure_ascii=False).encode()


def signed(key: tuple[str, str], value: bytes) -> list[tuple[str, bytes]]:
    """The header for ``value`` under ``key`` (kid, secret) as docs/ingest.md §2 says,
    computed here without OneGrid's code."""
    kid, secret = key
    mac = hmac.new(secret.encode("ascii"), value, hashlib.sha256).hexdigest()
    return [("onegrid-signature", f"kid={kid},v1={mac}".encode())]


def send(settings: Settings, dataset: str,
         messages: list[tuple[bytes, list[tuple[str, bytes]]]]) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    for value, headers in messages:  # one partition: in order
        producer.send(topic_for(dataset), key=KEY.encode(), value=value, headers=headers,
                      partition=0).get(30)
    producer.close()


def outcome(engine: Engine, dataset: str, dead: int,
            seconds: float = 60) -> tuple[dict[str, str], dict[str, Any]]:
    """{record_id: reason} of the dataset's dead letters once there are ``dead``, and its
    record's attributes with each one's department."""
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            letters = conn.execute(text("SELECT value, reason FROM dead_letter WHERE topic = :t"),
                                   {"t": topic_for(dataset)}).all()
            if len(letters) >= dead:
                break
            time.sleep(0.3)
        record = conn.execute(text(
            "SELECT attributes, provenance, sources FROM record WHERE dataset_id = :d"),
            {"d": dataset}).one_or_none()
    reasons = {json.loads(value)["record_id"]: reason for value, reason in letters}
    if record is None:
        return reasons, {}
    attributes, provenance, sources = record
    said = {name: sources[str(provenance.get(name, 1))]["department"] for name in attributes}
    return reasons, {name: (value, said[name]) for name, value in attributes.items()}


def test_only_a_message_signed_with_its_own_department_s_key_is_stored(
        settings, engine, dataset: Dataset, keys, worker) -> None:
    """kafka-python, as an attacker's client, against the default settings: unsigned, another
    department's key, a wrong MAC, an unknown kid, a revoked key and a date in 2099 are dead
    letters; the one signed right is stored."""
    ds = dataset.id
    scjg_kid, scjg_secret = keys["SCJG"]
    forged = message(ds, "SCJG", "forged-by-swj", name="假冒商贸", legal_person="李四")
    tampered = message(ds, "SCJG", "tampered", name="篡改商贸")
    good = message(ds, "SCJG", "good", name="温州示例鞋业有限公司", legal_person="张伟")
    revoked = message(ds, "SCJG", "revoked", name="吊销密钥商贸")
    future = message(ds, "SCJG", "from-2099", "2099-01-01T00:00:00+08:00", name="未来商贸")
    send(settings, ds, [
        (message(ds, "SCJG", "unsigned", name="无签名商贸"), []),
        (forged, signed(keys["SWJ"], forged)),  # SWJ's own key, claiming to be SCJG
        (tampered, signed((scjg_kid, "ogk_guessed-secret"), tampered)),  # SCJG's kid, wrong MAC
        (tampered, signed(("0123456789abcdef", scjg_secret), tampered)),  # a kid nobody has
        (revoked, signed(keys["revoked"], revoked)),
        (future, signed(keys["SCJG"], future)),  # signed right, dated to freeze the record
        (good, signed(keys["SCJG"], good)),
    ])
    reasons, record = outcome(engine, ds, dead=6)
    assert reasons["from-2099"].startswith(
        "occurred_at '2099-01-01T00:00:00+08:00' is in the future")
    assert "the message is unsigned" in reasons["unsigned"]
    assert (f"ingest key '{keys['SWJ'][0]}' is SWJ's, but the message says it is from "
            "department 'SCJG'") in reasons["forged-by-swj"]
    assert reasons["revoked"] == f"ingest key '{keys['revoked'][0]}' is revoked"
    with engine.connect() as conn:
        tampered_reasons = conn.execute(text(
            "SELECT reason FROM dead_letter WHERE topic = :t AND value = :v ORDER BY \"offset\""),
            {"t": topic_for(ds), "v": tampered}).scalars().all()
    assert tampered_reasons == [
        f"the signature does not match the message (ingest key '{scjg_kid}'): signed with "
        "another secret, or the value changed after signing",
        "unknown ingest key '0123456789abcdef'"]
    assert record == {"name": ("温州示例鞋业有限公司", "SCJG"), "legal_person": ("张伟", "SCJG")}
    with engine.connect() as conn:
        kept = conn.scalar(text("SELECT signature FROM dead_letter WHERE topic = :t AND "
                                "reason LIKE '%revoked'"), {"t": topic_for(ds)})
    assert kept == signed(keys["revoked"], revoked)[0][1], "kept for a replay"


def test_a_contributor_sets_only_the_fields_the_spec_gives_it(
        settings, engine, dataset: Dataset, keys, worker) -> None:
    """SWJ may set phone and employees of market.business (the demo's spec): not the legal
    person, which is SCJG's to say."""
    ds = dataset.id
    owner = message(ds, "SCJG", "owner", name="温州示例鞋业有限公司", legal_person="张伟",
                    phone="0577-88001234")
    overreach = message(ds, "SWJ", "overreach", legal_person="李四", phone="0577-88000000")
    allowed = message(ds, "SWJ", "allowed", phone="0577-88009999", employees=12)
    send(settings, ds, [(owner, signed(keys["SCJG"], owner)),
                             (overreach, signed(keys["SWJ"], overreach)),
                             (allowed, signed(keys["SWJ"], allowed))])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        reasons, record = outcome(engine, ds, dead=1)
        if record.get("employees"):
            break
        time.sleep(0.3)
    assert reasons == {"overreach": f"department 'SWJ' may not set legal_person in {ds!r}: "
                                    "as a contributor it may set employees, phone"}
    assert record == {"name": ("温州示例鞋业有限公司", "SCJG"), "legal_person": ("张伟", "SCJG"),
                      "phone": ("0577-88009999", "SWJ"), "employees": (12, "SWJ")}


def test_every_kafka_client_takes_the_kafka_variables(settings: Settings,
                                                      engine: Engine) -> None:
    """KAFKA_* reach librdkafka in every client OneGrid creates: one it does not know stops
    each of them (so SASL and TLS settings reach them the same way)."""
    env = {"DATABASE_URL": "x", "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
           "ONEGRID_SECRET_KEY": "s", "ONEGRID_PII_KEY": "p", "KAFKA_NO_SUCH_THING": "1"}
    kafka = Settings.from_env(env).kafka
    assert kafka["no.such.thing"] == "1"
    clients: dict[str, Callable[[], object]] = {
        "topic admin": lambda: ensure_topics(kafka, []),
        "health, metrics and status": lambda: read_once(kafka, "onegrid.ingest."),
        "reset-offsets": lambda: log_marks(kafka, "onegrid.ingest.x"),
        "feeds and demo": lambda: producer(kafka),
        "dead letters": lambda: DeadLetterPublisher(kafka),
        "ingest consumer": Worker(replace(settings, kafka_client={"no.such.thing": "1"}),
                                  engine).run,
    }
    for name, client in clients.items():
        with pytest.raises(KafkaException, match="no.such.thing"):
            client()
            pytest.fail(f"{name} did not pass KAFKA_NO_SUCH_THING to librdkafka")


def test_a_resident_id_in_the_signature_header_is_masked_in_the_dead_letter() -> None:
    rid = "330302198001011230"
    delivery = Delivery("onegrid.ingest.x", 0, 1, None, b"{}", f"kid={rid},v1=00".encode())
    kept, refusal = redacted(delivery, Refusal(f"unknown ingest key '{rid}'"))
    assert kept.signature == b"kid=330302********1230,v1=00"
    assert refusal.reason == "unknown ingest key '330302********1230'"
