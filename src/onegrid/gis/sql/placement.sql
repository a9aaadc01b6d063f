-- Which grid a record or an issue is in.
-- (Functions here read as pg_get_functiondef prints them: tests/platform/store/test_functions.py
-- compares them with the database's.)

-- The grid a geometry belongs to: the grid containing the point (or a line's or polygon's point
-- on surface). A point on an edge shared by grids belongs to the one with the smallest code.
-- Issues are placed by it (loop/intake.py); ingest applies the same rule, but first looks the
-- point's square up in grid_cell (ingest/sql/merge.sql, grid_cells.sql).
CREATE OR REPLACE FUNCTION public.onegrid_grid_of(g geometry)
 RETURNS integer
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$
    SELECT a.id FROM area a
    WHERE a.level = 'grid'
      AND ST_Intersects(a.geom, CASE WHEN GeometryType(g) = 'POINT' THEN g
                                     ELSE ST_PointOnSurface(g) END)
    ORDER BY a.code LIMIT 1
$function$;
