"""When two reports are one issue: the same category, near each other, close in time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class DedupRule:
    """A report merges into an open issue of its category within ``radius_m`` metres that
    was reported less than ``window`` ago (defaults: README, Configuration)."""

    radius_m: float = 50.0
    window: timedelta = timedelta(hours=24)


DEFAULT_RULE = DedupRule()
