"""The ingest topics exist before anyone publishes: one per dataset, several partitions."""

from __future__ import annotations

from collections.abc import Iterable

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from onegrid.platform.streams import DLQ_TOPIC, TOPIC_PREFIX, topic_for

PARTITIONS = 3  # so up to three workers share a dataset; raise it with the broker's own tools


def ensure_topics(bootstrap_servers: str, datasets: Iterable[str],
                  partitions: int = PARTITIONS, prefix: str = TOPIC_PREFIX) -> list[str]:
    """Create the missing topics for ``datasets`` (under ``prefix``) and the dead-letter
    topic; returns all names."""
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    names = [topic_for(d, prefix) for d in datasets] + [DLQ_TOPIC]
    existing = admin.list_topics(timeout=10).topics
    wanted = [NewTopic(n, num_partitions=partitions) for n in names if n not in existing]
    for future in (admin.create_topics(wanted).values() if wanted else ()):
        try:
            future.result(timeout=10)
        except KafkaException as exc:  # created meanwhile by another process: fine
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    return names
