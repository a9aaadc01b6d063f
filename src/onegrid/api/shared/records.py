"""Pulling shared data: records (GeoJSON or CSV), the change feed, and one subject everywhere
(looked up by a key in the body, or a key that is not personal in the URL)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from onegrid.api import store
from onegrid.api.caller import caller, pulled
from onegrid.api.features import csv_text, feature, json_response
from onegrid.api.params import json_body, number, record_filter
from onegrid.api.throttle import take_lookup
from onegrid.platform.errors import InvalidInputError, NotFoundError
from onegrid.platform.sharing.identity import mask_resident_ids
from onegrid.platform.sharing.queries import ChangesSince, RecordPage, Subject

bp = Blueprint("records", __name__, url_prefix="/api/v1")
GEOJSON = "application/geo+json"
MAX_KEY = 64  # characters: the longest key kind (an address or facility code) is 40


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
      problems: [400, 401, 403, 404]
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
        '200': {description: changes in order and the next cursor, json: Changes}
      problems: [400, 401, 403, 404]
    """
    feed = pulled(ChangesSince(dataset_id, number("since", 0),
                                                      number("limit", 100, 1, 1000)))
    return json_response(feed)


@bp.get("/subjects/<key>")
def subject(key: str) -> Response:
    """One subject across datasets, by a key that is not personal.
    ---
    get:
      tags: [records]
      summary: A subject (credit code, address, building, facility code or event id) in every
        dataset the caller may read, with attribute-level provenance
      description: >
        A resident ID never goes in a URL (URLs reach access logs): this answers 400 and
        POST /api/v1/subjects/lookup takes it. Lookups, found or not, are traced and count
        towards the caller's lookups a minute (429 with Retry-After past them).
      parameters:
        - {in: path, name: key, required: true, schema: {type: string, maxLength: 64}}
        - purpose
      responses: {'200': {$ref: '#/components/responses/subject'}}
      problems: [400, 401, 403, 404, 429]
    """
    caller()
    if mask_resident_ids(key, (key,)) != key:
        raise InvalidInputError("a resident ID is never sent in a URL: POST it to "
                                '/api/v1/subjects/lookup as {"key": "..."}')
    return _looked_up(key)


@bp.post("/subjects/lookup")
def subject_lookup() -> Response:
    """One subject across datasets, by any key in the body.
    ---
    post:
      tags: [records]
      summary: A subject (resident ID, credit code, address, building, facility code or event id)
        in every dataset where the caller may look it up, with attribute-level provenance
      description: >
        A dataset about people (resident ID keys) is looked in only for its owner or a grant
        that names subject_key. A subject that is not there and one the caller may not look up
        get the same 404. Every lookup, found or not, is traced (the key masked, a resident ID
        with its keyed hash); a caller gets 60 lookups a minute (ONEGRID_LOOKUPS_PER_MINUTE,
        counted per web process), then 429 with Retry-After.
      requestBody: {json: SubjectLookup, required: true}
      parameters: [purpose]
      responses: {'200': {$ref: '#/components/responses/subject'}}
      problems: [400, 401, 403, 404, 413, 429]
    """
    caller()  # a stranger gets a 401 before any word about the body
    key = json_body().get("key")
    if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY:
        raise InvalidInputError(f'send {{"key": "..."}}: the subject\'s key, 1..{MAX_KEY} '
                                "characters")
    return _looked_up(key)


def _looked_up(key: str) -> Response:
    """The subject's records, after counting the lookup; a miss (or a refusal, which is one)
    is a 404 after its trace entry is committed."""
    take_lookup(caller().actor)
    rows = pulled(Subject.named(key, store.settings().pii_key))
    if not rows:
        raise NotFoundError("no record of this subject in any dataset where your department may "
                            "look it up")
    return json_response({"subject_key": rows[0]["subject_key"], "kind": rows[0]["subject_kind"],
                          "records": [{"dataset": r["dataset_id"], **feature(r)} for r in rows]})
