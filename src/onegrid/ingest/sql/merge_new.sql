-- Round :round, subjects new to this dataset: one record each, version 1, every attribute's
-- provenance naming the reporting department. If another worker created the record meanwhile
-- (possible only when producers partition one subject differently), the report is merged into
-- it as merge_known would, without a version row.
WITH created AS (
    INSERT INTO record AS r (dataset_id, subject_id, attributes, provenance, pii_hashes, geom,
                             grid_id, version, reports, occurred_at)
    SELECT s.dataset_id, p.subject_id, s.attributes, s.provenance, s.pii_hashes, s.geom,
           p.grid_id, 1, 1, s.occurred_at
    FROM staging s JOIN placed p ON p.seq = s.seq
    WHERE s.rnk = :round AND NOT EXISTS (
        SELECT 1 FROM record x WHERE x.dataset_id = s.dataset_id AND x.subject_id = p.subject_id)
    ON CONFLICT (dataset_id, subject_id) DO UPDATE SET
        attributes = r.attributes || onegrid_changes(EXCLUDED.attributes, r.attributes,
                                                     r.provenance, EXCLUDED.occurred_at),
        provenance = r.provenance || (
            SELECT coalesce(jsonb_object_agg(k, EXCLUDED.provenance -> k), '{}')
            FROM jsonb_object_keys(onegrid_changes(EXCLUDED.attributes, r.attributes,
                                                   r.provenance, EXCLUDED.occurred_at)) k),
        reports = r.reports + 1,
        occurred_at = greatest(r.occurred_at, EXCLUDED.occurred_at)
    RETURNING r.dataset_id, r.subject_id, (r.xmax = 0) AS inserted
)
SELECT s.dataset_id, s.department, count(*) AS received,
       count(*) FILTER (WHERE c.inserted) AS new, count(*) FILTER (WHERE c.inserted) AS versions
FROM created c
JOIN placed p ON p.subject_id = c.subject_id
JOIN staging s ON s.seq = p.seq AND s.rnk = :round AND s.dataset_id = c.dataset_id
GROUP BY s.dataset_id, s.department;
