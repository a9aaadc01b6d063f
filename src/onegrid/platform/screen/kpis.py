"""The screen's KPI tiles, each one count or median read from the store and the trace."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, func, select
from sqlalchemy.orm import Session

from onegrid.platform.loop.sla import overdue_clause
from onegrid.platform.loop.states import OPEN_STATES
from onegrid.platform.screen.rules import ScreenRules
from onegrid.platform.store.models import BurdenEvent, Issue, Record, TraceEntry

KPI_NAMES = ("issues_today", "open", "overdue", "median_resolve_hours", "records_shared_today",
             "forms_avoided_today", "duplicates_merged_today", "tasks_refused_today")


class Kpis(TypedDict):
    """The tiles by name (KPI_NAMES, in the screen's order): counts, and one median."""

    issues_today: int
    open: int
    overdue: int
    median_resolve_hours: float | None  # None with nothing resolved to measure
    records_shared_today: int
    forms_avoided_today: int
    duplicates_merged_today: int
    tasks_refused_today: int


def start_of_day(now: datetime, rules: ScreenRules) -> datetime:
    """Midnight of ``now``'s day in the city's time zone."""
    local = now.astimezone(rules.tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def hours_between(start: SQLColumnExpression[datetime],
                  end: SQLColumnExpression[datetime | None]) -> ColumnElement[float | Decimal]:
    """Hours from ``start`` to ``end`` (numeric, as PostgreSQL's extract gives them)."""
    return func.extract("epoch", end - start) / 3600.0


def median_resolve_hours(since: datetime) -> Select[float | None]:
    """Median hours from first report to resolution of the issues resolved since ``since``."""
    return select(func.percentile_cont(0.5).within_group(
        hours_between(Issue.created_at, Issue.resolved_at))).where(Issue.resolved_at >= since)


def kpis(session: Session, now: datetime, rules: ScreenRules) -> Kpis:
    """Every tile by name (KPI_NAMES); a median with nothing to measure is None."""
    today = start_of_day(now, rules)

    def ledger(kind: str) -> Select[int]:
        return select(func.count()).where(BurdenEvent.kind == kind, BurdenEvent.at >= today)

    queries: dict[str, Select[int] | Select[float | None]] = {
        "issues_today": select(func.count()).where(Issue.created_at >= today),
        "open": select(func.count()).where(Issue.status.in_(OPEN_STATES)),
        "overdue": select(func.count()).where(overdue_clause(now)),
        "median_resolve_hours": median_resolve_hours(now - rules.resolve_window),
        "records_shared_today": select(func.count()).where(Record.updated_at >= today),
        "forms_avoided_today": ledger("form_avoided"),
        # merges are read from the trace: every one leaves an issue.merged entry
        "duplicates_merged_today": select(func.count()).where(
            TraceEntry.action == "issue.merged", TraceEntry.at >= today),
        "tasks_refused_today": ledger("task_refused_admission"),
    }
    row = session.execute(select(*(q.scalar_subquery().label(k) for k, q in queries.items()))
                          ).one()
    median = row.median_resolve_hours
    return Kpis(issues_today=row.issues_today, open=row.open, overdue=row.overdue,
                median_resolve_hours=None if median is None else round(float(median), 1),
                records_shared_today=row.records_shared_today,
                forms_avoided_today=row.forms_avoided_today,
                duplicates_merged_today=row.duplicates_merged_today,
                tasks_refused_today=row.tasks_refused_today)

