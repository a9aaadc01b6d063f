"""Working hours (8小时内): pushed-down work reaches grid workers only inside them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from onegrid.platform.errors import ConfigurationError

DEFAULT_PERIODS = "08:30-12:00,14:00-17:30"
DEFAULT_DAYS = "1-5"  # ISO weekdays: Monday is 1


def _periods(spec: str) -> tuple[tuple[time, time], ...]:
    try:
        pairs = [part.split("-") for part in spec.split(",")]
        periods = tuple((time.fromisoformat(a.strip()), time.fromisoformat(b.strip()))
                        for a, b in pairs)
    except ValueError as exc:
        raise ConfigurationError(f"working periods {spec!r}: use e.g. {DEFAULT_PERIODS}") from exc
    if any(start >= end for start, end in periods):
        raise ConfigurationError(f"working periods {spec!r}: each must start before it ends")
    return tuple(sorted(periods))


def _days(spec: str) -> frozenset[int]:
    try:
        first, _, last = spec.partition("-")
        return frozenset(range(int(first), int(last or first) + 1))
    except ValueError as exc:
        raise ConfigurationError(f"working days {spec!r}: use e.g. {DEFAULT_DAYS}") from exc


@dataclass(frozen=True)
class WorkingHours:
    """Periods of the working day, the working weekdays (ISO numbers) and the city's zone."""

    periods: tuple[tuple[time, time], ...] = field(
        default_factory=lambda: _periods(DEFAULT_PERIODS))
    weekdays: frozenset[int] = field(default_factory=lambda: _days(DEFAULT_DAYS))
    zone: str = "Asia/Shanghai"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WorkingHours:
        """ONEGRID_WORKING_PERIODS, ONEGRID_WORKING_DAYS and ONEGRID_TIMEZONE, else defaults."""
        env = os.environ if env is None else env
        return cls(_periods(env.get("ONEGRID_WORKING_PERIODS", DEFAULT_PERIODS)),
                   _days(env.get("ONEGRID_WORKING_DAYS", DEFAULT_DAYS)),
                   env.get("ONEGRID_TIMEZONE", "Asia/Shanghai"))

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
