-- How much of each parent the file's units cover, in % of its area, and the gaps: the pieces
-- of the parent that no unit covers, each with its area (m², in the zone :epsg) and a point
-- in it. Gaps under :gap_min_m2 are only counted.
WITH covered AS (
    SELECT p.code, p.name, p.geom, c.children
    FROM area p
    JOIN (SELECT parent_code, ST_Union(geom) AS children FROM boundary_unit
          WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom) GROUP BY parent_code) c
      ON c.parent_code = p.code
    WHERE p.level = :parent_level
), gap AS (
    SELECT c.code, ST_Area(ST_Transform(d.geom, :epsg)) AS m2, ST_PointOnSurface(d.geom) AS pt
    FROM covered c, ST_Dump(ST_CollectionExtract(ST_Difference(c.geom, c.children), 3)) d
)
SELECT c.code || ' ' || c.name AS parent,
       100 * ST_Area(ST_Transform(ST_Intersection(c.geom, c.children), :epsg))
           / ST_Area(ST_Transform(c.geom, :epsg)) AS percent,
       coalesce((SELECT jsonb_agg(jsonb_build_object(
                            'area_m2', round(g.m2::numeric, 1),
                            'where', jsonb_build_array(round(ST_X(g.pt)::numeric, 7),
                                                       round(ST_Y(g.pt)::numeric, 7)))
                        ORDER BY g.m2 DESC)
                 FROM gap g WHERE g.code = c.code AND g.m2 >= :gap_min_m2), '[]') AS gaps,
       (SELECT count(*) FROM gap g WHERE g.code = c.code AND g.m2 < :gap_min_m2) AS small_gaps
FROM covered c ORDER BY c.code;
