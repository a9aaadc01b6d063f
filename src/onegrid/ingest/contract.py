"""The ingest contract every department's producer follows (docs/ingest.md explains it)."""

from __future__ import annotations

import re

TOPIC_PREFIX = "onegrid.ingest."
TOPIC_PATTERN = "^" + re.escape(TOPIC_PREFIX) + r"[a-z][a-z0-9_.]*$"
DLQ_TOPIC = "onegrid.dlq"
MAX_MESSAGE_BYTES = 256 * 1024
"""A record larger than this is refused: real departmental records are a few kilobytes."""

ENVELOPE_SCHEMA = {
    "type": "object",
    "required": ["dataset", "department", "record_id", "subject_key", "occurred_at",
                 "attributes"],
    "properties": {
        "dataset": {"type": "string", "minLength": 1, "maxLength": 64},
        "department": {"type": "string", "minLength": 1, "maxLength": 32},
        "record_id": {"type": "string", "minLength": 1, "maxLength": 128},
        "subject_key": {"type": "string", "minLength": 1, "maxLength": 64},
        "occurred_at": {"type": "string", "minLength": 10, "maxLength": 40},
        "crs": {"type": ["string", "null"]},
        "geometry": {"type": ["object", "null"]},
        "attributes": {"type": "object"},
    },
}


def topic_for(dataset: str) -> str:
    return TOPIC_PREFIX + dataset


def dataset_of(topic: str) -> str:
    return topic.removeprefix(TOPIC_PREFIX)

