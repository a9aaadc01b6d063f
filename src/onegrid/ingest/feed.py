"""Publishing records to the ingest topics: what `onegrid feed` and the demo feeds use.

A producer needs nothing from OneGrid but the contract and its department's ingest key
(docs/ingest.md); this is one such producer, with a progress bar, signing as each envelope's
department."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from sqlalchemy.orm import Session
from tqdm import tqdm

from onegrid.ingest.signing import SIGNATURE_HEADER, signature
from onegrid.platform.accounts.ingest_keys import publishing_key
from onegrid.platform.errors import InvalidInputError, NotFoundError
from onegrid.platform.streams import TOPIC_PREFIX, topic_for

Signer = Callable[[str], tuple[str, str] | None]
"""A department's code → the (kid, secret) to sign its messages with, or None to send them
unsigned (a department the store does not know: the worker refuses them anyway)."""

ENVELOPE_COLUMNS = ("record_id", "subject_key", "occurred_at", "crs", "department")


def producer(kafka: Mapping[str, str]) -> Producer:
    """A producer with the clients' librdkafka settings (``kafka``: Settings.kafka)."""
    return Producer({**kafka, "enable.idempotence": True,
                     "linger.ms": 20, "batch.num.messages": 10000,
                     "queue.buffering.max.messages": 500000, "compression.type": "lz4"})


class PublishingKeys:
    """A Signer for the platform's own producers: per department, its newest active key
    labelled ``label`` (platform/accounts/ingest_keys.publishing_key), created and committed
    before its first message is sent, so the worker knows it when the message arrives."""

    def __init__(self, unit_of_work: Callable[[], AbstractContextManager[Session]],
                 secret_key: str, label: str) -> None:
        self.unit_of_work, self.secret_key, self.label = unit_of_work, secret_key, label
        self.keys: dict[str, tuple[str, str] | None] = {}

    def __call__(self, department: str) -> tuple[str, str] | None:
        if department not in self.keys:
            try:
                with self.unit_of_work() as session:
                    self.keys[department] = publishing_key(session, department,
                                                           self.secret_key, self.label)
            except NotFoundError:
                self.keys[department] = None
        return self.keys[department]


def publish(target: Producer, envelopes: Iterable[dict[str, Any]], signer: Signer,
            total: int | None = None, label: str = "publishing", quiet: bool = False,
            prefix: str = TOPIC_PREFIX) -> int:
    """Publish each envelope to its dataset's topic (under ``prefix``), keyed by its subject
    key and signed as its department by ``signer``; returns count."""
    count = 0
    for envelope in tqdm(envelopes, total=total, desc=label, unit="msg", disable=quiet,
                         leave=False):
        value = json.dumps(envelope, ensure_ascii=False).encode()
        key = signer(str(envelope.get("department")))
        headers: list[tuple[str, str | bytes | None]] | None = \
            [(SIGNATURE_HEADER, signature(*key, value))] if key else None
        while True:
            try:
                target.produce(topic_for(envelope["dataset"], prefix), key=envelope["subject_key"],
                               value=value, headers=headers)
                break
            except BufferError:  # the local queue is full: let the broker catch up
                target.poll(0.5)
        target.poll(0)
        count += 1
    if target.flush(60) > 0:
        raise InvalidInputError("the broker did not acknowledge every message within 60 s")
    return count


def read_file(path: Path, dataset: str, department: str | None,
              types: Mapping[str, object]) -> Iterator[dict[str, Any]]:
    """Envelopes from a JSONL file (one envelope per line) or a CSV file (envelope columns,
    ``lon``/``lat`` or ``geometry``, every other column an attribute typed by the schema:
    ``types`` maps an attribute to its JSON Schema ``type``)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if path.suffix.lower() == ".csv":
            for row in csv.DictReader(handle):
                yield _from_csv(row, dataset, department, types)
        else:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    yield _from_json(line, number, dataset, department)


def _from_json(line: str, number: int, dataset: str, department: str | None) -> dict[str, Any]:
    try:
        envelope = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"line {number} is not JSON: {exc.msg}") from None
    if not isinstance(envelope, dict):
        raise InvalidInputError(f"line {number} is not a JSON object (an envelope)")
    envelope.setdefault("dataset", dataset)
    if department:
        envelope.setdefault("department", department)
    return envelope


def _from_csv(row: dict[str, str], dataset: str, department: str | None,
              types: Mapping[str, object]) -> dict[str, Any]:
    envelope: dict[str, Any] = {"dataset": dataset, "department": department}
    envelope.update({k: row.pop(k) for k in ENVELOPE_COLUMNS if row.get(k)})
    lon, lat, geometry = row.pop("lon", ""), row.pop("lat", ""), row.pop("geometry", "")
    if geometry:
        envelope["geometry"] = json.loads(geometry)
    elif lon and lat:
        envelope["geometry"] = {"type": "Point", "coordinates": [float(lon), float(lat)]}
    envelope["attributes"] = {k: _typed(v, types.get(k)) for k, v in row.items() if v != ""}
    return envelope


def _typed(value: str, kind: object) -> Any:
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
        if kind == "boolean":
            return value.strip().lower() in ("1", "true", "yes", "是")
    except ValueError:
        return value  # left as text: the ingest worker will say what is wrong with it
    return value
