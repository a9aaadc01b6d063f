-- Temporary tables get no statistics from autovacuum: without them the plans below guess, and
-- can loop over the batch once per row (seconds instead of milliseconds). Join and filter
-- columns only, and not the subject keys: sorting 5,000 of them cost 3/4 of the ANALYZE
-- (≈ 0.75 µs a message), and they only join the batch to its own new subjects, both sides
-- batch-sized, which the planner hashes whatever it estimates.
ANALYZE staging (seq, rnk, dataset_id);

-- Each subject exists once: add the new ones, in key order so concurrent workers never
-- deadlock. A plain INSERT of the subjects not found (one index probe each): if another worker
-- adds one of them meanwhile, the unique key refuses the batch and the writer runs it again,
-- when this probe finds it. (ON CONFLICT DO NOTHING costs a speculative insertion per row,
-- ≈ 4 µs a new subject more than a plain INSERT.)
-- The key before its kind: a batch's subjects are mostly of one kind, and sorting 5,000 rows
-- whose first column ties took 7 ms instead of 4. (By the key's hash, 2 ms, but the unique
-- index then takes its entries in random order and the insert costs more than the sort saved.)
-- The reports of a subject added here are placed at once: it has no record yet anywhere, so
-- only the grid is looked up, by onegrid_grid_of's rule: the grid that contains the point (a
-- line's or polygon's point on surface); on an edge shared by grids the smallest code wins.
-- Most points are in a square of grid_cell, wholly inside one grid: one key lookup (≈ 1–3 µs);
-- the others (near an edge) take the spatial search (≈ 12–16 µs). coalesce runs it only then.
WITH added AS (
    INSERT INTO subject (kind, key, key_masked)
    SELECT DISTINCT ON (key, kind) s.kind, s.key, s.key_masked  -- once, if in two datasets
    FROM staging s
    -- one probe a report (OFFSET 0: not a hash of the whole subject table)
    LEFT JOIN LATERAL (SELECT 1 AS known FROM subject
                       WHERE kind = s.kind AND key = s.key OFFSET 0) k ON true
    WHERE s.rnk = 1 AND k.known IS NULL
    ORDER BY key, kind
    RETURNING id, kind, key
)
INSERT INTO placed (seq, subject_id, grid_id, record_pk)
SELECT s.seq, added.id,
       coalesce((SELECT grid_id FROM grid_cell
                 WHERE cell = onegrid_cell(coalesce(s.spot, s.geom))),
                (SELECT a.id FROM area a
                 WHERE a.level = 'grid' AND ST_Intersects(a.geom, coalesce(s.spot, s.geom))
                 ORDER BY a.code LIMIT 1)),
       NULL
FROM staging s
JOIN added ON added.kind = s.kind AND added.key = s.key;

-- Every other report, with a fresh snapshot (it sees the subjects the insert above skipped
-- because another worker added them): its subject, the record its dataset already holds for
-- the subject, if any, and its grid; a report at the record's stored location keeps the
-- record's grid without a lookup, any other is placed as above. Each lookup is one index probe
-- per report (OFFSET 0 keeps the planner from turning it into a hash join that reads the whole
-- table every batch).
INSERT INTO placed (seq, subject_id, grid_id, record_pk)
SELECT s.seq, sub.id,
       CASE WHEN rec.geom = s.geom THEN rec.grid_id
            ELSE coalesce((SELECT grid_id FROM grid_cell
                           WHERE cell = onegrid_cell(coalesce(s.spot, s.geom))),
                          (SELECT a.id FROM area a
                           WHERE a.level = 'grid'
                             AND ST_Intersects(a.geom, coalesce(s.spot, s.geom))
                           ORDER BY a.code LIMIT 1)) END,
       rec.id
FROM staging s
CROSS JOIN LATERAL (SELECT id FROM subject WHERE kind = s.kind AND key = s.key OFFSET 0) sub
LEFT JOIN LATERAL (SELECT id, geom, grid_id FROM record r
                   WHERE r.dataset_id = s.dataset_id AND r.subject_id = sub.id OFFSET 0) rec
       ON true
WHERE NOT EXISTS (SELECT FROM placed p WHERE p.seq = s.seq);

-- A located report in no grid is outside the city: the worker turns it into a dead letter.
DELETE FROM placed p USING staging s
WHERE p.seq = s.seq AND s.geom IS NOT NULL AND p.grid_id IS NULL
RETURNING p.seq, ST_X(coalesce(s.spot, s.geom)) AS lon, ST_Y(coalesce(s.spot, s.geom)) AS lat;

ANALYZE placed;

SELECT (SELECT count(*) FROM staging) - (SELECT count(*) FROM placed), coalesce(max(rnk), 0)
FROM staging;
