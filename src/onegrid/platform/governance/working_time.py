"""Working hours (8小时内): pushed-down work reaches grid workers only inside them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from onegrid.platform.errors import ConfigurationError

DEFAULT_PERIODS = "08:30-12:00,14:00-17:30"
DEFAULT_DAYS = "1-5"  # ISO weekdays: Monday is 1


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
class WorkingHours:
    """Periods of the working day, the working weekdays (ISO numbers) and the city's zone."""

    periods: tuple[tuple[time, time], ...] = field(
        default_factory=lambda: parse_periods(DEFAULT_PERIODS))
    weekdays: frozenset[int] = field(default_factory=lambda: parse_weekdays(DEFAULT_DAYS))
    zone: str = "Asia/Shanghai"

    def is_working(self, at: datetime) -> bool:
        local = at.astimezone(ZoneInfo(self.zone))
        return local.isoweekday() in self.weekdays and any(
            start <= local.time() < end for start, end in self.periods)

    def next_start(self, at: datetime) -> datetime:
        """``at`` itself inside working hours, else the start of the next working period."""
        if self.is_working(at):
            return at
        local = at.astimezone(ZoneInfo(self.zone))
        for offset in range(15):  # two weeks covers any set of working weekdays
            day = local.date() + timedelta(days=offset)
            if day.isoweekday() not in self.weekdays:
                continue
            for start, _ in self.periods:
                candidate = datetime.combine(day, start, tzinfo=local.tzinfo)
                if candidate > local:
                    return candidate.astimezone(at.tzinfo)
        raise ConfigurationError("no working period in the next two weeks: check working days")
