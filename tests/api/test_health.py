from __future__ import annotations

from dataclasses import replace

import pytest

from onegrid.api import create_app
from onegrid.platform.config import Settings


def test_healthz_is_200_when_store_and_broker_answer(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["store"]["ok"] and response.json["broker"]["ok"]


@pytest.mark.parametrize(("field", "value", "down"), [
    ("kafka_bootstrap_servers", "127.0.0.1:1", "broker"),
    ("database_url", "postgresql+psycopg://nobody:x@127.0.0.1:1/none", "store"),
])
def test_healthz_is_503_naming_what_does_not_answer(settings: Settings, field, value, down) -> None:
    app = create_app({"SETTINGS": replace(settings, **{field: value})})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json[down]["ok"] is False and "does not answer" in response.json[down]["error"]


def test_unknown_paths_are_problem_json(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 404 and response.json["detail"]
