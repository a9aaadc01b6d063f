-- Temporary tables get no statistics from autovacuum: without them the plans below guess, and
-- can loop over the batch once per row (seconds instead of milliseconds). Join and filter
-- columns only, and not the subject keys: sorting 5,000 of them cost 3/4 of the ANALYZE
-- (≈ 0.75 µs a message), and they only join the batch to its own new subjects, both sides
-- batch-sized, which the planner hashes whatever it estimates.
ANALYZE staging (seq, rnk, dataset_id);

-- Each report's subject and where it goes, in one statement: every subject key is looked up
-- (one index probe a report: OFFSET 0 keeps the planner from hashing the whole table), and each
-- subject exists once:
-- - subjects not found are added, in key order so concurrent workers never deadlock; a plain
--   INSERT: if another worker adds one of them meanwhile, the unique key refuses the statement
--   and the writer runs it again, when the lookup finds it (ON CONFLICT DO NOTHING after the
--   lookup cost ≈ 2 µs a new subject more). In the unique key's order, the key before its
--   kind (migration 0014): a batch's subjects are mostly of one kind, and sorting 5,000 rows
--   whose first column ties took 7 ms instead of 4. (By the key's hash, 2 ms, but the unique
--   index then takes its entries in random order and the insert costs more than the sort
--   saved.) Such a subject has no record yet anywhere.
-- - the reports of subjects found take the record their dataset holds for the subject, if
--   any (one probe).
-- Then each report's grid: a report at its record's stored location keeps the record's grid;
-- any other is looked up by onegrid_grid_of's rule: the grid that contains the point (a line's
-- or polygon's point on surface); on an edge shared by grids the smallest code wins. Most
-- points are in a square of grid_cell, wholly inside one grid: one key lookup (≈ 1–3 µs); the
-- others (near an edge) take the spatial search (≈ 12–16 µs). coalesce runs it only then.
WITH probed AS MATERIALIZED (
    SELECT s.seq, s.rnk, s.dataset_id, s.kind, s.key, s.key_masked, s.geom,
           coalesce(s.spot, s.geom) AS place, known.id AS subject_id
    FROM staging s
    LEFT JOIN LATERAL (SELECT id FROM subject
                       WHERE kind = s.kind AND key = s.key OFFSET 0) known ON true
), added AS (
    INSERT INTO subject (kind, key, key_masked)
    -- once, if in two datasets
    SELECT DISTINCT ON (key, kind) kind, key, coalesce(key_masked, key)
    FROM probed WHERE subject_id IS NULL AND rnk = 1
    ORDER BY key, kind
    RETURNING id, kind, key
), placement AS (
    -- the reports of subjects added here: no record anywhere yet
    SELECT p.seq, added.id AS subject_id, p.geom, p.place,
           NULL::bigint AS record_pk, NULL::geometry AS record_geom, NULL::int AS record_grid
    FROM probed p JOIN added ON added.kind = p.kind AND added.key = p.key
    UNION ALL
    SELECT p.seq, p.subject_id, p.geom, p.place, rec.id, rec.geom, rec.grid_id
    FROM probed p
    LEFT JOIN LATERAL (SELECT id, geom, grid_id FROM record r
                       WHERE r.dataset_id = p.dataset_id AND r.subject_id = p.subject_id
                       OFFSET 0) rec ON true
    WHERE p.subject_id IS NOT NULL
)
INSERT INTO placed (seq, subject_id, grid_id, record_pk)
SELECT seq, subject_id,
       CASE WHEN record_geom = geom THEN record_grid
            ELSE coalesce((SELECT grid_id FROM grid_cell WHERE cell = onegrid_cell(place)),
                          (SELECT a.id FROM area a
                           WHERE a.level = 'grid' AND ST_Intersects(a.geom, place)
                           ORDER BY a.code LIMIT 1)) END,
       record_pk
FROM placement;

-- A located report in no grid is outside the city: the worker turns it into a dead letter.
DELETE FROM placed p USING staging s
WHERE p.seq = s.seq AND s.geom IS NOT NULL AND p.grid_id IS NULL
RETURNING p.seq, ST_X(coalesce(s.spot, s.geom)) AS lon, ST_Y(coalesce(s.spot, s.geom)) AS lat;

ANALYZE placed;

-- How many reports were placed (the writer checks that only those refused above are missing),
-- and how many of them have a record already (none: round 1 needs no merge of known subjects).
-- The merge rounds the writer counts itself, as it ranks the reports (from staging here, they
-- cost ≈ 1.5 ms a batch).
SELECT count(*), count(record_pk) FROM placed;
