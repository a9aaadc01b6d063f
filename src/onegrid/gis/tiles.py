"""Vector tiles (MVT) of the grid hierarchy and of shared records, built in PostGIS by ST_AsMVT.

Layers: ``area.<level>`` for city, district, street, community and grid (code, name, level),
and ``record.<dataset id>`` for every dataset the caller sees located (id, subject_key masked,
grid, visible fields; a record about a person without the geometry in the caller's grant has no
tile)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from onegrid.platform.errors import AccessDeniedError, InvalidInputError, NotFoundError
from onegrid.platform.sharing.pull import Answer
from onegrid.platform.sharing.views import DatasetView
from onegrid.platform.store.models import AREA_LEVELS
from onegrid.platform.store.sqlfiles import statements

MAX_ZOOM = 22
MAX_FEATURES = 20_000  # one tile of a dense layer at low zoom stays a few MB at most


def check_tile(z: int, x: int, y: int) -> None:
    """InvalidInputError unless z/x/y name a tile of the Web Mercator pyramid."""
    if not 0 <= z <= MAX_ZOOM or not (0 <= x < 2**z and 0 <= y < 2**z):
        raise InvalidInputError(f"no tile {z}/{x}/{y}: z is 0..{MAX_ZOOM}, x and y 0..2^z-1")


def layers(readable: Mapping[str, DatasetView]) -> list[str]:
    """The layer names a caller with these readable datasets may request."""
    return [f"area.{level}" for level in AREA_LEVELS] + [
        f"record.{d}" for d, view in readable.items() if view.sees("geometry")]


def tile(db: Session | Connection, layer: str, z: int, x: int, y: int,
         readable: Mapping[str, DatasetView]) -> bytes:
    """The MVT bytes of ``layer`` at z/x/y (empty bytes when nothing is there).

    ``readable`` is what the caller may see (platform.sharing.views): a record layer of a
    dataset not in it raises AccessDeniedError; personal fields the caller would see masked are
    left out of the tile, and so are the grid and masked key the view hides; a dataset whose
    records' geometry the view hides raises AccessDeniedError. Unknown layers raise
    NotFoundError."""
    check_tile(z, x, y)
    kind, _, name = layer.partition(".")
    params = {"z": z, "x": x, "y": y, "layer": layer}
    if kind == "area" and name in AREA_LEVELS:
        (query,) = statements("onegrid.gis", "tile_areas")
        params["level"] = name
    elif kind == "record" and name:
        view = readable.get(name)
        if view is None:
            raise AccessDeniedError(f"layer {layer!r}: your department may not read dataset "
                                    f"{name!r} (GET /api/v1/datasets/{name} says how to ask)")
        if not view.sees("geometry"):
            raise AccessDeniedError(f"layer {layer!r}: records of {name!r} are about people and "
                                    "your grant does not name 'geometry' (ask for it as a field "
                                    "in a grant request)")
        (query,) = statements("onegrid.gis", "tile_records")
        params |= {"dataset": name, "max_features": MAX_FEATURES,
                   "fields": [f for f in view.fields if f not in view.pii_fields],
                   "show_key": view.sees("subject_key"), "show_grid": view.sees("grid")}
    else:
        raise NotFoundError(f"no tile layer {layer!r}; layers are area.<level> "
                            f"({', '.join(AREA_LEVELS)}) and record.<dataset id>")
    return bytes(db.execute(query, params).scalar_one() or b"")


@dataclass(frozen=True)
class RecordTile:
    """One tile of a dataset's record layer, asked as a pull (platform.sharing.pull)."""

    dataset_id: str
    z: int
    x: int
    y: int

    def run(self, session: Session, views: Mapping[str, DatasetView]) -> Answer[bytes]:
        data = tile(session, f"record.{self.dataset_id}", self.z, self.x, self.y, views)
        return Answer(data, f"dataset:{self.dataset_id}",
                      {"tile": f"{self.z}/{self.x}/{self.y}", "bytes": len(data)})
