"""How fast the machine's cores ran, sampled through a benchmark: a peer measured in the run.

On these virtual machines the same work costs up to twice the CPU in some phases that it costs in
others, with no steal time to show for it (bench/README.md: a decode 7.0–16.5 µs while the workers
ran): the cores are there but slower. A rate measured in such a phase cannot be told from slower
code by the rate alone. The probe times one fixed piece of work (the worker's own decode of a set
of envelopes) once a second in a process of its own, by that process's CPU time, so that neither
waiting for a core nor the benchmark's own Python (a thread would share its interpreter lock)
counts: only how long the work took when it ran. A benchmark reads the median over each stretch it
times. Its cost: the work each second, about 0.3 % of one core."""

from __future__ import annotations

import bisect
import multiprocessing
import statistics
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import TracebackType

# fork: the child inherits the work as it is (a closure over a catalog), nothing is pickled
_FORK = multiprocessing.get_context("fork")


class Pace:
    """Runs ``work`` (``units`` units of it) every ``every`` seconds while in its ``with``
    block; ``during(start, end)`` is then the median CPU microseconds a unit cost between those
    ``time.perf_counter()`` moments (a system-wide clock, the same in every process)."""

    def __init__(self, work: Callable[[], object], units: int, every: float = 1.0) -> None:
        self._work, self._units, self._every = work, units, every
        self._samples: list[tuple[float, float]] = []  # (when, µs a unit), in time order
        self._stop = _FORK.Event()
        self._results, sending = _FORK.Pipe(duplex=False)
        self._process = _FORK.Process(target=self._sample, args=(sending,), name="pace",
                                      daemon=True)

    def __enter__(self) -> Pace:
        self._process.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._samples = self._results.recv()
        self._process.join()

    def _sample(self, results: Connection) -> None:
        samples = []
        while not self._stop.wait(self._every):
            started = time.process_time()
            self._work()
            samples.append((time.perf_counter(),
                            (time.process_time() - started) / self._units * 1e6))
        results.send(samples)

    def during(self, start: float, end: float) -> float | None:
        """The median cost of a unit sampled between ``start`` and ``end``, None if none was."""
        first = bisect.bisect_left(self._samples, (start,))
        last = bisect.bisect_right(self._samples, (end, float("inf")))
        costs = [cost for _, cost in self._samples[first:last]]
        return statistics.median(costs) if costs else None


def describe(costs: dict[str, float | None]) -> str:
    """"8.2 producing, 8.4 ingesting, …" for the stretches that were sampled."""
    said = [f"{cost:.1f} {stretch}" for stretch, cost in costs.items() if cost is not None]
    return ", ".join(said) or "not sampled (each stretch was shorter than a second)"
