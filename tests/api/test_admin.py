"""/admin through Flask's client on real PostGIS: sign-in and the admin role, and each section's
main action leaving the trace entry its command leaves; bad input is a clear 4xx, never a 500."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from onegrid.api import store
from onegrid.demo.city import DEMO_PASSWORD
from onegrid.platform.accounts.passwords import hash_password
from onegrid.platform.governance import review
from onegrid.platform.governance.offices import area_by_code
from onegrid.platform.settings import Settings
from onegrid.platform.store.models import AdmissionApplication, Department, TraceEntry, User
from tests.api.test_grid_pages import _csrf, _sign_in
from tests.conftest import acting_as, role_of
from tests.gis.boundaries_files import DISTRICT

pytestmark = pytest.mark.usefixtures("city")
ADMIN = "admin1"
ACTOR = f"user:{ADMIN}"
SECTIONS = ("departments", "users", "lists", "boundaries", "admission", "credentials")
PHONE = "13812345678"


@pytest.fixture
def admin(app: Flask, db: Session, settings: Settings, connection: Connection, client,
          tmp_path):
    """The client signed in as an administrator. /admin reaches the store as the owner through
    the request's own ORM unit (store.session), acting as the owner on the test's transaction: a
    second one would be a savepoint inside the request's, which its rollback at the end of the
    request undoes."""
    app.extensions["onegrid"]["sessions"] = acting_as(role_of(settings.owner_database_url),
                                                      connection)
    app.extensions["onegrid_admin"]["sessions"] = store.session
    app.extensions["onegrid"]["settings"] = replace(settings, state_dir=str(tmp_path))
    db.add(User(username=ADMIN, display_name="管理员", role="admin",
                password_hash=hash_password(DEMO_PASSWORD)))
    db.flush()
    _sign_in(client, ADMIN)
    return client


def _post(client, url: str, data: dict | None = None, **kwargs):
    return client.post(url, data=(data or {}) | {"csrf_token": _csrf(client)}, **kwargs)


def _traced(db: Session, action: str) -> list[TraceEntry]:
    return list(db.scalars(select(TraceEntry).where(TraceEntry.action == action,
                                                    TraceEntry.actor == ACTOR)))


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_without_sign_in_each_section_goes_to_the_sign_in_page(client) -> None:
    for path in ("/admin", *(f"/admin/{s}" for s in SECTIONS)):
        answer = client.get(path)
        assert answer.status_code == 302 and "/login?next=" in answer.headers["Location"]


def test_a_grid_worker_gets_403_and_changes_nothing(client, db: Session) -> None:
    worker = db.scalar(select(User.username).where(User.role == "grid_worker").limit(1))
    _sign_in(client, str(worker))
    assert client.get("/admin/users").status_code == 403
    answer = _post(client, "/admin/departments", {"code": "XX", "name": "某局"})
    assert (answer.status_code, answer.mimetype) == (403, "application/problem+json")
    assert db.scalar(select(Department).where(Department.code == "XX")) is None


def test_the_index_is_chinese_with_an_english_switch(admin) -> None:
    chinese = admin.get("/admin")
    assert chinese.status_code == 200 and "系统管理" in _page(chinese)
    english = admin.get("/admin?lang=en")
    assert "Administration" in _page(english) and "Boundary import" in _page(english)


def test_a_department_is_added_and_traced(admin, db: Session) -> None:
    added = _post(admin, "/admin/departments", {"code": "TYJ", "name": "体育局",
                                                "name_en": "Sports"})
    assert added.status_code == 302
    assert "体育局" in _page(admin.get("/admin/departments"))
    assert [e.target for e in _traced(db, "department.add")] == ["department:TYJ"]
    bad = _post(admin, "/admin/departments", {"code": "a b/c", "name": "x"})
    assert bad.status_code == 400 and "admin-error" in _page(bad)


def test_a_user_is_added_disabled_reset_and_given_areas_each_traced(admin, db: Session) -> None:
    worker = db.scalars(select(User).where(User.role == "grid_worker").limit(1)).one()
    grid = worker.grids[0].code
    added = _post(admin, "/admin/users", {"username": "wang.wu", "name": "王五",
                                          "role": "grid_worker", "areas": grid,
                                          "phone": "+86 138 1234 5678"})
    assert added.status_code == 200, _page(added)
    assert re.search(r"<code>\S{12,}</code>", _page(added))  # the one-time password, once
    user = db.scalar(select(User).where(User.username == "wang.wu"))
    assert user is not None and user.must_change_password and user.phone_masked == "138****5678"
    before = db.scalar(select(func.count()).where(User.username < "wang.wu")) or 0
    assert "138****5678" in _page(admin.get(f"/admin/users?page={before // 50 + 1}"))
    assert _post(admin, f"/admin/users/{user.id}/disable").status_code == 302
    assert _post(admin, f"/admin/users/{user.id}/password").status_code == 200
    assert _post(admin, f"/admin/users/{user.id}/areas",
                 {"areas": grid, "replace": "1"}).status_code == 302
    for action in ("user.add", "user.disable", "user.reset_password", "user.assign"):
        assert [e.target for e in _traced(db, action)] == ["user:wang.wu"], action
    entries = json.dumps([e.detail for e in db.scalars(select(TraceEntry))], default=str)
    assert PHONE not in entries  # the phone only masked, never in clear


def test_bad_users_input_is_a_clear_4xx(admin, db: Session) -> None:
    refused = _post(admin, "/admin/users", {"username": "x", "name": "", "role": "boss",
                                            "phone": "12345"})
    assert refused.status_code == 400 and "nothing was written" in _page(refused)
    assert "12345" not in _page(refused)  # a phone is never repeated
    assert _post(admin, "/admin/users/999999999/disable").status_code == 404
    assert _post(admin, f"/admin/users/{2**63}/password").status_code == 404
    assert admin.get("/admin/users?page=0").status_code == 400
    assert admin.get("/admin/users?page=2").status_code == 200


def test_a_list_version_is_imported_from_an_upload_and_its_diff_shown(admin, db: Session
                                                                     ) -> None:
    rows = ["task_type,name,name_en,kind,level,basis",
            "RENTAL_CHECK,出租房屋信息采集,Rental housing survey,duty,grid,流动人口管理",
            "FLOOD_CHECK,防汛检查,Flood check,duty,community,防汛条例"]
    upload = {"kind": "admission", "effective": "2031-01-01",
              "file": (io.BytesIO("\n".join(rows).encode()), "准入清单2031.csv")}
    done = _post(admin, "/admin/lists", upload, content_type="multipart/form-data")
    assert done.status_code == 302, _page(done)
    [entry] = _traced(db, "list.imported")
    assert entry.detail["source"] == "准入清单2031.csv" and "FLOOD_CHECK" in entry.detail["added"]
    shown = _page(admin.get("/admin/lists?kind=admission"))
    assert "+ FLOOD_CHECK" in shown and "准入清单2031.csv" in shown


@pytest.mark.parametrize(("name", "content", "effective", "said"), [
    ("list.txt", b"a,b\n", "2031-01-01", "upload a file ending in"),
    ("list.xlsx", b"PK\x03\x04 not a workbook", "2031-01-01", "not a readable XLSX"),
    ("list.csv", b"\xff\xfe\x00\x81\x00", "2031-01-01", "not a CSV text file"),
    ("list.csv", b"", "2031-01-01", "is empty"),
    ("list.csv", b"task_type,name\nX,y\n", "someday", "effective is a day"),
    ("list.csv", b"name\n\xe6\x9f\x90\n", "2031-01-01", "lacks the columns")])
def test_a_list_upload_of_the_wrong_kind_is_refused_clearly(admin, name: str, content: bytes,
                                                            effective: str, said: str) -> None:
    upload = {"kind": "admission", "effective": effective, "file": (io.BytesIO(content), name)}
    refused = _post(admin, "/admin/lists", upload, content_type="multipart/form-data")
    assert refused.status_code == 400 and said in _page(refused), _page(refused)


def _boundary_upload(admin, content: bytes, name: str, **fields: str):
    data = {"level": "district", "city_name": "泉州市", **fields,
            "file": (io.BytesIO(content), name)}
    return _post(admin, "/admin/boundaries", data, content_type="multipart/form-data")


def _token(page: str) -> str:
    found = re.search(r'name="upload" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_a_boundary_file_is_checked_then_applied_and_traced(admin, db: Session) -> None:
    checked = _boundary_upload(admin, DISTRICT.read_bytes(), "district.zip")
    assert checked.status_code == 200 and 'id="apply"' in _page(checked), _page(checked)
    assert not _traced(db, "boundaries.import")  # a report only
    applied = _post(admin, "/admin/boundaries/apply", {"upload": _token(_page(checked))})
    assert applied.status_code == 200 and 'id="outcome" class="ok"' in _page(applied)
    [entry] = _traced(db, "boundaries.import")
    assert entry.detail["file"] == "district.zip"
    again = _post(admin, "/admin/boundaries/apply", {"upload": _token(_page(checked))})
    assert again.status_code == 404  # the file went with the apply


def _square(code: str, x: float) -> dict:
    ring = [[x, 24.9], [x + 0.05, 24.9], [x + 0.05, 24.95], [x, 24.95], [x, 24.9]]
    return {"type": "Feature", "properties": {"code": code, "name": "丰泽区"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_a_faulty_boundary_file_shows_its_report_and_apply_is_refused(admin, db: Session,
                                                                      tmp_path) -> None:
    faulty = json.dumps({"type": "FeatureCollection",
                         "features": [_square("350503", 118.6), _square("350503", 118.62)]})
    checked = _boundary_upload(admin, faulty.encode(), "faulty.geojson")
    page = _page(checked)
    assert checked.status_code == 200 and "编码重复" in page and "与同级重叠" in page
    assert 'id="apply"' not in page
    with admin.session_transaction() as cookie:
        token = cookie["boundary_upload"]["token"]
    refused = _post(admin, "/admin/boundaries/apply", {"upload": token})
    assert refused.status_code == 422 and "编码重复" in _page(refused)
    assert not _traced(db, "boundaries.import")
    assert not list((tmp_path / "uploads" / "boundaries").iterdir())  # nothing left waiting


@pytest.mark.parametrize(("content", "name", "said"), [
    (b"not geojson at all", "bad.geojson", "cannot read bad.geojson"),
    (b"PK\x03\x04broken", "bad.zip", "cannot read bad.zip"),
    (b"{}", "bad.shp", "upload a file ending in")])
def test_a_boundary_upload_that_is_no_boundary_file_is_a_clear_400(
        admin, content: bytes, name: str, said: str) -> None:
    refused = _boundary_upload(admin, content, name)
    assert refused.status_code == 400 and said in _page(refused), _page(refused)
    stale = _post(admin, "/admin/boundaries/apply", {"upload": "made-up"})
    assert stale.status_code == 404


def test_an_admission_application_is_decided_and_traced(admin, db: Session) -> None:
    applicant = db.scalar(select(Department).where(Department.code == "YJGLJ"))
    assert applicant is not None and area_by_code(db, "330302")
    row = review.apply(db, applicant, "dept:YJGLJ", review.Application(
        "ADM_GAS", "燃气安全入户检查", "assistance", "community", "老旧小区", "每月 2 人日",
        "330302"))
    db.flush()
    assert "ADM_GAS" in _page(admin.get("/admin/admission"))
    silent = _post(admin, f"/admin/admission/{row.id}", {"decision": "approve"})
    assert silent.status_code == 400
    approved = _post(admin, f"/admin/admission/{row.id}",
                     {"decision": "approve", "reason": "属地配合，工作量可控"})
    assert approved.status_code == 302
    assert db.scalar(select(AdmissionApplication.status).where(
        AdmissionApplication.id == row.id)) == "approved"
    assert [e.target for e in _traced(db, "admission.approved")] == [
        f"admission-application:{row.id}"]
    assert _post(admin, f"/admin/admission/{row.id}",
                 {"decision": "refuse", "reason": "x"}).status_code == 409
    assert _post(admin, "/admin/admission/999999999",
                 {"decision": "refuse", "reason": "x"}).status_code == 404


def test_keys_and_tokens_are_issued_shown_once_and_revoked_each_traced(admin, db: Session
                                                                       ) -> None:
    key = _post(admin, "/admin/credentials/keys", {"department": "SCJG", "label": "采集系统"})
    assert key.status_code == 200 and "ogk_" in _page(key)
    kid = re.search(r"<code>(\w+) ogk_", _page(key)).group(1)  # type: ignore[union-attr]
    assert _post(admin, f"/admin/credentials/keys/{kid}/revoke").status_code == 302
    token = _post(admin, "/admin/credentials/tokens",
                  {"department": "SCJG", "scope": "data", "label": "报表", "days": "30"})
    assert token.status_code == 200 and "og_" in _page(token)
    token_id = _traced(db, "token.create")[0].detail["token_id"]
    assert _post(admin, f"/admin/credentials/tokens/{token_id}/revoke").status_code == 302
    assert "ogk_" not in _page(admin.get("/admin/credentials"))  # never shown again
    for action in ("ingest_key.create", "ingest_key.revoke", "token.create", "token.revoke",
                   "token.list"):
        assert _traced(db, action), action
    assert _post(admin, "/admin/credentials/keys/nope/revoke").status_code == 404
    assert _post(admin, "/admin/credentials/tokens", {"department": "NOPE"}).status_code == 404
    assert _post(admin, "/admin/credentials/tokens",
                 {"department": "SCJG", "days": "0"}).status_code == 400
