"""How fast the machine's cores ran, sampled through a benchmark: a peer measured in the run.

On these virtual machines the same work costs up to 40 % more CPU in some phases than in others,
with no steal time to show for it (bench/README.md, fourteenth session): the cores are there but
slower. A rate measured in such a phase cannot be told from slower code by the rate alone. The
probe times one fixed piece of work (the worker's own decode of a set of envelopes) once a second
on a thread of its own, by that thread's CPU time, so that waiting for the cores does not count:
only how long the work took when it ran. A benchmark reads the median over each stretch it times.
Its cost: the work each second, about 0.3 % of one core."""

from __future__ import annotations

import bisect
import statistics
import threading
import time
from collections.abc import Callable
from types import TracebackType


class Pace:
    """Runs ``work`` (``units`` units of it) every ``every`` seconds while in its ``with``
    block; ``during(start, end)`` is the median CPU microseconds a unit cost between those
    ``time.perf_counter()`` moments."""

    def __init__(self, work: Callable[[], object], units: int, every: float = 1.0) -> None:
        self._work, self._units, self._every = work, units, every
        self._at: list[float] = []
        self._cost: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="pace", daemon=True)

    def __enter__(self) -> Pace:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self._every):
            started = time.thread_time()
            self._work()
            cost = (time.thread_time() - started) / self._units * 1e6
            self._at.append(time.perf_counter())
            self._cost.append(cost)

    def during(self, start: float, end: float) -> float | None:
        """The median cost of a unit sampled between ``start`` and ``end``, None if none was."""
        first, last = bisect.bisect_left(self._at, start), bisect.bisect_right(self._at, end)
        return statistics.median(self._cost[first:last]) if last > first else None


def describe(costs: dict[str, float | None]) -> str:
    """"8.2 producing, 8.4 ingesting, …" for the stretches that were sampled."""
    said = [f"{cost:.1f} {stretch}" for stretch, cost in costs.items() if cost is not None]
    return ", ".join(said) or "not sampled (each stretch was shorter than a second)"
