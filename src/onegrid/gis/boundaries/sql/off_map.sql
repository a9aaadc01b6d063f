-- Units outside China's extent (73–136°E, 3–54°N, its islands included): their coordinates are
-- not what the CRS the file declares says (metres labelled as degrees pass PROJ unchanged), so
-- no other spatial check means anything until the CRS is right.
SELECT label, round(ST_XMin(geom)::numeric, 3), round(ST_YMin(geom)::numeric, 3)
FROM boundary_unit
WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom)
  AND NOT ST_Within(geom, ST_MakeEnvelope(73, 3, 136, 54, 4490))
ORDER BY n;
