"""The department's workbench: its issues, collection tasks, admission applications and burden
complaints in one list, seen only by its staff (and operators), overdue first, with working-time
deadlines across National Day, filtered and paged by the store."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from onegrid.demo.city import DEMO_PASSWORD
from onegrid.platform.accounts.departments import add_department
from onegrid.platform.accounts.passwords import hash_password
from onegrid.platform.collection.gate import add_working_days
from onegrid.platform.governance.review import DECIDE_WITHIN_DAYS
from onegrid.platform.loop.dedup import DEFAULT_RULE
from onegrid.platform.loop.intake import report_issue
from onegrid.platform.loop.sla import due_dates
from onegrid.platform.offices import complaints
from onegrid.platform.offices.complaints import HANDLE_WITHIN_DAYS
from onegrid.platform.settings import Settings
from onegrid.platform.store.models import (
    AdmissionApplication,
    Area,
    CollectionTask,
    CollectionTaskArea,
    IssueCategory,
    User,
)
from tests.api.test_grid_pages import _post, _sign_in
from tests.places import Spot, spot

pytestmark = pytest.mark.usefixtures("city", "catalog")
ZONE = ZoneInfo("Asia/Shanghai")
EVE = datetime(2026, 9, 30, 16, 0, tzinfo=ZONE)  # the afternoon before National Day (10-01..07)
Item = tuple[str, int]


class Seeder:
    """Work items of two fresh departments (WBA, WBB), arriving at chosen moments."""

    def __init__(self, db: Session, settings: Settings) -> None:
        self.db, self.settings = db, settings
        self.ids = {code: add_department(db, code, f"工作台测试{code}").id
                    for code in ("WBA", "WBB")}
        self.mine: dict[str, set[Item]] = {"WBA": set(), "WBB": set()}
        for code, dep in self.ids.items():
            db.add(User(username=f"{code.lower()}1", display_name="张伟", role="department_staff",
                        department_id=dep, password_hash=hash_password(DEMO_PASSWORD)))

    def _keep(self, code: str, kind: str, number: int) -> Item:
        self.mine[code].add((kind, number))
        return kind, number

    def issue(self, code: str, where: Spot, at: datetime, status: str = "routed") -> Item:
        issue = report_issue(self.db, client_id=uuid.uuid4(), category="E0105",
                             description="路面油污", lon=where.lon, lat=where.lat,
                             reporter_user_id=None, source="grid", rule=DEFAULT_RULE,
                             hours=self.settings.working_hours)
        category = self.db.get_one(IssueCategory, issue.category)
        issue.response_due, issue.resolve_due = due_dates(category, at,
                                                          self.settings.working_hours)
        issue.department_id, issue.status, issue.created_at = self.ids[code], status, at
        self.db.flush()
        return self._keep(code, "issue", issue.id)

    def task(self, code: str, area: str, at: datetime, deadline: date,
             status: str = "open") -> Item:
        task = CollectionTask(dataset_id="civil.elderly_alone", department_id=self.ids[code],
                              fields=["联系电话"], task_type="ELDERLY_VISIT", deadline=deadline,
                              departments=[code], status=status, end_reason="",
                              created_at=at)
        self.db.add(task)
        self.db.flush()
        self.db.add(CollectionTaskArea(task_id=task.id, area_code=area))
        return self._keep(code, "collection", task.id)

    def application(self, code: str, at: datetime, status: str = "pending") -> Item:
        district = self.db.scalar(select(Area.id).where(Area.code == "330302"))
        row = AdmissionApplication(
            department_id=self.ids[code], area_id=district, task_type=f"API_{code}",
            name="燃气安全入户检查", kind="assistance", level="community", reason="入户",
            workload="每月 2 人日", status=status, applied_by=code, decision_reason="",
            created_at=at)
        self.db.add(row)
        self.db.flush()
        return self._keep(code, "application", row.id)

    def complaint(self, code: str, at: datetime, channel: str = "letter") -> Item:
        row = complaints.receive(self.db, channel, "要求社区重复填报", "test", code)
        row.received_at = at
        self.db.flush()
        return self._keep(code, "complaint", row.id)


@pytest.fixture
def seeded(db: Session, settings: Settings) -> Seeder:
    """WBA: a routed issue and a collection task, an application and a complaint that arrived
    on the eve of National Day (all overdue by now), a task due in 2099, a closed issue and a
    published complaint. WBB: one of each kind, in another street."""
    seed = Seeder(db, settings)
    here, there, far = spot(db, 0), spot(db, 1), spot(db, 200)
    seed.issue("WBA", here, EVE)
    seed.issue("WBA", there, datetime(2026, 10, 12, 10, tzinfo=ZONE), status="closed")
    seed.task("WBA", here.grid_code, EVE, date(2026, 10, 9))
    seed.task("WBA", there.grid_code, datetime(2026, 10, 15, 9, tzinfo=ZONE), date(2099, 1, 1))
    seed.application("WBA", EVE)
    seed.complaint("WBA", EVE)
    done = seed.complaint("WBA", datetime(2026, 10, 10, 11, tzinfo=ZONE), channel="phone")
    for step, said in (("verify", ""), ("uphold", "属实"), ("rectify", "已整改"),
                       ("publish", "已公开")):
        complaints.step(db, done[1], step, said, "test", "WBA")
    seed.issue("WBB", far, datetime(2026, 10, 14, 9, tzinfo=ZONE))
    seed.task("WBB", far.grid_code, datetime(2026, 10, 16, 9, tzinfo=ZONE), date(2099, 1, 1))
    seed.application("WBB", datetime(2026, 10, 16, 9, tzinfo=ZONE))
    seed.complaint("WBB", datetime(2026, 10, 16, 9, tzinfo=ZONE), channel="web")
    db.flush()
    return seed


def _items(client, **query: str) -> list[dict]:
    answer = client.get("/workbench.json", query_string={"per_page": "200"} | query)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.json["items"]


def _keys(items: list[dict]) -> set[Item]:
    return {(i["kind"], i["id"]) for i in items}


def test_staff_land_on_their_departments_workbench_and_see_only_its_items(
        client, seeded: Seeder) -> None:
    signed = _post(client, "/login", {"username": "wba1", "password": DEMO_PASSWORD})
    assert signed.status_code == 302 and signed.location == "/workbench"
    assert _keys(_items(client)) == seeded.mine["WBA"]
    other = client.get("/workbench.json", query_string={"department": "WBB"})
    assert other.status_code == 403
    assert other.headers["Content-Type"] == "application/problem+json"
    page = client.get("/workbench").get_data(as_text=True)
    assert "部门工作台" in page and "/static/vendor/leaflet/leaflet.js" in page
    assert "https://" not in page and "要求社区重复填报" not in page  # a complaint's words
    assert "Department workbench" in client.get("/workbench?lang=en").get_data(as_text=True)


def test_an_operator_sees_every_department_or_picks_one(client, seeded: Seeder) -> None:
    _sign_in(client, "op1")
    assert _keys(_items(client)) >= seeded.mine["WBA"] | seeded.mine["WBB"]
    assert _keys(_items(client, department="WBB")) == seeded.mine["WBB"]
    assert client.get("/workbench?department=WBB").status_code == 200


def test_overdue_items_come_first_with_working_time_deadlines_past_the_holiday(
        client, seeded: Seeder, settings: Settings) -> None:
    _sign_in(client, "wba1")
    items = _items(client)
    flags = [i["overdue"] for i in items]
    assert flags == sorted(flags, reverse=True)
    late = {(i["kind"], i["id"]) for i in items if i["overdue"]}
    assert {kind for kind, _ in late} == {"issue", "collection", "application", "complaint"}
    assert len(late) == 4
    due = {i["kind"]: i for i in items if i["overdue"]}
    # 10 and 15 working days after 30 September: National Day's week does not count, the
    # Saturday worked in its place (10 October) does; weekdays alone would say 10-14 and 10-21.
    assert due["application"]["due_on"] == "2026-10-20"
    assert due["complaint"]["due_on"] == "2026-10-27"
    hours = settings.working_hours
    assert date(2026, 10, 20) == add_working_days(hours, EVE, DECIDE_WITHIN_DAYS)
    assert date(2026, 10, 27) == add_working_days(hours, EVE, HANDLE_WITHIN_DAYS)
    assert due["collection"]["due_on"] == "2026-10-09"
    response_due = datetime.fromisoformat(due["issue"]["due_at"])
    assert response_due.astimezone(ZONE).date() == date(2026, 10, 8)  # the first working day
    waiting = [i for i in items if not i["overdue"]]
    assert [i["open"] for i in waiting] == [True, False, False]


def test_each_filter_narrows_the_list_in_the_store(client, db: Session, seeded: Seeder) -> None:
    _sign_in(client, "wba1")
    everything = _items(client)
    street, inside = db.execute(text(
        "SELECT s.code, array_agg(a.code) FROM area g JOIN area s ON s.level = 'street' "
        "AND g.path LIKE s.path || '.%' JOIN area a ON a.path LIKE s.path || '.%' "
        "WHERE g.code = :grid GROUP BY s.code"), {"grid": spot(db, 0).grid_code}).one()
    cases = {
        "kind": ("complaint", lambda i: i["kind"] == "complaint"),
        "status": ("pending", lambda i: i["status"] == "pending"),
        "category": ("E0105", lambda i: i["category"] == "E0105"),
        "area": (street, lambda i: i["area"] in inside),
        "first": ("2026-10-10", lambda i: i["created_at"] >= "2026-10-10"),
        "last": ("2026-09-30", lambda i: i["created_at"] < "2026-10-01"),
    }
    for name, (value, keep) in cases.items():
        narrowed = _items(client, **{name: value})
        assert narrowed, name
        assert _keys(narrowed) == _keys([i for i in everything if keep(i)]) != _keys(everything)
    assert _keys(_items(client, status="overdue")) == {
        (i["kind"], i["id"]) for i in everything if i["overdue"]}
    assert len(_items(client, status="open")) == 5


def test_pages_cover_every_item_once(client, seeded: Seeder) -> None:
    _sign_in(client, "wba1")
    whole = [(i["kind"], i["id"]) for i in _items(client)]
    seen: list[Item] = []
    for number in range(1, 4):
        answer = client.get("/workbench.json", query_string={"per_page": 3, "page": number})
        assert answer.json["total"] == len(whole) == 7
        seen += [(i["kind"], i["id"]) for i in answer.json["items"]]
    assert seen == whole
    page = client.get("/workbench?per_page=3&page=2").get_data(as_text=True)
    assert 'rel="prev"' in page and 'rel="next"' in page


@pytest.mark.parametrize("query", [
    {"status": "lost"}, {"kind": "memo"}, {"first": "2026-13-01"}, {"last": "yesterday"},
    {"first": "2026-10-02", "last": "2026-10-01"}, {"area": "999999"}, {"page": "0"},
    {"per_page": "201"}, {"page": "x"}, {"department": "NOPE"}, {"last": "9999-12-31"}])
def test_bad_filters_are_problems_not_errors(client, seeded: Seeder, query: dict) -> None:
    _sign_in(client, "op1")
    for path in ("/workbench", "/workbench.json"):
        answer = client.get(path, query_string=query)
        assert answer.status_code == 400, (path, query)
        assert answer.headers["Content-Type"] == "application/problem+json"


def test_the_deadline_of_a_task_is_the_end_of_its_day(client, seeded: Seeder) -> None:
    _sign_in(client, "wba1")
    task = next(i for i in _items(client, kind="collection") if i["due_on"] == "2099-01-01")
    end = datetime.fromisoformat(task["due_at"]).astimezone(ZONE)
    assert end == datetime(2099, 1, 1, tzinfo=ZONE) + timedelta(days=1)
