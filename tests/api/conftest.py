"""Shared-API fixtures: the demo datasets, records written by the real ingest writer, tokens."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from onegrid.platform.sharing.tokens import create_token
from tests.ingest.conftest import catalog, envelope, write  # noqa: F401  (fixtures)

RESIDENT_ID = "330302198001011230"


@pytest.fixture
def token(db: Session, catalog) -> Callable[[str], dict[str, str]]:  # noqa: F811
    """Headers with a fresh bearer token of the named department."""
    def headers(department: str, **extra: str) -> dict[str, str]:
        _, clear = create_token(db, department, label="test")
        return {"Authorization": f"Bearer {clear}", **extra}
    return headers


@pytest.fixture
def shared(write, db: Session) -> None:  # noqa: F811
    """A business (unconditional, with personal fields), its taxpayer record and a resident."""
    write(envelope(legal_person="张伟", phone="0577-88001234", employees=12),
          envelope(dataset="tax.taxpayer", department="SWJ", record_id="t-1", credit_grade="A"),
          envelope(dataset="population.resident", department="GAJ", subject_key=RESIDENT_ID,
                   record_id="p-1", name="张伟", gender="男", phone="13812345678",
                   birth_year=1980))
    db.flush()


@pytest.fixture
def served(app) -> Iterator[str]:
    """The test app over real HTTP on 127.0.0.1, inside the test's transaction (one request at a
    time: the app shares the test's connection)."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def grant(client, token) -> Callable[..., dict]:
    """Ask for fields of a dataset as ``department`` and let the owner decide; the request."""
    def ask(department: str, owner: str, dataset: str, fields: list[str], approve: bool = True,
            expires_at: str = "2099-01-01T00:00:00+08:00", **extra) -> dict:
        asked = client.post("/api/v1/grant-requests", headers=token(department), json={
            "dataset": dataset, "purpose": "低保核查", "fields": fields,
            "expires_at": expires_at, **extra})
        assert asked.status_code == 201, asked.json
        verb = "approve" if approve else "deny"
        decided = client.post(f"/api/v1/grant-requests/{asked.json['id']}/{verb}",
                              headers=token(owner), json={"reason": "依规"})
        assert decided.status_code == 200, decided.json
        return decided.json
    return ask
