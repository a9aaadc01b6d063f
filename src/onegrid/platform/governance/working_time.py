"""Working time: the official working calendar (法定节假日 and 调休), the city's own days off,
and the working periods of a day. Every working-time rule counts with it: 2 working days'
notice for a collection request, SLA deadlines in working hours, and pushed-down work that
reaches grid workers only inside working hours (8小时内)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

from onegrid.platform.errors import ConfigurationError

DEFAULT_PERIODS = "08:30-12:00,14:00-17:30"
DEFAULT_DAYS = "1-5"  # ISO weekdays: Monday is 1
LOCAL_DAY_KINDS = ("off", "work")
_SEARCH_DAYS = 400  # a year and more: no working day that far means the settings are wrong


def parse_periods(spec: str) -> tuple[tuple[time, time], ...]:
    """``"08:30-12:00,14:00-17:30"`` as sorted (start, end) pairs; ValueError says what is wrong."""
    try:
        pairs = [part.split("-") for part in spec.split(",")]
        periods = tuple((time.fromisoformat(a.strip()), time.fromisoformat(b.strip()))
                        for a, b in pairs)
    except ValueError:
        raise ValueError(f"use start-end pairs such as {DEFAULT_PERIODS}") from None
    if any(start >= end for start, end in periods):
        raise ValueError("each working period must start before it ends")
    return tuple(sorted(periods))


def parse_weekdays(spec: str) -> frozenset[int]:
    """``"1-5"`` (or ``"6"``) as ISO weekday numbers; ValueError says what is wrong."""
    first, _, last = spec.partition("-")
    try:
        days = frozenset(range(int(first), int(last or first) + 1))
    except ValueError:
        raise ValueError(f"use a range of ISO weekdays such as {DEFAULT_DAYS}") from None
    if not days or not days <= set(range(1, 8)):
        raise ValueError("weekdays run from 1 (Monday) to 7 (Sunday), first to last")
    return days


@dataclass(frozen=True)
class LocalDays:
    """The city's own calendar on top of the official one: extra days off (a local festival)
    and extra working days (or a year's official arrangement the package does not have yet)."""

    off: frozenset[date] = frozenset()
    work: frozenset[date] = frozenset()


def read_local_days(path: str) -> LocalDays:
    """The CSV at ``path``: a header ``date,kind,name`` then one day a line, kind ``off`` or
    ``work`` (name is free text). ValueError names the line at fault."""
    try:
        text = Path(path).read_text("utf-8-sig")
    except OSError as exc:
        raise ValueError(f"cannot read it: {exc.strerror}") from None
    days: dict[str, set[date]] = {kind: set() for kind in LOCAL_DAY_KINDS}
    rows = csv.DictReader(text.splitlines())
    if not {"date", "kind"} <= set(rows.fieldnames or ()):
        raise ValueError("the first line must name the columns date,kind,name")
    for line, row in enumerate(rows, start=2):
        kind = (row.get("kind") or "").strip()
        if kind not in LOCAL_DAY_KINDS:
            raise ValueError(f"line {line}: kind must be off or work, not {kind!r}")
        try:
            days[kind].add(date.fromisoformat((row.get("date") or "").strip()))
        except ValueError:
            raise ValueError(f"line {line}: the date must read YYYY-MM-DD") from None
    if both := days["off"] & days["work"]:
        raise ValueError(f"{min(both)} is listed both as a day off and as a working day")
    return LocalDays(frozenset(days["off"]), frozenset(days["work"]))


def official_years() -> range:
    """The years whose holidays and adjusted working days the chinese-calendar package has."""
    years = {day.year for day in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


@dataclass(frozen=True)
class WorkingHours:
    """Periods of the working day, the working weekdays (ISO numbers), the city's zone and its
    local days. A day works when the city's file says so; else when the official calendar
    makes it a working day (调休) or a day off (a holiday); else by its weekday, which is all
    that decides in a year the chinese-calendar package does not cover yet."""

    periods: tuple[tuple[time, time], ...] = field(
        default_factory=lambda: parse_periods(DEFAULT_PERIODS))
    weekdays: frozenset[int] = field(default_factory=lambda: parse_weekdays(DEFAULT_DAYS))
    zone: str = "Asia/Shanghai"
    local: LocalDays = field(default_factory=LocalDays)

    def is_working_day(self, day: date) -> bool:
        if day in self.local.off or day in self.local.work:
            return day in self.local.work
        if day in chinese_calendar.holidays or day in chinese_calendar.workdays:
            return day in chinese_calendar.workdays
        return day.isoweekday() in self.weekdays

    def is_working(self, at: datetime) -> bool:
        local = at.astimezone(ZoneInfo(self.zone))
        return self.is_working_day(local.date()) and any(
            start <= local.time() < end for start, end in self.periods)

    def working_days(self, after: date, up_to: date) -> int:
        """Working days after ``after``, up to and including ``up_to``."""
        return sum(self.is_working_day(after + timedelta(d))
                   for d in range(1, (up_to - after).days + 1))

    def next_start(self, at: datetime) -> datetime:
        """``at`` itself inside working hours, else the start of the next working period."""
        return self.after_working(at, timedelta(0))

    def after_working(self, at: datetime, span: timedelta) -> datetime:
        """The moment ``span`` of working time after ``at`` (an SLA's deadline): only working
        periods of working days count, so a deadline that spans a holiday moves past it. A span
        of 0 is the next moment inside working hours."""
        zone = ZoneInfo(self.zone)
        local = at.astimezone(zone)
        left = span
        for offset in range(_SEARCH_DAYS + int(span / timedelta(hours=1))):
            day = local.date() + timedelta(days=offset)
            if not self.is_working_day(day):
                continue
            for start, end in self.periods:
                begin = max(datetime.combine(day, start, tzinfo=zone), local)
                finish = datetime.combine(day, end, tzinfo=zone)
                if begin >= finish:
                    continue
                if left <= finish - begin:
                    return (begin + left).astimezone(at.tzinfo)
                left -= finish - begin
        raise ConfigurationError("no working period within a year: check the working days, "
                                 "periods and the local calendar")
