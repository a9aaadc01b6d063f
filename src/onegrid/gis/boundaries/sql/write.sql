-- Write the checked file into `area`, keeping each code's row (and id): a unit whose code is
-- known changes its name and shape in place, a new code is inserted under its parent; a unit
-- the file no longer lists goes in replace.sql. Run only when the report has no errors.

-- The shapes that change (before and after), where records and issues may change grid.
CREATE TEMP TABLE boundary_shape ON COMMIT DROP AS
SELECT g.geom FROM boundary_unit u LEFT JOIN area a ON a.code = u.code,
       LATERAL (VALUES (a.geom), (u.geom)) g(geom)
WHERE a.id IS NULL OR NOT ST_OrderingEquals(a.geom, u.geom)
UNION ALL
SELECT a.geom FROM boundary_removed r JOIN area a ON a.id = r.id;

UPDATE area a SET name = u.name, geom = u.geom
FROM boundary_unit u
WHERE a.code = u.code AND (a.name <> u.name OR NOT ST_OrderingEquals(a.geom, u.geom));

INSERT INTO area (code, name, level, parent_id, path, geom)
SELECT u.code, u.name, :level, p.id, p.path || '.' || u.code, u.geom
FROM boundary_unit u JOIN area p ON p.code = u.parent_code AND p.level = :parent_level
WHERE NOT EXISTS (SELECT FROM area a WHERE a.code = u.code)
ORDER BY u.code;
