-- Temporary tables get no statistics from autovacuum: without them the plans below guess, and
-- can loop over the batch once per row (seconds instead of milliseconds). Join and filter
-- columns only, and not the subject keys: sorting 5,000 of them cost 3/4 of the ANALYZE
-- (≈ 0.75 µs a message), and each is only looked up in record's unique key, one probe
-- whatever the planner estimates. The writer runs it for a batch whose plan it wants made
-- again (BatchWriter._merge), not for every batch.
ANALYZE staging (seq, rnk, dataset_id);

-- Round :round: the reports that are the :round-th of their subject in their dataset, placed and
-- merged in one statement (one round in most batches; a later round finds what the earlier ones
-- wrote). Each report's record is looked up, new records are added, known records take the
-- changes, and the statement returns the counts and the reports outside the city. One statement
-- rather than one per step: the steps share one pass over the batch and one lookup of each
-- record, where separate statements each wrote, analysed and joined an intermediate table, and
-- looked the record up again (bench.writer_ab: the server's time 0.958 of that with half
-- re-reports, 0.993 with new subjects).
--
-- - Each report's record is looked up by its subject's key in its dataset (the unique key): one
--   index probe, which also reads what the merge compares. LIMIT 1 keeps the planner from
--   hashing the whole table, and tells it what the unique key means, one row at most (it
--   guessed four, and planned the rest for four times the batch).
-- - Each report's grid: a report at its record's stored location keeps the record's grid; any
--   other is looked up by onegrid_grid_of's rule: the grid that contains the point (a line's or
--   polygon's point on surface); on an edge shared by grids the smallest code wins. Most points
--   are in a square of grid_cell, wholly inside one grid: one key lookup (≈ 1–3 µs); the others
--   (near an edge, one in seven) take the spatial search (≈ 12–20 µs). coalesce runs it only
--   then. A located report in no grid is outside the city: the worker turns it into a dead
--   letter.
-- - A subject new to the dataset becomes a record, version 1 said by the reporting department;
--   its provenance is empty, as every attribute is version 1's (models.Record). A plain INSERT:
--   if another worker created the record since the lookup (possible only when producers
--   partition one subject differently), the unique key refuses the batch and the writer runs it
--   again, when the lookup finds the record (on the former subject table, ON CONFLICT DO NOTHING
--   after such a lookup cost ≈ 2 µs a row more).
-- - A known record takes the attributes that changed, points their provenance at a new version
--   said by this report, and gets the version row; so does a new location (the version row
--   keeps it, the provenance names it "geometry"), attributes changed or not. An identical
--   re-report only counts as one more report. "A new location" is one that differs from the
--   stored one coordinate for coordinate (geometry's =, as IS DISTINCT FROM applies it): the
--   same coordinates re-sent give the same double-precision values, so the same geometry, and
--   the comparison is a bounding-box and byte comparison that never fails, where ST_Equals
--   would run GEOS on every moved line or polygon and raise on a self-intersecting one. (A
--   polygon re-sent from another starting vertex is then a new version: it is another text.)
--   A late report (older than the record) moves nothing, as it changes no newer value. A record's first version row is written when it first changes (until then the
--   record itself is version 1). The expressions are written out rather than called as SQL
--   functions: a function with a FROM clause is run as a query of its own per call, ≈ 14 µs more
--   a changed re-report.
WITH located AS (
    SELECT s.seq, s.dataset_id, s.department_id, s.record_id, s.key, s.key_masked,
           s.occurred_at, s.geom, coalesce(s.spot, s.geom) AS place, s.attributes, s.sources,
           s.pii_hashes, rec.id AS record_pk, rec.geom AS record_geom,
           rec.grid_id AS record_grid, rec.version AS old_version,
           rec.attributes AS old_attributes, rec.provenance AS old_provenance,
           rec.sources AS old_sources, rec.occurred_at AS old_occurred_at
    FROM staging s
    LEFT JOIN LATERAL (SELECT id, geom, grid_id, version, attributes, provenance, sources,
                              occurred_at
                       FROM record r
                       WHERE r.subject_key = s.key AND r.dataset_id = s.dataset_id
                       LIMIT 1) rec ON true
    WHERE s.rnk = :round
), placed AS MATERIALIZED (
    SELECT l.*,
           CASE WHEN record_geom = geom THEN record_grid
                ELSE coalesce((SELECT grid_id FROM grid_cell WHERE cell = onegrid_cell(place)),
                              (SELECT a.id FROM area a
                               WHERE a.level = 'grid' AND ST_Intersects(a.geom, place)
                               ORDER BY a.code LIMIT 1)) END AS grid_id
    FROM located l
), kept AS NOT MATERIALIZED (  -- all but the reports outside the city (refused at the end)
    SELECT * FROM placed WHERE NOT (geom IS NOT NULL AND grid_id IS NULL)
), created AS (
    INSERT INTO record (dataset_id, subject_key, subject_key_masked, attributes, provenance,
                        sources, pii_hashes, geom, grid_id, version, reports, occurred_at)
    SELECT dataset_id, key, key_masked, attributes, '{}', sources::jsonb,
           coalesce(pii_hashes, '{}'), geom, grid_id, 1, 1, occurred_at
    FROM kept WHERE record_pk IS NULL
    -- no RETURNING: the counts below take the same rows from kept (an INSERT adds them all
    -- or fails the statement), without a copy of each new record
), src AS MATERIALIZED (  -- once per row: every SET below reads src.changes, src.moved
    SELECT p.*,
           CASE WHEN old_attributes @> attributes THEN '{}'::jsonb  -- the common re-report
                -- the values that differ, unless the current one was said later: a late
                -- report never overwrites a newer value
                ELSE (SELECT coalesce(jsonb_object_agg(n.key, n.value), '{}'::jsonb)
                      FROM jsonb_each(p.attributes) AS n
                      WHERE old_attributes -> n.key IS DISTINCT FROM n.value
                        AND coalesce((old_sources -> coalesce(old_provenance ->> n.key, '1')
                                      ->> 'at')::timestamptz <= p.occurred_at, true))
           END AS changes,
           geom IS NOT NULL AND occurred_at >= old_occurred_at
               AND geom IS DISTINCT FROM record_geom AS moved
    FROM kept p WHERE record_pk IS NOT NULL
), merged AS (
    UPDATE record r SET  -- (an identical re-report rebuilds no jsonb value)
        attributes = CASE WHEN src.changes = '{}' THEN r.attributes
                          ELSE r.attributes || src.changes END,
        provenance = CASE WHEN NOT (src.changes <> '{}' OR src.moved) THEN r.provenance
                          -- each changed attribute, and a new location, now come from the new
                          -- version
                          ELSE r.provenance || (SELECT jsonb_object_agg(k, r.version + 1)
                                               FROM (SELECT jsonb_object_keys(src.changes)
                                                     UNION ALL
                                                     SELECT 'geometry' WHERE src.moved) n(k))
                          END,
        sources = CASE WHEN NOT (src.changes <> '{}' OR src.moved) THEN r.sources
                       ELSE r.sources || jsonb_build_object((r.version + 1)::text,
                                                            src.sources::jsonb -> '1') END,
        pii_hashes = CASE WHEN src.pii_hashes IS NULL THEN r.pii_hashes
                          ELSE r.pii_hashes || src.pii_hashes END,
        version = r.version + (src.changes <> '{}' OR src.moved)::int,
        geom = CASE WHEN src.moved THEN src.geom ELSE r.geom END,
        grid_id = CASE WHEN src.moved THEN src.grid_id ELSE r.grid_id END,
        reports = r.reports + 1,
        occurred_at = greatest(r.occurred_at, src.occurred_at),
        updated_at = CASE WHEN src.changes <> '{}' OR src.moved THEN now() ELSE r.updated_at END
        -- no column that an index covers changes unless the location does: with room on the
        -- page the new row version stays there and touches no index (a heap-only tuple); the
        -- change's place in the feed is on its version row (sharing/changes.py)
    FROM src WHERE r.id = src.record_pk
      -- The batch's records by their ids, in one index scan: the planner cannot know how many
      -- reports have a record (all, none), and guessing most, it read and hashed the whole
      -- table for each batch instead (118 of 120 batches of a 600,000-message run).
      AND r.id = ANY (ARRAY(SELECT record_pk FROM src))
    RETURNING r.id, r.version, src.dataset_id, src.department_id,
              src.record_id, src.occurred_at, src.changes,
              src.changes <> '{}' OR src.moved AS changed, src.old_version,
              src.old_attributes, src.old_sources,
              -- the locations the version rows keep: the new one, and version 1's
              CASE WHEN src.moved THEN src.geom END AS moved_to,
              CASE WHEN src.old_version = 1 AND (src.changes <> '{}' OR src.moved)
                   THEN src.record_geom END AS first_geom
), first_versions AS (
    INSERT INTO record_version (record_id, version, department_id, source_record_id, changes,
                                occurred_at, dataset_id, geom)
    SELECT m.id, 1, d.id, m.old_sources -> '1' ->> 'record_id', m.old_attributes,
           (m.old_sources -> '1' ->> 'at')::timestamptz, m.dataset_id, m.first_geom
    FROM merged m JOIN department d ON d.code = m.old_sources -> '1' ->> 'department'
    WHERE m.old_version = 1 AND m.changed
    ON CONFLICT (record_id, version) DO NOTHING  -- stores from before lazy first versions
), versions AS (
    INSERT INTO record_version (record_id, version, department_id, source_record_id, changes,
                                occurred_at, dataset_id, change_seq, geom)
    SELECT id, version, department_id, record_id, changes, occurred_at, dataset_id,
           nextval('record_change_seq'), moved_to
    FROM merged WHERE changed
)
-- Per dataset and department: reports stored, new records, versions; then each report outside
-- the city (seq and where it is), which the writer turns into a dead letter.
SELECT t.dataset_id, d.code AS department, t.received, t.new, t.versions,
       NULL::int AS outside_seq, NULL::float8 AS lon, NULL::float8 AS lat
FROM (SELECT dataset_id, department_id, count(*) AS received, 0 AS new,
             count(*) FILTER (WHERE changed) AS versions
      FROM merged GROUP BY dataset_id, department_id
      UNION ALL
      SELECT dataset_id, department_id, count(*), count(*), count(*)
      FROM kept WHERE record_pk IS NULL
      GROUP BY dataset_id, department_id) t
JOIN department d ON d.id = t.department_id
UNION ALL
SELECT dataset_id, NULL, 0, 0, 0, seq, ST_X(place), ST_Y(place)
FROM placed WHERE geom IS NOT NULL AND grid_id IS NULL;
