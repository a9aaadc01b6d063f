"""The screen's thresholds and windows, read from the environment (defaults in docs/screen.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ScreenRules:
        env = os.environ if env is None else env
        get = env.get
        return cls(
            warning_sigma=float(get("ONEGRID_WARNING_SIGMA", "3")),
            warning_min_issues=int(get("ONEGRID_WARNING_MIN_ISSUES", "3")),
            baseline_days=int(get("ONEGRID_WARNING_BASELINE_DAYS", "28")),
            overdue_cluster=int(get("ONEGRID_OVERDUE_CLUSTER", "3")),
            dead_letter_spike=int(get("ONEGRID_DEAD_LETTER_SPIKE", "20")),
            dead_letter_window=timedelta(seconds=float(get("ONEGRID_DEAD_LETTER_WINDOW_S", "300"))),
            resolve_window=timedelta(days=float(get("ONEGRID_RESOLVE_WINDOW_DAYS", "30"))),
            feed_seconds=float(get("ONEGRID_FEED_SECONDS", "55")),
            feed_poll=float(get("ONEGRID_FEED_POLL_S", "0.5")),
            zone=get("ONEGRID_TIMEZONE", "Asia/Shanghai"))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)
