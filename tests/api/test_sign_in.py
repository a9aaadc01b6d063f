"""Signing in and out, played by an attacker: guessing passwords, probing user names by timing,
replaying a copied cookie after its owner signed out."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.orm import Session

from onegrid.demo.city import DEMO_PASSWORD
from onegrid.platform.accounts.passwords import authenticate
from tests.api.test_grid_pages import _csrf, _post, _sign_in

pytestmark = pytest.mark.usefixtures("city")


def test_the_sixth_wrong_password_in_a_minute_gets_429_even_when_right(client) -> None:
    for _ in range(5):
        assert _post(client, "/login", {"username": "op2", "password": "guess"}).status_code == 401
    assert _post(client, "/login", {"username": "op2", "password": "guess"}).status_code == 429
    right = _post(client, "/login", {"username": "op2", "password": DEMO_PASSWORD})
    assert right.status_code == 429


def test_many_names_from_one_address_are_limited_too(client) -> None:
    codes = [_post(client, "/login", {"username": f"nobody{i}", "password": "x"}).status_code
             for i in range(31)]
    assert codes[:30] == [401] * 30 and codes[30] == 429


def test_a_copied_session_cookie_is_rejected_after_logout(client, app) -> None:
    _sign_in(client, "op1")
    assert client.get("/screen").status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert _post(client, "/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/screen").status_code == 302  # back to sign in
    assert thief.get("/api/v1/datasets").status_code == 401


def test_an_unknown_name_costs_the_same_scrypt_as_a_wrong_password(db: Session) -> None:
    authenticate(db, "no-such-user", "x")  # the dummy hash is made once, on first use

    def seconds(username: str) -> float:
        start = time.perf_counter()
        assert authenticate(db, username, "wrong") is None
        return time.perf_counter() - start

    known = min(seconds("op1") for _ in range(3))
    unknown = min(seconds("no-such-user") for _ in range(3))
    assert unknown > known / 2


def test_logout_asks_the_browser_to_drop_its_caches(client) -> None:
    _sign_in(client, "op1")
    response = client.post("/logout", data={"csrf_token": _csrf(client)})
    assert response.headers["Clear-Site-Data"] == '"cache"'
