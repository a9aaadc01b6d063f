-- Round :round, subjects new to this dataset: one record each, version 1, every attribute's
-- provenance naming the reporting department. A record another worker created meanwhile is
-- skipped here (ON CONFLICT) and merged by merge_known on the next pass.
WITH created AS (
    INSERT INTO record (dataset_id, subject_id, attributes, provenance, pii_hashes, geom,
                        grid_id, version, reports, occurred_at)
    SELECT dataset_id, subject_id, attributes,
           onegrid_provenance(attributes, department, record_id, occurred_at, 1),
           pii_hashes, geom, grid_id, 1, 1, occurred_at
    FROM staging WHERE rnk = :round AND NOT done
    ORDER BY dataset_id, subject_id
    ON CONFLICT (dataset_id, subject_id) DO NOTHING
    RETURNING id, dataset_id, subject_id
), src AS (
    SELECT s.*, c.id AS record_pk FROM created c
    JOIN staging s ON s.dataset_id = c.dataset_id AND s.subject_id = c.subject_id
                  AND s.rnk = :round
), versions AS (
    INSERT INTO record_version (record_id, version, department_id, source_record_id, changes,
                                occurred_at)
    SELECT record_pk, 1, department_id, record_id, attributes, occurred_at FROM src
), done AS (
    UPDATE staging s SET done = true FROM src WHERE s.seq = src.seq
)
SELECT dataset_id, department, count(*) AS received, count(*) AS new, count(*) AS versions
FROM src GROUP BY dataset_id, department;

SELECT count(*) FROM staging WHERE rnk = :round AND NOT done;
