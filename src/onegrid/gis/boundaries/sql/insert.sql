-- One feature of the file, moved from the CRS the file declares into EPSG:4490 by PROJ, heights
-- and measures dropped. A CRS the store knows by its SRID (:srid, from spatial_ref_sys) uses
-- the transformation PostGIS caches; any other (the WKT GDAL read from the file, :crs) builds
-- one for each feature, ≈ 30 ms.
INSERT INTO boundary_unit (n, label, code, name, parent_code, source)
SELECT :n, :label, :code, :name, :parent_code,
       CASE WHEN CAST(:srid AS integer) IS NOT NULL THEN ST_Transform(ST_SetSRID(g, :srid), 4490)
            ELSE ST_Transform(g, :crs, 4490) END
FROM ST_Force2D(ST_GeomFromWKB(:wkb)) AS g;
