"""The office's registers over /api/v1: only the burden-reduction office decides (403 as
problem+json otherwise); a refused indicator increase is 422 with its ledger line kept; a
complaint's steps; the counts per department."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onegrid.platform.governance.offices import set_office
from onegrid.platform.store.models import BurdenEvent

DISTRICT = "330302"


@pytest.fixture
def office(db, token) -> dict[str, str]:
    set_office(db, "burden_office", DISTRICT, "SGB", "test")
    return token("SGB")


def test_only_the_office_enters_apps_and_flags_zombies(client, token, office) -> None:
    app = {"kind": "app", "name": "掌上巡查", "department": "SWJ", "levels": ["grid"],
           "members": 300, "last_active_at": "2025-01-02T09:00:00+08:00"}
    refused = client.post("/api/v1/work-channels", json=app, headers=token("SWJ"))
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert client.post("/api/v1/work-channels", json=app, headers=office).status_code == 201
    listed = client.get("/api/v1/work-channels?idle_days=30", headers=token("SWJ")).json
    assert [(c["name"], c["zombie"]) for c in listed["work_channels"]] == [("掌上巡查", True)]
    flagged = client.post("/api/v1/work-channels/zombies?idle_days=30", headers=office).json
    assert [c["name"] for c in flagged["work_channels"]] == ["掌上巡查"]
    assert client.get("/api/v1/work-channels?idle_days=0", headers=office).status_code == 400


def test_plans_and_indicators_and_a_refused_increase(client, token, office, db) -> None:
    mine = token("STHJ")
    plan = client.post("/api/v1/inspection-plans", headers=mine,
                       json={"year": 2026, "inspections": 3, "detail": "环保督查"})
    assert plan.status_code == 201 and plan.json["status"] == "pending"
    path = f"/api/v1/inspection-plans/{plan.json['id']}/approve"
    assert client.post(path, json={"reason": "ok"}, headers=mine).status_code == 403
    assert client.post(path, json={"reason": "同意"}, headers=office).json["status"] == "approved"
    last = client.post("/api/v1/indicators", headers=mine,
                       json={"year": 2025, "indicators": ["空气", "水质"]})
    assert last.status_code == 201
    more = client.post("/api/v1/indicators", headers=mine,
                       json={"year": 2026, "indicators": ["空气", "水质", "宣传"]})
    assert more.status_code == 422 and "more than 2 for 2025" in more.json["detail"]
    assert db.scalar(select(BurdenEvent.id).where(
        BurdenEvent.kind == "indicator_increase_refused")) is not None
    self_approved = client.post("/api/v1/indicators", headers=mine, json={
        "year": 2026, "indicators": ["空气", "水质", "宣传"], "increase_reason": "我说的"})
    assert self_approved.status_code == 403
    approved = client.post("/api/v1/indicators", headers=office, json={
        "year": 2026, "indicators": ["空气", "水质", "碳"], "department": "STHJ",
        "increase_reason": "省考新增"})
    assert approved.status_code == 201 and approved.json["approved_by"] == "dept:SGB"
    figures = client.get("/api/v1/burden-office/counts?year=2026", headers=office).json
    assert figures["inspections"]["STHJ"] == {"inspections": 3, "indicators": 3, "veto": 0,
                                              "pledge": 0}


def test_a_complaint_through_its_steps(client, office) -> None:
    made = client.post("/api/v1/burden-complaints", headers=office,
                       json={"channel": "web", "summary": "社区台账重复报送"}).json
    base = f"/api/v1/burden-complaints/{made['id']}"
    for step, body in (("verify", {"department": "ZJJ"}), ("uphold", {"text": "属实"}),
                       ("rectify", {"text": "已合并台账"}), ("publish", {"text": "已整改"}),
                       ("typical", {"text": "2026Q4"})):
        answer = client.post(f"{base}/{step}", json=body, headers=office)
        assert answer.status_code == 200, answer.json
    assert (answer.json["status"], answer.json["department"], answer.json["typical"]) == (
        "published", "ZJJ", "2026Q4")
    again = client.post(f"{base}/verify", json={"department": "ZJJ"}, headers=office)
    assert again.status_code == 409
    assert client.post(f"{base}/shout", json={}, headers=office).status_code == 400
    figures = client.get("/api/v1/burden-office/counts", headers=office).json
    assert figures["complaints"]["ZJJ"] == {"published": 1}


def test_the_office_sets_caps_and_nobody_else(client, token, office) -> None:
    path = "/api/v1/output-caps/meeting/minutes"
    assert client.put(path, json={"cap": 90}, headers=token("ZJJ")).status_code == 403
    assert client.put(path, json={"cap": 90}, headers=office).json == {"cap": 90}
    assert client.put(path, json={"cap": 0}, headers=office).status_code == 400
    wrong = client.put("/api/v1/output-caps/meeting/pages", json={"cap": 3}, headers=office)
    assert wrong.status_code == 400 and "meeting: minutes, speakers" in wrong.json["detail"]
