"""The burden report (减负报告): per period and department, what the platform took off the
grassroots, with the same period a year earlier when the platform was already recording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Select, func, select
from sqlalchemy.orm import Session

from onegrid.platform.store.models import BurdenEvent, CollectionRequest, Department, TraceEntry

# Each measure: the burden-ledger kinds it counts ("requests_made" counts collection requests).
MEASURES: dict[str, tuple[str, ...]] = {
    "requests_made": (),
    "requests_answered": ("request_answered_from_shared_data",),
    "forms_avoided": ("form_avoided",),
    "tasks_refused": ("task_refused_admission",),
    "duplicates_merged": ("duplicate_merged",),
    "flags_raised": ("flag_already_have", "flag_not_admitted"),
}
ALL = ""  # the department key of the city-wide line
# The trace action of history imported from before the platform kept its own records (a
# city's registers, the demo's simulated years): its detail's covers_from says from when.
HISTORY_IMPORTED = "history.imported"


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` inclusive, in the city's time zone."""

    first: date
    last: date
    zone: ZoneInfo

    def bounds(self) -> tuple[datetime, datetime]:
        return (datetime.combine(self.first, time(), self.zone),
                datetime.combine(self.last + timedelta(days=1), time(), self.zone))

    def year_before(self) -> Period:
        return Period(_minus_year(self.first), _minus_year(self.last), self.zone)


@dataclass(frozen=True)
class BurdenLine:
    department: str          # code, or ALL
    measure: str
    current: int
    previous: int | None     # None: the platform kept no record then ("no data")

    @property
    def change_pct(self) -> float | None:
        if self.previous is None or self.previous == 0:
            return None
        return round(100.0 * (self.current - self.previous) / self.previous, 1)


def burden_report(session: Session, period: Period,
                  department: str | None = None) -> list[BurdenLine]:
    """One line per department (every one, or only ``department``) and measure, then the
    city-wide lines; ``previous`` is the same period a year earlier, None when the trace
    starts after that period began."""
    now_counts = _counts(session, period)
    before = period.year_before()
    recorded = _recording_since(session)
    old_counts = _counts(session, before) if recorded and recorded <= before.bounds()[0] else None
    codes = [department] if department else list(
        session.scalars(select(Department.code).order_by(Department.code)))
    lines = []
    for code in [*codes, *([] if department else [ALL])]:
        for measure in MEASURES:
            key = (code, measure)
            lines.append(BurdenLine(code, measure, now_counts.get(key, 0),
                                    None if old_counts is None else old_counts.get(key, 0)))
    return lines


def _counts(session: Session, period: Period) -> dict[tuple[str, str], int]:
    """{(department code or ALL, measure): count} in the period."""
    start, end = period.bounds()
    counts: dict[tuple[str, str], int] = {}
    for measure, query in _queries(start, end).items():
        for code, count in session.execute(query):
            for key in ((code or ALL, measure), (ALL, measure)) if code else ((ALL, measure),):
                counts[key] = counts.get(key, 0) + count
    return counts


def _queries(start: datetime, end: datetime) -> dict[str, Select[str | None, int]]:
    """Per measure, (department code, count): no code for ledger entries of no department."""
    made = (select(Department.code, func.count()).select_from(CollectionRequest)
            .join(Department, Department.id == CollectionRequest.department_id)
            .where(CollectionRequest.created_at >= start, CollectionRequest.created_at < end)
            .group_by(Department.code))
    queries: dict[str, Select[str | None, int]] = {"requests_made": made}
    for measure, kinds in MEASURES.items():
        if kinds:
            queries[measure] = (
                select(Department.code, func.count()).select_from(BurdenEvent)
                .outerjoin(Department, Department.id == BurdenEvent.department_id)
                .where(BurdenEvent.kind.in_(kinds), BurdenEvent.at >= start, BurdenEvent.at < end)
                .group_by(Department.code))
    return queries


def _recording_since(session: Session) -> datetime | None:
    """When the platform's records start: its first trace entry, or the earliest moment that
    history imported into it covers (HISTORY_IMPORTED entries, appended when imported, say
    what they cover); nothing before can be compared honestly."""
    first = session.scalar(select(func.min(TraceEntry.at)))
    covered = session.scalar(
        select(func.min(TraceEntry.detail["covers_from"].astext.cast(DateTime(timezone=True))))
        .where(TraceEntry.action == HISTORY_IMPORTED))
    return min((moment for moment in (first, covered) if moment is not None), default=None)


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
