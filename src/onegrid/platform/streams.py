"""The names the ingest workers and the web app share: topics, the dead-letter topic, groups.

The web app reads ingest's counters and lag (/metrics) without importing the ingest package;
both sides take these names from here."""

from __future__ import annotations

import re

TOPIC_PREFIX = "onegrid.ingest."
TOPIC_PATTERN = "^" + re.escape(TOPIC_PREFIX) + r"[a-z][a-z0-9_.]*$"
DLQ_TOPIC = "onegrid.dlq"
INGEST_GROUP = "onegrid-ingest"
"""The consumer group of `onegrid ingest run`; its offsets are kept in the store."""


def topic_for(dataset: str) -> str:
    return TOPIC_PREFIX + dataset


def dataset_of(topic: str) -> str:
    return topic.removeprefix(TOPIC_PREFIX)
