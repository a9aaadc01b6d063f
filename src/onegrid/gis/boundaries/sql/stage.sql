-- The file's units, in the store's datum, before anything in `area` changes. Each import makes
-- its own tables (dropped first: a test's savepoint may have kept the last import's).
DROP TABLE IF EXISTS boundary_unit, boundary_removed, boundary_shape, boundary_record,
    boundary_issue;

CREATE TEMP TABLE boundary_unit (
    n integer PRIMARY KEY,   -- the feature's place in the layer, from 1
    label text NOT NULL,     -- '#n code name': how the report names it
    code text NOT NULL,
    name text NOT NULL,
    parent_code text NOT NULL,
    source geometry,         -- as read, transformed into EPSG:4490; may be invalid
    geom geometry,           -- repaired (ST_MakeValid), polygons only, MultiPolygon
    invalid text,            -- why the source was invalid (NULL: it was valid)
    invalid_at geometry      -- where
);
