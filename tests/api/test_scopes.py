"""Token scopes, played by an attacker holding the wrong kind of token; Open311 shows only what
the public may see."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from onegrid.api.scopes import OPENS
from onegrid.platform.sharing.tokens import create_token
from onegrid.platform.store.models import TOKEN_SCOPES, Issue
from tests.places import spot

pytestmark = pytest.mark.usefixtures("city")


def test_every_scope_the_store_allows_opens_something() -> None:
    assert set(OPENS) == set(TOKEN_SCOPES) and all(OPENS.values())


def test_an_open311_key_is_refused_by_the_data_api_with_a_403_problem(client, db: Session) -> None:
    _, key = create_token(db, "CGJ", scope="open311")
    for path in ("/api/v1/datasets", "/ogc/collections", "/tiles"):
        response = client.get(path, headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 403, path
        assert response.mimetype == "application/problem+json"
        assert response.json["type"] == "urn:onegrid:problem:token-scope"


def test_a_data_token_is_refused_as_an_open311_api_key(client, db: Session) -> None:
    _, token = create_token(db, "CGJ")
    here = spot(db, 43)
    response = client.post("/open311/v2/requests.json", data={
        "api_key": token, "service_code": "C0302", "lat": here.lat, "long": here.lon,
        "description": "垃圾箱破损"})
    assert response.status_code == 403 and "open311" in response.json[0]["description"]


def test_open311_shows_no_result_note_address_or_photo(client, db: Session) -> None:
    _, key = create_token(db, "CGJ", scope="open311")
    here = spot(db, 44)
    posted = client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "C0302", "lat": here.lat, "long": here.lon,
        "description": "垃圾箱破损", "address_string": "鹿城区某小区3幢502室",
        "media_url": "https://example.org/face.jpg"})
    request_id = posted.json[0]["service_request_id"]
    db.execute(update(Issue).where(Issue.id == int(request_id))
               .values(result_note="内部：联系了举报人张伟 13812345678"))
    db.flush()
    shown = client.get(f"/open311/v2/requests/{request_id}.json").json[0]
    text = repr(shown)
    assert "张伟" not in text and "3幢502" not in text and "face.jpg" not in text
    assert shown["address"] is None and shown["media_url"] is None
    issue = db.get(Issue, int(request_id))
    assert issue is not None and shown["status_notes"] == issue.status
