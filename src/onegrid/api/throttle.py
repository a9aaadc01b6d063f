"""Lookups of a subject by its raw key, counted per caller: guessing a masked resident ID takes
a few dozen guesses, so a caller gets a few dozen a minute.

The counts live in this process's memory (the `limits` library's moving window): each gunicorn
worker counts on its own, so with N workers a caller may make up to N times the rate."""

from __future__ import annotations

import math
import time

from flask import Flask, current_app
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from onegrid.platform.errors import TooManyRequestsError

_KEY = "onegrid.lookups"
_NAMESPACE = "subject-lookup"


def init_app(app: Flask, per_minute: int) -> None:
    app.extensions[_KEY] = (MovingWindowRateLimiter(MemoryStorage()),
                            RateLimitItemPerMinute(per_minute))


def take_lookup(who: str) -> None:
    """Count one lookup by ``who``; past the rate, TooManyRequestsError with the seconds until
    the oldest lookup in the window leaves it."""
    limiter, rate = current_app.extensions[_KEY]
    if limiter.hit(rate, _NAMESPACE, who):
        return
    reset_at = limiter.get_window_stats(rate, _NAMESPACE, who).reset_time
    raise TooManyRequestsError(
        f"at most {rate.amount} subject lookups a minute per caller; try again later",
        retry_after=max(1, math.ceil(reset_at - time.time())))
