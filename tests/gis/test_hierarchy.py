"""Every level of the hierarchy partitions its parent: no gap, no overlap (measured in PostGIS)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from onegrid.gis.boundaries.codes import form_problem, implied_parent
from onegrid.gis.hierarchy import gauss_kruger_epsg, load_district
from onegrid.platform.errors import ConflictError, InvalidInputError

pytestmark = pytest.mark.usefixtures("city")
LEVELS = ("district", "street", "community", "grid")
QUANZHOU_LICHENG = json.loads((Path(__file__).parents[1] / "data" / "350503.geojson").read_text())


def _area_m2(expr: str) -> str:
    """Area in the district's Gauss-Kruger zone (planar, metric), not on the spheroid:
    geography would read every straight edge as a geodesic and invent slivers."""
    return f"ST_Area(ST_Transform({expr}, :epsg))"


def _epsg(db: Session, code: str = "330302") -> int:
    area_id = db.scalar(text("SELECT id FROM area WHERE code = :c"), {"c": code})
    return gauss_kruger_epsg(db, area_id)


def _coverage(db: Session, root: str) -> dict[str, float]:
    """Per parent level: the largest |parent Δ union(children)| / |parent| under ``root``."""
    rows = db.execute(text(f"""
        WITH children AS (SELECT parent_id, ST_Union(geom) AS geom FROM area
                          WHERE path LIKE :root || '%' AND parent_id IS NOT NULL GROUP BY parent_id)
        SELECT p.level, max({_area_m2('ST_SymDifference(p.geom, c.geom)')} / {_area_m2('p.geom')})
        FROM area p JOIN children c ON c.parent_id = p.id GROUP BY p.level"""),
        {"root": root, "epsg": _epsg(db)})
    return dict(rows.all())


def _overlap(db: Session, root: str) -> dict[str, float]:
    """Per level: the summed area of every pairwise intersection between siblings, in m²."""
    rows = db.execute(text(f"""
        SELECT a.level, coalesce(sum({_area_m2('ST_Intersection(a.geom, b.geom)')}), 0)
        FROM area a JOIN area b ON a.level = b.level AND a.id < b.id AND a.geom && b.geom
                                AND ST_Intersects(a.geom, b.geom)
        WHERE a.path LIKE :root || '%' AND b.path LIKE :root || '%' GROUP BY a.level"""),
        {"root": root, "epsg": _epsg(db)})
    return dict(rows.all())


def test_every_level_of_lucheng_covers_its_parent_within_a_thousandth(db: Session) -> None:
    coverage = _coverage(db, "330300")
    assert set(coverage) == {"city", *LEVELS[:-1]}
    assert all(ratio < 1e-3 for ratio in coverage.values()), coverage


def test_siblings_at_every_level_do_not_overlap(db: Session) -> None:
    # Zero up to floating point: all of Lucheng's 1,500+ grids together overlap by < 1 cm².
    overlap = _overlap(db, "330300")
    assert all(m2 < 1e-4 for m2 in overlap.values()), overlap


def test_codes_have_their_level_s_form_imply_the_parent_and_paths_list_the_ancestors(
        db: Session) -> None:
    rows = db.execute(text("SELECT c.level, c.code, p.code, c.path = p.path || '.' || c.code "
                           "FROM area c JOIN area p ON c.parent_id = p.id")).all()
    bad = [(level, code) for level, code, parent, path_ok in rows
           if not path_ok or form_problem(level, code) or implied_parent(level, code) != parent]
    assert not bad and len(rows) > 1700
    counts: dict[str, int] = dict(db.execute(text(
        "SELECT level, count(*) FROM area WHERE path LIKE '330300%' GROUP BY level")).all())
    assert counts["city"] == counts["district"] == 1
    assert counts["street"] >= 10 and counts["community"] >= 80 and counts["grid"] >= 1000


def test_every_grid_has_a_named_grid_worker(db: Session) -> None:
    orphans = db.scalar(text("""
        SELECT count(*) FROM area a WHERE a.level = 'grid'
          AND NOT EXISTS (SELECT 1 FROM user_grid ug JOIN app_user u ON u.id = ug.user_id
                          WHERE ug.area_id = a.id AND u.role = 'grid_worker'
                            AND u.display_name ~ '^[\u4e00-\u9fff]{2,3}$')"""))
    assert orphans == 0


def test_another_city_with_a_coarser_grid_keeps_the_same_guarantees(db: Session) -> None:
    summary = load_district(db, QUANZHOU_LICHENG, "350503", "丰泽区", "泉州市", 1000)
    assert summary.counts["grid"] > 20
    coverage = _coverage(db, "350500")
    assert max(coverage.values()) < 1e-3, coverage
    assert max(_overlap(db, "350500").values()) < 1e-4


def test_reloading_needs_replace_and_regenerates(db: Session) -> None:
    load_district(db, QUANZHOU_LICHENG, "350503", "丰泽区", "泉州市", 1000)
    with pytest.raises(ConflictError, match="already loaded"):
        load_district(db, QUANZHOU_LICHENG, "350503", "丰泽区", "泉州市", 1000)
    summary = load_district(db, QUANZHOU_LICHENG, "350503", "丰泽区", "泉州市", 2000, replace=True)
    assert summary.counts["district"] == 1


@pytest.mark.parametrize(("geojson", "code", "message"), [
    (QUANZHOU_LICHENG, "350500", "district/county code"),
    (QUANZHOU_LICHENG, "35050", "district/county code"),
    ({"type": "Point", "coordinates": [118.6, 24.9]}, "350503", "Polygon or MultiPolygon"),
    ({"type": "FeatureCollection", "features": []}, "350503", "one boundary feature"),
])
def test_bad_input_is_refused_with_the_reason(db: Session, geojson, code, message) -> None:
    with pytest.raises(InvalidInputError, match=message):
        load_district(db, geojson, code, "某区", "某市", 500)
