-- What writing the file would change, counted before it is written.
SELECT count(*) FILTER (WHERE a.id IS NULL) AS new,
       count(*) FILTER (WHERE a.id IS NOT NULL AND (a.name <> u.name
                                                    OR NOT ST_OrderingEquals(a.geom, u.geom)))
           AS changed,
       count(*) FILTER (WHERE a.name = u.name AND ST_OrderingEquals(a.geom, u.geom)) AS unchanged,
       (SELECT count(*) FROM boundary_removed) AS removed
FROM boundary_unit u LEFT JOIN area a ON a.code = u.code;
