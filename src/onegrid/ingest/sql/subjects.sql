-- Each subject exists once: add the new ones (in key order, so concurrent workers never
-- deadlock), then rank the reports of one subject in one dataset in arrival order (the order of
-- its partition, since the subject key is the message key): rank k is merged in round k, as one
-- statement may not change the same row twice. Arrival order, not report time, so the result
-- never depends on where batches happen to start; late reports lose by the time rule instead.
INSERT INTO subject (kind, key, key_masked)
SELECT DISTINCT ON (kind, key) kind, key, key_masked FROM staging ORDER BY kind, key
ON CONFLICT (kind, key) DO NOTHING;

UPDATE staging s SET subject_id = r.subject_id, rnk = r.rnk
FROM (SELECT st.seq, sub.id AS subject_id,
             row_number() OVER (PARTITION BY st.dataset_id, sub.id
                                ORDER BY st.seq) AS rnk
      FROM staging st JOIN subject sub ON sub.kind = st.kind AND sub.key = st.key) r
WHERE s.seq = r.seq;

SELECT coalesce(max(rnk), 0) FROM staging;
