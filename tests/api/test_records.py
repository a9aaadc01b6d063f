"""Record queries, CSV, subjects across datasets, and the change feed."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from onegrid.demo.factories import credit_code
from tests.api.conftest import RESIDENT_ID
from tests.ingest.conftest import LUCHENG_POINT, envelope

BUSINESSES = "/api/v1/datasets/market.business/records"
KEYS = ["91330302MA2AXXXXX8", *(credit_code(random.Random(seed)) for seed in (1, 2))]


def _many(write, db: Session) -> None:
    """Three businesses: two at the test point, one in the north-west of the district."""
    write(*[envelope(subject_key=key, record_id=f"r{i}", status="存续" if i else "吊销",
                     name=f"鹿城示例{i}号科技公司",
                     geometry={"type": "Point",
                               "coordinates": [120.40, 28.14] if i == 2 else [120.655, 28.014]})
            for i, key in enumerate(KEYS)])
    db.flush()


def _keys(response) -> list[str]:
    return [f["properties"]["subject_key"] for f in response.json["features"]]


def test_grid_codes_work_at_every_level(client, write, db: Session, token) -> None:
    _many(write, db)
    grid = db.scalar(text("SELECT a.code FROM record r JOIN area a ON a.id = r.grid_id "
                          "WHERE r.subject_key = :k"),
                     {"k": KEYS[0]})
    headers = token("MZJ")
    # a grid twice: asked by its code at once, then with the code known
    for code in (grid, grid, grid[:12], grid[:9] + "000", "330302"):  # community, street
        found = client.get(f"{BUSINESSES}?grid={code}", headers=headers).json["features"]
        mine = {f["properties"]["subject_key"]: f["properties"] for f in found}
        assert KEYS[0] in mine and KEYS[1] in mine, code
        assert (mine[KEYS[0]]["grid"], mine[KEYS[0]]["subject_kind"]) == (grid, "credit_code")
    assert len(_keys(client.get(f"{BUSINESSES}?grid=330302", headers=headers))) == 3
    assert client.get(f"{BUSINESSES}?grid=999999", headers=headers).status_code == 400


def test_a_grid_without_records_and_a_known_community_answer_like_any_other(
        client, write, db: Session, token) -> None:
    """A grid is asked for by its code at once, and the code looked up only when that finds
    nothing: an empty grid is an empty page, not an unknown code, and a community's page is the
    same whether its code was looked up just now or before."""
    _many(write, db)
    grid = db.scalar(text("SELECT a.code FROM record r JOIN area a ON a.id = r.grid_id "
                          "WHERE r.subject_key = :k"), {"k": KEYS[0]})
    empty = db.scalar(text("SELECT code FROM area g WHERE level = 'grid' AND NOT EXISTS ("
                           "SELECT 1 FROM record r WHERE r.grid_id = g.id "
                           "AND r.dataset_id = 'market.business') ORDER BY code LIMIT 1"))
    headers = token("MZJ")
    for _ in range(2):  # the second time, the codes are known
        answer = client.get(f"{BUSINESSES}?grid={empty}", headers=headers)
        assert answer.status_code == 200 and answer.json["features"] == []
        community = _keys(client.get(f"{BUSINESSES}?grid={grid[:12]}", headers=headers))
        assert KEYS[0] in community and KEYS[1] in community
    past_the_end = client.get(f"{BUSINESSES}?grid={grid}&cursor={2 ** 40}", headers=headers)
    assert past_the_end.status_code == 200 and past_the_end.json["next_cursor"] is None


def test_an_integer_beyond_64_bits_comes_back_exactly(client, write, db: Session, token) -> None:
    """Ingest stores what a producer sent exactly and the API writes it back exactly (that the
    app's own engine reads it exactly is tests/platform/store/test_engine.py's)."""
    big = 123456789012345678901234567890
    write(envelope(subject_key=KEYS[1], employees=big))
    db.flush()
    found = client.get(f"{BUSINESSES}?grid=330302", headers=token("MZJ")).json["features"]
    assert [f["properties"]["employees"] for f in found
            if f["properties"]["subject_key"] == KEYS[1]] == [big]


def test_bbox_updated_since_attributes_and_text(client, write, db: Session, token) -> None:
    _many(write, db)
    headers = token("MZJ")
    assert set(_keys(client.get(f"{BUSINESSES}?bbox=120.6,28.0,120.7,28.1", headers=headers))) \
        == set(KEYS[:2])
    assert _keys(client.get(f"{BUSINESSES}?status=吊销", headers=headers)) == [KEYS[0]]
    assert _keys(client.get(f"{BUSINESSES}?q=2号科技", headers=headers)) == [KEYS[2]]
    assert _keys(client.get(f"{BUSINESSES}?updated_since=2999-01-01T00:00:00Z",
                            headers=headers)) == []
    assert len(_keys(client.get(f"{BUSINESSES}?updated_since=2000-01-01T00:00:00Z",
                                headers=headers))) == 3
    masked = client.get(f"{BUSINESSES}?phone=0577", headers=headers)
    assert masked.status_code == 400  # filtering on a masked field would reveal it


def test_cursor_pages_are_stable_and_complete(client, write, db: Session, token) -> None:
    _many(write, db)
    headers, seen, cursor = token("MZJ"), [], None
    while True:
        page = client.get(f"{BUSINESSES}?limit=1" + (f"&cursor={cursor}" if cursor else ""),
                          headers=headers).json
        seen += [f["id"] for f in page["features"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == 3


def test_csv_export_holds_the_same_rows(client, write, db: Session, token) -> None:
    _many(write, db)
    headers = token("MZJ")
    geojson = client.get(f"{BUSINESSES}?bbox=120.6,28.0,120.7,28.1", headers=headers).json
    exported = client.get(f"{BUSINESSES}?bbox=120.6,28.0,120.7,28.1&format=csv",
                          headers=headers)
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == [f["id"] for f in geojson["features"]]
    assert rows[0]["name"].startswith("鹿城示例") and float(rows[0]["lon"]) == 120.655


def test_a_subject_across_datasets_with_provenance(client, shared, token) -> None:
    found = client.get("/api/v1/subjects/91330302MA2AXXXXX8", headers=token("SWJ")).json
    # ⊇: ingest tests commit records of this key in datasets of their own
    assert {r["dataset"] for r in found["records"]} >= {"market.business", "tax.taxpayer"}
    tax = next(r for r in found["records"] if r["dataset"] == "tax.taxpayer")
    assert tax["properties"]["provenance"]["credit_grade"]["department"] == "SWJ"


def test_a_resident_is_found_by_the_keyed_hash_of_the_id(client, shared, token) -> None:
    found = client.post("/api/v1/subjects/lookup", json={"key": RESIDENT_ID},
                        headers=token("GAJ"))
    assert found.status_code == 200 and found.json["subject_key"] == "330302********1230"
    assert RESIDENT_ID not in found.data.decode()
    assert client.post("/api/v1/subjects/lookup", json={"key": RESIDENT_ID},
                       headers=token("MZJ")).status_code == 404


def test_the_change_feed_returns_new_then_updated_records(client, write, db: Session,
                                                         token) -> None:
    _many(write, db)
    headers = token("MZJ")
    first = client.get("/api/v1/datasets/market.business/changes?since=0",
                       headers=headers).json
    assert [c["change"] for c in first["changes"]] == ["new"] * 3
    cursor = first["next"]
    assert client.get(f"/api/v1/datasets/market.business/changes?since={cursor}",
                      headers=headers).json["changes"] == []
    write(envelope(subject_key=KEYS[1], record_id="r9", name="鹿城示例改名公司",
                   occurred_at="2026-11-22T08:00:00+08:00"))
    db.flush()
    (changed,) = client.get(f"/api/v1/datasets/market.business/changes?since={cursor}",
                            headers=headers).json["changes"]
    assert changed["change"] == "updated" and changed["attributes"]["name"] == "鹿城示例改名公司"
    assert [v["version"] for v in changed["versions"]] == [1, 2]


def test_a_change_of_location_alone_shows_in_the_feed_updated_since_and_freshness(
        client, write, db: Session, token) -> None:
    _many(write, db)
    # every record last changed long ago (a test's transaction has one now())
    db.execute(text("UPDATE record SET updated_at = '2020-01-01' "
                    "WHERE dataset_id = 'market.business'"))
    headers, feed = token("MZJ"), "/api/v1/datasets/market.business/changes?since="
    cursor = client.get(f"{feed}0", headers=headers).json["next"]
    moved = [120.6615, 28.0198]
    for record_id, day in (("r9", 21), ("r10", 22)):  # moved, then the same place re-sent
        write(envelope(subject_key=KEYS[1], record_id=record_id, name="鹿城示例1号科技公司",
                       occurred_at=f"2026-11-{day}T08:00:00+08:00",
                       geometry={"type": "Point", "coordinates": moved}))
    db.flush()
    (changed,) = client.get(f"{feed}{cursor}", headers=headers).json["changes"]
    assert (changed["change"], changed["version"]) == ("updated", 2)
    assert changed["geometry"]["coordinates"] == moved
    assert changed["provenance"]["geometry"]["record_id"] == "r9"
    assert changed["provenance"]["name"]["record_id"] == "r1"
    assert [(v["version"], v["geometry"]["coordinates"]) for v in changed["versions"]] == [
        (1, [120.655, 28.014]), (2, moved)]
    assert changed["versions"][1]["changes"] == {}
    assert _keys(client.get(f"{BUSINESSES}?updated_since=2021-01-01T00:00:00Z",
                            headers=headers)) == [KEYS[1]]
    fresh = client.get("/api/v1/datasets/market.business", headers=headers).json
    assert datetime.fromisoformat(fresh["updated_at"]).year > 2020


def test_the_change_feed_shows_each_record_once_at_its_latest_change(client, write, db: Session,
                                                                     token) -> None:
    _many(write, db)
    headers = token("MZJ")

    def feed(since: int, limit: int = 100) -> dict:
        return client.get(f"/api/v1/datasets/market.business/changes?since={since}"
                          f"&limit={limit}", headers=headers).json

    start = feed(0)
    assert [c["subject_key"] for c in start["changes"]] == KEYS  # in the order of creation
    for n, key in enumerate((KEYS[1], KEYS[0], KEYS[1])):  # KEYS[1] changes twice
        write(envelope(subject_key=key, record_id=f"u{n}", name=f"改名{n}",
                       occurred_at=f"2026-11-2{n + 2}T08:00:00+08:00"))
        db.flush()
    after = feed(start["next"])["changes"]
    assert [(c["subject_key"], c["version"]) for c in after] == [(KEYS[0], 2), (KEYS[1], 3)]
    assert after[0]["change_seq"] < after[1]["change_seq"]
    # from the start: the unchanged record at its creation, then the two at their last change
    everything = feed(0)["changes"]
    assert [c["subject_key"] for c in everything] == [KEYS[2], KEYS[0], KEYS[1]]
    # a page ends where it ends, and the next one starts after it
    first = feed(0, limit=2)
    assert first["more"] and [c["subject_key"] for c in first["changes"]] == KEYS[2:] + KEYS[:1]
    assert [c["subject_key"] for c in feed(first["next"])["changes"]] == [KEYS[1]]


def test_an_areas_records_are_exactly_those_placed_in_it(client, write, db: Session,
                                                         token) -> None:
    """Points on a grid's corners and all over its bounding box, in it and in its neighbours:
    a grid's and its community's pages hold just the records ingest placed there (a point on a
    shared corner or edge is in one grid only)."""
    grid = db.scalar(text("SELECT code FROM area WHERE level = 'grid' AND ST_Intersects(geom, "
                          "ST_SetSRID(ST_MakePoint(:x, :y), 4490)) ORDER BY code LIMIT 1"),
                     {"x": LUCHENG_POINT[0], "y": LUCHENG_POINT[1]})
    points = db.execute(text(
        "SELECT ST_X(p.geom), ST_Y(p.geom) FROM area a, LATERAL ("
        "  SELECT (ST_DumpPoints(a.geom)).geom UNION ALL"
        "  SELECT (ST_Dump(ST_GeneratePoints(ST_Expand(ST_Envelope(a.geom), 0.001), 60, 3))).geom"
        ") p WHERE a.code = :g"), {"g": grid}).all()
    write(*[envelope(subject_key=credit_code(random.Random(n)), record_id=f"p{n}",
                     geometry={"type": "Point", "coordinates": list(p)})
            for n, p in enumerate(points)])
    db.flush()
    placed = {code: set(db.scalars(text(
        "SELECT r.subject_key FROM record r JOIN area g ON g.id = r.grid_id "
        "WHERE r.dataset_id = 'market.business' AND g.code LIKE :c || '%'"), {"c": code}))
        for code in (grid, grid[:12])}
    assert 0 < len(placed[grid]) < len(points)  # some points are in the neighbours
    for code, keys in placed.items():
        found = _keys(client.get(f"{BUSINESSES}?grid={code}&limit=1000", headers=token("MZJ")))
        assert set(found) == keys, code
