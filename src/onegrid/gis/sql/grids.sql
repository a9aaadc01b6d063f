-- Cut every community under :root_path into square grids of :size_m metres. Squares are built in
-- the local CGCS2000 Gauss-Kruger zone :epsg (so they are metric) and clipped to the community in
-- the store's datum, so grids nest exactly inside it. A clipped square smaller than :min_share of
-- a full one is no grid a worker would patrol: it is folded into the neighbouring grid of the
-- same community with which it shares the longest edge.
CREATE TEMP TABLE grid_piece AS
SELECT row_number() OVER () AS id, c.id AS parent_id, c.code AS parent_code,
       c.path AS parent_path,
       ST_Multi(ST_CollectionExtract(
           ST_Intersection(ST_Transform(sq.geom, ST_SRID(c.geom)), c.geom), 3)) AS geom
FROM area c,
     LATERAL ST_SquareGrid(:size_m, ST_Transform(c.geom, :epsg)) AS sq
WHERE c.level = 'community' AND c.path LIKE :root_path || '.%'
  AND ST_Intersects(sq.geom, ST_Transform(c.geom, :epsg));

DELETE FROM grid_piece WHERE ST_IsEmpty(geom);

WITH sized AS (
    SELECT id, parent_id, geom, ST_Area(geom::geography) < :min_share * :size_m * :size_m AS small
    FROM grid_piece
), target AS (
    SELECT DISTINCT ON (s.id) s.id AS sliver_id, g.id AS target_id
    FROM sized s JOIN sized g
      ON s.small AND NOT g.small AND g.parent_id = s.parent_id AND ST_Intersects(g.geom, s.geom)
    ORDER BY s.id, ST_Length(ST_CollectionExtract(ST_Intersection(g.geom, s.geom), 2)) DESC
), grown AS (
    UPDATE grid_piece p SET geom = ST_Multi(ST_Union(p.geom, m.slivers))
    FROM (SELECT t.target_id, ST_Union(s.geom) AS slivers
          FROM target t JOIN grid_piece s ON s.id = t.sliver_id GROUP BY t.target_id) m
    WHERE p.id = m.target_id
)
DELETE FROM grid_piece WHERE id IN (SELECT sliver_id FROM target);

WITH numbered AS (
    SELECT *, row_number() OVER (
               PARTITION BY parent_id
               ORDER BY round(ST_Y(ST_PointOnSurface(geom))::numeric, 4) DESC,
                        ST_X(ST_PointOnSurface(geom))) AS n
    FROM grid_piece
)
INSERT INTO area (code, name, level, parent_id, path, geom)
SELECT parent_code || lpad(n::text, 3, '0'), '', 'grid', parent_id,
       parent_path || '.' || parent_code || lpad(n::text, 3, '0'), geom
FROM numbered;

DROP TABLE grid_piece;
