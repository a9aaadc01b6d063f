-- Grids whose issues in the last 24 h exceed their baseline (the :days days before that, one
-- count per 24 h window, zeros included) by :sigma population standard deviations.
WITH recent AS (
    SELECT grid_id, count(*) AS n FROM issue
    WHERE created_at > :now - interval '24 hours' AND grid_id IS NOT NULL
    GROUP BY grid_id
), past AS (
    SELECT i.grid_id,
           floor(extract(epoch FROM (:now - interval '24 hours') - i.created_at) / 86400) AS day,
           count(*) AS n
    FROM issue i JOIN recent r ON r.grid_id = i.grid_id
    WHERE i.created_at > :now - make_interval(days => :days + 1)
      AND i.created_at <= :now - interval '24 hours'
    GROUP BY 1, 2
), stats AS (
    SELECT r.grid_id, r.n, coalesce(sum(p.n), 0)::float / :days AS mean,
           coalesce(sum(p.n * p.n), 0)::float / :days AS mean_sq
    FROM recent r LEFT JOIN past p ON p.grid_id = r.grid_id
    GROUP BY r.grid_id, r.n
)
SELECT a.code, a.name, a.path, s.n AS last_24h, round(s.mean::numeric, 2) AS baseline,
       round(sqrt(greatest(s.mean_sq - s.mean * s.mean, 0))::numeric, 2) AS sd
FROM stats s JOIN area a ON a.id = s.grid_id
WHERE s.n >= :min_issues
  AND s.n > s.mean + :sigma * sqrt(greatest(s.mean_sq - s.mean * s.mean, 0))
ORDER BY s.n - s.mean DESC, a.code
LIMIT :limit;
