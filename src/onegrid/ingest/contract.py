"""The ingest contract every department's producer follows (docs/ingest.md explains it)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

MAX_MESSAGE_BYTES = 256 * 1024
"""A record larger than this is refused: real departmental records are a few kilobytes."""


class Envelope(msgspec.Struct, frozen=True, gc=False):
    """The JSON object every message carries (docs/ingest.md, §2). msgspec checks it while it
    parses the bytes, in one pass (half the time of parsing, then checking a JSON Schema);
    fields it does not know are ignored, as a JSON Schema without additionalProperties would."""

    dataset: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    department: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    record_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    subject_key: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    occurred_at: Annotated[str, msgspec.Meta(min_length=10, max_length=40)]
    attributes: dict[str, Any]
    crs: str | None = None
    geometry: dict[str, Any] | None = None

