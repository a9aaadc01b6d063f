"""Vector tiles of the hierarchy and of shared records: ``/tiles/{layer}/{z}/{x}/{y}.mvt``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from onegrid.api import store
from onegrid.api.caller import caller, pulled, views
from onegrid.gis.tiles import RecordTile, layers, tile

bp = Blueprint("tiles", __name__)
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


@bp.get("/tiles/<layer>/<int:z>/<int:x>/<int:y>.mvt")
def get_tile(layer: str, z: int, x: int, y: int) -> Response:
    """One tile of one layer.
    ---
    get:
      tags: [tiles]
      summary: A Mapbox vector tile of a hierarchy layer or of a dataset's records
      description: >
        Layers are area.city, area.district, area.street, area.community, area.grid
        (code, name, level) and record.<dataset id> (id, subject_key masked, grid and
        the fields the caller may see; personal fields shown masked to the caller are left out).
      parameters:
        - {in: path, name: layer, required: true, schema: {type: string}}
        - {in: path, name: z, required: true, schema: {type: integer, minimum: 0, maximum: 22}}
        - {in: path, name: x, required: true, schema: {type: integer, minimum: 0}}
        - {in: path, name: y, required: true, schema: {type: integer, minimum: 0}}
        - purpose
      responses:
        '200':
          description: the tile (may be empty)
          content: {application/vnd.mapbox-vector-tile: {schema: {type: string, format: binary}}}
      problems: [400, 401, 403, 404]
    """
    caller()  # only callers the API knows see tiles, hierarchy layers too
    kind, _, dataset_id = layer.partition(".")
    if kind == "record" and dataset_id:
        data = pulled(RecordTile(dataset_id, z, x, y))
    else:  # hierarchy layers are public geography: no grant to check, no pull to trace
        data = tile(store.read_session(), layer, z, x, y, {})
    return Response(data, mimetype=MEDIA_TYPE, headers={"Cache-Control": "private, max-age=60"})


@bp.get("/tiles")
def list_layers() -> dict[str, Any]:
    """The tile layers the caller may request.
    ---
    get:
      tags: [tiles]
      summary: Tile layers and the URL template
      responses:
        '200': {description: layer names and the URL template, json: TileLayers}
      problems: [401, 403]
    """
    caller()
    return {"layers": layers(views()), "template": "/tiles/{layer}/{z}/{x}/{y}.mvt"}
