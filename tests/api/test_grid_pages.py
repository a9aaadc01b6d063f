"""The pages through Flask's client: sign-in, languages, photos, 409s as problem+json, flags,
and the shared records the grid worker's map may show."""

from __future__ import annotations

import io
import json
import random
import uuid

import pytest
from sqlalchemy import select

from onegrid.demo.city import DEMO_PASSWORD
from onegrid.demo.factories import credit_code
from onegrid.platform.governance.admission import push_task
from onegrid.platform.store.models import BurdenEvent, IssuePhoto, TraceEntry, User
from tests.api.conftest import RESIDENT_ID
from tests.clock import round_the_clock
from tests.ingest.conftest import envelope
from tests.places import spot

pytestmark = pytest.mark.usefixtures("city")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _csrf(client) -> str:
    """The session's CSRF token, as the page's hidden field would carry it."""
    with client.session_transaction() as session:
        return session.setdefault("csrf", "test-token")


def _post(client, url: str, data: dict | None = None):
    return client.post(url, data=(data or {}) | {"csrf_token": _csrf(client)},
                       content_type="multipart/form-data")


def _sign_in(client, username: str) -> None:
    response = _post(client, "/login", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302


def _report(client, here, **extra):
    data = {"client_id": str(uuid.uuid4()), "category": "E0105", "description": "路面油污",
            "lon": here.lon, "lat": here.lat} | extra
    return _post(client, "/grid/issues", data)


def test_a_wrong_password_is_refused_and_pages_need_sign_in(client) -> None:
    assert _post(client, "/login", {"username": "op1", "password": "x"}).status_code == 401
    assert client.get("/grid").status_code == 302


def test_the_grid_page_is_chinese_by_default_english_on_request_and_loads_nothing_remote(
        client, db) -> None:
    _sign_in(client, spot(db, 30).worker)
    page = client.get("/grid").get_data(as_text=True)
    assert "上报问题" in page and "/static/vendor/leaflet/leaflet.js" in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page
    assert "Log an issue" in client.get("/grid?lang=en").get_data(as_text=True)


def test_a_photo_is_type_checked_and_kept_with_its_checksum(client, db) -> None:
    here = spot(db, 31)
    _sign_in(client, here.worker)
    bad = _report(client, here, photo=(io.BytesIO(b"GIF89a"), "x.gif"))
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    good = _report(client, here, photo=(io.BytesIO(PNG), "x.png"))
    assert good.status_code == 201
    photo = db.scalars(select(IssuePhoto).where(IssuePhoto.issue_id == good.get_json()["id"])).one()
    assert (photo.content_type, len(photo.sha256)) == ("image/png", 64)
    assert client.get(f"/photos/{photo.id}").data == PNG


def test_an_illegal_step_is_a_409_problem_with_the_reason(client, db) -> None:
    here = spot(db, 32)
    _sign_in(client, here.worker)
    issue_id = _report(client, here).get_json()["id"]
    response = _post(client, f"/issues/{issue_id}/verify")
    assert response.status_code == 409
    assert "cannot verify an issue that is routed" in response.get_json()["detail"]


def test_a_worker_flags_a_request_into_the_burden_ledger_with_the_department(client, db) -> None:
    _sign_in(client, spot(db, 33).worker)
    response = _post(client, "/grid/flags", {"kind": "flag_already_have", "department": "MZJ",
                                             "target": "低保户名单再报一次"})
    assert response.status_code == 302
    event = db.scalars(select(BurdenEvent).order_by(BurdenEvent.id.desc())).first()
    assert event.kind == "flag_already_have" and event.detail["target"] == "低保户名单再报一次"


def test_a_department_pushing_a_task_not_admitted_gets_422_with_the_reason(client, db) -> None:
    _sign_in(client, "scjg1")
    response = _post(client, "/tasks", {"task_type": "FORM_STATS", "title": "报表",
                                         "area_code": spot(db, 34).grid_code})
    assert response.status_code == 422
    assert "not on the admission list" in response.get_json()["detail"]
    assert client.get("/issues").status_code == 200


def test_a_released_task_shows_on_the_page_and_its_flag_names_the_department(client, db) -> None:
    here = spot(db, 35)
    staff = db.scalars(select(User).where(User.username == "yjglj1")).one()
    always = round_the_clock()  # holidays too: released at once whatever day the test runs
    task = push_task(db, department_code="YJGLJ", task_type="FIRE_CHECK",
                     area_code=here.grid_code, title="沿街店铺消防检查", detail="",
                     actor=staff.username, user_id=staff.id, hours=always).task
    assert task is not None
    _sign_in(client, here.worker)
    assert "沿街店铺消防检查" in client.get("/grid").get_data(as_text=True)
    _post(client, "/grid/flags", {"kind": "flag_not_admitted", "task_id": task.id})
    event = db.scalars(select(BurdenEvent).order_by(BurdenEvent.id.desc())).first()
    assert (event.kind, event.department_id) == ("flag_not_admitted", staff.department_id)


def test_a_post_without_the_session_token_is_refused(client, db) -> None:
    here = spot(db, 36)
    _sign_in(client, here.worker)
    forged = client.post("/grid/flags", data={"kind": "flag_already_have", "target": "x"})
    assert forged.status_code == 403 and forged.get_json()["type"].endswith(":csrf")
    assert client.post("/login", data={"username": "op1", "password": DEMO_PASSWORD}
                       ).status_code == 403


def _shown(page: str, words: str) -> bool:
    """Whether the page shows ``words``, as HTML or inside the map's JSON-escaped script."""
    return words in page or json.dumps(words)[1:-1] in page


def test_the_map_shows_only_what_grid_workers_are_granted_and_traces_each_view(
        client, db, write, grant) -> None:
    here = spot(db, 37)
    point = {"type": "Point", "coordinates": [here.lon, here.lat]}
    write(envelope(subject_key=credit_code(random.Random(37)), record_id="grid-b",
                   geometry=point, name="鹿城巡查示例商行"),
          envelope(dataset="population.resident", department="GAJ", subject_key=RESIDENT_ID,
                   record_id="grid-p", name="欧阳娜娜", gender="女", geometry=point))
    db.flush()
    _sign_in(client, here.worker)
    page = client.get("/grid").get_data(as_text=True)
    assert _shown(page, "鹿城巡查示例商行") and not _shown(page, "实有人口")
    entry = db.scalars(select(TraceEntry).where(TraceEntry.action == "data.pull")
                       .order_by(TraceEntry.seq.desc()).limit(1)).one()
    assert (entry.actor, entry.target) == (f"user:{here.worker}", f"area:{here.grid_code}")
    assert entry.detail["via"] == "grid" and entry.detail["department"] == "WGZX"
    assert entry.detail["datasets"] == {"market.business": 1}
    grant("WGZX", "GAJ", "population.resident", ["gender", "geometry"])
    page = client.get("/grid").get_data(as_text=True)
    assert _shown(page, "实有人口") and not _shown(page, "欧阳")  # granted: located, no name
    views = db.scalars(select(TraceEntry).where(
        TraceEntry.action == "data.pull", TraceEntry.actor == f"user:{here.worker}")
        .order_by(TraceEntry.seq)).all()
    assert [v.detail["datasets"] for v in views][-1] == {"market.business": 1,
                                                         "population.resident": 1}


def test_the_first_office_hands_an_unowned_issue_on_from_its_page(client, db) -> None:
    here = spot(db, 37)
    _sign_in(client, here.worker)
    reported = _post(client, "/grid/issues", {"client_id": str(uuid.uuid4()),
                                              "category": "C0401", "description": "古树倾斜",
                                              "lon": here.lon, "lat": here.lat})
    assert reported.status_code == 201
    issue_id = reported.get_json()["id"]
    _sign_in(client, "wgzx1")  # the grid centre: the grid worker's office received it
    assert 'id="step-hand_over"' in client.get(f"/issues/{issue_id}").get_data(as_text=True)
    handed = _post(client, f"/issues/{issue_id}/hand_over", {"department": "ZJJ", "note": "古树"})
    assert handed.status_code == 302
    _sign_in(client, "zjj1")
    page = client.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert 'id="step-hand_over"' not in page and "issue.hand_over" in page
