"""Messages at the edges of decoding: each is stored as sent or refused with a reason, never a
crash of the worker (an exception in decode stops it, and the message stays unread)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from onegrid.ingest.decode import Refusal, Report, decode
from onegrid.ingest.writer import BatchWriter, Delivery
from onegrid.platform.catalog import DatasetRules, register, rules
from onegrid.platform.config import Settings
from tests.ingest.conftest import LUCHENG_POINT, encode, envelope

TOPIC = "onegrid.ingest.test.open"


@pytest.fixture
def open_catalog(db: Session, city: None) -> dict[str, DatasetRules]:
    """A dataset whose schema takes any attributes."""
    register(db, {"id": "test.open", "title": "任意属性", "owner": "SCJG",
                  "subject_key": "event_id", "geometry": None, "sharing": "not_shared",
                  "schema": {"type": "object"}})
    db.flush()
    return rules(db)


def _decode(value: bytes, catalog: dict[str, DatasetRules], settings: Settings
            ) -> Report | Refusal:
    return decode(value, TOPIC, catalog, settings.pii_key)


def _with_nested(depth: int, **fields) -> bytes:
    """An envelope whose attribute ``deep`` is ``depth`` arrays, one inside the other."""
    value = encode(envelope("test.open", subject_key="e-1", geometry=None, crs=None,
                            deep="NESTED", **fields))
    return value.replace(b'"NESTED"', b"[" * depth + b"]" * depth)


def test_big_integers_and_deep_nesting_are_stored_exactly(open_catalog, settings, db) -> None:
    """orjson writes neither an integer beyond 64 bits nor 255 levels of nesting."""
    big = 123456789012345678901234567890
    report = _decode(_with_nested(400, big=big), open_catalog, settings)
    assert isinstance(report, Report), report
    assert json.loads(report.attributes)["big"] == big
    stored = db.execute(text("SELECT (CAST(:a AS jsonb) ->> 'big')::numeric, "
                             "jsonb_typeof(CAST(:a AS jsonb) #> '{deep,0,0,0}')"),
                        {"a": report.attributes.decode()}).one()
    assert stored == (big, "array")


@pytest.mark.parametrize("value, reason", [
    (b"[" * 1200 + b"]" * 1200, "Expected `object`, got `array`"),
    (_with_nested(1200), "more than 999 levels deep"),
    (b'"\xff"', "the envelope does not follow the contract: Expected `object`, got `str`"),
    (b'{"dataset": "test.open", "x": "\\ud800"}', "the message is not JSON"),
    (b'{"dataset": "test.open", "department": 7}',
     "the envelope does not follow the contract: department: Expected `str`, got `int`"),
    (b'{"dataset": "test.open", "department": "SCJG", "record_id": "r"}',
     "it lacks subject_key, occurred_at, attributes"),
    (encode({**envelope("test.open"), "occurred_at": 20261120}),
     "occurred_at: Expected `str`, got `int`"),
    (encode(envelope("test.open", size=1e400)), "not JSON"),
])
def test_what_the_parser_refuses_is_a_dead_letter_with_a_reason(open_catalog, settings,
                                                                value, reason) -> None:
    refusal = _decode(value, open_catalog, settings)
    assert isinstance(refusal, Refusal) and reason in refusal.reason, refusal
    assert refusal.dataset == "test.open"


def test_a_geometry_other_than_a_point_reaches_the_store_as_sent(open_catalog, settings,
                                                                 db) -> None:
    """Points travel as two numbers; any other geometry as its GeoJSON text."""
    lon, lat = LUCHENG_POINT
    ring = [[lon, lat], [lon + 0.001, lat], [lon + 0.001, lat + 0.001], [lon, lat]]
    value = encode(envelope("test.open", subject_key="e-2", crs="EPSG:4490",
                            geometry={"type": "Polygon", "coordinates": [ring]}))
    conn = db.connection()
    departments = dict(db.execute(text("SELECT code, id FROM department")).all())
    report = _decode(value, open_catalog, settings)
    outcome = BatchWriter(conn, "test-polygon", lambda: departments).write(
        [(Delivery(TOPIC, 0, 0, None, value), report)], [])
    assert outcome.counts[("test.open", "SCJG")]["new"] == 1
    stored = db.execute(text(
        "SELECT ST_Equals(geom, ST_SetSRID(ST_GeomFromGeoJSON(:g), 4490)), grid_id IS NOT NULL "
        "FROM record WHERE dataset_id = 'test.open'"),
        {"g": json.dumps({"type": "Polygon", "coordinates": [ring]})}).one()
    assert stored == (True, True)
