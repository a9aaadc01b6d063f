"""Handling with the store: each step by a named person, in scope, traced; SLA overdue flags."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from onegrid.platform.errors import ForbiddenError, InvalidInputError
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.loop.dedup import DEFAULT_RULE
from onegrid.platform.loop.handling import act
from onegrid.platform.loop.intake import report_issue
from onegrid.platform.loop.sla import overdue
from onegrid.platform.loop.states import IllegalTransitionError
from onegrid.platform.store.models import TraceEntry, User
from tests.places import spot

pytestmark = pytest.mark.usefixtures("city")


def _user(db, name: str) -> User:
    return db.scalars(select(User).where(User.username == name)).one()


def _issue(db, rank: int = 8):
    here = spot(db, rank)
    worker = _user(db, here.worker)
    issue = report_issue(db, client_id=uuid.uuid4(), category="E0503", description="乱停车",
                         lon=here.lon, lat=here.lat, reporter_user_id=worker.id, source="grid",
                         rule=DEFAULT_RULE, hours=WorkingHours())
    return issue, worker


def test_the_loop_closes_and_every_step_is_traced_with_a_name(db) -> None:
    issue, worker = _issue(db)
    op, gaj = _user(db, "op1"), _user(db, "gaj1")
    act(db, issue.id, "dispatch", op)
    act(db, issue.id, "accept", gaj)
    act(db, issue.id, "resolve", gaj, note="已拖离")
    act(db, issue.id, "reject", worker, note="还有一辆")
    act(db, issue.id, "resolve", gaj, note="都已拖离")
    act(db, issue.id, "verify", worker)
    act(db, issue.id, "evaluate", worker, satisfaction=5)
    act(db, issue.id, "close", op)
    assert (issue.status, issue.rejections, issue.satisfaction) == ("closed", 1, 5)
    trace = db.scalars(select(TraceEntry).where(TraceEntry.target == f"issue:{issue.id}")
                       .order_by(TraceEntry.seq)).all()
    assert [e.action.removeprefix("issue.") for e in trace] == [
        "reported", "routed", "dispatch", "accept", "resolve", "reject", "resolve", "verify",
        "evaluate", "close"]
    assert trace[3].actor == "gaj1" and trace[3].detail["name"] == gaj.display_name


def test_another_departments_staff_may_not_touch_the_issue(db) -> None:
    issue, _ = _issue(db, 9)
    act(db, issue.id, "dispatch", _user(db, "op1"))
    with pytest.raises(ForbiddenError, match="another department"):
        act(db, issue.id, "accept", _user(db, "cgj1"))


def test_a_step_out_of_order_is_refused(db) -> None:
    issue, worker = _issue(db, 10)
    with pytest.raises(IllegalTransitionError):
        act(db, issue.id, "verify", worker)


def test_resolving_needs_a_result_note_and_evaluating_a_score(db) -> None:
    issue, worker = _issue(db, 11)
    gaj = _user(db, "gaj1")
    act(db, issue.id, "dispatch", _user(db, "op1"))
    act(db, issue.id, "accept", gaj)
    with pytest.raises(InvalidInputError):
        act(db, issue.id, "resolve", gaj)
    act(db, issue.id, "resolve", gaj, note="ok")
    act(db, issue.id, "verify", worker)
    with pytest.raises(InvalidInputError):
        act(db, issue.id, "evaluate", worker, satisfaction=9)


def test_overdue_flags_follow_the_category_sla(db) -> None:
    issue, _ = _issue(db, 12)  # E0503: respond within 2 working hours, resolve within 24
    assert overdue(issue, datetime.now(UTC)) == []
    assert overdue(issue, issue.response_due + timedelta(seconds=1)) == ["response"]
    assert overdue(issue, issue.resolve_due + timedelta(seconds=1)) == ["response", "resolution"]
    assert issue.response_due - issue.created_at >= timedelta(hours=2)
