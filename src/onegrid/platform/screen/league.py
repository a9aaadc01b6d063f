"""The department league table (行政问效): on-time rate, median handling time, satisfaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from onegrid.platform.loop.sla import overdue_clause
from onegrid.platform.screen.kpis import hours_between
from onegrid.platform.store.models import Department, Issue


@dataclass(frozen=True)
class LeagueRow:
    code: str
    name: str
    name_en: str
    handled: int              # issues resolved in the window
    on_time_rate: float | None  # share of those resolved by their resolution due date
    median_hours: float | None  # report to resolution
    satisfaction: float | None  # mean of the 1–5 evaluations
    overdue: int              # open issues past a due date now


def league(session: Session, since: datetime, now: datetime) -> list[LeagueRow]:
    """Every department that had issues resolved since ``since`` or has overdue ones, best
    on-time rate first (then fastest); departments with nothing to judge are left out."""
    resolved = and_(Issue.resolved_at >= since, Issue.resolved_at.is_not(None))
    handled = func.count().filter(resolved)
    on_time = func.count().filter(resolved, Issue.resolved_at <= Issue.resolve_due)
    median = func.percentile_cont(0.5).within_group(
        hours_between(Issue.created_at, Issue.resolved_at)).filter(resolved)
    rows = session.execute(
        select(Department.code, Department.name, Department.name_en, handled.label("handled"),
               on_time.label("on_time"), median.label("median"),
               func.avg(Issue.satisfaction).filter(resolved).label("satisfaction"),
               func.count().filter(overdue_clause(now)).label("overdue"))
        .join(Issue, Issue.department_id == Department.id)
        .group_by(Department.id)
        .having(handled + func.count().filter(overdue_clause(now)) > 0))
    table = [LeagueRow(r.code, r.name, r.name_en, r.handled,
                       round(r.on_time / r.handled, 3) if r.handled else None,
                       _rounded(r.median), _rounded(r.satisfaction), r.overdue) for r in rows]
    return sorted(table, key=lambda row: (-(row.on_time_rate or 0), row.median_hours or 1e9))


def _rounded(value: float | Decimal | None) -> float | None:
    """A median (double precision) or a mean (numeric) to one decimal."""
    return None if value is None else round(float(value), 1)
