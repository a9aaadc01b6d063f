"""Dispatch from the screen: the command centre sends an unrouted or overdue issue to a
department through the loop's own steps (reassign, then dispatch), so both land in the trace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from onegrid.platform.loop.handling import act
from onegrid.platform.loop.sla import overdue_clause
from onegrid.platform.store.models import Area, Department, Issue, IssueCategory, User

REASSIGNABLE = ("routed", "dispatched")  # the state machine's sources of "reassign"
LIMIT = 50


def dispatchable(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Issues the command centre may send on: those the responsibility list gave no owner
    (unrouted: their first office holds them) and overdue ones not yet accepted; oldest
    first."""
    rows = session.execute(
        select(Issue.id, Issue.category, IssueCategory.name.label("category_name"),
               IssueCategory.name_en.label("category_name_en"), Issue.status,
               Department.code.label("department"), Area.name.label("grid_name"),
               Issue.created_at, Issue.awaiting_owner.label("unrouted"),
               func.coalesce(overdue_clause(now), False).label("overdue"))
        .join(IssueCategory, IssueCategory.code == Issue.category)
        .outerjoin(Department, Department.id == Issue.department_id)
        .outerjoin(Area, Area.id == Issue.grid_id)
        .where(Issue.status.in_(REASSIGNABLE),
               or_(Issue.awaiting_owner, overdue_clause(now)))
        .order_by(Issue.created_at).limit(LIMIT))
    return [dict(r._mapping) for r in rows]


def dispatch_to(session: Session, issue_id: int, department_code: str, user: User,
                note: str = "") -> Issue:
    """Reassign the issue to the department and dispatch it, as ``user`` (an operator);
    the state machine's errors (409, 403) say why when it cannot be done."""
    act(session, issue_id, "reassign", user, note=note, department_code=department_code)
    return act(session, issue_id, "dispatch", user, note=note)
