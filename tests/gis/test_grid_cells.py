"""grid_cell, the key-lookup shortcut for placing points: it never places a point differently
from the spatial search (onegrid_grid_of), and it follows every change to the grids, rebuilding
only near them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from onegrid.gis.hierarchy import settle

pytestmark = pytest.mark.usefixtures("city")

# Cells whose square (exactly as onegrid_cell numbers it) is not wholly inside its grid, or
# touches another grid: there must be none.
MISPLACED_CELLS = """
SELECT count(*) FROM grid_cell c
JOIN area g ON g.id = c.grid_id,
     ST_MakeEnvelope((c.cell / 1000000) / 4000.0 - 180, (c.cell % 1000000) / 4000.0 - 90,
                     (c.cell / 1000000 + 1) / 4000.0 - 180, (c.cell % 1000000 + 1) / 4000.0 - 90,
                     4490) AS square
WHERE g.level <> 'grid' OR NOT ST_ContainsProperly(g.geom, square)
   OR EXISTS (SELECT FROM area o WHERE o.level = 'grid' AND o.id <> g.id
                                   AND ST_Intersects(o.geom, square))
"""


def _cells(db: Session) -> int:
    return db.scalar(text("SELECT count(*) FROM grid_cell"))


def test_every_cell_is_inside_its_grid_and_touches_no_other(db: Session) -> None:
    assert _cells(db) > 10_000  # the demo city's loader built them
    assert db.scalar(text(MISPLACED_CELLS)) == 0


def test_cells_place_points_as_the_spatial_search_does(db: Session) -> None:
    """Random points of the city, and the points where the rule is delicate: grid vertices and
    the midpoints of grid edges (shared by two grids, where the smallest code wins)."""
    rows = db.execute(text("""
        WITH points AS (
            SELECT (ST_Dump(ST_GeneratePoints(geom, 3000, 42))).geom AS p
            FROM area WHERE level = 'district'
            UNION ALL
            SELECT (ST_DumpPoints(geom)).geom FROM area WHERE level = 'grid'
            UNION ALL
            SELECT ST_LineInterpolatePoint(ST_MakeLine(d.geom, lead(d.geom) OVER w), 0.5)
            FROM (SELECT id, (ST_DumpPoints(geom)).* FROM area WHERE level = 'grid') d
            WINDOW w AS (PARTITION BY id ORDER BY path)
        )
        SELECT count(*) AS points,
               count(*) FILTER (WHERE c.grid_id IS NOT NULL) AS by_cell,
               count(*) FILTER (WHERE c.grid_id <> onegrid_grid_of(p)) AS different
        FROM points LEFT JOIN grid_cell c ON c.cell = onegrid_cell(p)
        WHERE p IS NOT NULL""")).one()
    assert rows.points > 10_000
    assert rows.by_cell > 1500  # most of the 3,000 random points take the shortcut, and
    assert rows.different == 0  # never says anything else


def _same_as_a_full_rebuild(db: Session) -> bool:
    db.execute(text("CREATE TEMP TABLE refreshed ON COMMIT DROP AS SELECT * FROM grid_cell"))
    db.execute(text("SELECT onegrid_refresh_grid_cells(true)"))
    return db.scalar(text("SELECT NOT EXISTS ((TABLE refreshed EXCEPT TABLE grid_cell) UNION ALL "
                          "(TABLE grid_cell EXCEPT TABLE refreshed))"))


def test_moving_a_grid_forgets_only_the_cells_near_it_until_refreshed(db: Session) -> None:
    cells = _cells(db)
    grid = db.scalar(text("SELECT grid_id FROM grid_cell ORDER BY cell LIMIT 1"))
    db.execute(text("UPDATE area SET name = name || '（改）' WHERE level = 'grid'"))
    assert _cells(db) == cells  # a new name places no point differently
    db.execute(text("UPDATE area SET geom = ST_Multi(ST_Translate(geom, 0.0005, 0)) "
                    "WHERE id = :g"), {"g": grid})  # now overlapping its neighbours
    assert 10_000 < _cells(db) < cells - 10  # its cells and its neighbours' near it are gone,
    assert db.scalar(text(MISPLACED_CELLS)) == 0  # and none that stayed is wrong
    assert db.scalar(text("SELECT count(*) FROM grid_cell WHERE grid_id = :g"), {"g": grid}) == 0
    assert 0 < db.scalar(text("SELECT onegrid_refresh_grid_cells()")) < cells / 10
    assert db.scalar(text("SELECT count(*) FROM grid_cell WHERE grid_id = :g"), {"g": grid}) > 0
    assert db.scalar(text(MISPLACED_CELLS)) == 0
    assert _same_as_a_full_rebuild(db)


def test_a_deleted_grid_takes_its_cells_along(db: Session) -> None:
    cells = _cells(db)
    grid = db.scalar(text("SELECT grid_id FROM grid_cell ORDER BY cell DESC LIMIT 1"))
    own = db.scalar(text("SELECT count(*) FROM grid_cell WHERE grid_id = :g"), {"g": grid})
    db.execute(text("DELETE FROM area WHERE id = :g"), {"g": grid})
    assert 10_000 < _cells(db) <= cells - own  # its own cells went, and its neighbours' near it
    assert db.scalar(text("SELECT count(*) FROM grid_cell WHERE grid_id = :g"), {"g": grid}) == 0
    db.execute(text("SELECT onegrid_refresh_grid_cells()"))
    assert _cells(db) == cells - own  # the neighbours' came back, the hole has none
    assert _same_as_a_full_rebuild(db)


def test_refreshes_at_the_same_time_take_turns(engine: Engine) -> None:
    """A second refresh waits for the first to commit, then rebuilds (rather than colliding
    with the first one's squares)."""
    with engine.connect() as first, ThreadPoolExecutor(1) as pool:
        first.execute(text("SELECT onegrid_refresh_grid_cells(true)"))  # holds the table
        second = pool.submit(_refresh, engine)
        with pytest.raises(TimeoutError):
            second.result(timeout=1)  # waiting for the first
        first.commit()
        assert second.result(timeout=60) > 10_000


def _refresh(engine: Engine) -> int:
    with engine.begin() as conn:
        return conn.scalar(text("SELECT onegrid_refresh_grid_cells(true)"))


def test_settle_lets_ingest_read_a_cell_from_the_index_alone(engine: Engine) -> None:
    """After a load, settle() vacuums grid_cell: ingest's index-only probe of a cell then reads
    no table row (until autovacuum came by, each probe read one)."""
    with engine.begin() as conn:  # a committed change clears its page's all-visible bit
        cell = conn.scalar(text("SELECT min(cell) FROM grid_cell"))
        conn.execute(text("UPDATE grid_cell SET grid_id = grid_id WHERE cell = :c"), {"c": cell})
    assert _heap_fetches(engine, cell) > 0
    settle(engine)
    assert _heap_fetches(engine, cell) == 0


def _heap_fetches(engine: Engine, cell: int) -> int:
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        conn.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = conn.scalar(text("EXPLAIN (ANALYZE, FORMAT JSON) "
                                "SELECT grid_id FROM grid_cell WHERE cell = :c"), {"c": cell})
    return plan[0]["Plan"]["Heap Fetches"]
