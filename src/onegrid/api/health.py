"""Operations: GET /healthz (200 when the store and the broker both answer, 503 otherwise) and
GET /metrics (ingest counters and lag in the Prometheus text format)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST

from onegrid.api import store
from onegrid.platform.operations.health import platform_state
from onegrid.platform.operations.metrics import prometheus_text, status

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The platform's health.
    ---
    get:
      tags: [operations]
      summary: 200 when the store and the broker both answer, 503 otherwise (the JSON says which)
      security: []
      responses:
        '200': {$ref: '#/components/responses/json'}
        '503': {$ref: '#/components/responses/json'}
    """
    state = platform_state(store.engine(), store.settings().kafka)
    response = jsonify(state)
    response.status_code = 200 if state["status"] == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics() -> Response:
    """Ingest counters and lag.
    ---
    get:
      tags: [operations]
      summary: Ingest counters and lag in the Prometheus text format
      security: []
      responses:
        '200':
          description: Prometheus text exposition
          content: {text/plain: {schema: {type: string}}}
    """
    settings = store.settings()
    state = status(store.session(), settings.kafka, prefix=settings.topic_prefix)
    return Response(prometheus_text(state), mimetype=CONTENT_TYPE_LATEST)
