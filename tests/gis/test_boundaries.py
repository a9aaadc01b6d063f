"""Boundaries from a city's own files: Fengze (350503) onboarded from a zipped Shapefile, a
GeoPackage and GeoJSON in three CRSs; a faulty file reported and refused; re-imports keep codes
and re-place what moved."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
import shapely
from shapely.geometry import Polygon, shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from onegrid.gis.boundaries.codes import form_problem
from onegrid.gis.boundaries.importer import import_boundaries
from onegrid.gis.boundaries.report import as_text
from onegrid.gis.boundaries.source import Fields
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.loop.dedup import DEFAULT_RULE
from onegrid.platform.loop.intake import report_issue
from onegrid.platform.store.models import Area, Record, TraceEntry
from tests.data.fengze.make import OUT, Unit, write
from tests.gis.boundaries_files import (
    DISTRICT,
    GPKG,
    GRIDS,
    fengze,
    in_crs,
    replaced,
    rewritten,
    units,
)


def _counts(db: Session) -> dict[str, int]:
    return dict(db.execute(text("SELECT level, count(*) FROM area WHERE path LIKE '350500%' "
                                "GROUP BY level")).all())


def test_fengze_from_its_files_alone_gives_every_level_in_cgcs2000(db: Session) -> None:
    reports = fengze(db)
    assert _counts(db) == {"city": 1, "district": 1, "street": 8, "community": 35, "grid": 131}
    assert all(not r.findings for r in reports.values()), [r.as_json() for r in reports.values()]
    assert {r.crs for r in reports.values()} == {"EPSG:4326", "EPSG:4549"}
    assert db.scalar(text("SELECT count(*) FROM area WHERE path LIKE '350500%' "
                          "AND (ST_SRID(geom) <> 4490 OR NOT ST_IsValid(geom))")) == 0
    for level in ("street", "community", "grid"):  # each level covers its parents
        assert min(c.percent for c in reports[level].coverage) > 99.99, level
    grid = db.scalars(select(Area).where(Area.code == "350503001001001")).one()
    assert grid.path == "350500.350503.350503001000.350503001001.350503001001001"
    assert db.scalar(select(Area.name).where(Area.code == "350500")) == "泉州市"


def test_the_district_is_where_the_real_boundary_is(db: Session) -> None:
    fengze(db, upto="district")
    real = shape(json.loads((OUT / "350503.geojson").read_text()))
    stored = shapely.from_wkb(db.scalar(text(
        "SELECT ST_AsBinary(geom) FROM area WHERE code = '350503'")))
    assert stored.symmetric_difference(real).area < 1e-6 * real.area


def test_a_street_in_gauss_kruger_metres_lands_on_its_place_in_degrees(db: Session) -> None:
    # the GeoPackage is in EPSG:4549: read as degrees, a street would be off the planet
    fengze(db, upto="street")
    street = units(GPKG, "streets")[0]
    area_m2, lon = db.execute(text(
        "SELECT ST_Area(ST_Transform(geom, 4549)), ST_X(ST_Centroid(geom)) FROM area "
        "WHERE code = :c"), {"c": street.code}).one()
    assert area_m2 == pytest.approx(street.geom.area, rel=1e-6)
    assert 118.5 < lon < 118.7


def test_streets_in_web_mercator_are_moved_by_proj_too(db: Session, tmp_path) -> None:
    fengze(db, upto="district")
    path = rewritten(tmp_path / "streets.gpkg", units(GPKG, "streets"), "EPSG:3857",
                     lambda items: [in_crs(u, "EPSG:4549", "EPSG:3857") for u in items])
    report = import_boundaries(db, path, "street")
    assert report.crs == "EPSG:3857" and not report.errors, as_text(report)
    assert report.coverage[0].percent > 99.99


def test_metres_labelled_as_degrees_are_found_before_anything_else(
        db: Session, tmp_path) -> None:
    path = tmp_path / "district.geojson"  # Gauss-Kruger metres, but GeoJSON means degrees
    write(path, units(GPKG, "streets")[:1], ("code", "name"), "EPSG:4326", "GeoJSON")
    report = import_boundaries(db, path, "street")
    assert [f.kind for f in report.findings] == ["off-the-map"]
    assert "is EPSG:4326 the CRS" in report.findings[0].detail


def _faulty_communities(tmp_path) -> tuple:
    """Fengze's communities with one fault each: the first grows into a neighbour, another
    takes a third's code, one lies 5 km east, one is a bow-tie. The codes of each fault's
    units, in the order the report names them."""
    items = units(GPKG, "communities")
    first = items[0].geom
    neighbour = next(n for n, u in enumerate(items[1:], 1) if u.geom.touches(first))
    copier, copied, moved, bowtie = [n for n in range(1, 8) if n != neighbour][:4]
    faults = {"overlap": [items[0].code, items[neighbour].code],
              "duplicate-code": [items[copied].code] * 2, "outside-parent": [items[moved].code],
              "repaired-geometry": [items[bowtie].code]}

    def spoil(items: list[Unit]) -> list[Unit]:
        replaced(items, 0, first.union(items[neighbour].geom.intersection(first.buffer(300))))
        replaced(items, copier, code=items[copied].code)
        replaced(items, moved, shapely.affinity.translate(items[moved].geom, xoff=5000))
        x0, y0, x1, y1 = items[bowtie].geom.centroid.buffer(100).bounds
        replaced(items, bowtie, Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)]))
        return items
    return rewritten(tmp_path / "faulty.gpkg", items, "EPSG:4549", spoil), faults


def test_a_faulty_file_is_reported_naming_each_fault_and_apply_refuses_it(
        db: Session, tmp_path) -> None:
    fengze(db, upto="street")
    path, faults = _faulty_communities(tmp_path)
    report = import_boundaries(db, path, "community", apply=True)
    found = {f.kind: sorted(u.split()[1] for u in f.units) for f in report.findings}
    assert {kind: found.get(kind) for kind in faults} == {
        kind: sorted(codes) for kind, codes in faults.items()}
    assert {f.kind for f in report.errors} == {"overlap", "duplicate-code", "outside-parent"}
    assert "incomplete-coverage" in found  # the gaps the moved and the bow-tie left
    assert not report.applied and not report.changes
    assert _counts(db).get("community", 0) == 0
    text_report = as_text(report)
    for kind in ("与同级重叠", "编码重复", "超出上级范围", "几何无效，已修复", "not written"):
        assert kind in text_report
    assert json.loads(json.dumps(report.as_json()))["errors"] == len(report.errors)


def test_codes_of_the_wrong_form_or_parent_are_errors(db: Session, tmp_path) -> None:
    fengze(db, upto="street")
    original = units(GPKG, "communities")

    def recode(items: list[Unit]) -> list[Unit]:
        replaced(items, 0, code="35050300100")  # eleven digits
        items[1] = Unit(items[1].code, items[1].name, "350503002000", items[1].geom)
        items[2] = Unit(items[2].code, "", items[2].parent, items[2].geom)
        return items
    path = rewritten(tmp_path / "codes.gpkg", original, "EPSG:4549", recode)
    kinds = {f.kind for f in import_boundaries(db, path, "community").errors}
    # the community given to another street is also outside that street
    assert kinds == {"code-form", "parent-mismatch", "no-name", "outside-parent"}


@pytest.mark.usefixtures("city")  # the demo's issue categories
def test_reimporting_keeps_codes_and_re_places_records_and_open_issues(
        db: Session, tmp_path) -> None:
    fengze(db)
    grids = units(GRIDS)
    first, second = grids[0], grids[1]
    border = first.geom.intersection(second.geom).interpolate(0.5, normalized=True)
    ceded = first.geom.intersection(border.buffer(0.001))  # ≈ 100 m of the first, given over
    spot = ceded.representative_point()
    record_id = _record(db, spot.x, spot.y)
    issue = report_issue(db, client_id=uuid.uuid4(), category="C0101", description="井盖缺失",
                         lon=spot.x, lat=spot.y, reporter_user_id=None, source="grid",
                         rule=DEFAULT_RULE, hours=WorkingHours())
    ids: dict[str, int] = dict(db.execute(text(
        "SELECT code, id FROM area WHERE level = 'grid'")).all())
    assert issue.grid_id == ids[first.code]

    def cede(items: list[Unit]) -> list[Unit]:
        replaced(items, 0, first.geom.difference(ceded))
        replaced(items, 1, second.geom.union(ceded))
        return items
    path = rewritten(tmp_path / "grids.gpkg", grids, "EPSG:4326", cede)
    report = import_boundaries(db, path, "grid", apply=True)
    assert report.applied and not report.errors, as_text(report)
    assert report.changes == {"new": 0, "changed": 2, "unchanged": 129, "removed": 0}
    assert report.replaced == {"records": 1, "open_issues": 1, "closed_issues": 0}
    assert dict(db.execute(text("SELECT code, id FROM area WHERE level = 'grid'")).all()) == ids
    assert db.scalar(select(Record.grid_id).where(Record.id == record_id)) == ids[second.code]
    db.refresh(issue)
    assert issue.grid_id == ids[second.code]
    assert db.scalar(select(TraceEntry.detail).where(
        TraceEntry.action == "issue.replaced", TraceEntry.target == f"issue:{issue.id}")) == {
        "from_grid": first.code, "to_grid": second.code}
    again = import_boundaries(db, path, "grid")
    assert again.changes["unchanged"] == 131 and again.replaced["records"] == 0


def test_a_grid_left_out_is_removed_and_its_records_go_to_the_grid_that_took_its_place(
        db: Session, tmp_path) -> None:
    fengze(db)
    grids = units(GRIDS)
    first, second = grids[0], grids[1]
    spot = second.geom.representative_point()
    record_id = _record(db, spot.x, spot.y)
    db.commit()  # the report-only run rolls the session back

    def merge(items: list[Unit]) -> list[Unit]:
        replaced(items, 0, first.geom.union(second.geom))
        del items[1]
        return items
    path = rewritten(tmp_path / "grids.gpkg", grids, "EPSG:4326", merge)
    preview = import_boundaries(db, path, "grid")
    assert not preview.applied and preview.changes["removed"] == 1
    assert db.scalar(select(Area.id).where(Area.code == second.code)) is not None  # only a report
    report = import_boundaries(db, path, "grid", apply=True)
    assert report.changes["removed"] == 1 and report.replaced["records"] == 1
    assert db.scalar(select(Area.id).where(Area.code == second.code)) is None
    assert db.scalar(select(Record.grid_id).where(Record.id == record_id)) == db.scalar(
        select(Area.id).where(Area.code == first.code))


def _record(db: Session, lon: float, lat: float) -> int:
    record = Record(dataset_id="test.boundaries", subject_key=uuid.uuid4().hex,
                    attributes={}, provenance={}, pii_hashes={},
                    geom=f"SRID=4490;POINT({lon} {lat})", occurred_at=datetime.now(UTC),
                    grid_id=db.scalar(text("SELECT onegrid_grid_of(ST_SetSRID(ST_MakePoint("
                                           ":x, :y), 4490))"), {"x": lon, "y": lat}))
    db.add(record)
    db.flush()
    return record.id


def test_a_geopackage_with_several_layers_needs_one_named(db: Session) -> None:
    with pytest.raises(InvalidInputError, match="streets, communities"):
        import_boundaries(db, GPKG, "street")


def test_a_column_that_is_not_there_is_named_with_the_columns_that_are(db: Session) -> None:
    with pytest.raises(InvalidInputError, match="no column 'DM'.*XZQDM, XZQMC"):
        import_boundaries(db, DISTRICT, "district", fields=Fields(code="DM"))


def test_a_shapefile_without_its_prj_is_refused(db: Session, tmp_path) -> None:
    unit = units(DISTRICT)[0]
    write(tmp_path / "district.shp", [unit], ("XZQDM", "XZQMC"), "EPSG:4326", "ESRI Shapefile")
    (tmp_path / "district.prj").unlink()
    with pytest.raises(InvalidInputError, match="declares no coordinate reference system"):
        import_boundaries(db, tmp_path / "district.shp", "district")


@pytest.mark.parametrize(("level", "code", "problem"), [
    ("district", "350503", None), ("district", "350500", "not ending in 00"),
    ("district", "990503", "no GB/T 2260 province"), ("street", "350503001000", None),
    ("street", "350503001", "twelve digits"), ("street", "350503001001", "then 000"),
    ("community", "350503001001", None), ("community", "350503000001", "neither 000"),
    ("grid", "350503001001001", None), ("grid", "350503001001", "fifteen digits"),
])
def test_each_level_has_its_form_of_code(level: str, code: str, problem: str | None) -> None:
    found = form_problem(level, code)
    assert found is None if problem is None else problem in str(found)
