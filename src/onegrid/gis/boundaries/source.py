"""A boundary file as GDAL reads it (pyogrio): GeoJSON, a zipped ESRI Shapefile, a GeoPackage
layer; each feature's code, name, parent code and geometry (WKB in the file's own CRS)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyogrio
import pyogrio.raw
from pyogrio.errors import DataLayerError, DataSourceError

from onegrid.platform.errors import InvalidInputError

# Names a GIS office's layers use for these columns, matched without regard to case: ours, and
# those of the land-survey layers (行政区代码 XZQDM, 行政区名称 XZQMC).
CODE_FIELDS = ("code", "xzqdm", "adcode", "dm")
NAME_FIELDS = ("name", "xzqmc", "mc")
PARENT_FIELDS = ("parent", "parent_code", "sjdm")


@dataclass(frozen=True)
class Fields:
    """The columns holding each unit's code, name and parent code (None: look for the usual
    names; no parent column: the parent is implied by the code)."""

    code: str | None = None
    name: str | None = None
    parent: str | None = None


@dataclass(frozen=True)
class Feature:
    n: int  # 1-based position in the layer: how the report names a feature without a code
    code: str
    name: str
    parent: str | None
    wkb: bytes | None


@dataclass(frozen=True)
class Source:
    path: str
    layer: str
    crs: str
    encoding: str
    features: list[Feature] = field(repr=False)


def read(path: Path, layer: str | None, fields: Fields) -> Source:
    """The file's features; InvalidInputError says, in words a GIS officer uses, what is wrong
    with a file GDAL cannot read, a layer that is missing or ambiguous, an undeclared CRS or a
    column that is not there."""
    name = _layer(path, layer)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's notes on odd encodings
            meta, _, geometries, columns = pyogrio.raw.read(path, layer=name)
    except (DataSourceError, DataLayerError) as exc:
        raise InvalidInputError(f"cannot read {path.name} (layer {name}): {exc}") from exc
    if not meta.get("crs"):
        raise InvalidInputError(f"{path.name} (layer {name}) declares no coordinate reference "
                                "system: a Shapefile needs its .prj (in the zip)")
    names = [str(f) for f in meta["fields"]]
    values = dict(zip(names, columns, strict=True))
    code = _column(values, fields.code, CODE_FIELDS, "code", path)
    unit_name = _column(values, fields.name, NAME_FIELDS, "name", path)
    parent = (_column(values, fields.parent, (), "parent", path) if fields.parent
              else _optional(values, PARENT_FIELDS))
    features = [Feature(n + 1, _text(code[n]), _text(unit_name[n]),
                        _text(parent[n]) if parent is not None else None,
                        bytes(geometries[n]) if geometries[n] is not None else None)
                for n in range(len(geometries))]
    return Source(path.name, name, str(meta["crs"]), str(meta.get("encoding") or ""), features)


def _layer(path: Path, layer: str | None) -> str:
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError) as exc:
        raise InvalidInputError(f"cannot read {path.name} as GeoJSON, a zipped Shapefile or a "
                                f"GeoPackage: {exc}") from exc
    if layer is None and len(layers) == 1:
        return layers[0]
    if layer in layers:
        return layer
    asked = f"no layer {layer!r}" if layer else "several layers"
    raise InvalidInputError(f"{path.name} has {asked}: choose one of {', '.join(layers)} "
                            "with --layer")


def _column(values: dict[str, Any], chosen: str | None, usual: tuple[str, ...], what: str,
            path: Path) -> Any:
    found = values.get(chosen) if chosen else _optional(values, usual)
    if found is None:
        hint = f"no column {chosen!r}" if chosen else f"no {what} column ({', '.join(usual)})"
        raise InvalidInputError(f"{path.name} has {hint}; its columns: {', '.join(values)}; "
                                f"name it with --{what}-field")
    return found


def _optional(values: dict[str, Any], usual: tuple[str, ...]) -> Any:
    by_lower = {name.lower(): column for name, column in values.items()}
    return next((by_lower[n] for n in usual if n in by_lower), None)


def _text(value: Any) -> str:
    """A cell as text: codes stored as numbers (a Shapefile's N field) lose no digit."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
