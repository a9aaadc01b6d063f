-- grid_cell: a cache of area that places most points by a key lookup.
--
-- Ingest asks "which grid is this point in?" for every new located record. The spatial search
-- (area_grid_geom_idx, a GiST) costs ≈ 10–20 µs a point, most of it walking the index's leaf
-- entries rather than testing polygons; a primary-key lookup costs ≈ 1 µs. So the plane is cut
-- into squares of 1/4000 degree (≈ 28 × 25 m here), numbered by onegrid_cell, and grid_cell
-- holds each square wholly inside one grid that touches no other: a point there is in that
-- grid. Seven in eight of the city's points fall in one; the others (near an edge, outside the
-- city, or in a square forgotten until the next refresh) take the spatial search
-- (ingest/sql/merge.sql). The cells make placement faster, never different. A second table that
-- listed, for each square near an edge, the grids meeting it (grid_edge_cell, 2026-12) saved
-- ingest ≈ 1.2–1.7 µs of PostgreSQL's CPU a message, 3–4 % of its throughput; it was dropped for
-- a simpler cache and a refresh ≈ 15 % shorter.
--
-- A square is tested grown by 1e-6 degree (≈ 0.1 m) on each side: a point that onegrid_cell's
-- rounding puts into a square is at most ≈ 1e-13 degree outside it, so still inside that grid.
--
-- The table follows area. A statement that changes grids' geometries or levels forgets the
-- cells of the squares near the grids it changed (the triggers below) and notes their ranges in
-- grid_cell_dirty; onegrid_refresh_grid_cells() adds the missing cells back (the hierarchy
-- loader calls it last; after changing grids by hand, call it yourself). Names and parents
-- change nothing.
-- (Functions here read as pg_get_functiondef prints them: tests/platform/store/test_functions.py
-- compares them with the database's.)

-- The square a point is in: columns and rows of 1/4000 degree counted from (-180, -90).
-- Inlined into the statements that call it (one SQL expression).
CREATE OR REPLACE FUNCTION public.onegrid_cell(p geometry)
 RETURNS bigint
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
    SELECT floor((ST_X(p) + 180) * 4000)::bigint * 1000000 + floor((ST_Y(p) + 90) * 4000)::bigint
$function$;

-- The columns and rows of the squares that meet the geometry's bounding box grown by margin.
CREATE OR REPLACE FUNCTION public.onegrid_cell_ranges(g geometry, margin double precision)
 RETURNS grid_cell_dirty
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
    SELECT floor((ST_XMin(g) - margin + 180) * 4000)::bigint,
           floor((ST_XMax(g) + margin + 180) * 4000)::bigint,
           floor((ST_YMin(g) - margin + 90) * 4000)::bigint,
           floor((ST_YMax(g) + margin + 90) * 4000)::bigint
$function$;

-- Add the missing cells of every grid that meets a range of grid_cell_dirty (of every grid:
-- ``everything``) and return how many it added. A square whose cell may have changed is in a
-- range, and so is the grid it is now inside, if any. JIT off: the planner cannot know how many
-- squares generate_series yields, guesses millions and compiles (≈ 0.3 s) what runs in a
-- millisecond. Sequential scans off: planned while grid_cell is empty (a new store whose
-- grid_cell was vacuumed empty, as `onegrid import boundaries` does after each level), each
-- square's probe would read the whole table it is filling, and a district's first refresh
-- would take hours instead of seconds.
CREATE OR REPLACE FUNCTION public.onegrid_refresh_grid_cells(everything boolean DEFAULT false)
 RETURNS bigint
 LANGUAGE plpgsql
 SET jit TO 'off'
 SET enable_seqscan TO 'off'
AS $function$
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
END $function$;

-- Forget the cells of the squares that may meet these shapes (their bounding boxes grown by
-- more than the refresh's 1e-6 degree) until the next refresh, and note where they were.
CREATE OR REPLACE FUNCTION public.onegrid_forget_cells(shapes geometry[])
 RETURNS void
 LANGUAGE sql
 SET jit TO 'off'
AS $function$
    WITH ranges AS MATERIALIZED (
        SELECT r.* FROM unnest(shapes) g, onegrid_cell_ranges(g, 2e-6) r
    ), forgotten AS (
        DELETE FROM grid_cell c USING ranges f, generate_series(f.x0, f.x1) x
        WHERE c.cell BETWEEN x * 1000000 + f.y0 AND x * 1000000 + f.y1
    )
    INSERT INTO grid_cell_dirty SELECT * FROM ranges;
$function$;

-- The shapes a statement's changed grids had and have. One function for the four statement
-- triggers: PL/pgSQL plans each branch when it first runs, so each branch reads only the
-- transition tables its trigger has.
CREATE OR REPLACE FUNCTION public.onegrid_forget_grid_cells()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
END $function$;

CREATE OR REPLACE TRIGGER grid_cells_follow_new_areas AFTER INSERT ON area
    REFERENCING NEW TABLE AS came
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_forget_grid_cells();
CREATE OR REPLACE TRIGGER grid_cells_follow_changed_areas AFTER UPDATE ON area
    REFERENCING OLD TABLE AS gone NEW TABLE AS came
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_forget_grid_cells();
CREATE OR REPLACE TRIGGER grid_cells_follow_deleted_areas AFTER DELETE ON area
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_forget_grid_cells();
CREATE OR REPLACE TRIGGER grid_cells_follow_emptied_areas AFTER TRUNCATE ON area
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_forget_grid_cells();
