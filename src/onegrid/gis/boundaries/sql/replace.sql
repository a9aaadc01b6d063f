-- After grids changed (write.sql): the units the file no longer lists go, and every record
-- and open issue near a changed grid or in a removed one, and every closed issue in a removed
-- one (its grid must exist; an open issue's must be right), is placed again by the store's
-- one rule (onegrid_grid_of, placement.sql). Only grids hold records and issues.

CREATE TEMP TABLE boundary_record ON COMMIT DROP AS
SELECT r.id, r.grid_id FROM boundary_shape s JOIN record r ON r.geom && s.geom
WHERE :level = 'grid'
UNION
SELECT r.id, r.grid_id FROM record r WHERE r.grid_id IN (SELECT id FROM boundary_removed);

CREATE TEMP TABLE boundary_issue ON COMMIT DROP AS
SELECT i.id, i.grid_id, i.status = ANY(CAST(:open_states AS text[])) AS open,
       (SELECT code FROM area WHERE id = i.grid_id) AS was
FROM issue i
WHERE i.grid_id IN (SELECT id FROM boundary_removed)
   OR (:level = 'grid' AND i.status = ANY(CAST(:open_states AS text[]))
       AND EXISTS (SELECT FROM boundary_shape s WHERE i.geom && s.geom));

-- what a removed unit still holds lets go of it first (the delete guards would refuse)
UPDATE record SET grid_id = NULL WHERE grid_id IN (SELECT id FROM boundary_removed);

UPDATE issue SET grid_id = NULL WHERE grid_id IN (SELECT id FROM boundary_removed);

DELETE FROM area WHERE id IN (SELECT id FROM boundary_removed);

-- Records: how many moved is the statement's row count.
UPDATE record r SET grid_id = p.now
FROM (SELECT c.id, c.grid_id AS was, onegrid_grid_of(r.geom) AS now
      FROM boundary_record c JOIN record r USING (id)) p
WHERE r.id = p.id AND p.was IS DISTINCT FROM p.now;

-- Issues: each move, for the issue's trace.
UPDATE issue i SET grid_id = onegrid_grid_of(i.geom)
FROM boundary_issue c
WHERE i.id = c.id AND c.grid_id IS DISTINCT FROM onegrid_grid_of(i.geom)
RETURNING i.id, c.open, c.was, (SELECT code FROM area WHERE id = i.grid_id) AS now;
