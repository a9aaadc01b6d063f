"""grid_cell: squares wholly inside one grid, so placing a point is a key lookup

Revision ID: 0009
Revises: 0008

Ingest asks "which grid is this point in?" for every new located record. The GiST search of
area_grid_geom_idx costs ≈ 12 µs a point (most of it walking the index's leaf entries, not the
point-in-polygon test), a sixth of PostgreSQL's work for a new subject; a primary-key lookup
costs ≈ 1 µs. grid_cell numbers squares of 1/4000 degree (≈ 28 × 25 m here) and keeps those
wholly inside exactly one grid, where seven in eight of the city's points fall; a point
in any other square (near an edge, outside the city) is placed by the spatial search as before,
so the rule — the grid containing the point, the smallest code on a shared edge — never
changes. The table is a cache of area: any statement that changes areas' geometries or levels
empties it (a trigger), and onegrid_refresh_grid_cells() rebuilds it (the hierarchy loader calls
it last; ≈ 5 s for 1,586 grids). It has no foreign key: the trigger already keeps it from
naming a grid that changed.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

FUNCTIONS = """
-- The square a point is in: columns and rows of 1/4000 degree counted from (-180, -90).
-- Inlined into the statements that call it (one SQL expression).
CREATE FUNCTION onegrid_cell(p geometry) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT floor((ST_X(p) + 180) * 4000)::bigint * 1000000 + floor((ST_Y(p) + 90) * 4000)::bigint
$$;

-- Every square wholly inside one grid that touches no other grid. The square is tested grown
-- by 1e-6 degree (≈ 0.1 m) on each side: a point that onegrid_cell's rounding puts into a square
-- is at most ≈ 1e-13 degree outside it, so it is still inside that one grid.
CREATE FUNCTION onegrid_refresh_grid_cells() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    cells bigint;
BEGIN
    -- one refresh at a time (a second one waits, then starts over); readers are not blocked
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
    DELETE FROM grid_cell;  -- not TRUNCATE: ingest keeps reading the old ones until commit
    RETURN NULL;
END $$;
CREATE TRIGGER grid_cells_follow_areas
    AFTER INSERT OR DELETE OR UPDATE OF geom, level OR TRUNCATE ON area
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_forget_grid_cells();
"""

DROP_FUNCTIONS = """
DROP TRIGGER grid_cells_follow_areas ON area;
DROP FUNCTION onegrid_forget_grid_cells();
DROP FUNCTION onegrid_refresh_grid_cells();
DROP FUNCTION onegrid_cell(geometry);
"""


def upgrade() -> None:
    op.create_table('grid_cell',
    sa.Column('cell', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('cell')
    )
    op.execute(FUNCTIONS)
    op.execute("SELECT onegrid_refresh_grid_cells()")


def downgrade() -> None:
    op.execute(DROP_FUNCTIONS)
    op.drop_table('grid_cell')
