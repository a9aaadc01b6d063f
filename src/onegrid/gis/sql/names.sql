-- Names for generated areas: streets and communities take place words in code order, grids
-- their community's name and number (e.g. 松台社区第3网格). A word is reused with a number once
-- the list runs out, so names stay unique within a parent.
WITH words AS (SELECT CAST(:street_words AS text[]) AS street, CAST(:community_words AS text[]) AS community)
UPDATE area a SET name = CASE a.level
        WHEN 'street' THEN w.street[(n - 1) % cardinality(w.street) + 1]
            || CASE WHEN n > cardinality(w.street) THEN ((n - 1) / cardinality(w.street) + 1)::text ELSE '' END
            || '街道'
        WHEN 'community' THEN w.community[(o - 1) % cardinality(w.community) + 1]
            || CASE WHEN o > cardinality(w.community) THEN ((o - 1) / cardinality(w.community) + 1)::text ELSE '' END
            || '社区'
    END
FROM words w, (SELECT id, substr(code, 7, 3)::int AS n,  -- the street's number in its code
             row_number() OVER (PARTITION BY level ORDER BY code) AS o
      FROM area WHERE level IN ('street', 'community') AND path LIKE :root_path || '.%') s
WHERE a.id = s.id;

UPDATE area g SET name = c.name || '第' || right(g.code, 3)::int || '网格'
FROM area c
WHERE g.parent_id = c.id AND g.level = 'grid' AND g.path LIKE :root_path || '.%';
