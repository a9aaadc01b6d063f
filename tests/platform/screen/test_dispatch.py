"""Dispatch from the screen: unrouted and overdue issues, sent on through the loop's steps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onegrid.platform.loop.states import IllegalTransitionError
from onegrid.platform.screen.dispatch import dispatch_to, dispatchable
from onegrid.platform.store.models import Department, TraceEntry
from tests.platform.screen.factory import make_issue, now, operator

pytestmark = pytest.mark.usefixtures("city")


def test_unrouted_and_overdue_issues_are_offered_and_fresh_routed_ones_are_not(db) -> None:
    unrouted = make_issue(db, 170, "C0401")
    overdue = make_issue(db, 171, "E0502", age=timedelta(days=4))
    fresh = make_issue(db, 172, "E0502")
    offered = {row["id"]: row for row in dispatchable(db, now())}
    assert offered[unrouted.id]["unrouted"] and offered[overdue.id]["overdue"]
    assert fresh.id not in offered


def test_dispatching_assigns_the_department_and_leaves_both_steps_in_the_trace(db) -> None:
    issue = make_issue(db, 173, "C0401")
    dispatch_to(db, issue.id, "ZJJ", operator(db), note="井盖归住建")
    assert issue.status == "dispatched"
    assert db.get(Department, issue.department_id).code == "ZJJ"
    trace = db.scalars(select(TraceEntry).where(TraceEntry.target == f"issue:{issue.id}")
                       .order_by(TraceEntry.seq)).all()
    assert [t.action for t in trace][-2:] == ["issue.reassign", "issue.dispatch"]
    assert trace[-1].actor == "op1" and trace[-2].detail["department"] == "ZJJ"


def test_an_issue_already_accepted_cannot_be_taken_back_from_the_screen(db) -> None:
    issue = make_issue(db, 174, "E0502", status="in_progress")
    with pytest.raises(IllegalTransitionError):
        dispatch_to(db, issue.id, "ZJJ", operator(db))
