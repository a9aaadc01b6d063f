"""The grid hierarchy: load a district boundary and generate its streets, communities and grids.

City → district → street/township → community/village → grid. A district comes from a real
boundary; the levels below are generated (Voronoi partitions for streets and communities, metric
squares for grids), every level a gap-free, overlap-free partition of its parent. A city is the
union of its loaded districts: the area the platform covers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from onegrid.platform.errors import ConflictError, InvalidInputError, NotFoundError
from onegrid.platform.settings import STORE_SRID
from onegrid.platform.store.models import Area
from onegrid.platform.store.sqlfiles import statements

STREET_KM2 = 20.0  # a street/township office covers ~20 km² in a city district
COMMUNITY_KM2 = 2.5  # a community (社区) ~2.5 km²
SLIVER_SHARE = 0.2  # clipped squares under 20 % of a full grid are folded into a neighbour

STREET_WORDS = ("五马", "松台", "南汇", "滨江", "大南", "广化", "蒲鞋市", "南郊", "双屿", "仰义",
                "七都", "藤桥", "山福", "丰门", "黄龙", "江滨", "西山", "望江")
COMMUNITY_WORDS = ("信河", "解放", "公园", "府前", "墨池", "百里", "学院", "水心", "黎明", "新桥",
                   "翠微", "清明", "南塘", "锦江", "江心", "杨府", "瓯北", "双井", "瓦市", "莲池",
                   "垟儿", "上陡门", "下吕浦", "仓桥", "九山", "来福", "西角", "广场", "大自然",
                   "绿洲", "景山", "牛山", "荷花", "葡萄棚", "桥儿头", "勤奋", "东屿", "渔渡")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LoadSummary:
    city: str
    district: str
    counts: dict[str, int]


def boundary_geometry(geojson: dict[str, Any]) -> dict[str, Any]:
    """The (Multi)Polygon of a GeoJSON geometry, Feature or one-feature FeatureCollection."""
    kind = geojson.get("type")
    if kind == "FeatureCollection":
        features = geojson.get("features") or []
        if len(features) != 1:
            raise InvalidInputError(f"expected one boundary feature, found {len(features)}")
        return boundary_geometry(features[0])
    if kind == "Feature":
        return boundary_geometry(geojson.get("geometry") or {})
    if kind not in ("Polygon", "MultiPolygon"):
        raise InvalidInputError(f"a boundary must be a Polygon or MultiPolygon, not {kind!r}")
    return geojson


def district_codes(code: str) -> tuple[str, str]:
    """(city code, district code) for a GB/T 2260 district code such as 330302."""
    if len(code) != 6 or not code.isdigit() or code.endswith("00"):
        raise InvalidInputError(
            f"{code!r} is not a GB/T 2260 district/county code (six digits, not ending in 00); "
            "load districts one by one: a city is the union of its districts"
        )
    return code[:4] + "00", code


def gauss_kruger_epsg(session: Session, area_id: int) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Kruger zone (4534–4554) around the area."""
    lon: float | None = session.scalar(
        select(func.ST_X(func.ST_Centroid(Area.geom))).where(Area.id == area_id))
    if lon is None:
        raise NotFoundError(f"no area with id {area_id}")
    return zone_epsg(lon)


def zone_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Kruger zone (4534–4554) whose central
    meridian is nearest to ``lon``."""
    return 4534 + round((round(lon / 3) * 3 - 75) / 3)


def load_district(session: Session, geojson: dict[str, Any], code: str, name: str,
                  city_name: str, grid_size_m: int, *, replace: bool = False, seed: int = 1,
                  progress: Progress = lambda _: None) -> LoadSummary:
    """Load one district boundary and generate everything below it, in the caller's transaction."""
    city_code, district_code = district_codes(code)
    if grid_size_m < 50:
        raise InvalidInputError(f"grid size {grid_size_m} m is too small (at least 50 m)")
    geometry = json.dumps(boundary_geometry(geojson))
    if session.scalar(select(Area.id).where(Area.code == district_code)) is not None:
        if not replace:
            raise ConflictError(f"district {district_code} is already loaded (use --replace)")
        session.execute(text("DELETE FROM area WHERE path LIKE :p || '%'"),
                        {"p": f"{city_code}.{district_code}"})
    city = ensure_city(session, city_code, city_name)
    progress(f"district {district_code} {name}")
    district = Area(code=district_code, name=name, level="district", parent_id=city.id,
                    path=f"{city_code}.{district_code}",
                    geom=func.ST_Multi(func.ST_CollectionExtract(func.ST_MakeValid(
                        func.ST_SetSRID(func.ST_GeomFromGeoJSON(geometry), STORE_SRID)), 3)))
    session.add(district)
    session.flush()
    params = {"root_path": district.path, "seed": seed}
    for parent, child, km2 in (("district", "street", STREET_KM2),
                               ("street", "community", COMMUNITY_KM2)):
        progress(f"{child} partition")
        _run(session, "partition", params | {"parent_level": parent, "child_level": child,
                                             "target_km2": km2})
    progress(f"grids of {grid_size_m} m")
    _run(session, "grids", params | {"size_m": grid_size_m, "min_share": SLIVER_SHARE,
                                     "epsg": gauss_kruger_epsg(session, district.id)})
    _run(session, "names", params | {"street_words": list(STREET_WORDS),
                                     "community_words": list(COMMUNITY_WORDS)})
    refresh_city(session, city.id)
    # Last: the grids added (and any replaced) above noted where cells are missing
    # (the triggers of sql/grid_cells.sql); build those.
    progress("grid cells")
    session.execute(text("SELECT onegrid_refresh_grid_cells()"))
    return LoadSummary(city_code, district_code, _counts(session, district.path))


def settle(engine: Engine) -> None:
    """After a load has committed: the statistics and visibility of the tables it rewrote now,
    rather than when autovacuum next visits (up to a minute, or more on a busy server).

    Ingest places every point by an index-only scan of ``grid_cell``; until the table is
    vacuumed, each of those scans also reads the row from the table (4,294 of a batch's 5,000
    in a new store), and until ``area`` is analysed the planner guesses its size."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) area, grid_cell")


def _run(session: Session, name: str, params: dict[str, Any]) -> None:
    for statement in statements("onegrid.gis", name):
        used = {k: v for k, v in params.items() if f":{k}" in statement.text}
        session.execute(statement, used)


def ensure_city(session: Session, code: str, name: str) -> Area:
    """The city ``code``, added (with no shape yet) when the store lacks it."""
    city = session.scalars(select(Area).where(Area.code == code)).first()
    if city is None:
        city = Area(code=code, name=name, level="city", path=code,
                    geom=func.ST_GeomFromText("MULTIPOLYGON EMPTY", STORE_SRID))
        session.add(city)
        session.flush()
    return city


def refresh_city(session: Session, city_id: int) -> None:
    """The city's shape: the union of its districts."""
    session.execute(
        text("UPDATE area c SET geom = (SELECT ST_Multi(ST_Union(d.geom)) FROM area d "
             "WHERE d.parent_id = c.id) WHERE c.id = :id"),
        {"id": city_id},
    )


def _counts(session: Session, root_path: str) -> dict[str, int]:
    rows = session.execute(
        select(Area.level, func.count()).where(Area.path.startswith(root_path)).group_by(Area.level)
    )
    return {level: count for level, count in rows}
