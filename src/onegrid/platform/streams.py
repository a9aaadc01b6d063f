"""The names the ingest workers and the web app share: topics, the dead-letter topic, groups.

The web app reads ingest's counters and lag (/metrics) without importing the ingest package;
both sides take these names from here, and create the topics they need with `create_topics`. A
dataset's topic is the deployment's topic prefix (Settings.topic_prefix, this one unless
ONEGRID_TOPIC_PREFIX says otherwise) and its id."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

TOPIC_PREFIX = "onegrid.ingest."
DLQ_TOPIC = "onegrid.dlq"
CHECKPOINT_TOPIC = "onegrid.trace.checkpoints"
"""Signed trace checkpoints (`onegrid trace checkpoint`), a copy kept outside the store."""
INGEST_GROUP = "onegrid-ingest"
"""The consumer group of `onegrid ingest run`; its offsets are kept in the store."""


def topic_for(dataset: str, prefix: str = TOPIC_PREFIX) -> str:
    return prefix + dataset


def dataset_of(topic: str, prefix: str = TOPIC_PREFIX) -> str:
    return topic.removeprefix(prefix)


def create_topics(kafka: Mapping[str, str], names: Iterable[str], partitions: int) -> None:
    """Create those of ``names`` the broker lacks (``kafka``: the clients' librdkafka
    settings, Settings.kafka); one created meanwhile by another is fine."""
    admin = AdminClient(dict(kafka))
    existing = admin.list_topics(timeout=10).topics
    wanted = [NewTopic(n, num_partitions=partitions) for n in names if n not in existing]
    for future in (admin.create_topics(wanted).values() if wanted else ()):
        try:
            future.result(timeout=10)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
