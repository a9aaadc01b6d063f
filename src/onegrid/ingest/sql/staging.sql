-- One batch of accepted reports, loaded by COPY. A temporary table is unlogged and private to
-- the worker's connection; ON COMMIT DELETE ROWS empties it after every batch. ``rnk`` numbers
-- the reports of one subject in one dataset in arrival order (the worker computes it).
CREATE TEMP TABLE IF NOT EXISTS staging (
    seq           int NOT NULL,
    rnk           int NOT NULL,
    dataset_id    text NOT NULL,
    department    text NOT NULL,
    department_id int NOT NULL,
    record_id     text NOT NULL,
    kind          text NOT NULL,
    key           text NOT NULL,
    key_masked    text NOT NULL,
    occurred_at   timestamptz NOT NULL,
    lon           float8,  -- a point (most records): no GeoJSON to parse
    lat           float8,
    geojson       text,    -- any other geometry
    attributes    jsonb NOT NULL,
    -- a new record's provenance and sources ({"1": who said it}): JSON texts, parsed only
    -- where a new record takes them (a re-report needs neither)
    provenance    text NOT NULL,
    sources       text NOT NULL,
    pii_hashes    jsonb NOT NULL,
    geom          geometry GENERATED ALWAYS AS (ST_SetSRID(
                      CASE WHEN lon IS NOT NULL THEN ST_MakePoint(lon, lat)
                           ELSE ST_GeomFromGeoJSON(geojson) END, 4490)) STORED,
    -- where a line or polygon is placed (onegrid_grid_of's rule): its point on surface
    spot          geometry GENERATED ALWAYS AS (ST_SetSRID(
                      ST_PointOnSurface(ST_GeomFromGeoJSON(geojson)), 4490)) STORED
) ON COMMIT DELETE ROWS;

CREATE TEMP TABLE IF NOT EXISTS placed (
    seq        int NOT NULL,
    subject_id bigint NOT NULL,
    grid_id    int,
    record_pk  bigint  -- the dataset's record for the subject, when it already had one
) ON COMMIT DELETE ROWS;
