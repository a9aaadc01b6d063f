"""Deadlines in working days for what the store keeps no deadline for (admission applications,
burden complaints): counted from the day each arrived by the working calendar, the way the gate
counts a collection task's (collection/gate.py), and handed to the store as SQL so that it can
sort and filter by them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, DateTime, case, cast, func, null, select
from sqlalchemy.orm import Session

from onegrid.platform.collection.gate import add_working_days
from onegrid.platform.governance.working_time import WorkingHours

INSTANT = DateTime(timezone=True)


def local_day(at: Any, hours: WorkingHours) -> ColumnElement[date]:
    """The city's calendar day of the instant ``at`` (a column or expression)."""
    return cast(func.timezone(hours.zone, at), Date)


def end_of(day: Any, hours: WorkingHours) -> ColumnElement[datetime]:
    """The instant the city's day ``day`` (a date column) ends: a deadline on that day is met
    up to then, and late from then on (as collection/tasks.end_overdue ends tasks)."""
    return func.timezone(hours.zone, cast(day, DateTime) + timedelta(days=1))


def due_after(session: Session, arrived: Any, waiting: ColumnElement[bool], days: int,
              hours: WorkingHours) -> ColumnElement[datetime]:
    """For the rows ``waiting`` selects: the end of the ``days``-th working day after the day
    each ``arrived``; NULL for the others. One working-calendar count per distinct day."""
    zone = ZoneInfo(hours.zone)
    arrival = local_day(arrived, hours)
    ends = {day: datetime.combine(add_working_days(hours, datetime.combine(day, time(12), zone),
                                                   days) + timedelta(days=1), time(), zone)
            for day in session.scalars(select(arrival).where(waiting).distinct())}
    if not ends:
        return cast(null(), INSTANT)
    return case((waiting, case(ends, value=arrival)), else_=null()).cast(INSTANT)
