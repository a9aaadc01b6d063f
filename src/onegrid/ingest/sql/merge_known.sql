-- Round :round, subjects this dataset already has: take the attributes that changed, point
-- their provenance at a new version said by this report, and write the version row; an
-- identical re-report only counts as one more report. A record's first version row is written
-- when it first changes (until then the record itself is version 1). The expressions are
-- written out rather than called as SQL functions: a function with a FROM clause is run as a
-- query of its own per call, ≈ 14 µs more a changed re-report (migration 0010).
WITH src AS MATERIALIZED (  -- once per row: every SET below reads src.changes
    SELECT s.dataset_id, s.department_id, s.record_id, s.occurred_at, s.geom,
           s.sources, s.pii_hashes, p.grid_id, r.id AS record_pk, r.version AS old_version,
           r.attributes AS old_attributes, r.sources AS old_sources,
           CASE WHEN r.attributes @> s.attributes THEN '{}'::jsonb  -- the common re-report: cheap
                -- the values that differ, unless the current one was said later: a late
                -- report never overwrites a newer value
                ELSE (SELECT coalesce(jsonb_object_agg(n.key, n.value), '{}'::jsonb)
                      FROM jsonb_each(s.attributes) AS n
                      WHERE r.attributes -> n.key IS DISTINCT FROM n.value
                        AND coalesce((r.sources -> coalesce(r.provenance ->> n.key, '1')
                                      ->> 'at')::timestamptz <= s.occurred_at, true))
           END AS changes
    FROM staging s JOIN placed p ON p.seq = s.seq
    -- One index probe per report (OFFSET 0): a batch of new subjects leaves record_pk all NULL,
    -- and the planner, estimating one row, would hash the whole record table to join none.
    CROSS JOIN LATERAL (SELECT * FROM record WHERE id = p.record_pk OFFSET 0) r
    WHERE s.rnk = :round
), merged AS (
    UPDATE record r SET  -- (an identical re-report rebuilds no jsonb value)
        attributes = CASE WHEN src.changes = '{}' THEN r.attributes
                          ELSE r.attributes || src.changes END,
        provenance = CASE WHEN src.changes = '{}' THEN r.provenance
                          -- each changed attribute now comes from the new version
                          ELSE r.provenance || (SELECT jsonb_object_agg(k, r.version + 1)
                                               FROM jsonb_object_keys(src.changes) k) END,
        sources = CASE WHEN src.changes = '{}' THEN r.sources
                       ELSE r.sources || jsonb_build_object((r.version + 1)::text,
                                                            src.sources::jsonb -> '1') END,
        pii_hashes = CASE WHEN src.pii_hashes IS NULL THEN r.pii_hashes
                          ELSE r.pii_hashes || src.pii_hashes END,
        version = r.version + (src.changes <> '{}')::int,
        geom = CASE WHEN src.geom IS NOT NULL AND src.occurred_at >= r.occurred_at
                    THEN src.geom ELSE r.geom END,
        grid_id = CASE WHEN src.geom IS NOT NULL AND src.occurred_at >= r.occurred_at
                       THEN src.grid_id ELSE r.grid_id END,
        reports = r.reports + 1,
        occurred_at = greatest(r.occurred_at, src.occurred_at),
        updated_at = CASE WHEN src.changes <> '{}' THEN now() ELSE r.updated_at END
        -- no column that an index covers changes unless the location does: with room on the
        -- page the new row version stays there and touches no index (a heap-only tuple); the
        -- change's place in the feed is on its version row (migration 0012)
    FROM src WHERE r.id = src.record_pk
    RETURNING r.id, r.version, src.dataset_id, src.department_id,
              src.record_id, src.occurred_at, src.changes, src.old_version, src.old_attributes,
              src.old_sources
), first_versions AS (
    INSERT INTO record_version (record_id, version, department_id, source_record_id, changes,
                                occurred_at, dataset_id)
    SELECT m.id, 1, d.id, m.old_sources -> '1' ->> 'record_id', m.old_attributes,
           (m.old_sources -> '1' ->> 'at')::timestamptz, m.dataset_id
    FROM merged m JOIN department d ON d.code = m.old_sources -> '1' ->> 'department'
    WHERE m.old_version = 1 AND m.changes <> '{}'
    ON CONFLICT (record_id, version) DO NOTHING  -- stores from before lazy first versions
), versions AS (
    INSERT INTO record_version (record_id, version, department_id, source_record_id, changes,
                                occurred_at, dataset_id, change_seq)
    SELECT id, version, department_id, record_id, changes, occurred_at, dataset_id,
           nextval('record_change_seq')
    FROM merged WHERE changes <> '{}'
)
SELECT m.dataset_id, d.code, count(*) AS received, 0 AS new,
       count(*) FILTER (WHERE m.changes <> '{}') AS versions
FROM merged m JOIN department d ON d.id = m.department_id GROUP BY m.dataset_id, d.code;
