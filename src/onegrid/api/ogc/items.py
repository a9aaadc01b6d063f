"""OGC items: a collection's features with bbox, datetime, limit and next links; one feature."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, request

from onegrid.api import store
from onegrid.api.caller import caller, pulled
from onegrid.api.features import feature, json_response
from onegrid.api.ogc.links import GEOJSON, Link, link
from onegrid.api.params import bbox, number, record_filter
from onegrid.gis import areas
from onegrid.platform.errors import NotFoundError
from onegrid.platform.sharing.queries import OneRecord, RecordPage

bp = Blueprint("ogc_items", __name__, url_prefix="/ogc")
DEFAULT_LIMIT = 10


def _links(cid: str, next_cursor: int | None) -> list[Link]:
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    links = [link("self", request.path, GEOJSON, **args),
             link("collection", f"/ogc/collections/{cid}")]
    if next_cursor is not None:
        links.append(link("next", request.path, GEOJSON, "next page", **args,
                          cursor=next_cursor))
    return links


def _collection_body(cid: str, features: list[dict[str, Any]], next_cursor: int | None,
                     matched: int | None) -> Response:
    body: dict[str, Any] = {"type": "FeatureCollection", "features": features,
                            "timeStamp": datetime.now(UTC).isoformat(timespec="seconds"),
                            "numberReturned": len(features), "links": _links(cid, next_cursor)}
    if matched is not None:
        body["numberMatched"] = matched
    return json_response(body, GEOJSON)


def _area_items(level: str, cid: str) -> Response:
    after = number("cursor", 0) if "cursor" in request.args else None
    found, next_cursor = areas.page(store.read_session(), level, bbox(), after,
                                    number("limit", DEFAULT_LIMIT, 1, 1000))
    matched = len(found) if next_cursor is None and after is None else None
    return _collection_body(cid, found, next_cursor, matched)


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    """Features of a collection.
    ---
    get:
      tags: [ogc]
      summary: Features with bbox, datetime (occurred_at), limit and next links
      description: >
        numberMatched is given when the whole result fits in the first page (counting a large
        result would cost more than the page itself); follow the next link until there is none.
      parameters:
        - collection
        - bbox
        - datetime
        - {in: query, name: limit, schema: {type: integer, minimum: 1, maximum: 1000, default: 10}}
        - cursor
        - purpose
      responses:
        '200':
          description: a page of features
          content: {application/geo+json: {schema: {$ref: '#/components/schemas/ItemPage'}}}
      problems: [400, 401, 403, 404]
    """
    caller()  # areas are public geography, but only to callers the API knows
    if collection_id.startswith("area."):
        return _area_items(collection_id.removeprefix("area."), collection_id)
    flt = record_filter(DEFAULT_LIMIT)
    page = pulled(RecordPage(collection_id, flt), via="ogc")
    matched = len(page.rows) if page.next_cursor is None and flt.after is None else None
    return _collection_body(collection_id, [feature(r, provenance=False) for r in page.rows],
                            page.next_cursor, matched)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    """One feature.
    ---
    get:
      tags: [ogc]
      summary: One feature (a record id, or an area code for area.<level>)
      parameters:
        - collection
        - {in: path, name: feature_id, required: true, schema: {type: string}}
        - purpose
      responses:
        '200':
          description: the feature
          content: {application/geo+json: {schema: {$ref: '#/components/schemas/Feature'}}}
      problems: [400, 401, 403, 404]
    """
    caller()  # areas are public geography, but only to callers the API knows
    if collection_id.startswith("area."):
        found = areas.one(store.read_session(), collection_id.removeprefix("area."), feature_id)
    else:
        if not (feature_id.isascii() and feature_id.isdigit()) or len(feature_id) > 18:
            raise NotFoundError(f"no feature {feature_id[:40]!r} in {collection_id}")
        record = OneRecord(collection_id, int(feature_id))
        found = feature(pulled(record, via="ogc"), provenance=False)
    found["links"] = [link("self", request.path, GEOJSON),
                      link("collection", f"/ogc/collections/{collection_id}")]
    return json_response(found, GEOJSON)
