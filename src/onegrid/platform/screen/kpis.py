"""The screen's KPI tiles, each one count or median read from the store and the trace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from onegrid.platform.loop.sla import overdue_clause
from onegrid.platform.loop.states import OPEN_STATES
from onegrid.platform.screen.rules import ScreenRules
from onegrid.platform.store.models import BurdenEvent, Issue, Record, TraceEntry

KPI_NAMES = ("issues_today", "open", "overdue", "median_resolve_hours", "records_shared_today",
             "forms_avoided_today", "duplicates_merged_today", "tasks_refused_today")


def start_of_day(now: datetime, rules: ScreenRules) -> datetime:
    """Midnight of ``now``'s day in the city's time zone."""
    local = now.astimezone(rules.tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def hours_between(start: ColumnElement, end: ColumnElement) -> ColumnElement[float]:
    return func.extract("epoch", end - start) / 3600.0


def median_resolve_hours(since: datetime) -> Select:
    """Median hours from first report to resolution of the issues resolved since ``since``."""
    return select(func.percentile_cont(0.5).within_group(
        hours_between(Issue.created_at, Issue.resolved_at))).where(Issue.resolved_at >= since)


def kpis(session: Session, now: datetime, rules: ScreenRules) -> dict[str, float | int | None]:
    """Every tile by name (KPI_NAMES); a median with nothing to measure is None."""
    today = start_of_day(now, rules)

    def ledger(kind: str) -> Select:
        return select(func.count()).where(BurdenEvent.kind == kind, BurdenEvent.at >= today)

    queries: dict[str, Select] = {
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
    row = session.execute(select(*(q.scalar_subquery().label(k) for k, q in queries.items())))
    values = dict(row.one()._mapping)
    median = values["median_resolve_hours"]
    values["median_resolve_hours"] = None if median is None else round(float(median), 1)
    return values

