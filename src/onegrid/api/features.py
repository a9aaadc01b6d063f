"""Records as GeoJSON features and CSV rows: one shape for the data API, OGC and exports."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

import orjson
from flask import Response

from onegrid.api.csv_ import csv_document

META = ("subject_key", "subject_kind", "grid", "version", "reports", "occurred_at",
        "updated_at")


def feature(row: dict[str, Any], provenance: bool = True) -> dict[str, Any]:
    """A record as a GeoJSON Feature: metadata and visible attributes in ``properties``."""
    properties = {k: row[k] for k in META} | row["attributes"]
    if provenance:
        properties["provenance"] = row["provenance"]
    return {"type": "Feature", "id": row["id"], "geometry": row["geometry"],
            "properties": properties}


def csv_text(rows: Iterable[dict[str, Any]], fields: Iterable[str]) -> str:
    """The rows as CSV (api/csv_.py: BOM, no formulas): metadata, lon/lat of points, then the
    visible fields."""
    header = ["id", *META, "lon", "lat", *fields]
    return csv_document(header, (_csv_row(row, header) for row in rows))


def _csv_row(row: dict[str, Any], header: list[str]) -> list[Any]:
    geometry = row["geometry"] or {}
    lon, lat = (geometry.get("coordinates") or [None, None])[:2] \
        if geometry.get("type") == "Point" else (None, None)
    cells = {**row, **row["attributes"], "lon": lon, "lat": lat}
    return [cells.get(name) for name in header]


def _default(value: object) -> str:
    if isinstance(value, date):  # datetimes too: RFC 3339, not Flask's RFC 822 default
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_response(body: object, mimetype: str = "application/json", status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """``body`` as JSON with dates in RFC 3339 and Chinese left readable: orjson (a page of
    100 features in a fifth of the standard library's time), the standard library for what
    orjson refuses (integers beyond 64 bits, which a producer may have sent)."""
    return Response(_dumps(body), status=status, mimetype=mimetype, headers=headers)


def _dumps(body: object) -> str | bytes:
    # Keys that are not strings (a few bodies count by number) need orjson's option for them,
    # which slows every dict it writes (a page of 100 records: 1.7 times as long): it is asked
    # for only when the body has such a key.
    for option in (0, orjson.OPT_NON_STR_KEYS):
        try:
            return orjson.dumps(body, default=_default, option=option)
        except orjson.JSONEncodeError:
            pass
    return json.dumps(body, ensure_ascii=False, default=_default)
