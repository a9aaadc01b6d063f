"""Messages at the edges of decoding: each is stored as sent or refused with a reason, never a
crash of the worker (an exception in decode stops it, and the message stays unread)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from onegrid.ingest.decode import Refusal, Report, decode
from onegrid.ingest.writer import Delivery
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.catalog import DatasetRules, register, rules
from tests.ingest.conftest import LUCHENG_POINT, batch_writer, encode, envelope

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


@pytest.mark.parametrize("change, where", [
    ({"attributes": {"name": "甲\x00乙"}}, "attributes.name"),
    ({"attributes": {"rooms": [{"no": "1"}, {"no": "2\x00"}]}}, "attributes.rooms[1].no"),
    ({"attributes": {"na\x00me": "甲"}}, "a key in attributes"),
    ({"record_id": "r\x00"}, "record_id"),
    ({"department": "SC\x00JG"}, "department"),
])
def test_a_nul_character_is_a_dead_letter_that_says_where(open_catalog, settings, db, change,
                                                          where) -> None:
    """No PostgreSQL text holds U+0000: stored, it would fail its batch at every restart."""
    value = encode({**envelope("test.open"), **change})
    refusal = _decode(value, open_catalog, settings)
    assert isinstance(refusal, Refusal), refusal
    assert refusal.reason.startswith(f"{where} contains the character U+0000 (NUL)")
    batch_writer(db, "test-nul").write([], [(Delivery(TOPIC, 0, 0, None, value), refusal)])
    assert db.scalar(text("SELECT count(*) FROM dead_letter WHERE topic = :t AND reason = :r"),
                     {"t": TOPIC, "r": refusal.reason}) == 1


def test_a_refused_envelope_names_its_dataset_and_department_without_nul(open_catalog,
                                                                         settings) -> None:
    refusal = _decode(b'{"dataset": "test.open\\u0000", "department": "SC\\u0000JG", '
                      b'"record_id": 7}', open_catalog, settings)
    assert isinstance(refusal, Refusal) and "record_id" in refusal.reason, refusal
    assert (refusal.dataset, refusal.department) == ("test.open", "SCJG")


def test_the_text_backslash_u0000_is_stored_as_sent(open_catalog, settings, db) -> None:
    """Six characters, not a NUL: JSON writes them with an escaped backslash."""
    value = encode(envelope("test.open", subject_key="e-5", geometry=None, crs=None,
                            path="C:\\u0000"))
    report = _decode(value, open_catalog, settings)
    assert isinstance(report, Report), report
    batch_writer(db, "test-nul").write([(Delivery(TOPIC, 0, 1, None, value), report)], [])
    assert db.scalar(text("SELECT attributes ->> 'path' FROM record "
                          "WHERE subject_key = 'e-5'")) == "C:\\u0000"


def _store(db: Session, catalog: dict[str, DatasetRules], settings: Settings,
           key: str, geometry: dict) -> tuple[bool, int | None]:
    """Ingest one located report; whether its geometry was stored as sent, and its grid."""
    value = encode(envelope("test.open", subject_key=key, crs="EPSG:4490", geometry=geometry))
    report = _decode(value, catalog, settings)
    assert isinstance(report, Report), report
    batch_writer(db, "test-geometry").write([(Delivery(TOPIC, 0, 0, None, value), report)], [])
    return db.execute(text(
        "SELECT ST_Equals(r.geom, ST_SetSRID(ST_GeomFromGeoJSON(:g), 4490)), r.grid_id "
        "FROM record r WHERE r.dataset_id = 'test.open' AND r.subject_key = :k"),
        {"g": json.dumps(geometry), "k": key}).one()


def test_a_geometry_other_than_a_point_reaches_the_store_as_sent(open_catalog, settings,
                                                                 db) -> None:
    """Points travel as two numbers; any other geometry as its GeoJSON text."""
    lon, lat = LUCHENG_POINT
    ring = [[lon, lat], [lon + 0.001, lat], [lon + 0.001, lat + 0.001], [lon, lat]]
    same, grid = _store(db, open_catalog, settings, "e-2",
                        {"type": "Polygon", "coordinates": [ring]})
    assert same and grid is not None


def test_a_polygon_is_in_the_grid_of_its_point_on_surface(open_catalog, settings, db) -> None:
    """onegrid_grid_of's rule, as for issues: not the smallest code among the grids it touches.
    The polygon: a disc around a grid's point on surface reaching into a neighbour with a
    smaller code."""
    polygon, expected, smallest = db.execute(text(
        "SELECT ST_AsGeoJSON(disc), onegrid_grid_of(disc), "
        "       (SELECT g.id FROM area g WHERE g.level = 'grid' AND ST_Intersects(g.geom, disc)"
        "        ORDER BY g.code LIMIT 1) "
        "FROM area a JOIN area b ON a.level = 'grid' AND b.level = 'grid' AND a.code < b.code "
        "     AND ST_Touches(a.geom, b.geom), "
        "LATERAL (SELECT ST_Buffer(ST_PointOnSurface(b.geom), "
        "                          ST_Distance(ST_PointOnSurface(b.geom), a.geom) * 1.2) disc) d "
        "WHERE onegrid_grid_of(disc) = b.id LIMIT 1")).one()
    assert expected != smallest
    same, grid = _store(db, open_catalog, settings, "e-3", json.loads(polygon))
    assert same and grid == expected


@pytest.fixture
def strict_catalog(db: Session, city: None) -> dict[str, DatasetRules]:
    register(db, {"id": "test.strict", "title": "严格属性", "owner": "SCJG",
                  "subject_key": "event_id", "geometry": None, "sharing": "not_shared",
                  "schema": {"type": "object", "required": ["name"],
                             "additionalProperties": False, "properties": {
                                 "name": {"type": "string"},
                                 "phone": {"type": "string", "pattern": "^[0-9-]{7,20}$"},
                                 "holder_id": {"type": "string", "format": "resident-id"},
                                 "employees": {"type": "integer", "minimum": 0}}}})
    db.flush()
    return rules(db)


@pytest.mark.parametrize("attributes, reason, secret", [
    ({"name": "甲", "phone": "138-secret-0571"},
     'phone does not match "^[0-9-]{7,20}$"', "secret"),
    ({"name": "甲", "holder_id": "330302198001011231"},
     'holder_id is not a "resident-id"', "330302198001011231"),
    ({"name": "甲", "employees": -4071}, "employees is less than the minimum of 0", "4071"),
    ({"name": "甲", "employees": "四千"}, 'employees is not of type "integer"', "四千"),
    ({"phone": "0577-1234567"}, '"name" is a required property', "1234567"),
    ({"name": "甲", "nickname": "秘密"},
     "Additional properties are not allowed ('nickname' was unexpected)", "秘密"),
])
def test_a_schema_refusal_names_the_field_and_never_quotes_its_value(
        strict_catalog, settings, attributes, reason, secret) -> None:
    """A dead letter's reason is shown to operators and kept: it must not repeat what could be
    personal information, whatever the field."""
    value = encode({**envelope("test.strict", subject_key="e-1", geometry=None, crs=None),
                    "attributes": attributes})
    refusal = decode(value, "onegrid.ingest.test.strict", strict_catalog, settings.pii_key)
    assert isinstance(refusal, Refusal), refusal
    assert refusal.reason == ("attributes do not match the schema of 'test.strict': " + reason)
    assert secret not in refusal.reason


@pytest.mark.parametrize("change, reason", [
    ({"id": "Bad Id"}, 'dataset spec: id: "Bad Id" does not match'),
    ({"sharing": "sometimes"}, 'dataset spec: sharing: "sometimes" is not one of'),
    ({"schema": {"type": "nothing"}}, "the attribute schema is not a valid JSON Schema"),
    ({"schema": {"properties": {"x": {"pattern": "("}}}},
     "the attribute schema is not a valid JSON Schema"),
    ({"contributors": {"SWJ": ["phone", "nope"]}, "schema": {"properties": {"phone": {}}}},
     "dataset spec: contributor SWJ is given attributes the schema does not name: nope"),
    ({"contributors": {"SWJ": "phone"}}, "dataset spec: contributors: "),
])
def test_a_bad_dataset_spec_is_refused_with_what_is_wrong(db, city, change, reason) -> None:
    spec = {"id": "test.bad", "title": "坏", "owner": "SCJG", "subject_key": "event_id",
            "sharing": "not_shared", "schema": {"type": "object"}, **change}
    with pytest.raises(InvalidInputError) as refused:
        register(db, spec)
    assert reason in refused.value.detail


@pytest.mark.parametrize(("contributors", "refused"), [
    ({"SWJ": ["phone"], "GAJ": "*"}, {"SWJ": "may not set name in 'test.rights': as a "
                                             "contributor it may set phone"}),
    (["SWJ", "GAJ"], {}),  # the list form: each may set every attribute
])
def test_a_contributor_may_set_only_what_the_spec_gives_it(db, city, settings, contributors,
                                                           refused) -> None:
    register(db, {"id": "test.rights", "title": "权限", "owner": "SCJG",
                  "contributors": contributors, "subject_key": "event_id",
                  "sharing": "unconditional", "schema": {
                      "type": "object", "required": ["name"],
                      "properties": {"name": {"type": "string"}, "phone": {"type": "string"}}}})
    catalog = rules(db)
    for department in ("SCJG", "SWJ", "GAJ"):
        for attributes in ({"phone": "0577-1"}, {"name": "甲", "phone": "0577-1"}):
            value = encode({"dataset": "test.rights", "department": department,
                            "record_id": "r", "subject_key": "E-1",
                            "occurred_at": "2026-11-20T08:00:00+08:00",
                            "attributes": attributes})
            result = decode(value, "onegrid.ingest.test.rights", catalog, settings.pii_key)
            # without name, only a contributor limited to fields it excludes passes `required`
            expected = (refused.get(department) if "name" in attributes else
                        None if department in refused else "\"name\" is a required property")
            if expected is None:
                assert isinstance(result, Report), (department, attributes, result)
            else:
                assert isinstance(result, Refusal) and expected in result.reason, \
                    (department, attributes, result)
