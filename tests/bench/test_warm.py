from bench.common import warm_buffer_pool
from sqlalchemy import Engine, inspect


def test_warming_fills_the_pages_asked_for_and_leaves_nothing_behind(engine: Engine):
    assert warm_buffer_pool(engine, pages=64) >= 64 * 8192  # not compressed into fewer pages
    assert not inspect(engine).has_table("bench_warm")
