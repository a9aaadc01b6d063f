"""The screen's thresholds and windows (defaults and variables in docs/screen.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ScreenRules:
    """What counts as a warning, a spike or a breach, and how the live feed paces itself."""

    warning_sigma: float = 3.0          # a grid's last 24 h above mean + sigma × sd of 28 days
    warning_min_issues: int = 3         # ... and at least this many, so one issue is no spike
    baseline_days: int = 28
    overdue_cluster: int = 3            # overdue open issues in one community make a cluster
    dead_letter_spike: int = 20         # this many dead letters ...
    dead_letter_window: timedelta = timedelta(minutes=5)  # ... within this window
    resolve_window: timedelta = timedelta(days=30)        # median time to resolve, league table
    feed_seconds: float = 55.0          # one SSE stream's life; the browser reconnects
    feed_poll: float = 0.5              # seconds between two looks at the store
    zone: str = "Asia/Shanghai"         # where "today" starts

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)
