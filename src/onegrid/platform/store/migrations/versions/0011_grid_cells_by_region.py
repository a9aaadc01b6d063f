"""grid_cell follows area changes region by region instead of starting over

Revision ID: 0011
Revises: 0010

Until now any change to the grids' geometries emptied grid_cell, and the refresh rebuilt every
grid's squares: loading a city district by district rebuilt all the earlier districts' squares
again each time (≈ 5 s per 1,600 grids), and one edited grid sent every point of the city to
the spatial search until someone refreshed. A square's cell depends only on the grids its
square (grown by 1e-6 degree) meets, so a changed grid can only affect the squares that meet
its old or new bounding box: the triggers now forget those cells and note the squares' ranges in
grid_cell_dirty, and onegrid_refresh_grid_cells() adds the missing cells of the grids that
meet them (``true``: rebuilds all) and returns how many it added.
Changes that keep a grid's geometry and level (names, parents) forget nothing, as before.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

FUNCTIONS = """
-- The columns and rows of the squares that meet the geometry's bounding box grown by margin.
CREATE FUNCTION onegrid_cell_ranges(g geometry, margin float8) RETURNS grid_cell_dirty
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT floor((ST_XMin(g) - margin + 180) * 4000)::bigint,
           floor((ST_XMax(g) + margin + 180) * 4000)::bigint,
           floor((ST_YMin(g) - margin + 90) * 4000)::bigint,
           floor((ST_YMax(g) + margin + 90) * 4000)::bigint
$$;

-- Add the missing cells of every grid that meets a range of grid_cell_dirty (of every grid:
-- ``everything``). A square whose cell may have changed is in a range, and so is the grid it
-- is now inside, if any. JIT off: the planner cannot know how many squares generate_series
-- yields, guesses millions and compiles (≈ 0.3 s) what runs in a millisecond.
CREATE FUNCTION onegrid_refresh_grid_cells(everything boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    grids int[];
    cells bigint;
BEGIN
    -- one refresh at a time (a second one waits, then finds nothing left); readers go on
    LOCK TABLE grid_cell IN EXCLUSIVE MODE;
    IF everything THEN
        DELETE FROM grid_cell;
        grids := ARRAY(SELECT id FROM area WHERE level = 'grid');
    ELSE
        grids := ARRAY(
            SELECT DISTINCT a.id FROM grid_cell_dirty d JOIN area a ON a.level = 'grid'
               AND a.geom && ST_MakeEnvelope(d.x0 / 4000.0 - 180, d.y0 / 4000.0 - 90,
                                             (d.x1 + 1) / 4000.0 - 180,
                                             (d.y1 + 1) / 4000.0 - 90, 4490));
    END IF;
    -- squares wholly inside one grid that no other grid meets, tested grown by 1e-6 degree
    -- (migration 0009 says why)
    INSERT INTO grid_cell (cell, grid_id)
    SELECT x * 1000000 + y, a.id
    FROM area a, onegrid_cell_ranges(a.geom, 0) r,
         generate_series(r.x0, r.x1) x,
         generate_series(r.y0, r.y1) y,
         ST_MakeEnvelope(x / 4000.0 - 180 - 1e-6, y / 4000.0 - 90 - 1e-6,
                         (x + 1) / 4000.0 - 180 + 1e-6, (y + 1) / 4000.0 - 90 + 1e-6,
                         4490) AS square
    WHERE a.id = ANY(grids)
      -- one probe a square (OFFSET 0: not a hash of every cell for each grid)
      AND NOT EXISTS (SELECT FROM grid_cell c WHERE c.cell = x * 1000000 + y OFFSET 0)
      AND ST_ContainsProperly(a.geom, square)
      AND NOT EXISTS (SELECT FROM area b WHERE b.level = 'grid' AND b.id <> a.id
                                           AND ST_Intersects(b.geom, square));
    GET DIAGNOSTICS cells = ROW_COUNT;
    DELETE FROM grid_cell_dirty;
    RETURN cells;
END $$;

-- Forget the cells of the squares that may meet these shapes (their bounding boxes grown by
-- more than the refresh's 1e-6 degree) until the next refresh, and note where they were.
CREATE FUNCTION onegrid_forget_cells(shapes geometry[]) RETURNS void
LANGUAGE sql SET jit = off AS $$
    WITH ranges AS MATERIALIZED (
        SELECT r.* FROM unnest(shapes) g, onegrid_cell_ranges(g, 2e-6) r
    ), forgotten AS (
        DELETE FROM grid_cell c USING ranges f, generate_series(f.x0, f.x1) x
        WHERE c.cell BETWEEN x * 1000000 + f.y0 AND x * 1000000 + f.y1
    )
    INSERT INTO grid_cell_dirty SELECT * FROM ranges;
$$;

-- The shapes a statement's changed grids had and have. One function for the four statement
-- triggers: PL/pgSQL plans each branch when it first runs, so each branch reads only the
-- transition tables its trigger has.
CREATE FUNCTION onegrid_forget_grid_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM grid_cell;  -- not TRUNCATE: ingest keeps reading the old ones until commit
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

CREATE TRIGGER grid_cells_follow_new_areas AFTER INSERT ON area
    REFERENCING NEW TABLE AS came
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_forget_grid_cells();
CREATE TRIGGER grid_cells_follow_changed_areas AFTER UPDATE ON area
    REFERENCING OLD TABLE AS gone NEW TABLE AS came
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_forget_grid_cells();
CREATE TRIGGER grid_cells_follow_deleted_areas AFTER DELETE ON area
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_forget_grid_cells();
CREATE TRIGGER grid_cells_follow_emptied_areas AFTER TRUNCATE ON area
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_forget_grid_cells();
"""

OLD_FUNCTIONS = """
CREATE FUNCTION onegrid_refresh_grid_cells() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    cells bigint;
BEGIN
    LOCK TABLE grid_cell IN EXCLUSIVE MODE;
    DELETE FROM grid_cell;
    INSERT INTO grid_cell (cell, grid_id)
    SELECT x * 1000000 + y, a.id
    FROM area a,
         generate_series(floor((ST_XMin(a.geom) + 180) * 4000)::bigint,
                         floor((ST_XMax(a.geom) + 180) * 4000)::bigint) x,
         generate_series(floor((ST_YMin(a.geom) + 90) * 4000)::bigint,
                         floor((ST_YMax(a.geom) + 90) * 4000)::bigint) y,
         ST_MakeEnvelope(x / 4000.0 - 180 - 1e-6, y / 4000.0 - 90 - 1e-6,
                         (x + 1) / 4000.0 - 180 + 1e-6, (y + 1) / 4000.0 - 90 + 1e-6,
                         4490) AS square
    WHERE a.level = 'grid' AND ST_ContainsProperly(a.geom, square)
      AND NOT EXISTS (SELECT FROM area b WHERE b.level = 'grid' AND b.id <> a.id
                                           AND ST_Intersects(b.geom, square));
    GET DIAGNOSTICS cells = ROW_COUNT;
    RETURN cells;
END $$;

CREATE FUNCTION onegrid_forget_grid_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM grid_cell;
    RETURN NULL;
END $$;
CREATE TRIGGER grid_cells_follow_areas
    AFTER INSERT OR DELETE OR UPDATE OF geom, level OR TRUNCATE ON area
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_forget_grid_cells();
"""


def upgrade() -> None:
    op.execute("DROP TRIGGER grid_cells_follow_areas ON area")
    op.execute("DROP FUNCTION onegrid_forget_grid_cells()")
    op.execute("DROP FUNCTION onegrid_refresh_grid_cells()")
    op.create_table('grid_cell_dirty',
    sa.Column('x0', sa.BigInteger(), nullable=False),
    sa.Column('x1', sa.BigInteger(), nullable=False),
    sa.Column('y0', sa.BigInteger(), nullable=False),
    sa.Column('y1', sa.BigInteger(), nullable=False),
    )
    op.execute(FUNCTIONS)


def downgrade() -> None:
    for event in ("new", "changed", "deleted", "emptied"):
        op.execute(f"DROP TRIGGER grid_cells_follow_{event}_areas ON area")
    op.execute("DROP FUNCTION onegrid_forget_grid_cells()")
    op.execute("DROP FUNCTION onegrid_forget_cells(geometry[])")
    op.execute("DROP FUNCTION onegrid_cell_ranges(geometry, float8)")
    op.execute("DROP FUNCTION onegrid_refresh_grid_cells(boolean)")
    op.drop_table('grid_cell_dirty')
    op.execute(OLD_FUNCTIONS)
    op.execute("SELECT onegrid_refresh_grid_cells()")
