"""grid_cell, the key-lookup shortcut for placing points: it never places a point differently
from the spatial search (onegrid_grid_of), and it follows every change to the areas."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

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


def test_changing_an_area_empties_the_cells_until_refreshed(db: Session) -> None:
    grid = db.scalar(text("SELECT grid_id FROM grid_cell ORDER BY cell LIMIT 1"))
    db.execute(text("UPDATE area SET name = name || '（改）' WHERE id = :g"), {"g": grid})
    assert _cells(db) > 0  # a new name places no point differently
    db.execute(text("UPDATE area SET geom = ST_Multi(ST_Translate(geom, 0.0005, 0)) "
                    "WHERE id = :g"), {"g": grid})
    assert _cells(db) == 0  # the grid now overlaps its neighbours: no cell can be trusted
    assert db.scalar(text("SELECT onegrid_refresh_grid_cells()")) > 0
    assert db.scalar(text(MISPLACED_CELLS)) == 0
    assert db.scalar(text("SELECT count(*) FROM grid_cell WHERE grid_id = :g"), {"g": grid}) > 0


def test_refreshes_at_the_same_time_take_turns(engine: Engine) -> None:
    """A second refresh waits for the first to commit, then rebuilds (rather than colliding
    with the first one's squares)."""
    with engine.connect() as first, ThreadPoolExecutor(1) as pool:
        first.execute(text("SELECT onegrid_refresh_grid_cells()"))  # holds the table
        second = pool.submit(_refresh, engine)
        with pytest.raises(TimeoutError):
            second.result(timeout=1)  # waiting for the first
        first.commit()
        assert second.result(timeout=60) > 10_000


def _refresh(engine: Engine) -> int:
    with engine.begin() as conn:
        return conn.scalar(text("SELECT onegrid_refresh_grid_cells()"))
