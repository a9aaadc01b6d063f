"""Service levels per category: when a response and a resolution are due, and what is late."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_

from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.loop.states import OPEN_STATES
from onegrid.platform.store.models import Issue, IssueCategory

NOT_YET_ACCEPTED = ("reported", "routed", "dispatched")


def due_dates(category: IssueCategory, reported_at: datetime,
              hours: WorkingHours) -> tuple[datetime, datetime]:
    """(response due, resolution due): the category's hours are working hours (工作时, as
    GB/T 30428.2 counts time limits), counted from the first report by the working calendar."""
    return (hours.after_working(reported_at, timedelta(hours=category.response_hours)),
            hours.after_working(reported_at, timedelta(hours=category.resolve_hours)))


def overdue(issue: Issue, now: datetime) -> list[str]:
    """"response" when nobody accepted it in time, "resolution" when it is still open late."""
    flags = []
    if issue.status in NOT_YET_ACCEPTED and now > issue.response_due:
        flags.append("response")
    if issue.status in OPEN_STATES and now > issue.resolve_due:
        flags.append("resolution")
    return flags


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """``overdue`` as SQL: open issues past a due date, for counting and listing in the store."""
    return and_(Issue.status.in_(OPEN_STATES),
                or_(Issue.resolve_due < now,
                    and_(Issue.status.in_(NOT_YET_ACCEPTED), Issue.response_due < now)))
