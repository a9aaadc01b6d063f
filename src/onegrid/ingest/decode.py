"""One Kafka message in, either a Report ready for the store or the reason it is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import fastjsonschema
import orjson

from onegrid.gis.crs import to_store_datum
from onegrid.ingest.contract import ENVELOPE_SCHEMA, MAX_MESSAGE_BYTES, dataset_of
from onegrid.platform.catalog import DatasetRules
from onegrid.platform.errors import InvalidInput
from onegrid.platform.identity import mask, pii_hash, subject_key

_check_envelope = fastjsonschema.compile(ENVELOPE_SCHEMA)


class Report(NamedTuple):  # a tuple: built a million times a run, cheaper than a dataclass
    """An accepted message, in the store's terms (keys hashed, coordinates in CGCS2000)."""

    dataset: str
    department: str
    record_id: str
    kind: str
    key: str
    key_masked: str
    occurred_at: datetime
    point: tuple[float, float] | None  # (lon, lat): most records are points, the cheap path
    geometry: str | None  # GeoJSON text of any other geometry
    attributes: str  # JSON text
    provenance: str  # JSON text: every attribute set by version 1 (a new record's provenance)
    pii_hashes: str  # JSON text


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    dataset: str = ""
    department: str = ""


def decode(value: bytes | None, topic: str, catalog: dict[str, DatasetRules],
           pii_key: str) -> Report | Refusal:
    """Check one message against the contract and its dataset's rules."""
    # Until the envelope names them, the topic says the dataset and nobody the department.
    if value is None:
        return Refusal("the message has no value (a tombstone); send the record as JSON",
                       dataset_of(topic))
    if len(value) > MAX_MESSAGE_BYTES:
        return Refusal(f"the message is {len(value):,} bytes; the limit is "
                       f"{MAX_MESSAGE_BYTES:,} bytes", dataset_of(topic))
    try:
        envelope = orjson.loads(value)  # orjson checks the UTF-8 too
    except orjson.JSONDecodeError as exc:
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as not_text:
            return Refusal(f"the message is not UTF-8 text (byte {not_text.start} is invalid)",
                           dataset_of(topic))
        return Refusal(f"the message is not JSON: {exc.msg} at line {exc.lineno} "
                       f"column {exc.colno}", dataset_of(topic))
    try:
        return _report(envelope, topic, catalog, pii_key)
    except InvalidInput as exc:
        named = envelope if isinstance(envelope, dict) else {}
        return Refusal(exc.detail, str(named.get("dataset") or dataset_of(topic))[:64],
                       str(named.get("department") or "")[:32])


def _report(envelope: Any, topic: str, catalog: dict[str, DatasetRules], pii_key: str) -> Report:
    try:
        _check_envelope(envelope)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise InvalidInput(f"the envelope does not follow the contract: "
                           f"{_say(exc, 'the envelope')}") from None
    dataset = envelope["dataset"]
    rules = catalog.get(dataset)
    if rules is None:
        raise InvalidInput(f"unknown dataset {dataset!r}: register it with "
                           "`onegrid dataset register`")
    if dataset_of(topic) != dataset:
        raise InvalidInput(f"dataset {dataset!r} arrived on topic {topic!r}; "
                           f"publish it to onegrid.ingest.{dataset}")
    if not rules.may_contribute(envelope["department"]):
        allowed = ", ".join(sorted({rules.owner, *rules.contributors}))
        raise InvalidInput(f"department {envelope['department']!r} may not contribute to "
                           f"{dataset!r} (allowed: {allowed})")
    key = subject_key(rules.subject_key_kind, envelope["subject_key"], pii_key)
    attributes = envelope["attributes"]
    try:
        rules.validate_attributes(attributes)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise InvalidInput(f"attributes do not match the schema of {dataset!r}: "
                           f"{_say(exc, 'attributes')}") from None
    hashes = {name: pii_hash(attributes[name], pii_key)
              for name in rules.resident_id_fields if name in attributes}
    masked = {**attributes, **{name: mask(attributes[name]) for name in hashes}} if hashes \
        else attributes
    geometry = _geometry(envelope, rules)
    point = tuple(geometry["coordinates"]) if geometry and geometry["type"] == "Point" else None
    return Report(
        dataset=dataset, department=envelope["department"], record_id=envelope["record_id"],
        kind=key.kind, key=key.key, key_masked=key.masked,
        occurred_at=_timestamp(envelope["occurred_at"]), point=point,
        geometry=orjson.dumps(geometry).decode() if geometry and not point else None,
        attributes=orjson.dumps(masked).decode(),
        provenance=orjson.dumps(dict.fromkeys(masked, 1)).decode(),
        pii_hashes=orjson.dumps(hashes).decode(),
    )


def _timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"occurred_at {text!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"occurred_at {text!r} has no UTC offset (e.g. +08:00)")
    return moment


def _geometry(envelope: dict[str, Any], rules: DatasetRules) -> dict[str, Any] | None:
    geometry = envelope.get("geometry")
    if geometry is None:
        if rules.geometry_type:
            raise InvalidInput(f"dataset {rules.id!r} needs a {rules.geometry_type} geometry")
        return None
    if rules.geometry_type and geometry.get("type") != rules.geometry_type:
        raise InvalidInput(f"dataset {rules.id!r} takes {rules.geometry_type} geometries, "
                           f"not {geometry.get('type')!r}")
    crs = envelope.get("crs")
    if crs is None:
        raise InvalidInput("a record with a geometry must say its crs")
    return to_store_datum(geometry, crs)


def _say(exc: fastjsonschema.JsonSchemaValueException, whole: str) -> str:
    """fastjsonschema says "data.x must be …"; name the field the way the producer wrote it."""
    if exc.message.startswith("data."):
        return exc.message.removeprefix("data.")
    return exc.message.replace("data", whole, 1)
