-- One dataset's records as a vector tile: id, masked subject key and grid code (each unless the
-- caller's view hides it: NULL properties are left out) and only the attributes the caller may
-- see (jsonb columns become MVT properties).
WITH bounds AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS env,
           ST_Transform(ST_TileEnvelope(:z, :x, :y), 4490) AS env_store
)
SELECT ST_AsMVT(t, :layer, 4096, 'geom', 'id') FROM (
    SELECT r.id,
           CASE WHEN :show_key THEN coalesce(r.subject_key_masked, r.subject_key) END
               AS subject_key,
           CASE WHEN :show_grid THEN a.code END AS grid,
           (SELECT coalesce(jsonb_object_agg(k, v), '{}') FROM jsonb_each(r.attributes) e(k, v)
             WHERE k = ANY(:fields)) AS attributes,
           ST_AsMVTGeom(ST_Transform(r.geom, 3857), bounds.env, 4096, 64, true) AS geom
    FROM record r CROSS JOIN bounds
    LEFT JOIN area a ON a.id = r.grid_id
    WHERE r.dataset_id = :dataset AND r.geom && bounds.env_store
    LIMIT :max_features
) t
