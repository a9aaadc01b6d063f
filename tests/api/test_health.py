from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from onegrid.api import create_app
from onegrid.ingest.topics import ensure_topics
from onegrid.platform.operations import broker_view
from onegrid.platform.settings import Settings
from tests.conftest import acting_as, role_of


def test_healthz_is_200_when_store_and_broker_answer(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    state = response.json
    # the session's store may keep other tests' datasets, whose topics they deleted
    assert state["status"] == ("degraded" if state["ingest"].get("datasets") else "ok")
    assert state["store"]["ok"] and state["broker"]["ok"]


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


def test_healthz_and_metrics_say_which_dataset_ingest_holds_and_why(
        client, db, catalog, settings: Settings) -> None:
    """A partition ingest holds (its broker lost the log: tests/faults/test_broker_restart.py
    makes one for real) degrades its dataset; the others stay as they are."""
    ensure_topics(settings.kafka, list(catalog))  # a fresh broker has none yet
    db.execute(text("INSERT INTO ingest_offset (consumer_group, topic, partition, next_offset, "
                    "held_reason) VALUES ('onegrid-ingest', 'onegrid.ingest.market.business', "
                    "1, 12, 'the log ends at 0')"))
    db.flush()
    deadline = time.monotonic() + 15  # the broker view is refreshed every few seconds
    while True:
        state = client.get("/healthz").json
        reasons = {state["ingest"]["datasets"].get(d, {}).get("reason")
                   for d in ("market.business", "hotline.ticket")}
        if "topic-missing" not in reasons or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert state["status"] == "degraded" and state["store"]["ok"] and state["broker"]["ok"]
    found = state["ingest"]["datasets"]["market.business"]
    assert found["reason"] == "offsets-ahead"
    assert found["detail"] == "partition 1: the log ends at 0"
    assert "onegrid ingest reset-offsets market.business --to earliest" in found["remedy"]
    body = client.get("/metrics").get_data(as_text=True)
    assert 'onegrid_ingest_degraded{dataset="market.business",reason="offsets-ahead"} 1.0' in body
    assert 'onegrid_ingest_degraded{dataset="hotline.ticket",reason=""} 0.0' in body


def test_a_registered_dataset_without_its_topic_is_degraded(settings: Settings, connection,
                                                           catalog) -> None:
    app = create_app({"SETTINGS": replace(settings, topic_prefix="test.no-such-prefix."),
                      "TESTING": True})
    app.extensions["onegrid"]["sessions"] = acting_as(role_of(settings.database_url), connection)
    state = app.test_client().get("/healthz").json
    assert state is not None and state["status"] == "degraded"
    found = state["ingest"]["datasets"]["hotline.ticket"]
    assert found["reason"] == "topic-missing"
    assert found["detail"] == "the broker has no topic test.no-such-prefix.hotline.ticket"


@pytest.fixture
def silent_broker() -> Iterator[str]:
    """A port that accepts connections and never answers: a broker too slow to be of use."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(listener.accept()[0])
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in accepted:
        conn.close()
    listener.close()


def test_parallel_healthz_and_metrics_on_a_silent_broker_do_not_hold_the_site(
        settings: Settings, silent_broker: str) -> None:
    """40 calls at once, as monitors and impatient people make them: each reads the process's
    broker view (one client, refreshed in the background), none waits on the broker beyond the
    process's first look, and the site answers meanwhile."""
    app = create_app({"SETTINGS": replace(settings, kafka_bootstrap_servers=silent_broker)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"

    def get(path: str) -> tuple[int, float]:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url + path, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return status, time.monotonic() - started
    try:
        get("/healthz")  # the process's first look waits for the broker, briefly
        with ThreadPoolExecutor(40) as pool:
            started = time.monotonic()
            calls = list(pool.map(get, ["/metrics", "/healthz"] * 20))
            elapsed = time.monotonic() - started
        site = get("/api/openapi.json")
    finally:
        server.shutdown()
    assert {status for status, _ in calls if status != 200} <= {503}
    assert max(took for _, took in calls) < 1.0 and elapsed < 2.0, calls
    assert site[0] == 200 and site[1] < 1.0
    assert len([k for k in broker_view._views if k[1] == silent_broker]) == 1
