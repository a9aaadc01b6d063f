-- Round :round, subjects new to this dataset: one record each, version 1 said by the reporting
-- department; its provenance is empty, as every attribute is version 1's (models.Record). A
-- plain INSERT: if another worker created the record since placement (possible only when
-- producers partition one subject differently), the unique key refuses the batch and the
-- writer runs it again, when placement finds the record. Later rounds' reports of the same
-- subjects are pointed at the new records.
WITH created AS (
    INSERT INTO record (dataset_id, subject_id, attributes, provenance, sources, pii_hashes,
                        geom, grid_id, version, reports, occurred_at)
    SELECT s.dataset_id, p.subject_id, s.attributes, '{}', s.sources::jsonb,
           coalesce(s.pii_hashes, '{}'), s.geom, p.grid_id, 1, 1, s.occurred_at
    FROM staging s JOIN placed p ON p.seq = s.seq
    WHERE s.rnk = :round AND p.record_pk IS NULL
    RETURNING id, dataset_id, subject_id, sources -> '1' ->> 'department' AS department
), later AS (
    UPDATE placed p SET record_pk = c.id
    FROM created c, staging s
    WHERE :round < :rounds AND s.seq = p.seq AND s.rnk > :round
      AND p.subject_id = c.subject_id AND s.dataset_id = c.dataset_id
)
SELECT dataset_id, department, count(*) AS received, count(*) AS new, count(*) AS versions
FROM created GROUP BY dataset_id, department;
