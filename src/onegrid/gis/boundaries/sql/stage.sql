-- The file's units, in the store's datum, before anything in `area` changes. The import's
-- tables go with its transaction (committed or rolled back); dropped first all the same, for a
-- caller whose transaction goes on (a test's savepoint).
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
) ON COMMIT DROP;
