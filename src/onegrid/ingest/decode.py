"""One Kafka message in, either a Report ready for the store or the reason it is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import orjson

from onegrid.gis.crs import to_store_datum
from onegrid.ingest.contract import MAX_MESSAGE_BYTES, Envelope
from onegrid.ingest.signing import Keyring
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.sharing.catalog import DatasetRules, FieldRights, problem
from onegrid.platform.sharing.identity import mask, pii_hash, subject_key
from onegrid.platform.streams import TOPIC_PREFIX, dataset_of, topic_for

_parse = msgspec.json.Decoder(Envelope)
NO_HASHES = b"{}"
# JSON may spell the character U+0000 (NUL), which no PostgreSQL text or jsonb value can hold:
# such a message would fail its whole batch, again at every restart, unless refused here.
_NUL_ESCAPE = b"\\u0000"
# How far after its receipt a report may be dated, for producers' clocks that run fast. A report
# dated later is refused: merged, it would be "newer" than every true report after it until
# that date, and so would freeze its record's attributes (one dated 2099, for ever).
CLOCK_SKEW = timedelta(minutes=5)


class Report(msgspec.Struct, frozen=True, gc=False):  # as writer.Delivery, and for its reasons
    """An accepted message, in the store's terms (keys hashed, coordinates in CGCS2000)."""

    dataset: str
    department: str
    record_id: str
    key: str  # the subject's, in the store's form (of the dataset's kind)
    key_masked: str
    occurred_at: datetime
    point: tuple[float, float] | None  # (lon, lat): most records are points, the cheap path
    # JSON texts, UTF-8 encoded (as the JSON library writes them, and COPY sends them)
    geometry: bytes | None  # GeoJSON of any other geometry
    attributes: bytes
    sources: bytes  # version 1 said by this report (a new record's sources)
    pii_hashes: bytes  # the resident IDs' keyed hashes (NO_HASHES: none, as in most records)


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    dataset: str = ""
    department: str = ""
    # The message's texts that its dataset declares resident IDs (its subject key, attributes of
    # format resident-id), valid or not: the dead letter masks them (redaction.py).
    resident_ids: frozenset[str] = frozenset()


def decode(value: bytes | None, topic: str, catalog: dict[str, DatasetRules],
           pii_key: str, received_at: datetime | Horizon | None = None,
           keyring: Keyring | None = None,
           signature: bytes | None = None, *, prefix: str = TOPIC_PREFIX) -> Report | Refusal:
    """Check one message against the contract and its dataset's rules; ``received_at`` (by
    default now) is when the platform read it, which ``occurred_at`` may pass by CLOCK_SKEW
    (the worker passes a Horizon of its batch's).
    With a ``keyring`` (the worker always passes one), ``signature`` (the message's
    onegrid-signature header) must be its department's, over ``value``, once it parses.
    ``prefix`` is the deployment's topic prefix (Settings.topic_prefix), which the topic's
    dataset follows."""
    # Until the envelope names them, the topic says the dataset and nobody the department.
    if value is None:
        return Refusal("the message has no value (a tombstone); send the record as JSON",
                       dataset_of(topic, prefix))
    if len(value) > MAX_MESSAGE_BYTES:
        return Refusal(f"the message is {len(value):,} bytes; the limit is "
                       f"{MAX_MESSAGE_BYTES:,} bytes", dataset_of(topic, prefix))
    try:
        envelope = _parse.decode(value)
    except RecursionError:
        return Refusal("the message nests arrays or objects more than 999 levels deep",
                       dataset_of(topic, prefix))
    except msgspec.ValidationError as exc:
        return _refuse(exc, value, topic, catalog, prefix)
    except msgspec.DecodeError as exc:
        return Refusal(_not_json(value, exc), dataset_of(topic, prefix))
    if keyring is not None:
        unsigned = keyring.refusal(signature, value, envelope.department)
        if unsigned:
            return Refusal(unsigned, _no_nul(envelope.dataset), _no_nul(envelope.department),
                           _resident_ids(msgspec.structs.asdict(envelope), topic, catalog,
                                         prefix))
    if _NUL_ESCAPE in value:  # a fast search; the walk tells an escaped backslash apart
        fields = msgspec.structs.asdict(envelope)
        where = _nul_at(fields, "")
        if where:
            return Refusal(f"{where} contains the character U+0000 (NUL), which the store "
                           "cannot keep in text", dataset_of(topic, prefix),
                           _no_nul(envelope.department),
                           _resident_ids(fields, topic, catalog, prefix))
    try:
        horizon = received_at if isinstance(received_at, Horizon) else \
            Horizon(received_at or datetime.now(UTC))
        return _report(envelope, topic, catalog, pii_key, horizon,
                       prefix)
    except InvalidInputError as exc:
        return Refusal(exc.detail, envelope.dataset, envelope.department,
                       _resident_ids(msgspec.structs.asdict(envelope), topic, catalog, prefix))


def _resident_ids(message: dict[str, Any], topic: str, catalog: dict[str, DatasetRules],
                  prefix: str) -> frozenset[str]:
    """The texts of ``message`` that the dataset it names, or its topic's, declares resident
    IDs: the subject key of a dataset keyed by them, attributes of format resident-id."""
    named = message.get("dataset")
    attributes = message.get("attributes")
    found: list[object] = []
    for rules in (catalog.get(named) if isinstance(named, str) else None,
                  catalog.get(dataset_of(topic, prefix))):
        if rules is None:
            continue
        if rules.subject_key_kind == "resident_id":
            found.append(message.get("subject_key"))
        if isinstance(attributes, dict):
            found += (attributes.get(name) for name in rules.resident_id_fields)
    return frozenset(text for text in found if isinstance(text, str))


def _nul_at(node: Any, path: str) -> str | None:
    """Where in ``node`` a text (a value or a key) holds a NUL: "attributes.name", "a key in
    attributes", or None."""
    if isinstance(node, str):
        return path if "\x00" in node else None
    if isinstance(node, dict):
        if any("\x00" in key for key in node):
            return f"a key in {path}"
        children = ((f"{path}.{key}" if path else key, child) for key, child in node.items())
    elif isinstance(node, list):
        children = ((f"{path}[{n}]", child) for n, child in enumerate(node))
    else:
        return None
    return next(filter(None, (_nul_at(child, where) for where, child in children)), None)


def _no_nul(text: str) -> str:
    """A name for the dead letter's columns, which are text too."""
    return text.replace("\x00", "")


def _not_json(value: bytes, exc: msgspec.DecodeError) -> str:
    """Why the bytes are no JSON: the first byte that is not UTF-8, else where the JSON breaks."""
    try:
        value.decode("utf-8")
    except UnicodeDecodeError as not_text:
        return f"the message is not UTF-8 text (byte {not_text.start} is invalid)"
    try:
        orjson.loads(value)  # says it in lines and columns
    except orjson.JSONDecodeError as broken:
        return (f"the message is not JSON: {broken.msg} at line {broken.lineno} "
                f"column {broken.colno}")
    return f"the message is not JSON: {exc}"


def _refuse(exc: msgspec.ValidationError, value: bytes, topic: str,
            catalog: dict[str, DatasetRules], prefix: str) -> Refusal:
    """What is wrong with the envelope (every missing field at once), naming the dataset and
    department when the message does."""
    try:
        named = orjson.loads(value)
    except orjson.JSONDecodeError:  # the contract check stopped before the broken part
        named = None
    named = named if isinstance(named, dict) else {}
    problem = _said(exc)
    if problem.startswith("Object missing required field"):  # msgspec names the first only
        problem = "it lacks " + ", ".join(f.encode_name for f in msgspec.structs.fields(Envelope)
                                          if f.required and f.encode_name not in named)
    return Refusal(f"the envelope does not follow the contract: {problem}",
                   _no_nul(str(named.get("dataset") or dataset_of(topic, prefix)))[:64],
                   _no_nul(str(named.get("department") or ""))[:32],
                   _resident_ids(named, topic, catalog, prefix))


def _said(exc: msgspec.ValidationError) -> str:
    """msgspec says "Expected `str`, got `int` - at `$.dataset`"; name the field plainly."""
    reason, _, where = str(exc).partition(" - at `$")
    return f"{where.rstrip('`').lstrip('.')}: {reason}" if where else reason


def _report(envelope: Envelope, topic: str, catalog: dict[str, DatasetRules],
            pii_key: str, horizon: Horizon, prefix: str) -> Report:
    dataset = envelope.dataset
    rules = catalog.get(dataset)
    if rules is None:
        raise InvalidInputError(f"unknown dataset {dataset!r}: register it with "
                                "`onegrid dataset register`")
    if dataset_of(topic, prefix) != dataset:
        raise InvalidInputError(f"dataset {dataset!r} arrived on topic {topic!r}; "
                                f"publish it to {topic_for(dataset, prefix)}")
    if not rules.may_contribute(envelope.department):
        allowed = ", ".join(sorted({rules.owner, *rules.contributors}))
        raise InvalidInputError(f"department {envelope.department!r} may not contribute to "
                                f"{dataset!r} (allowed: {allowed})")
    key = subject_key(rules.subject_key_kind, envelope.subject_key, pii_key)
    attributes = envelope.attributes
    rights = rules.rights.get(envelope.department)  # None: the owner, or one who sets all
    if rights is not None:
        _within(rights, attributes, envelope.department, rules)
    wrong = problem(rights.attributes if rights else rules.attributes, attributes)
    if wrong:
        raise InvalidInputError(f"attributes do not match the schema of {dataset!r}: {wrong}")
    # Most datasets have no resident-ID fields, and a comprehension is a function call even
    # over none (≈ 0.2 µs a message in Python 3.11).
    hashes = {name: pii_hash(attributes[name], pii_key)
              for name in rules.resident_id_fields if name in attributes} \
        if rules.resident_id_fields else {}
    masked = {**attributes, **{name: mask(attributes[name]) for name in hashes}} if hashes \
        else attributes
    geometry = _geometry(envelope, rules)
    point = tuple(geometry["coordinates"]) if geometry and geometry["type"] == "Point" else None
    occurred_at = _timestamp(envelope.occurred_at, horizon)
    return Report(  # by position: keywords cost ≈ 0.5 µs more a message
        dataset, envelope.department, envelope.record_id, key.key, key.masked,
        occurred_at, point,
        _json(geometry) if geometry and not point else None,
        _json(masked),
        # JSON written here rather than built by PostgreSQL (jsonb_build_object and its
        # timestamp formatting cost the server ≈ 2.5 µs a record, parsing this ≈ 1.2)
        orjson.dumps({"1": {"department": envelope.department, "record_id": envelope.record_id,
                            "at": occurred_at}}),
        orjson.dumps(hashes) if hashes else NO_HASHES)


def _within(rights: FieldRights, attributes: dict[str, Any], department: str,
            rules: DatasetRules) -> None:
    """Refuse the whole report when it sets an attribute its contributor may not (the
    dataset's spec says which it may): docs/ingest.md §1."""
    denied = attributes.keys() - rights.fields
    if not denied:
        return
    named = sorted(denied & rules.attribute_names)  # a name a producer invented is not
    others = len(denied) - len(named)               # repeated (it may hold anything)
    listed = ", ".join(named + ([f"{others} attributes the schema does not name"] if others
                                else []))
    raise InvalidInputError(
        f"department {department!r} may not set {listed} in {rules.id!r}: as a contributor "
        f"it may set {', '.join(sorted(rights.fields)) or 'none'}")


def _json(value: Any) -> bytes:
    """The JSON text of what a producer sent. orjson is the fast path; it refuses integers
    beyond 64 bits and nesting deeper than 254 levels, which msgspec read and writes exactly."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return msgspec.json.encode(value)


def _timestamp(text: str, horizon: Horizon) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"occurred_at {text!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise InvalidInputError(f"occurred_at {text!r} has no UTC offset (e.g. +08:00)")
    if horizon.passed_by(text, moment):
        raise InvalidInputError(
            f"occurred_at {text!r} is in the future: the platform received the report at "
            f"{horizon.received_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}, and a clock may run at "
            f"most {CLOCK_SKEW.seconds // 60} minutes fast")
    return moment


class Horizon:
    """The latest a report received at ``received_at`` may be dated: CLOCK_SKEW later.

    Checked on occurred_at's text where it has the usual form (YYYY-MM-DDTHH:MM:SS, optional
    fraction, then Z or ±HH:MM): against the horizon's wall-clock time at that UTC offset,
    worked out once per offset, to the second. Comparing two aware datetimes of different
    offsets costs ≈ 4 µs here (CPython asks each for its offset through a method call), a
    quarter of a message's decode; the text comparison ≈ 0.1 µs. Other forms are compared as
    datetimes. The worker makes one Horizon a batch."""

    def __init__(self, received_at: datetime) -> None:
        self.received_at = received_at
        self.latest = received_at + CLOCK_SKEW
        self._walls: dict[str, str] = {}  # UTC offset as written → wall clock of `latest` there

    def passed_by(self, text: str, moment: datetime) -> bool:
        """Whether ``moment`` (``text`` parsed) is later than the horizon."""
        offset = text[-6:] if text[-6:-5] in ("+", "-") and text[-3:-2] == ":" else \
            "Z" if text[-1:] == "Z" else None
        if offset is None or text[10:11] != "T" or text[16:17] != ":" \
                or text[19:20] not in (".", "+", "-", "Z"):
            return moment > self.latest
        wall = self._walls.get(offset)
        if wall is None:
            there = self.latest.astimezone(moment.tzinfo)
            wall = self._walls[offset] = f"{there:%Y-%m-%dT%H:%M:%S}"
        return text[:19] > wall


def _geometry(envelope: Envelope, rules: DatasetRules) -> dict[str, Any] | None:
    geometry = envelope.geometry
    if geometry is None:
        if rules.geometry_type:
            raise InvalidInputError(f"dataset {rules.id!r} needs a {rules.geometry_type} geometry")
        return None
    if rules.geometry_type and geometry.get("type") != rules.geometry_type:
        raise InvalidInputError(f"dataset {rules.id!r} takes {rules.geometry_type} geometries, "
                                f"not {geometry.get('type')!r}")
    crs = envelope.crs
    if crs is None:
        raise InvalidInputError("a record with a geometry must say its crs")
    return to_store_datum(geometry, crs)

