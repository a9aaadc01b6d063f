-- Each subject exists once: add the new ones (in key order, so concurrent workers never
-- deadlock), then rank the reports of one subject in one dataset by time: rank k is merged in
-- round k, because one INSERT … ON CONFLICT may not touch the same row twice.
INSERT INTO subject (kind, key, key_masked)
SELECT DISTINCT ON (kind, key) kind, key, key_masked FROM staging ORDER BY kind, key
ON CONFLICT (kind, key) DO NOTHING;

UPDATE staging s SET subject_id = r.subject_id, rnk = r.rnk
FROM (SELECT st.seq, sub.id AS subject_id,
             row_number() OVER (PARTITION BY st.dataset_id, sub.id
                                ORDER BY st.occurred_at, st.seq) AS rnk
      FROM staging st JOIN subject sub ON sub.kind = st.kind AND sub.key = st.key) r
WHERE s.seq = r.seq;

SELECT coalesce(max(rnk), 0) FROM staging;
