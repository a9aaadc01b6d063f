"""Coordinates into the store's datum (CGCS2000, EPSG:4490).

EPSG:4326 (WGS 84) and EPSG:4490 agree within centimetres here, so both are taken as they are.
GCJ-02 (Amap, Tencent) and BD-09 (Baidu) are obfuscated datums hundreds of metres off that no
EPSG code describes; prcoords inverts them to WGS 84 iteratively to well under a metre."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prcoords import Coords, bd_wgs_bored, gcj_wgs_bored

from onegrid.platform.errors import InvalidInputError

STORE_COMPATIBLE = frozenset({"EPSG:4490", "EPSG:4326"})
OBFUSCATED: dict[str, Callable[[Coords], Coords]] = {"GCJ-02": gcj_wgs_bored,
                                                     "BD-09": bd_wgs_bored}
KNOWN_CRS = tuple(sorted(STORE_COMPATIBLE | OBFUSCATED.keys()))
_NUMBERS = frozenset({int, float})
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon")


def to_store_datum(geometry: dict[str, Any], crs: str) -> dict[str, Any]:
    """The GeoJSON geometry with coordinates in the store's datum; InvalidInputError says why
    not."""
    if crs not in STORE_COMPATIBLE and crs not in OBFUSCATED:
        raise InvalidInputError(f"unknown CRS {crs!r}: use one of {', '.join(KNOWN_CRS)}")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in GEOMETRY_TYPES:
        raise InvalidInputError(f"geometry type {kind!r} is not one of {', '.join(GEOMETRY_TYPES)}")
    convert = OBFUSCATED.get(crs)
    coordinates = geometry.get("coordinates")
    if kind == "Point" and isinstance(coordinates, list) and coordinates \
            and not isinstance(coordinates[0], list):  # most records: no shape to check
        return {"type": kind, "coordinates": _position(coordinates, convert)}
    coordinates = _map_positions(coordinates, convert)
    _check_shape(kind, coordinates)
    return {"type": kind, "coordinates": coordinates}


def _check_shape(kind: str, coordinates: list[Any]) -> None:
    """Nesting depth and ring rules, so PostGIS never has to refuse the geometry."""
    depth = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
             "MultiPolygon": 3}[kind]
    node, found = coordinates, 0
    while isinstance(node[0], list):
        node, found = node[0], found + 1
    if found != depth:
        raise InvalidInputError(f"{kind} coordinates are nested {found} deep, expected {depth}")
    rings = {"Polygon": [coordinates], "MultiPolygon": coordinates}.get(kind, [])
    for ring in (r for polygon in rings for r in polygon):
        if len(ring) < 4 or ring[0] != ring[-1]:
            raise InvalidInputError("a polygon ring needs at least 4 positions and must be closed")
    lines = {"LineString": [coordinates], "MultiLineString": coordinates}.get(kind, [])
    if any(len(line) < 2 for line in lines):
        raise InvalidInputError("a line needs at least 2 positions")


def _map_positions(node: Any, convert: Callable[[Coords], Coords] | None) -> Any:
    if not isinstance(node, list) or not node:
        raise InvalidInputError("geometry coordinates are missing or empty")
    if isinstance(node[0], list):
        return [_map_positions(child, convert) for child in node]
    return _position(node, convert)


def _position(position: list[Any], convert: Callable[[Coords], Coords] | None) -> list[float]:
    # type() rather than isinstance: JSON gives exactly these, and a bool is no coordinate
    if len(position) < 2 or type(position[0]) not in _NUMBERS \
            or type(position[1]) not in _NUMBERS:
        raise InvalidInputError(
            f"a position must be [longitude, latitude] numbers, not {position!r}")
    lon, lat = float(position[0]), float(position[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInputError(f"position {position!r} is not a longitude/latitude pair")
    if convert is None:
        return [lon, lat]
    wgs = convert(Coords(lat, lon))
    return [round(wgs.lon, 8), round(wgs.lat, 8)]
