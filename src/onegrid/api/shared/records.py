"""Pulling shared data: records (GeoJSON or CSV), the change feed, and one subject everywhere."""

from __future__ import annotations

from flask import Blueprint, Response, request

from onegrid.api import store
from onegrid.api.caller import pulled
from onegrid.api.features import csv_text, feature, json_response
from onegrid.api.params import number, record_filter
from onegrid.platform.sharing.queries import ChangesSince, RecordPage, Subject

bp = Blueprint("records", __name__, url_prefix="/api/v1")
GEOJSON = "application/geo+json"


@bp.get("/datasets/<dataset_id>/records")
def dataset_records(dataset_id: str) -> Response:
    """Records of one dataset as GeoJSON.
    ---
    get:
      tags: [records]
      summary: Records filtered by area code, bbox, updated_since, attributes and free text
      description: >
        Any query parameter not listed here is an attribute equality filter (e.g.
        ?status=存续) on a visible, unmasked field. Pages follow the record id; pass the
        response's next_cursor as cursor for the next page. format=csv gives the same rows as CSV.
      parameters:
        - dataset
        - grid
        - bbox
        - updated_since
        - q
        - cursor
        - limit
        - purpose
        - {in: query, name: format, schema: {type: string, enum: [geojson, csv]}}
      responses:
        '200':
          description: a page of records
          content:
            application/geo+json: {schema: {$ref: '#/components/schemas/RecordPage'}}
            text/csv: {schema: {type: string}}
      problems: [400, 401, 403, 404, 503]
    """
    page = pulled(RecordPage(dataset_id, record_filter()))
    if request.args.get("format") == "csv":
        return Response(csv_text(page.rows, page.fields), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={dataset_id}.csv",
                                 **({"X-Next-Cursor": str(page.next_cursor)}
                                    if page.next_cursor else {})})
    body = {"type": "FeatureCollection", "features": [feature(r) for r in page.rows],
            "numberReturned": len(page.rows), "next_cursor": page.next_cursor}
    return json_response(body, GEOJSON)


@bp.get("/datasets/<dataset_id>/changes")
def dataset_changes(dataset_id: str) -> Response:
    """The change feed.
    ---
    get:
      tags: [records]
      summary: What changed after a cursor (new, updated, merged, with versions)
      description: Start with since=0; ask again with the returned next.
      parameters:
        - dataset
        - since
        - limit
        - purpose
      responses:
        '200':
          description: changes in order and the next cursor
          content: {application/json: {schema: {$ref: '#/components/schemas/Changes'}}}
      problems: [400, 401, 403, 404, 503]
    """
    feed = pulled(ChangesSince(dataset_id, number("since", 0),
                                                      number("limit", 100, 1, 1000)))
    return json_response(feed)


@bp.get("/subjects/<key>")
def subject(key: str) -> Response:
    """One subject across datasets.
    ---
    get:
      tags: [records]
      summary: A subject (credit code, resident ID, address or building code) in every dataset
        the caller may read, with attribute-level provenance
      parameters:
        - {in: path, name: key, required: true, schema: {type: string, maxLength: 64}}
        - purpose
      responses:
        '200':
          description: the subject's records
          content: {application/json: {schema: {$ref: '#/components/schemas/Subject'}}}
      problems: [400, 401, 403, 404, 503]
    """
    rows = pulled(Subject.named(key, store.settings().pii_key))
    return json_response({"subject_key": rows[0]["subject_key"], "kind": rows[0]["subject_kind"],
                          "records": [{"dataset": r["dataset_id"], **feature(r)} for r in rows]})
