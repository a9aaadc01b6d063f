"""GET /healthz: 200 when the store and the broker both answer, 503 otherwise."""

from __future__ import annotations

from flask import Blueprint, jsonify

from onegrid.api import store
from onegrid.platform.health import platform_state

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    state = platform_state(store.engine(), store.settings().kafka_bootstrap_servers)
    response = jsonify(state)
    response.status_code = 200 if state["status"] == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response
