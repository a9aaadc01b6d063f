-- One layer of the grid hierarchy as a Mapbox vector tile (Web Mercator, 4096 extent).
WITH bounds AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS env,
           ST_Transform(ST_TileEnvelope(:z, :x, :y), 4490) AS env_store
)
SELECT ST_AsMVT(t, :layer, 4096, 'geom') FROM (
    SELECT a.code, a.name, a.level,
           ST_AsMVTGeom(ST_Transform(a.geom, 3857), bounds.env, 4096, 64, true) AS geom
    FROM area a, bounds
    WHERE a.level = :level AND a.geom && bounds.env_store
) t
