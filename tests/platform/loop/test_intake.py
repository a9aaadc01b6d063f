"""Intake: routing by the responsibility list, dedup within radius and window, retries."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.loop.dedup import DEFAULT_RULE, DedupRule
from onegrid.platform.loop.intake import report_issue
from onegrid.platform.store.models import (
    BurdenEvent,
    Department,
    Issue,
    IssueReport,
    TraceEntry,
    User,
)
from tests.places import east_of, spot

pytestmark = pytest.mark.usefixtures("city")


def _report(db, category: str, lon: float, lat: float, **kw) -> Issue:
    worker = kw.pop("worker", None)
    user_id = db.scalar(select(User.id).where(User.username == worker)) if worker else None
    return report_issue(db, client_id=kw.pop("client_id", uuid.uuid4()), category=category,
                        description=kw.pop("description", "井盖缺失"), lon=lon, lat=lat,
                        reporter_user_id=user_id, source=kw.pop("source", "grid"),
                        rule=kw.pop("rule", DEFAULT_RULE), hours=WorkingHours(), **kw)


def _department(db, issue: Issue) -> str:
    return db.get(Department, issue.department_id).code


def test_a_report_is_routed_to_the_department_the_responsibility_list_names(db) -> None:
    here = spot(db, 3)
    issue = _report(db, "E0502", here.lon, here.lat, worker=here.worker)
    assert (issue.status, _department(db, issue), issue.level) == ("routed", "CGJ", "street")
    actions = db.scalars(select(TraceEntry.action).where(
        TraceEntry.target == f"issue:{issue.id}").order_by(TraceEntry.seq)).all()
    assert actions == ["issue.reported", "issue.routed"]


def test_a_category_without_an_owner_goes_to_the_command_centre(db) -> None:
    here = spot(db, 4)
    issue = _report(db, "C0401", here.lon, here.lat, source="hotline")
    assert _department(db, issue) == "ZHZX"


def test_duplicates_within_radius_and_window_merge_into_one_issue_with_a_report_count(db) -> None:
    here = spot(db, 5)
    first = _report(db, "E0102", here.lon, here.lat, worker=here.worker)
    near = east_of(db, here.lon, here.lat, 30)
    second = _report(db, "E0102", *near, source="hotline", description="路边有垃圾")
    far = east_of(db, here.lon, here.lat, 80)
    third = _report(db, "E0102", *far, worker=here.worker)
    other_kind = _report(db, "E0105", here.lon, here.lat, worker=here.worker)
    assert second.id == first.id and first.report_count == 2
    assert len({first.id, third.id, other_kind.id}) == 3
    assert db.scalar(select(func.count()).select_from(IssueReport)
                     .where(IssueReport.issue_id == first.id)) == 2
    merged = db.scalars(select(BurdenEvent).where(BurdenEvent.kind == "duplicate_merged")).all()
    assert [e.detail["issue_id"] for e in merged][-1] == first.id


def test_an_issue_older_than_the_window_is_not_merged_into(db) -> None:
    here = spot(db, 6)
    first = _report(db, "E0201", here.lon, here.lat)
    db.execute(text("UPDATE issue SET created_at = now() - interval '25 hours' WHERE id = :i"),
               {"i": first.id})
    later = _report(db, "E0201", here.lon, here.lat)
    assert later.id != first.id
    wide = _report(db, "E0201", here.lon, here.lat, rule=DedupRule(50, timedelta(hours=48)))
    assert wide.id in (first.id, later.id) and wide.report_count == 2


def test_a_retry_with_the_same_client_id_returns_the_same_issue(db) -> None:
    here = spot(db, 7)
    client_id = uuid.uuid4()
    one = _report(db, "C0106", here.lon, here.lat, client_id=client_id)
    two = _report(db, "C0106", here.lon, here.lat, client_id=client_id)
    assert one.id == two.id and two.report_count == 1


@pytest.mark.parametrize(("category", "lon", "description", "reason"), [
    ("NOPE", 120.6, "x", "unknown category"),
    ("E0102", 10.0, "x", "outside every grid"),
    ("E0102", 120.6, "  ", "describe"),
])
def test_bad_reports_are_refused_with_the_reason(db, category, lon, description, reason) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        _report(db, category, lon, 28.0, description=description)


def test_a_hotline_ticket_number_is_a_stable_client_id(db) -> None:
    here = spot(db, 15)
    one = _report(db, "E0601", here.lon, here.lat, source="hotline", client_id="12345-0001")
    again = _report(db, "E0601", here.lon, here.lat, source="hotline", client_id="12345-0001")
    assert one.id == again.id and again.report_count == 1
    reporter = db.scalar(select(TraceEntry.actor).where(
        TraceEntry.target == f"issue:{one.id}", TraceEntry.action == "issue.reported"))
    assert reporter == "hotline"
