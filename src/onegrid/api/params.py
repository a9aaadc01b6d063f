"""Request inputs shared by the views: query parameters (a RecordFilter for the data API and OGC
API Features) and JSON bodies."""

from __future__ import annotations

from datetime import datetime
from itertools import chain
from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter, Map

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.sharing.records import RecordFilter

BIGINT = 2**63 - 1


class RowId(IntegerConverter):
    """``<int:...>`` in a route: digits up to PostgreSQL's bigint. A larger number names no row,
    so the route does not match and the answer is a 404, not an error of the store."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = BIGINT, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def init_app(app: Flask) -> None:
    """Before any route is added: ids in paths bounded by bigint. On every request: no text
    holding NUL anywhere a view may pass to the store."""
    app.url_map.converters["int"] = RowId
    app.before_request(_refuse_nul)


def _refuse_nul() -> None:
    """The store keeps no text holding the NUL character: a path segment, a query or form
    field (its name too) that holds one is a 400 here, not an error of the store in a view."""
    texts = chain((request.view_args or {}).values(), *request.args.lists(),
                  *(request.form.lists() if request.method == "POST" else ()))
    if any(_holds_nul(text) for text in texts):
        raise InvalidInputError("text may not contain the NUL character (%00)")


# Parameters with a meaning of their own; any other one is attribute equality.
RESERVED = {"grid", "area", "bbox", "updated_since", "datetime", "q", "cursor", "limit",
            "purpose", "f", "format", "since", "bbox-crs", "crs"}


def number(name: str, default: int, low: int = 0, high: int = 2**62) -> int:
    raw = request.args.get(name)
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        raise InvalidInputError(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise InvalidInputError(f"{name} must be {low}..{high}")
    return value


def bbox() -> tuple[float, float, float, float] | None:
    raw = request.args.get("bbox")
    if not raw:
        return None
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        raise InvalidInputError("bbox is minLon,minLat,maxLon,maxLat in degrees") from None
    if len(values) != 4 or values[0] > values[2] or values[1] > values[3] or not all(
            abs(v) <= 180 for v in values):
        raise InvalidInputError("bbox is minLon,minLat,maxLon,maxLat in degrees, min before max")
    return values[0], values[1], values[2], values[3]


def instant(raw: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise InvalidInputError(
            f"{name} must be an RFC 3339 date-time, e.g. 2026-11-20T08:00:00Z") from None
    if value.tzinfo is None:
        raise InvalidInputError(f"{name} needs a time zone (Z or +08:00)")
    return value


def interval() -> tuple[datetime | None, datetime | None] | None:
    """OGC ``datetime``: an instant, ``start/end``, ``../end`` or ``start/..``."""
    raw = request.args.get("datetime")
    if not raw:
        return None
    start, sep, end = raw.partition("/")
    if not sep:
        moment = instant(raw, "datetime")
        return moment, moment
    bounds = (None if start in ("", "..") else instant(start, "datetime"),
              None if end in ("", "..") else instant(end, "datetime"))
    if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
        raise InvalidInputError("datetime interval ends before it starts")
    return bounds


def record_filter(limit_default: int = 100) -> RecordFilter:
    """The filter this request's query string describes."""
    since = request.args.get("updated_since")
    return RecordFilter(
        area_code=request.args.get("grid") or request.args.get("area") or None,
        bbox=bbox(), updated_since=instant(since, "updated_since") if since else None,
        occurred=interval(),
        equals={k: v for k, v in request.args.items() if k not in RESERVED},
        text=request.args.get("q") or None,
        after=number("cursor", 0) if "cursor" in request.args else None,
        limit=number("limit", limit_default, 1, 1000))


def json_body(required: bool = True) -> dict[str, Any]:
    """The request's JSON object ({} when it may be left out and is); InvalidInputError for
    anything else, and for text holding the NUL character, which the store cannot keep."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        if required:
            raise InvalidInputError("send a JSON object (Content-Type: application/json)")
        return {}
    if _holds_nul(body):
        raise InvalidInputError("text may not contain the NUL character (\\u0000)")
    return body


def body_text(body: dict[str, Any], name: str) -> str:
    """A required, non-empty string of a JSON body; InvalidInputError names it otherwise."""
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{name} is required (a non-empty string)")
    return value


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    return isinstance(value, list) and any(_holds_nul(v) for v in value)
