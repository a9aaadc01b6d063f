-- Put every located report in its grid; a report that falls in no grid is outside the city and
-- leaves the batch (the worker turns it into a dead letter).
UPDATE staging SET grid_id = onegrid_grid_of(geom) WHERE geom IS NOT NULL;

DELETE FROM staging WHERE geom IS NOT NULL AND grid_id IS NULL
RETURNING seq, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat;
