-- Each subject exists once: add the new ones (in key order, so concurrent workers never
-- deadlock). Then one pass gives every report its subject and its grid (onegrid_grid_of: the
-- grid containing the point; on a shared edge, the smallest code). A located report in no grid
-- is outside the city and leaves the batch: the worker turns it into a dead letter.
INSERT INTO subject (kind, key, key_masked)
SELECT DISTINCT ON (kind, key) kind, key, key_masked FROM staging ORDER BY kind, key
ON CONFLICT (kind, key) DO NOTHING;

UPDATE staging s
SET subject_id = (SELECT id FROM subject WHERE kind = s.kind AND key = s.key),
    grid_id = CASE WHEN s.geom IS NOT NULL THEN onegrid_grid_of(s.geom) END;

DELETE FROM staging WHERE geom IS NOT NULL AND grid_id IS NULL
RETURNING seq, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat;

SELECT coalesce(max(rnk), 0) FROM staging;
