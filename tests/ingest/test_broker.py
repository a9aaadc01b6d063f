"""The Kafka fixture gives each test its own topic on the real broker."""

from __future__ import annotations

import uuid

from confluent_kafka import Consumer, Producer

from onegrid.platform.settings import Settings


def test_a_message_produced_to_the_test_topic_comes_back(settings: Settings, topic: str) -> None:
    servers = settings.kafka_bootstrap_servers
    producer = Producer({"bootstrap.servers": servers, "enable.idempotence": True})
    producer.produce(topic, key=b"91330302MA2AXXXXXX", value="你好".encode())
    assert producer.flush(10) == 0
    consumer = Consumer({"bootstrap.servers": servers, "group.id": f"t-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "max.poll.interval.ms": 10000,
                         "session.timeout.ms": 6000})
    consumer.subscribe([topic])
    try:
        messages = []
        for _ in range(40):
            messages += [m for m in consumer.consume(10, timeout=0.5) if m.error() is None]
            if messages:
                break
        assert [m.value() for m in messages] == ["你好".encode()]
    finally:
        consumer.close()
