-- Split every area of :parent_level under :root_path into ~:target_km2 pieces: a Voronoi diagram
-- of seeded random points, clipped to the parent. Cells cover the parent's envelope, so the
-- clipped pieces cover the parent exactly and neighbours share edges (no gap, no overlap).
WITH parent AS (
    SELECT id, code, path, geom,
           greatest(2, round(ST_Area(geom::geography) / 1e6 / :target_km2))::int AS n
    FROM area
    WHERE level = :parent_level AND (path = :root_path OR path LIKE :root_path || '.%')
), cell AS (
    SELECT p.id AS parent_id, p.code AS parent_code, p.path AS parent_path,
           ST_Multi(ST_CollectionExtract(ST_Intersection(v.geom, p.geom), 3)) AS geom
    FROM parent p,
         LATERAL ST_Dump(ST_VoronoiPolygons(
             ST_GeneratePoints(p.geom, p.n, :seed), 0, p.geom)) AS v
), numbered AS (
    SELECT *, row_number() OVER (
               PARTITION BY parent_id
               ORDER BY round(ST_Y(ST_PointOnSurface(geom))::numeric, 3) DESC,
                        ST_X(ST_PointOnSurface(geom))) AS n
    FROM cell WHERE NOT ST_IsEmpty(geom)
-- The codes have the 12-digit statistical division code's form (gis/boundaries/codes.py), as
-- a city's own files do: street 330302001000, community 330302001001.
), coded AS (
    SELECT *, CASE :child_level WHEN 'street' THEN parent_code || lpad(n::text, 3, '0') || '000'
                  ELSE left(parent_code, 9) || lpad(n::text, 3, '0') END AS code
    FROM numbered
)
INSERT INTO area (code, name, level, parent_id, path, geom)
SELECT code, '', :child_level, parent_id, parent_path || '.' || code, geom
FROM coded;
