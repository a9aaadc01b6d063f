-- Temporary tables get no statistics from autovacuum: without them the plans below guess, and
-- can loop over the batch once per row (seconds instead of milliseconds). Join columns only.
ANALYZE staging (seq, rnk, dataset_id, kind, key);

-- Each subject exists once: add the new ones (in key order, so concurrent workers never
-- deadlock) and take their ids from the insert; look up only the subjects that already existed.
-- Reports go with their subject id into the narrow table `placed` (cheaper than rewriting the
-- wide staging rows).
WITH reported AS (
    SELECT DISTINCT ON (kind, key) kind, key, key_masked FROM staging ORDER BY kind, key
), added AS (
    INSERT INTO subject (kind, key, key_masked) SELECT * FROM reported
    ON CONFLICT (kind, key) DO NOTHING
    RETURNING id, kind, key
), known AS (
    SELECT sub.id, sub.kind, sub.key FROM reported r
    JOIN subject sub ON sub.kind = r.kind AND sub.key = r.key
    WHERE NOT EXISTS (SELECT 1 FROM added a WHERE a.kind = r.kind AND a.key = r.key)
), subjects AS (
    SELECT * FROM added UNION ALL SELECT * FROM known
)
INSERT INTO placed (seq, subject_id)
SELECT s.seq, sub.id FROM staging s JOIN subjects sub ON sub.kind = s.kind AND sub.key = s.key;

ANALYZE placed;

-- The grid contains the point; on an edge shared by grids the smallest code wins
-- (onegrid_grid_of's rule, as a join here: twice as fast as calling it per row).
UPDATE placed p SET grid_id = g.id
FROM (SELECT DISTINCT ON (s.seq) s.seq, a.id
      FROM staging s JOIN area a ON a.level = 'grid' AND ST_Intersects(a.geom, s.geom)
      ORDER BY s.seq, a.code) g
WHERE g.seq = p.seq;

-- A located report in no grid is outside the city: the worker turns it into a dead letter.
DELETE FROM placed p USING staging s
WHERE p.seq = s.seq AND s.geom IS NOT NULL AND p.grid_id IS NULL
RETURNING p.seq, ST_X(ST_PointOnSurface(s.geom)) AS lon, ST_Y(ST_PointOnSurface(s.geom)) AS lat;

SELECT (SELECT count(*) FROM staging) - (SELECT count(*) FROM placed), coalesce(max(rnk), 0)
FROM staging;
