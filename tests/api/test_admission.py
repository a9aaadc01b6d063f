"""Admission review and the lists over the shared API: problem+json for every refusal."""

from __future__ import annotations

from sqlalchemy.orm import Session

from onegrid.platform.governance.ledger import burden_totals
from onegrid.platform.store.models import TraceEntry
from tests.places import spot

APPLICATION = {"task_type": "API_GAS", "name": "燃气安全入户检查", "kind": "assistance",
               "level": "community", "reason": "老旧小区瓶装燃气用户需入户",
               "workload": "每月 2 人日", "area": "330302"}


def _apply(client, token, department: str = "YJGLJ", **changes: str):
    return client.post("/api/v1/admission-applications", headers=token(department),
                       json=APPLICATION | changes)


def test_a_department_applies_and_the_districts_reviewer_approves(client, db: Session,
                                                                  token) -> None:
    applied = _apply(client, token)
    assert applied.status_code == 201 and applied.json["status"] == "pending"
    number = applied.json["id"]
    stranger = client.post(f"/api/v1/admission-applications/{number}/approve",
                           headers=token("MZJ"), json={"reason": "同意"})
    assert stranger.status_code == 403
    assert stranger.headers["Content-Type"] == "application/problem+json"
    approved = client.post(f"/api/v1/admission-applications/{number}/approve",
                           headers=token("SGB"), json={"reason": "属地配合，工作量可控"})
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "approved" and approved.json["list_version"]
    again = client.post(f"/api/v1/admission-applications/{number}/refuse",
                        headers=token("SGB"), json={"reason": "x"})
    assert again.status_code == 409
    seen = client.get("/api/v1/admission-applications", headers=token("SGB")).json
    assert number in [a["id"] for a in seen["admission_applications"]]
    diff = client.get("/api/v1/lists/admission/diff", headers=token("SGB")).json
    assert list(diff["added"]) == ["API_GAS"] and diff["removed"] == {}
    actors = db.query(TraceEntry.actor).filter(
        TraceEntry.target == f"admission-application:{number}").order_by(TraceEntry.seq).all()
    assert [a for (a,) in actors] == ["dept:YJGLJ", "dept:SGB"]


def test_a_refusal_needs_a_reason_and_bad_applications_are_problems(client, token) -> None:
    number = _apply(client, token, task_type="API_GRID", level="grid").json["id"]
    silent = client.post(f"/api/v1/admission-applications/{number}/refuse",
                         headers=token("SGB"), json={})
    assert silent.status_code == 400 and "reason" in silent.json["detail"]
    refused = client.post(f"/api/v1/admission-applications/{number}/refuse",
                          headers=token("SGB"), json={"reason": "网格员不具备资质"})
    assert refused.json["status"] == "refused" and refused.json["list_version"] is None
    for changes, status in (({"level": "district"}, 400), ({"area": "999999"}, 400),
                            ({"task_type": "RENTAL_CHECK", "level": "grid"}, 409)):
        answer = _apply(client, token, **changes)
        assert answer.status_code == status, answer.json
        assert answer.headers["Content-Type"] == "application/problem+json"


def test_the_lists_versions_are_listed_and_an_unknown_list_is_a_problem(client, token) -> None:
    versions = client.get("/api/v1/lists/responsibility/versions", headers=token("GAJ"))
    assert versions.status_code == 200 and versions.json["versions"][0]["source"] == \
        "responsibility.xlsx"
    assert client.get("/api/v1/lists/nothing/versions", headers=token("GAJ")).status_code == 400
    assert client.get("/api/v1/lists/admission/diff?old=x",
                      headers=token("GAJ")).status_code == 400
    assert client.get("/api/v1/lists/admission/versions").status_code == 401


def test_a_push_reaches_its_level_or_above_and_a_refusal_is_a_422_in_the_ledger(
        client, db: Session, token) -> None:
    grid = spot(db, 60).grid_code
    # a grid's code extends its community's by three digits; a street's is the community's
    # first nine and 000 (the statistical division code)
    community, street = grid[:-3], grid[:9] + "000"
    before = burden_totals(db)["task_refused_admission"]

    def push(task_type: str, area: str):
        return client.post("/api/v1/tasks", headers=token("MZJ"),
                           json={"task_type": task_type, "area": area, "title": "探访"})

    for area in (street, community):
        pushed = push("ELDERLY_VISIT", area)  # the demo's list: community at the lowest
        assert pushed.status_code == 201 and pushed.json["area"] == area
    for task_type, reason in (("ELDERLY_VISIT", "not to a grid"), ("API_NEVER", "not on the")):
        refused = push(task_type, grid)
        assert refused.status_code == 422 and reason in refused.json["detail"]
        assert refused.headers["Content-Type"] == "application/problem+json"
    assert push("ELDERLY_VISIT", "330302").status_code == 400  # a district is no target
    assert burden_totals(db)["task_refused_admission"] == before + 2
