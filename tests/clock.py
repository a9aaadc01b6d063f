"""Working hours for tests that are about something else than the calendar."""

from __future__ import annotations

from datetime import date, time, timedelta

from onegrid.platform.governance.working_time import LocalDays, WorkingHours


def round_the_clock(around: date | None = None, days: int = 60) -> WorkingHours:
    """Every moment of the ``days`` before and after ``around`` (today) is working time, holidays
    included (the city's file overrides the official calendar): an SLA of N hours is then due
    N clock hours after the report, whatever day the tests run."""
    centre = around or date.today()
    every_day = frozenset(centre + timedelta(d) for d in range(-days, days + 1))
    return WorkingHours(periods=((time(0), time(23, 59, 59, 999_999)),),
                        weekdays=frozenset(range(1, 8)), local=LocalDays(work=every_day))
