"""grid_edge_cell: a square on grid edges lists the grids it meets, so placing a point there
tests those few grids instead of searching the grid layer

Revision ID: 0018
Revises: 0017

One located report in seven falls in a square that grid_cell leaves out (it meets an edge, so
no single grid holds it whole), and was placed by the spatial search: the GiST scan of
area_grid_geom_idx visits three or four of its pages for each point and tests every entry on
them, ≈ 10–20 µs a point. Such a square now has a row in grid_edge_cell with the grids that
meet it (grown by 1e-6 degree, as grid_cell's test), smallest code first: the first of them
that contains the point is the one onegrid_grid_of's rule picks, since any grid containing a
point of the square meets it. In psql, 5,000 such points took 29–51 ms this way and 97–156
through the spatial search, with the same grids. The table follows area exactly as grid_cell
does (the same triggers forget its rows near a changed grid, the same refresh adds them back);
a point whose square has a row in neither table is still placed by the spatial search.
"""
from __future__ import annotations

from importlib import import_module

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

SQUARES = """
-- The squares near each of these grids (those meeting its bounding box grown by more than a
-- square is grown), each grown by 1e-6 degree (migration 0009 says why), beside the grid.
-- Inlined into the statements that read it (one SQL query).
CREATE FUNCTION onegrid_grid_squares(grids int[])
RETURNS TABLE (cell bigint, grid_id int, code text, geom geometry, square geometry)
LANGUAGE sql STABLE AS $$
    SELECT x * 1000000 + y, a.id, a.code, a.geom,
           ST_MakeEnvelope(x / 4000.0 - 180 - 1e-6, y / 4000.0 - 90 - 1e-6,
                           (x + 1) / 4000.0 - 180 + 1e-6, (y + 1) / 4000.0 - 90 + 1e-6, 4490)
    FROM area a, onegrid_cell_ranges(a.geom, 2e-6) r,
         generate_series(r.x0, r.x1) x, generate_series(r.y0, r.y1) y
    WHERE a.id = ANY(grids)
$$;
"""

# 0019's downgrade runs it again
REFRESH = """
-- Add the missing cells of every grid that meets a range of grid_cell_dirty (of every grid:
-- ``everything``): the squares wholly inside one grid to grid_cell, the other squares that
-- meet grids to grid_edge_cell; returns how many it added to both. A square whose cells may
-- have changed is in a range, and every grid that meets it meets the range grown by 2e-6:
-- those grids are all refreshed. JIT off: the planner cannot know how many squares
-- generate_series yields, guesses millions and compiles (≈ 0.3 s) what runs in a millisecond.
CREATE OR REPLACE FUNCTION onegrid_refresh_grid_cells(everything boolean DEFAULT false)
RETURNS bigint LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    grids int[];
    cells bigint;
    edges bigint;
BEGIN
    -- one refresh at a time (a second one waits, then finds nothing left); readers go on
    LOCK TABLE grid_cell, grid_edge_cell IN EXCLUSIVE MODE;
    IF everything THEN
        DELETE FROM grid_cell;
        DELETE FROM grid_edge_cell;
        grids := ARRAY(SELECT id FROM area WHERE level = 'grid');
    ELSE
        grids := ARRAY(
            SELECT DISTINCT a.id FROM grid_cell_dirty d JOIN area a ON a.level = 'grid'
               AND a.geom && ST_MakeEnvelope(d.x0 / 4000.0 - 180 - 2e-6, d.y0 / 4000.0 - 90 - 2e-6,
                                             (d.x1 + 1) / 4000.0 - 180 + 2e-6,
                                             (d.y1 + 1) / 4000.0 - 90 + 2e-6, 4490));
    END IF;
    -- squares wholly inside one grid that no other grid meets
    INSERT INTO grid_cell (cell, grid_id)
    SELECT s.cell, s.grid_id FROM onegrid_grid_squares(grids) s
    -- one probe a square (OFFSET 0: not a hash of every cell for each grid)
    WHERE NOT EXISTS (SELECT FROM grid_cell c WHERE c.cell = s.cell OFFSET 0)
      AND ST_ContainsProperly(s.geom, s.square)
      AND NOT EXISTS (SELECT FROM area b WHERE b.level = 'grid' AND b.id <> s.grid_id
                                           AND ST_Intersects(b.geom, s.square));
    GET DIAGNOSTICS cells = ROW_COUNT;
    -- every other square that grids meet, with all of them (gathered across the grids)
    INSERT INTO grid_edge_cell (cell, grids)
    SELECT s.cell, array_agg(s.grid_id ORDER BY s.code) FROM onegrid_grid_squares(grids) s
    WHERE NOT EXISTS (SELECT FROM grid_cell c WHERE c.cell = s.cell OFFSET 0)
      AND NOT EXISTS (SELECT FROM grid_edge_cell e WHERE e.cell = s.cell OFFSET 0)
      AND ST_Intersects(s.geom, s.square)
    GROUP BY s.cell;
    GET DIAGNOSTICS edges = ROW_COUNT;
    DELETE FROM grid_cell_dirty;
    RETURN cells + edges;
END $$;
"""

FORGET = """
-- Forget the cells of the squares that may meet these shapes (their bounding boxes grown by
-- more than the refresh's 1e-6 degree) until the next refresh, and note where they were.
CREATE OR REPLACE FUNCTION onegrid_forget_cells(shapes geometry[]) RETURNS void
LANGUAGE sql SET jit = off AS $$
    WITH ranges AS MATERIALIZED (
        SELECT r.* FROM unnest(shapes) g, onegrid_cell_ranges(g, 2e-6) r
    ), forgotten AS (
        DELETE FROM grid_cell c USING ranges f, generate_series(f.x0, f.x1) x
        WHERE c.cell BETWEEN x * 1000000 + f.y0 AND x * 1000000 + f.y1
    ), forgotten_edges AS (
        DELETE FROM grid_edge_cell c USING ranges f, generate_series(f.x0, f.x1) x
        WHERE c.cell BETWEEN x * 1000000 + f.y0 AND x * 1000000 + f.y1
    )
    INSERT INTO grid_cell_dirty SELECT * FROM ranges;
$$;

-- The shapes a statement's changed grids had and have. One function for the four statement
-- triggers: PL/pgSQL plans each branch when it first runs, so each branch reads only the
-- transition tables its trigger has.
CREATE OR REPLACE FUNCTION onegrid_forget_grid_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        -- not TRUNCATE: ingest keeps reading the old ones until commit
        DELETE FROM grid_cell;
        DELETE FROM grid_edge_cell;
        DELETE FROM grid_cell_dirty;
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM onegrid_forget_cells(ARRAY(SELECT geom FROM came WHERE level = 'grid'));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM onegrid_forget_cells(ARRAY(SELECT geom FROM gone WHERE level = 'grid'));
    ELSE  -- names and parents change nothing
        PERFORM onegrid_forget_cells(ARRAY(
            SELECT v.geom
            FROM gone JOIN came USING (id),
                 LATERAL (VALUES (gone.geom, gone.level), (came.geom, came.level)) v(geom, level)
            WHERE v.level = 'grid' AND (gone.geom IS DISTINCT FROM came.geom
                                        OR gone.level IS DISTINCT FROM came.level)));
    END IF;
    RETURN NULL;
END $$;
"""
FUNCTIONS = SQUARES + REFRESH + FORGET


def upgrade() -> None:
    # the key's index carries the grids: a placement probe reads the index alone (as 0013)
    op.create_table('grid_edge_cell',
    sa.Column('cell', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('grids', postgresql.ARRAY(sa.Integer()), nullable=False),
    sa.PrimaryKeyConstraint('cell', name='grid_edge_cell_pkey', postgresql_include=['grids'])
    )
    op.execute(FUNCTIONS)
    op.execute("SELECT onegrid_refresh_grid_cells(true)")


def downgrade() -> None:
    for event in ("new", "changed", "deleted", "emptied"):
        op.execute(f"DROP TRIGGER grid_cells_follow_{event}_areas ON area")
    op.execute("DROP FUNCTION onegrid_forget_grid_cells()")
    op.execute("DROP FUNCTION onegrid_forget_cells(geometry[])")
    op.execute("DROP FUNCTION onegrid_cell_ranges(geometry, float8)")
    op.execute("DROP FUNCTION onegrid_refresh_grid_cells(boolean)")
    op.execute("DROP FUNCTION onegrid_grid_squares(int[])")
    op.drop_table('grid_edge_cell')
    # 0011's functions and triggers, as they were
    op.execute(import_module("onegrid.platform.store.migrations.versions.0011_grid_cells_by_region")
               .FUNCTIONS)
