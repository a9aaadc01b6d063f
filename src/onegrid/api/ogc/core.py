"""OGC landing page, conformance, and the collections: shared datasets and the hierarchy."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from onegrid.api import store
from onegrid.api.caller import views
from onegrid.api.features import json_response
from onegrid.api.ogc.links import CRS84, GEOJSON, link
from onegrid.gis.areas import extent
from onegrid.platform.errors import NotFoundError
from onegrid.platform.store.models import AREA_LEVELS, Dataset

bp = Blueprint("ogc", __name__, url_prefix="/ogc")
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
LEVEL_TITLES = {"city": "市 City", "district": "区县 District", "street": "街道 Street",
                "community": "社区 Community", "grid": "网格 Grid"}


@bp.get("/")
def landing() -> Response:
    """OGC landing page.
    ---
    get:
      tags: [ogc]
      summary: OGC API – Features landing page
      security: []
      responses:
        '200':
          description: links to the API definition, conformance and collections
          json: Landing
    """
    return json_response({
        "title": "OneGrid shared data", "description": "Shared grid-governance data (一网统管)",
        "links": [link("self", "/ogc/"),
                  link("service-desc", "/api/openapi.json",
                       "application/vnd.oai.openapi+json;version=3.0", "OpenAPI 3.0"),
                  link("service-doc", "/api/docs", "text/html", "API documentation"),
                  link("conformance", "/ogc/conformance"),
                  link("data", "/ogc/collections")]})


@bp.get("/conformance")
def conformance() -> Response:
    """Conformance classes.
    ---
    get:
      tags: [ogc]
      summary: The conformance classes this server implements
      security: []
      responses:
        '200': {description: conformance classes, json: Conformance}
    """
    return json_response({"conformsTo": CONFORMANCE})


def _collection(cid: str, title: str, description: str,
                box: list[float] | None) -> dict[str, Any]:
    return {"id": cid, "title": title, "description": description, "itemType": "feature",
            "crs": [CRS84],
            "extent": {"spatial": {"bbox": [box or [-180, -90, 180, 90]], "crs": CRS84}},
            "links": [link("self", f"/ogc/collections/{cid}"),
                      link("items", f"/ogc/collections/{cid}/items", GEOJSON)]}


def collections_for(readable: dict[str, Any]) -> list[dict[str, Any]]:
    session = store.session()
    box = extent(session)
    titles = dict(session.execute(
        Dataset.__table__.select().with_only_columns(Dataset.id, Dataset.title)).all())
    return ([_collection(d, titles[d], f"shared dataset {d}", box) for d in readable]
            + [_collection(f"area.{level}", LEVEL_TITLES[level],
                           f"the grid hierarchy's {level} level", box) for level in AREA_LEVELS])


@bp.get("/collections")
def collections() -> Response:
    """The collections the caller may read.
    ---
    get:
      tags: [ogc]
      summary: Every dataset the caller may read, and the hierarchy's layers (area.<level>)
      responses:
        '200':
          description: collections
          json: Collections
          links:
            collection:
              operationId: get_ogc.collection
              parameters: {collection_id: '$response.body#/collections/0/id'}
            items:
              operationId: get_ogc_items.items
              parameters: {collection_id: '$response.body#/collections/0/id'}
      problems: [401, 403]
    """
    return json_response({"links": [link("self", "/ogc/collections")],
                          "collections": collections_for(views())})


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    """One collection.
    ---
    get:
      tags: [ogc]
      summary: One collection's description
      parameters: [collection]
      responses:
        '200': {description: the collection, json: Collection}
      problems: [401, 403, 404]
    """
    for found in collections_for(views()):
        if found["id"] == collection_id:
            return json_response(found)
    raise NotFoundError(f"no collection {collection_id!r} you may read; GET /ogc/collections")
