"""The year-on-year burden report (减负同比报告): per period and department, what was asked of
the grassroots and what the platform took off them, beside the same period a year earlier
when the platform was already recording it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.store.models import Department
from onegrid.platform.store.sqlfiles import statements

# Each measure and the source it is counted from (platform/screen/sql/burden_counts.sql; what
# "in the period" means for each is in docs/burden-office.md). A source's earliest dated row
# says since when it has been recorded: before that, a period has no data, not zero.
MEASURES: dict[str, str] = {
    "forms": "forms",                    # forms and reports in force (the inventory)
    "fields": "forms",                   # their fields
    "requests_made": "ledger",           # collection requests the gate answered
    "requests_answered": "ledger",       # ... with shared data (some field or all)
    "forms_avoided": "ledger",
    "tasks_refused": "ledger",           # by the admission list
    "apps": "channels",                  # government apps in use
    "groups": "channels",                # work groups in use
    "zombies": "ledger",                 # apps and groups flagged idle
    "inspections": "plans",              # in approved annual plans
    "indicators": "indicators",          # assessment indicators of the year
    "documents": "outputs",
    "meetings": "outputs",
    "complaints": "complaints",          # burden complaints received
    "duplicates_merged": "ledger",
    "flags_raised": "ledger",            # grid workers' burden flags
}
SHARE = "requests_answered_share"  # requests_answered / requests_made, in per cent
ALL = ""  # the department key of the city-wide line


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
    previous: int | None     # None: the measure's source was not recorded then ("no data")

    @property
    def change_pct(self) -> float | None:
        if self.previous is None or self.previous == 0:
            return None
        return round(100.0 * (self.current - self.previous) / self.previous, 1)


@dataclass(frozen=True)
class ShareLine:
    """The share of collection requests answered from shared data, in per cent (None: no
    request made); ``recorded`` False when the year before has no data. Its change is in
    percentage points."""

    department: str
    current: float | None
    previous: float | None
    recorded: bool

    @property
    def change_points(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return round(self.current - self.previous, 1)


@dataclass(frozen=True)
class BurdenReport:
    """Per department code (then ALL, the city), the measures' lines and the share."""

    lines: dict[str, list[BurdenLine]]
    shares: dict[str, ShareLine]


def burden_report(session: Session, period: Period,
                  department: str | None = None) -> BurdenReport:
    """Every department (or only ``department``) and then the city: each measure in the period
    and the same period a year earlier (None where that measure's source was not recorded
    from the earlier period's first day on)."""
    before = period.year_before()
    now_counts, old_counts = _counts(session, period), _counts(session, before)
    since = _recorded_since(session, period.zone)
    codes = [department] if department else [
        *session.scalars(select(Department.code).order_by(Department.code)), ALL]
    lines: dict[str, list[BurdenLine]] = {}
    for code in codes:
        lines[code] = [BurdenLine(code, measure, now_counts.get((code, measure), 0),
                                  old_counts.get((code, measure), 0)
                                  if _recorded(since.get(source), before) else None)
                       for measure, source in MEASURES.items()]
    return BurdenReport(lines, {code: _share(rows) for code, rows in lines.items()})


def _counts(session: Session, period: Period) -> dict[tuple[str, str], int]:
    """{(department code or ALL, measure): count} in the period."""
    counts_sql, _ = statements("onegrid.platform.screen", "burden_counts")
    start, end = period.bounds()
    counts: dict[tuple[str, str], int] = {}
    rows = session.execute(counts_sql, {"start": start, "end": end, "first_year": period.first.year,
                                        "last_year": period.last.year})
    for measure, code, n in rows:
        for key in {(code or ALL, measure), (ALL, measure)}:
            counts[key] = counts.get(key, 0) + n
    return counts


def _recorded_since(session: Session, zone: ZoneInfo) -> dict[str, date | None]:
    """Per source, the first day it holds a row for."""
    _, since_sql = statements("onegrid.platform.screen", "burden_counts")
    return dict(session.execute(since_sql, {"zone": zone.key}).all())


def _recorded(since: date | None, period: Period) -> bool:
    return since is not None and since <= period.first


def _share(lines: list[BurdenLine]) -> ShareLine:
    by = {line.measure: line for line in lines}
    made, answered = by["requests_made"], by["requests_answered"]
    recorded = made.previous is not None and answered.previous is not None
    return ShareLine(made.department, _pct(answered.current, made.current),
                     _pct(answered.previous or 0, made.previous or 0), recorded)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
