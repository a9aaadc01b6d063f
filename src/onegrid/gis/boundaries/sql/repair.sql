-- Repair what is invalid (self-intersections, bow-ties, rings touching themselves) with
-- ST_MakeValid, keeping only its polygons; note why and where each was invalid.
UPDATE boundary_unit u
SET invalid = CASE WHEN d.valid THEN NULL ELSE d.reason END,
    invalid_at = d.location,
    geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(u.source), 3))
FROM boundary_unit s, ST_IsValidDetail(s.source) d
WHERE s.n = u.n AND u.source IS NOT NULL;

-- The units of the file's parents that the file no longer lists: a re-import replaces a
-- parent's children at this level, so these go. Districts are loaded one by one (a city is
-- the union of its districts), so a district file removes none.
CREATE TEMP TABLE boundary_removed ON COMMIT DROP AS
SELECT a.id, a.code, a.code || ' ' || a.name AS label
FROM area a JOIN area p ON p.id = a.parent_id
WHERE a.level = :level AND :level <> 'district'
  AND p.code IN (SELECT parent_code FROM boundary_unit)
  AND a.code NOT IN (SELECT code FROM boundary_unit);
