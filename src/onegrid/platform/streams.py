"""The names the ingest workers and the web app share: topics, the dead-letter topic, groups.

The web app reads ingest's counters and lag (/metrics) without importing the ingest package;
both sides take these names from here. A dataset's topic is the deployment's topic prefix
(Settings.topic_prefix, this one unless ONEGRID_TOPIC_PREFIX says otherwise) and its id."""

from __future__ import annotations

TOPIC_PREFIX = "onegrid.ingest."
DLQ_TOPIC = "onegrid.dlq"
INGEST_GROUP = "onegrid-ingest"
"""The consumer group of `onegrid ingest run`; its offsets are kept in the store."""


def topic_for(dataset: str, prefix: str = TOPIC_PREFIX) -> str:
    return prefix + dataset


def dataset_of(topic: str, prefix: str = TOPIC_PREFIX) -> str:
    return topic.removeprefix(prefix)
