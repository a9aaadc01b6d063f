-- The children of one area with their open issues (issues in any grid below each child) and
-- their outlines; :prefix is the parent's path followed by '.', so it matches descendants only.
WITH open_by_grid AS (
    SELECT g.path, count(*) AS n
    FROM issue i JOIN area g ON g.id = i.grid_id
    WHERE i.status = ANY(:open) AND g.path LIKE :prefix
    GROUP BY g.path
)
SELECT c.code, c.name, c.level, ST_AsGeoJSON(c.geom, 5) AS geojson,
       coalesce((SELECT sum(o.n) FROM open_by_grid o
                 WHERE o.path = c.path OR o.path LIKE c.path || '.%'), 0)::int AS open
FROM area c
WHERE c.parent_id = :parent_id
ORDER BY c.code;
