-- Round :round, subjects this dataset already has: take the attributes that changed
-- (onegrid_changes: a late report never overwrites a newer value), point their provenance at a
-- new version said by this report, and write the version row; an identical re-report only
-- counts as one more report. A record's first version row is written when it first changes
-- (until then the record itself is version 1).
WITH src AS MATERIALIZED (  -- once per row: every SET below reads src.changes
    SELECT s.*, p.grid_id, r.id AS record_pk, r.version AS old_version,
           r.attributes AS old_attributes, r.sources AS old_sources,
           CASE WHEN r.attributes @> s.attributes THEN '{}'::jsonb  -- the common re-report: cheap
                ELSE onegrid_changes(s.attributes, r.attributes, r.provenance, r.sources,
                                     s.occurred_at)
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
                          ELSE r.provenance || onegrid_provenance(src.changes, r.version + 1) END,
        sources = CASE WHEN src.changes = '{}' THEN r.sources
                       ELSE r.sources || jsonb_build_object((r.version + 1)::text,
                           jsonb_build_object('department', src.department,
                                              'record_id', src.record_id,
                                              'at', src.occurred_at)) END,
        pii_hashes = CASE WHEN src.pii_hashes = '{}' THEN r.pii_hashes
                          ELSE r.pii_hashes || src.pii_hashes END,
        version = r.version + (src.changes <> '{}')::int,
        geom = CASE WHEN src.geom IS NOT NULL AND src.occurred_at >= r.occurred_at
                    THEN src.geom ELSE r.geom END,
        grid_id = CASE WHEN src.geom IS NOT NULL AND src.occurred_at >= r.occurred_at
                       THEN src.grid_id ELSE r.grid_id END,
        reports = r.reports + 1,
        occurred_at = greatest(r.occurred_at, src.occurred_at),
        updated_at = CASE WHEN src.changes <> '{}' THEN now() ELSE r.updated_at END,
        change_seq = CASE WHEN src.changes <> '{}' THEN nextval('record_change_seq')
                          ELSE r.change_seq END
    FROM src WHERE r.id = src.record_pk
    RETURNING r.id, r.version, src.*
), first_versions AS (
    INSERT INTO record_version (record_id, version, department_id, source_record_id, changes,
                                occurred_at)
    SELECT m.id, 1, d.id, m.old_sources -> '1' ->> 'record_id', m.old_attributes,
           (m.old_sources -> '1' ->> 'at')::timestamptz
    FROM merged m JOIN department d ON d.code = m.old_sources -> '1' ->> 'department'
    WHERE m.old_version = 1 AND m.changes <> '{}'
    ON CONFLICT (record_id, version) DO NOTHING  -- stores from before lazy first versions
), versions AS (
    INSERT INTO record_version (record_id, version, department_id, source_record_id, changes,
                                occurred_at)
    SELECT id, version, department_id, record_id, changes, occurred_at
    FROM merged WHERE changes <> '{}'
)
SELECT dataset_id, department, count(*) AS received, 0 AS new,
       count(*) FILTER (WHERE changes <> '{}') AS versions
FROM merged GROUP BY dataset_id, department;
