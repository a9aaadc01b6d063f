-- Claim the batch's partitions for this consumer group: lock their stored offsets (a worker
-- that lost the partition in a rebalance waits here, then sees what the other one stored),
-- return them, and advance them past the batch, all inside the batch's transaction.
INSERT INTO ingest_offset (consumer_group, topic, partition, next_offset)
SELECT :group, t, p, 0 FROM unnest(CAST(:topics AS text[]), CAST(:partitions AS int[])) AS u(t, p)
ORDER BY t, p
ON CONFLICT DO NOTHING;

SELECT topic, partition, next_offset FROM ingest_offset
WHERE consumer_group = :group
  AND (topic, partition) IN (SELECT * FROM unnest(CAST(:topics AS text[]),
                                                   CAST(:partitions AS int[])))
ORDER BY topic, partition
FOR UPDATE;

UPDATE ingest_offset o SET next_offset = greatest(o.next_offset, u.next), updated_at = now()
FROM unnest(CAST(:topics AS text[]), CAST(:partitions AS int[]), CAST(:ends AS bigint[]))
     AS u(t, p, next)
WHERE o.consumer_group = :group AND o.topic = u.t AND o.partition = u.p;
