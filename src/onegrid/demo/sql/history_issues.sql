-- Issues through the loop (platform/loop), every day of the history: reported in a grid,
-- routed by the responsibility list in force at the report (or held by the first office and
-- handed over), dispatched, accepted, resolved, verified, evaluated and closed, each step in
-- working time after the one before; some accepted or resolved late, some escalated (the
-- command centre reassigns what nobody accepted in time), some rejected once, some still open.
-- Three grids are busy every day, then busier in the last 24 hours: the wall's warnings have
-- a baseline to stand out from.
CREATE TEMP TABLE sim_slot ON COMMIT DROP AS
SELECT 'i/' || d::date || '/' || n AS key, NULL::int AS grid_ord,
       (d::date + time '07:00' + make_interval(secs => 54000 * pg_temp.sim_u(
           p.seed || '/t/' || d::date || '/' || n))) AT TIME ZONE p.zone AS created_at
FROM sim_param p
CROSS JOIN generate_series(p.first_day, p.today, interval '1 day') d
CROSS JOIN LATERAL generate_series(1, CASE WHEN d::date = ANY (p.workdays) THEN 24 ELSE 10 END) n
UNION ALL
SELECT 'h/' || h || '/' || j || '/' || n, (h * 523) % (SELECT count(*) FROM sim_grid)::int,
       p.now - make_interval(days => j, secs => 72000 * pg_temp.sim_u(
           p.seed || '/h/' || h || '/' || j || '/' || n))
FROM sim_param p, generate_series(1, 3) h, generate_series(1, 28) j, generate_series(1, 2) n
WHERE n <= floor(3 * pg_temp.sim_u(p.seed || '/hn/' || h || '/' || j))
UNION ALL
SELECT 'h/' || h || '/0/' || k, (h * 523) % (SELECT count(*) FROM sim_grid)::int,
       p.now - make_interval(mins => 200 * k - 170)
FROM sim_param p, generate_series(1, 3) h, generate_series(1, 5 + h) k;

DELETE FROM sim_slot s USING sim_param p WHERE s.created_at >= p.now;

-- Each report's grid, category (from the categories list in force then), channel, routing
-- (the responsibility list in force then) and SLA.
CREATE TEMP TABLE sim_issue ON COMMIT DROP AS
WITH picked AS (
    SELECT s.key, s.created_at, g.id AS grid_id, g.path AS grid_path, g.geom AS grid_geom,
           g.worker_id, pg_temp.sim_u(p.seed || s.key || '/src') AS u_src, p.seed
    FROM sim_slot s CROSS JOIN sim_param p
    CROSS JOIN (SELECT count(*) AS grids FROM sim_grid) n
    JOIN sim_grid g ON g.ord = coalesce(s.grid_ord, floor(
        pg_temp.sim_u(p.seed || s.key || '/g') * n.grids)::int)
)
SELECT x.key, md5(x.seed || x.key)::uuid AS client_id, x.created_at, x.grid_id, x.grid_path,
       ST_GeometryN(ST_GeneratePoints(x.grid_geom, 1,
                                      1 + abs(hashtext(x.seed || x.key))), 1) AS geom,
       CASE WHEN x.u_src < 0.75 THEN 'grid' WHEN x.u_src < 0.9 THEN 'hotline'
            ELSE 'open311' END AS source,
       CASE WHEN x.u_src < 0.75 THEN x.worker_id END AS reporter_id,
       cat.key AS category, (cat.data ->> 'name') AS category_name,
       (cat.data ->> 'response_hours')::int AS response_hours,
       (cat.data ->> 'resolve_hours')::int AS resolve_hours,
       duty.version_id AS duty_version, duty.data AS duty
FROM picked x
CROSS JOIN LATERAL (
    SELECT e.key, e.data FROM list_entry e
    WHERE e.version_id = (SELECT v.id FROM list_version v WHERE v.kind = 'categories'
                          AND v.effective_at <= x.created_at
                          ORDER BY v.effective_at DESC, v.id DESC LIMIT 1)
    ORDER BY e.key
    OFFSET floor(pg_temp.sim_u(x.seed || x.key || '/c') * 24) LIMIT 1) cat
CROSS JOIN LATERAL (
    SELECT v.id AS version_id, (SELECT e.data FROM list_entry e
                                WHERE e.version_id = v.id AND e.key = cat.key) AS data
    FROM list_version v WHERE v.kind = 'responsibility' AND v.effective_at <= x.created_at
    ORDER BY v.effective_at DESC, v.id DESC LIMIT 1) duty;

-- Who holds it: the list's lead at its level, else the first office (the reporter's
-- department, the hotline's, or the area's command centre), which hands it on.
ALTER TABLE sim_issue ADD COLUMN department_id int, ADD COLUMN level text,
    ADD COLUMN handling_area_id int, ADD COLUMN first_office_id int,
    ADD COLUMN u_late float8, ADD COLUMN u_fate float8, ADD COLUMN u_sat float8;

UPDATE sim_issue i SET
    department_id = (SELECT d.id FROM department d WHERE d.code = i.duty ->> 'lead'),
    level = nullif(i.duty ->> 'level', ''),
    -- the grid's ancestor at the list's level: its path names it (city.district.street…)
    handling_area_id = (SELECT a.id FROM area a WHERE a.level = i.duty ->> 'level'
                        AND a.code = split_part(i.grid_path, '.', array_position(
                            ARRAY['city', 'district', 'street', 'community', 'grid'],
                            i.duty ->> 'level'))),
    first_office_id = CASE WHEN coalesce(i.duty ->> 'lead', '') = '' THEN
        (SELECT d.id FROM department d WHERE d.code = CASE i.source
            WHEN 'grid' THEN (SELECT d2.code FROM app_user u JOIN department d2
                              ON d2.id = u.department_id WHERE u.id = i.reporter_id)
            WHEN 'hotline' THEN 'RX12345'
            ELSE (SELECT d3.code FROM area_office o JOIN department d3 ON d3.id = o.department_id
                  WHERE o.role = 'command_centre' ORDER BY o.area_id LIMIT 1) END) END,
    u_late = pg_temp.sim_u(p.seed || i.key || '/late'),
    u_fate = pg_temp.sim_u(p.seed || i.key || '/fate'),
    u_sat = pg_temp.sim_u(p.seed || i.key || '/sat')
FROM sim_param p;

-- The timeline, in working seconds (history_calendar.sql): each step a share of the SLA after
-- the report; 8 % accepted late, half of those escalated first (the command centre reassigns
-- at the response deadline, to the list's supporting department when it names one); 9 %
-- resolved late; 5 % rejected once; of the last quarter's, 2 % never resolved and 0.5 % never
-- accepted (overdue now).
ALTER TABLE sim_issue ADD COLUMN w0 float8, ADD COLUMN w_hand float8, ADD COLUMN w_esc float8,
    ADD COLUMN w_disp float8, ADD COLUMN w_acc float8, ADD COLUMN w_rej float8,
    ADD COLUMN w_res float8, ADD COLUMN w_ver float8, ADD COLUMN w_eval float8,
    ADD COLUMN w_close float8, ADD COLUMN w_resp float8, ADD COLUMN w_reso float8;

UPDATE sim_issue i
SET w0 = pg_temp.sim_w(i.created_at, p.workdays, p.starts, p.cums, p.lens, p.day_len, p.zone)
FROM sim_param p;

UPDATE sim_issue i SET
    w_resp = i.w0 + i.response_hours * 3600.0, w_reso = i.w0 + i.resolve_hours * 3600.0,
    w_hand = CASE WHEN i.department_id IS NULL THEN i.w0 + 1200 END,
    w_esc = CASE WHEN i.u_late < 0.04 AND i.department_id IS NOT NULL
                 THEN i.w0 + i.response_hours * 3600.0 END,
    w_disp = i.w0 + 900 + 1800 * i.u_fate,
    w_acc = CASE WHEN NOT (i.u_fate > 0.995 AND i.created_at > p.now - interval '90 days')
        THEN i.w0 + i.response_hours * 3600.0 * CASE
            WHEN i.u_late < 0.08 THEN 1.1 + 8 * i.u_late ELSE 0.2 + 0.6 * i.u_sat END END,
    w_res = CASE WHEN NOT (i.u_fate > 0.98 AND i.created_at > p.now - interval '90 days')
        THEN i.w0 + 3600.0 * greatest(
            i.response_hours * 2.0 + 1,
            i.resolve_hours * CASE WHEN i.u_late BETWEEN 0.5 AND 0.59
                                   THEN 1.05 + 5 * (i.u_late - 0.5)
                                   ELSE 0.3 + 0.6 * i.u_fate END) END
FROM sim_param p;

UPDATE sim_issue i SET w_acc = greatest(i.w_acc, i.w_disp + 60, i.w_esc + 60),
    w_rej = CASE WHEN i.u_late BETWEEN 0.3 AND 0.35 THEN i.w_acc + 3600 END;

UPDATE sim_issue i SET w_res = greatest(i.w_res, i.w_acc + 3600, i.w_rej + 3600)
WHERE i.w_acc IS NOT NULL;

UPDATE sim_issue i SET w_res = NULL WHERE i.w_acc IS NULL;

UPDATE sim_issue i SET w_ver = i.w_res + 3600 * (1 + 6 * i.u_sat),
    w_eval = i.w_res + 3600 * (2 + 6 * i.u_sat), w_close = i.w_res + 3600 * (3 + 10 * i.u_sat);

ALTER TABLE sim_issue ADD COLUMN response_due timestamptz, ADD COLUMN resolve_due timestamptz,
    ADD COLUMN handed_over_at timestamptz, ADD COLUMN owner_id int,
    ADD COLUMN escalated_at timestamptz, ADD COLUMN dispatched_at timestamptz,
    ADD COLUMN accepted_at timestamptz, ADD COLUMN rejected_at timestamptz,
    ADD COLUMN resolved_at timestamptz, ADD COLUMN verified_at timestamptz,
    ADD COLUMN evaluated_at timestamptz, ADD COLUMN closed_at timestamptz,
    ADD COLUMN merged_at timestamptz, ADD COLUMN satisfaction smallint;

UPDATE sim_issue i SET
    response_due = pg_temp.sim_at(i.w_resp, p.workdays, p.starts, p.cums, p.day_len, p.zone),
    resolve_due = pg_temp.sim_at(i.w_reso, p.workdays, p.starts, p.cums, p.day_len, p.zone),
    handed_over_at = pg_temp.sim_at(i.w_hand, p.workdays, p.starts, p.cums, p.day_len, p.zone),
    escalated_at = pg_temp.sim_at(i.w_esc, p.workdays, p.starts, p.cums, p.day_len, p.zone),
    dispatched_at = pg_temp.sim_at(i.w_disp, p.workdays, p.starts, p.cums, p.day_len, p.zone),
    accepted_at = pg_temp.sim_at(i.w_acc, p.workdays, p.starts, p.cums, p.day_len, p.zone),
    rejected_at = pg_temp.sim_at(i.w_rej, p.workdays, p.starts, p.cums, p.day_len, p.zone),
    resolved_at = pg_temp.sim_at(i.w_res, p.workdays, p.starts, p.cums, p.day_len, p.zone),
    verified_at = pg_temp.sim_at(i.w_ver, p.workdays, p.starts, p.cums, p.day_len, p.zone),
    evaluated_at = pg_temp.sim_at(i.w_eval, p.workdays, p.starts, p.cums, p.day_len, p.zone),
    closed_at = pg_temp.sim_at(i.w_close, p.workdays, p.starts, p.cums, p.day_len, p.zone),
    satisfaction = CASE WHEN i.u_sat < 0.5 THEN 5 WHEN i.u_sat < 0.8 THEN 4
                        WHEN i.u_sat < 0.92 THEN 3 WHEN i.u_sat < 0.97 THEN 2 ELSE 1 END,
    merged_at = CASE WHEN pg_temp.sim_u(p.seed || i.key || '/dup') < 0.06
                     THEN i.created_at + interval '1 hour' END,
    owner_id = coalesce(
        CASE WHEN i.department_id IS NULL THEN (
            SELECT d.id FROM department d WHERE d.code = CASE WHEN i.category LIKE 'C%'
                THEN 'CGJ' ELSE 'MZJ' END) END,
        CASE WHEN i.w_esc IS NOT NULL THEN (
            SELECT d.id FROM department d WHERE d.code = i.duty -> 'supporting' ->> 0) END,
        i.department_id)
FROM sim_param p;

-- Steps after now have not happened yet.
UPDATE sim_issue i SET
    handed_over_at = nullif(least(i.handed_over_at, p.now), p.now),
    escalated_at = nullif(least(i.escalated_at, p.now), p.now),
    dispatched_at = nullif(least(i.dispatched_at, p.now), p.now),
    accepted_at = nullif(least(i.accepted_at, p.now), p.now),
    rejected_at = nullif(least(i.rejected_at, p.now), p.now),
    resolved_at = nullif(least(i.resolved_at, p.now), p.now),
    verified_at = nullif(least(i.verified_at, p.now), p.now),
    evaluated_at = nullif(least(i.evaluated_at, p.now), p.now),
    closed_at = nullif(least(i.closed_at, p.now), p.now),
    merged_at = nullif(least(i.merged_at, p.now), p.now)
FROM sim_param p;

UPDATE sim_issue i SET escalated_at = NULL, owner_id = i.department_id
WHERE i.escalated_at IS NOT NULL AND (i.dispatched_at IS NULL OR i.accepted_at IS NULL
                                      OR i.owner_id IS NULL);

UPDATE sim_issue i SET accepted_at = NULL, resolved_at = NULL WHERE i.dispatched_at IS NULL;

UPDATE sim_issue i SET resolved_at = NULL, rejected_at = NULL WHERE i.accepted_at IS NULL;

UPDATE sim_issue i SET rejected_at = NULL, verified_at = NULL, evaluated_at = NULL,
    closed_at = NULL WHERE i.resolved_at IS NULL;

UPDATE sim_issue i SET rejected_at = NULL WHERE i.rejected_at >= i.resolved_at;

UPDATE sim_issue i SET evaluated_at = NULL, closed_at = NULL WHERE i.verified_at IS NULL;

UPDATE sim_issue i SET closed_at = NULL WHERE i.evaluated_at IS NULL;

UPDATE sim_issue i SET merged_at = NULL WHERE i.merged_at >= coalesce(i.resolved_at, 'infinity');

INSERT INTO issue (client_id, category, description, status, source, geom, address, grid_id,
                   reporter_id, department_id, level, handling_area_id, awaiting_owner,
                   report_count, rejections, result_note, satisfaction, media_url,
                   response_due, resolve_due, accepted_at, resolved_at, closed_at, created_at,
                   updated_at)
SELECT i.client_id, i.category, i.category_name || '（模拟历史）',
       CASE WHEN i.closed_at IS NOT NULL THEN 'closed' WHEN i.evaluated_at IS NOT NULL
            THEN 'evaluated' WHEN i.verified_at IS NOT NULL THEN 'verified'
            WHEN i.resolved_at IS NOT NULL THEN 'resolved'
            WHEN i.accepted_at IS NOT NULL THEN 'in_progress'
            WHEN i.dispatched_at IS NOT NULL THEN 'dispatched' ELSE 'routed' END,
       i.source, i.geom, '', i.grid_id, i.reporter_id,
       coalesce(CASE WHEN i.handed_over_at IS NOT NULL OR i.escalated_at IS NOT NULL
                     THEN i.owner_id END, i.department_id, i.first_office_id),
       CASE WHEN i.handed_over_at IS NULL AND i.escalated_at IS NULL THEN i.level END,
       i.handling_area_id,
       i.department_id IS NULL AND i.handed_over_at IS NULL,
       CASE WHEN i.merged_at IS NOT NULL THEN 2 ELSE 1 END,
       CASE WHEN i.rejected_at IS NOT NULL THEN 1 ELSE 0 END,
       CASE WHEN i.resolved_at IS NOT NULL THEN '已处理：' || i.category_name ELSE '' END,
       CASE WHEN i.evaluated_at IS NOT NULL THEN i.satisfaction END, '',
       i.response_due, i.resolve_due, i.accepted_at, i.resolved_at, i.closed_at, i.created_at,
       greatest(i.created_at, i.handed_over_at, i.escalated_at, i.dispatched_at, i.accepted_at,
                i.rejected_at, i.resolved_at, i.verified_at, i.evaluated_at, i.closed_at,
                i.merged_at)
FROM sim_issue i ORDER BY i.created_at, i.key;

INSERT INTO issue_report (client_id, issue_id, reporter_id, source, description, created_at)
SELECT i.client_id, s.id, i.reporter_id, i.source, s.description, i.created_at
FROM sim_issue i JOIN issue s ON s.client_id = i.client_id
UNION ALL
SELECT md5(p.seed || i.key || '/dup')::uuid, s.id, NULL, 'hotline', s.description, i.merged_at
FROM sim_issue i JOIN issue s ON s.client_id = i.client_id CROSS JOIN sim_param p
WHERE i.merged_at IS NOT NULL;

-- The ledger line intake writes for a merged report (platform/loop/intake.py, _merge).
INSERT INTO burden_event (kind, department_id, detail, at)
SELECT 'duplicate_merged', coalesce(i.department_id, i.first_office_id),
       jsonb_build_object('issue_id', s.id, 'report_count', 2), i.merged_at
FROM sim_issue i JOIN issue s ON s.client_id = i.client_id WHERE i.merged_at IS NOT NULL;

INSERT INTO sim_batch (register, month, rows, first_id, last_id, detail)
SELECT 'issues', date_trunc('month', i.created_at AT TIME ZONE p.zone)::date, count(*),
       min(s.id), max(s.id), jsonb_build_object(
           'reported', count(*), 'routed', count(*),
           'handed_over', count(i.handed_over_at), 'escalated', count(i.escalated_at),
           'dispatched', count(i.dispatched_at), 'accepted', count(i.accepted_at),
           'accepted_late', count(*) FILTER (WHERE i.accepted_at > i.response_due),
           'rejected', count(i.rejected_at), 'resolved', count(i.resolved_at),
           'resolved_late', count(*) FILTER (WHERE i.resolved_at > i.resolve_due),
           'verified', count(i.verified_at), 'evaluated', count(i.evaluated_at),
           'closed', count(i.closed_at), 'merged', count(i.merged_at))
FROM sim_issue i JOIN issue s ON s.client_id = i.client_id CROSS JOIN sim_param p
GROUP BY 2;
