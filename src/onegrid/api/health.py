"""Operations: GET /healthz (200 when the store and the broker both answer, "degraded" in the
body while ingest does not read some dataset; 503 otherwise) and GET /metrics (ingest counters,
lag and state in the Prometheus text format). Both read the broker from this process's view,
refreshed in the background (platform/operations/broker_view.py): a slow broker never holds
a request."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST

from onegrid.api import store
from onegrid.platform.errors import StoreUnavailableError
from onegrid.platform.operations.broker_view import BrokerSnapshot, shared_view
from onegrid.platform.operations.health import platform_state
from onegrid.platform.operations.metrics import prometheus_text, status

bp = Blueprint("health", __name__)


def broker() -> BrokerSnapshot:
    settings = store.settings()
    return shared_view(settings.kafka, settings.topic_prefix).snapshot()


@bp.get("/healthz")
def healthz() -> Response:
    """The platform's health.
    ---
    get:
      tags: [operations]
      summary: 200 when the store and the broker answer (status ok, or degraded when ingest
        holds a dataset), 503 otherwise (the JSON says which)
      security: []
      responses:
        '200': {$ref: '#/components/responses/json'}
        '503': {$ref: '#/components/responses/json'}
    """
    state = platform_state(store.engine(), broker(), store.settings().topic_prefix,
                           store.session())
    response = jsonify(state)
    response.status_code = 503 if state["status"] == "unavailable" else 200
    response.headers["Cache-Control"] = "no-store"
    if response.status_code == 503:  # as every other answer of a store or broker away
        response.headers["Retry-After"] = str(StoreUnavailableError.retry_after)
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
    state = status(store.session(), broker(), prefix=store.settings().topic_prefix)
    return Response(prometheus_text(state), mimetype=CONTENT_TYPE_LATEST)
