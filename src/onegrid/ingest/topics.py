"""The ingest topics exist before anyone publishes: one per dataset, several partitions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from onegrid.platform.streams import DLQ_TOPIC, topic_for

PARTITIONS = 3  # so up to three workers share a dataset; raise it with the broker's own tools


def ensure_topics(kafka: Mapping[str, str], datasets: Iterable[str],
                  partitions: int = PARTITIONS) -> list[str]:
    """Create the missing topics for ``datasets`` and the dead-letter topic; returns all names.
    ``kafka``: the clients' librdkafka settings (Settings.kafka)."""
    admin = AdminClient(dict(kafka))
    names = [topic_for(d) for d in datasets] + [DLQ_TOPIC]
    existing = admin.list_topics(timeout=10).topics
    wanted = [NewTopic(n, num_partitions=partitions) for n in names if n not in existing]
    for future in (admin.create_topics(wanted).values() if wanted else ()):
        try:
            future.result(timeout=10)
        except KafkaException as exc:  # created meanwhile by another process: fine
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    return names
