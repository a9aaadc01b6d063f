import time

from bench.pace import Pace, describe


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_stretch_reads_the_median_cost_of_the_samples_taken_in_it():
    with Pace(lambda: _spin(0.004), units=4, every=0.01) as pace:
        before = time.perf_counter()
        time.sleep(0.2)
        after = time.perf_counter()
    cost = pace.during(before, after)
    assert cost is not None and 1_000 <= cost < 2_000  # 4 ms of CPU over 4 units
    assert pace.during(after + 1, after + 2) is None  # sampled nothing then


def test_the_stretches_not_sampled_are_left_out():
    assert describe({"producing": 8.24, "ingesting": None, "copying": 9.0}) == \
        "8.2 producing, 9.0 copying"
    assert describe({"ingesting": None}).startswith("not sampled")
