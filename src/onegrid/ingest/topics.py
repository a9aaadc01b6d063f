"""The ingest topics exist before anyone publishes: one per dataset, several partitions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from onegrid.platform.streams import DLQ_TOPIC, TOPIC_PREFIX, create_topics, topic_for

PARTITIONS = 3  # so up to three workers share a dataset; raise it with the broker's own tools


def ensure_topics(kafka: Mapping[str, str], datasets: Iterable[str],
                  partitions: int = PARTITIONS, prefix: str = TOPIC_PREFIX) -> list[str]:
    """Create the missing topics for ``datasets`` (under ``prefix``) and the dead-letter
    topic; returns all names. ``kafka``: the clients' librdkafka settings (Settings.kafka)."""
    names = [topic_for(d, prefix) for d in datasets] + [DLQ_TOPIC]
    create_topics(kafka, names, partitions)
    return names
