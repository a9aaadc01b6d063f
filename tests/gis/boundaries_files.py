"""Fengze's boundary files (src/onegrid/demo/data/fengze/), and variants of them written the
way a GIS office would send them, for the boundary import's tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyogrio.raw
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from onegrid.gis.boundaries.importer import import_boundaries
from onegrid.gis.boundaries.report import Report
from onegrid.gis.boundaries.source import Fields
from tests.data.fengze.make import OUT, Unit, reprojected, write

DISTRICT = OUT / "district.zip"
GPKG = OUT / "streets_communities.gpkg"
GRIDS = OUT / "grids.geojson"


def units(path: Path, layer: str | None = None) -> list[Unit]:
    """The file's units as written: code, name, parent and geometry (in the file's CRS)."""
    _, _, geometries, (codes, names, *parents) = pyogrio.raw.read(path, layer=layer)
    return [Unit(str(codes[n]), str(names[n]), str(parents[0][n]) if parents else "",
                 shapely.from_wkb(geometry)) for n, geometry in enumerate(geometries)]


def rewritten(path: Path, original: list[Unit], crs: str,
              change: Callable[[list[Unit]], list[Unit]]) -> Path:
    """``original`` (in ``crs``) changed by ``change``, as a GeoPackage at ``path``."""
    write(path, change(list(original)), ("code", "name", "parent"), crs, "GPKG")
    return path


def replaced(items: list[Unit], index: int, geom: BaseGeometry | None = None,
             code: str | None = None) -> None:
    old = items[index]
    items[index] = Unit(code or old.code, old.name, old.parent,
                        geom if geom is not None else old.geom)


def in_crs(unit: Unit, source: str, target: str) -> Unit:
    return Unit(unit.code, unit.name, unit.parent, reprojected(unit.geom, source, target))


def fengze(db: Session, *, upto: str = "grid") -> dict[str, Report]:
    """Import Fengze from its four files, level by level down to ``upto``, applied."""
    steps = {"district": (DISTRICT, None, Fields(), "泉州市"),
             "street": (GPKG, "streets", Fields(), ""),
             "community": (GPKG, "communities", Fields(), ""),
             "grid": (GRIDS, None, Fields(parent="community"), "")}
    reports = {}
    for level, (path, layer, fields, city) in steps.items():
        reports[level] = import_boundaries(db, path, level, layer=layer, fields=fields,
                                           city_name=city, apply=True)
        assert reports[level].applied, reports[level].as_json()
        if level == upto:
            break
    return reports
