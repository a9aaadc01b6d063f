-- What the file's geometry and codes say against the store: one row a finding (kind, the units
-- it names, a detail, a point in the problem). Areas are measured in the Gauss-Kruger zone
-- :epsg around the file (planar metres), shares against the smaller unit, so a tolerance means
-- the same for a grid as for a street. The forms of codes, names and parents the importer
-- checks in Python (codes.py).
WITH unit AS (
    SELECT * FROM boundary_unit WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom)
), parent AS (
    SELECT a.code, a.name, a.geom FROM area a
    WHERE a.level = :parent_level AND a.code IN (SELECT parent_code FROM boundary_unit)
), sibling AS (  -- the file's units, and for districts the city's others, which stay
    SELECT label, parent_code, geom FROM unit
    UNION ALL
    SELECT a.code || ' ' || a.name || ' (in the store)', p.code, a.geom
    FROM area a JOIN area p ON p.id = a.parent_id
    WHERE :level = 'district' AND a.level = 'district'
      AND p.code IN (SELECT parent_code FROM boundary_unit)
      AND a.code NOT IN (SELECT code FROM boundary_unit)
)
SELECT 'no-geometry' AS kind, ARRAY[label] AS units,
       CASE WHEN source IS NULL THEN 'the feature has no geometry'
            ELSE 'a ' || GeometryType(source) || ' is no area' END AS detail,
       NULL::float8 AS x, NULL::float8 AS y
FROM boundary_unit WHERE geom IS NULL OR ST_IsEmpty(geom)
UNION ALL
SELECT 'repaired-geometry', ARRAY[label], invalid || ' (repaired with ST_MakeValid)',
       ST_X(invalid_at), ST_Y(invalid_at)
FROM unit WHERE invalid IS NOT NULL
UNION ALL
SELECT 'duplicate-code', array_agg(label ORDER BY n), code || ' is used ' || count(*) || ' times',
       NULL, NULL
FROM boundary_unit WHERE code <> '' GROUP BY code HAVING count(*) > 1
UNION ALL
SELECT 'missing-parent', ARRAY[u.label],
       'no ' || :parent_level || ' ' || u.parent_code || ' in the store: import that level first',
       NULL, NULL
FROM boundary_unit u
WHERE :level <> 'district' AND u.parent_code <> ''
  AND NOT EXISTS (SELECT FROM parent p WHERE p.code = u.parent_code)
UNION ALL
SELECT 'level-clash', ARRAY[u.label], u.code || ' is a ' || a.level || ' in the store', NULL, NULL
FROM boundary_unit u JOIN area a ON a.code = u.code AND a.level <> :level
UNION ALL
SELECT 'outside-parent', ARRAY[u.label],
       round((100 * m.outside / m.whole)::numeric, 2) || ' % of it (' || round(m.outside) || ' m²) lies '
       || 'outside ' || p.code || ' ' || p.name, ST_X(m.pt), ST_Y(m.pt)
FROM unit u JOIN parent p ON p.code = u.parent_code,
     LATERAL (SELECT ST_CollectionExtract(ST_Difference(u.geom, p.geom), 3) AS g) d,
     LATERAL (SELECT ST_Area(ST_Transform(d.g, :epsg)) AS outside,
                     ST_Area(ST_Transform(u.geom, :epsg)) AS whole,
                     ST_PointOnSurface(d.g) AS pt) m
WHERE :level <> 'district' AND m.outside > :outside_share * m.whole
UNION ALL
SELECT 'overlap', ARRAY[a.label, b.label],
       'they share ' || round(m.shared) || ' m², ' || round((100 * m.shared / m.smaller)::numeric, 2)
       || ' % of the smaller', ST_X(m.pt), ST_Y(m.pt)
FROM sibling a JOIN sibling b
  ON a.parent_code = b.parent_code AND a.label < b.label AND a.geom && b.geom
     AND ST_Intersects(a.geom, b.geom),
     LATERAL (SELECT ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS g) i,
     LATERAL (SELECT ST_Area(ST_Transform(i.g, :epsg)) AS shared,
                     least(ST_Area(ST_Transform(a.geom, :epsg)),
                           ST_Area(ST_Transform(b.geom, :epsg))) AS smaller,
                     ST_PointOnSurface(i.g) AS pt) m
WHERE m.shared > :overlap_share * m.smaller
UNION ALL
SELECT 'removed-with-children', ARRAY[r.label],
       'not in the file, so it would go, but ' || count(*) || ' areas lie under it', NULL, NULL
FROM boundary_removed r JOIN area c ON c.parent_id = r.id GROUP BY r.label
UNION ALL
SELECT 'removed-with-tasks', ARRAY[r.label],
       'not in the file, so it would go, but ' || count(*) || ' tasks were pushed to it',
       NULL, NULL
FROM boundary_removed r JOIN grid_task t ON t.area_id = r.id GROUP BY r.label
UNION ALL
SELECT 'workers-unassigned', ARRAY[r.label],
       'not in the file, so it goes, and ' || count(*) || ' people assigned to it lose it',
       NULL, NULL
FROM boundary_removed r JOIN user_grid ug ON ug.area_id = r.id GROUP BY r.label;
