-- Round :round, subjects this dataset already has: take the attributes that changed
-- (onegrid_changes: a late report never overwrites a newer value) with their provenance and a
-- version row; an identical re-report only counts as one more report. A record's first version
-- is written when it first changes (until then the record and its provenance are version 1).
WITH src AS (
    SELECT s.*, p.grid_id, r.id AS record_pk, r.version AS old_version,
           r.attributes AS old_attributes, r.provenance AS old_provenance,
           CASE WHEN r.attributes @> s.attributes THEN '{}'::jsonb  -- the common re-report: cheap
                ELSE onegrid_changes(s.attributes, r.attributes, r.provenance, s.occurred_at)
           END AS changes
    FROM staging s JOIN placed p ON p.seq = s.seq
    JOIN record r ON r.dataset_id = s.dataset_id AND r.subject_id = p.subject_id
    WHERE s.rnk = :round
), merged AS (
    UPDATE record r SET
        attributes = r.attributes || src.changes,
        provenance = CASE WHEN src.changes = '{}' THEN r.provenance  -- skip the function call
                          ELSE r.provenance || onegrid_provenance(src.changes, src.department,
                                                                  src.record_id, src.occurred_at,
                                                                  r.version + 1) END,
        pii_hashes = r.pii_hashes || src.pii_hashes,
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
    SELECT m.id, 1, d.id, first.value ->> 'record_id', m.old_attributes,
           (first.value ->> 'at')::timestamptz
    FROM merged m
    CROSS JOIN LATERAL (SELECT value FROM jsonb_each(m.old_provenance) LIMIT 1) first
    JOIN department d ON d.code = first.value ->> 'department'
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
