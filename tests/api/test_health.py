from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text

from onegrid.api import create_app
from onegrid.platform.settings import Settings


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
    state = response.json
    assert state is not None and state["status"] == "unavailable"
    assert state[down]["ok"] is False and "does not answer" in state[down]["error"]


def test_unknown_paths_are_problem_json(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 404 and response.json["detail"]


def test_metrics_count_ingest_per_dataset_and_department(client, db) -> None:
    db.execute(text("INSERT INTO ingest_counter (dataset, department, received, new, merged, "
                    "versions, dead_letters) VALUES ('market.business', 'SCJG', 7, 4, 2, 5, 1)"))
    db.flush()
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    for name, value in (("received", 7), ("new", 4), ("merged", 2), ("versions", 5),
                        ("dead_letters", 1)):
        assert (f'onegrid_ingest_{name}_total{{dataset="market.business",department="SCJG"}} '
                f"{value}.0") in body
    assert "# TYPE onegrid_ingest_lag gauge" in body
