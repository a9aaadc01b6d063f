"""The catalog: ``/api/v1/datasets`` and ``/api/v1/datasets/{id}``."""

from __future__ import annotations

from flask import Blueprint, Response

from onegrid.api import store
from onegrid.api.caller import views
from onegrid.api.features import json_response
from onegrid.platform.sharing.catalog_view import describe

bp = Blueprint("catalog", __name__, url_prefix="/api/v1")


@bp.get("/datasets")
def datasets() -> Response:
    """The catalog.
    ---
    get:
      tags: [catalog]
      summary: Every dataset, whether the caller may read it, and how to ask
      responses:
        '200':
          description: the catalog
          json: DatasetList
          links:
            dataset:
              operationId: get_catalog.dataset
              parameters: {dataset_id: '$response.body#/datasets/0/id'}
            records:
              operationId: get_records.dataset_records
              parameters: {dataset_id: '$response.body#/datasets/0/id'}
            changes:
              operationId: get_records.dataset_changes
              parameters: {dataset_id: '$response.body#/datasets/0/id'}
      problems: [401, 403]
    """
    return json_response({"datasets": describe(store.session(), views())})


@bp.get("/datasets/<dataset_id>")
def dataset(dataset_id: str) -> Response:
    """One catalog entry.
    ---
    get:
      tags: [catalog]
      summary: One dataset's owner, fields, sharing class, freshness, record count and access
      parameters: [dataset]
      responses: {'200': {$ref: '#/components/responses/dataset'}}
      problems: [401, 403, 404]
    """
    return json_response(describe(store.session(), views(), dataset_id)[0])
