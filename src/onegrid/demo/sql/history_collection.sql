-- Collection requests through the gate (platform/collection/gate.py), one a week per
-- department: most answered from shared data (a field another department's dataset holds,
-- with records in the street), some sent on as collection tasks for the requester's own
-- dataset (ended at their deadline, 5 working days on), some refused by the admission list,
-- some refused for short notice (under 2 working days). This year answers more from shared
-- data than last. Then tasks pushed down to grids and communities (platform/governance/
-- admission.py, push_task): admitted ones queued for the next working period, the others
-- refused (fewer this year). Each with the ledger lines the services write.
CREATE TEMP TABLE sim_field ON COMMIT DROP AS
SELECT d.id AS dataset_id, d.sharing_class, d.subject_key_kind, d.owner_department_id, f.name,
       (row_number() OVER (ORDER BY d.id, f.name) - 1)::int AS ord
FROM dataset d CROSS JOIN LATERAL jsonb_object_keys(d.attribute_schema -> 'properties') f(name)
WHERE d.sharing_class <> 'restricted';

CREATE TEMP TABLE sim_street ON COMMIT DROP AS
SELECT a.code, (row_number() OVER (ORDER BY a.code) - 1)::int AS ord
FROM area a WHERE a.level = 'street';

-- Every department's weeks: a request each week, a push every other week.
CREATE TEMP TABLE sim_week ON COMMIT DROP AS
SELECT d.id AS department_id, d.code, w::date AS week, p.seed || '/' || d.code || w::date AS key,
       (row_number() OVER (PARTITION BY d.id ORDER BY w) - 1)::int AS n
FROM sim_param p CROSS JOIN sim_department d
CROSS JOIN generate_series(date_trunc('week', p.first_day::timestamp), p.today,
                           interval '7 days') w;

CREATE TEMP TABLE sim_request ON COMMIT DROP AS
SELECT x.*, (x.at AT TIME ZONE p.zone)::date AS day,
       CASE WHEN x.u < (CASE WHEN x.at >= date_trunc('year', p.now AT TIME ZONE p.zone)
                                            AT TIME ZONE p.zone THEN 0.74 ELSE 0.64 END)
                 OR (x.u < 0.82 AND (x.own IS NULL OR x.at > p.now - interval '30 days'))
                THEN 'answered'
            WHEN x.u < 0.82 THEN 'accepted' WHEN x.u < 0.92 THEN 'refused_admission'
            ELSE 'refused_notice' END AS fate
FROM (
    SELECT k.department_id, k.code, k.week,
           (k.week + floor(5 * pg_temp.sim_u(k.key || '/rq'))::int + time '09:00'
            + make_interval(secs => 28800 * pg_temp.sim_u(k.key || '/rqt'))) AT TIME ZONE p.zone
               AS at,
           pg_temp.sim_u(k.key || '/rqf') AS u,
           c.streets[1 + floor(pg_temp.sim_u(k.key || '/rqs') * cardinality(c.streets))::int]
               AS street,
           c.shared[1 + floor(pg_temp.sim_u(k.key || '/rqa') * cardinality(c.shared))::int]
               AS shared,
           c.own[1 + floor(pg_temp.sim_u(k.key || '/rqo') * cardinality(c.own))::int] AS own
    FROM sim_param p CROSS JOIN sim_week k
    CROSS JOIN LATERAL (SELECT
        ARRAY(SELECT s.code FROM sim_street s ORDER BY s.ord) AS streets,
        ARRAY(SELECT f.ord FROM sim_field f WHERE f.owner_department_id <> k.department_id
              ORDER BY f.ord) AS shared,
        ARRAY(SELECT f.ord FROM sim_field f WHERE f.owner_department_id = k.department_id
              ORDER BY f.ord) AS own) c
) x CROSS JOIN sim_param p
WHERE x.at < p.now AND x.at >= p.start;

ALTER TABLE sim_request ADD COLUMN task_type text, ADD COLUMN field text,
    ADD COLUMN deadline date, ADD COLUMN answer jsonb, ADD COLUMN id bigint,
    ADD COLUMN task_id bigint;

UPDATE sim_request r SET
    task_type = CASE r.fate WHEN 'refused_admission' THEN
                    (ARRAY['FORM_STATS', 'SELFIE_CHECKIN'])[1 + (r.week - date '2000-01-03') / 7 % 2]
                ELSE (ARRAY['RENTAL_CHECK', 'SAFETY_PATROL', 'POP_VISIT', 'FIRE_CHECK'])[
                    1 + (r.week - date '2000-01-03') / 7 % 4] END,
    field = f.name,
    deadline = pg_temp.sim_working_day(r.day, CASE r.fate WHEN 'refused_notice' THEN 1
                                                          ELSE 5 END, p.workdays),
    answer = jsonb_build_object(
        'available', CASE WHEN r.fate = 'answered' THEN jsonb_build_object(f.name,
            jsonb_build_array(jsonb_build_object(
                'dataset', f.dataset_id, 'field', f.name, 'sharing_class', f.sharing_class,
                'access', CASE WHEN f.sharing_class = 'unconditional' THEN 'readable'
                               ELSE 'grant_required' END,
                'areas', jsonb_build_array(r.street),
                'api', '/api/v1/datasets/' || f.dataset_id || '/records',
                'pull', jsonb_build_array('/api/v1/datasets/' || f.dataset_id
                                          || '/records?grid=' || r.street))))
            ELSE '{}'::jsonb END,
        'missing', CASE WHEN r.fate = 'answered' THEN '{}'::jsonb
                        ELSE jsonb_build_object(f.name, jsonb_build_array(r.street)) END,
        'collection_tasks', '{}'::jsonb,
        'refusal', CASE r.fate
            WHEN 'refused_admission' THEN 'task type ' || CASE (r.week - date '2000-01-03') / 7 % 2
                WHEN 0 THEN '''FORM_STATS''' ELSE '''SELFIE_CHECKIN''' END
                || ' is not on the admission list in force: it may not be pushed down to the '
                || 'grassroots (apply for admission first)'
            WHEN 'refused_notice' THEN 'the deadline is less than 2 working days away: a '
                || 'request for materials needs at least 2 working days'' notice'
            ELSE '' END,
        'subject', f.subject_key_kind,
        'dataset', CASE WHEN r.fate = 'accepted' THEN f.dataset_id END)
FROM sim_field f, sim_param p
WHERE f.ord = CASE WHEN r.fate = 'answered' OR r.own IS NULL THEN r.shared ELSE r.own END;

-- Tasks for what the gate found nowhere: the requester's own dataset, one street.
WITH made AS (
    INSERT INTO collection_task (dataset_id, department_id, fields, task_type, deadline,
                                 departments, status, end_reason, created_at, ended_at)
    SELECT f.dataset_id, r.department_id, ARRAY[r.field], r.task_type, r.deadline,
           ARRAY[r.code], 'ended', 'deadline', r.at,
           (r.deadline + 1 + time '09:00') AT TIME ZONE p.zone
    FROM sim_request r JOIN sim_field f ON f.ord = r.own CROSS JOIN sim_param p
    WHERE r.fate = 'accepted' ORDER BY r.at
    RETURNING id, department_id, created_at)
UPDATE sim_request r SET task_id = made.id
FROM made WHERE made.department_id = r.department_id AND made.created_at = r.at;

INSERT INTO collection_task_area (task_id, area_code)
SELECT r.task_id, r.street FROM sim_request r WHERE r.task_id IS NOT NULL;

UPDATE sim_request r SET answer = jsonb_set(r.answer, '{collection_tasks}',
                                            jsonb_build_object(r.field, jsonb_build_array(r.task_id)))
WHERE r.task_id IS NOT NULL;

WITH made AS (
    INSERT INTO collection_request (department_id, task_type, fields, grid_codes, deadline,
                                    status, answer, created_at)
    SELECT r.department_id, r.task_type, ARRAY[r.field], ARRAY[r.street], r.deadline,
           CASE WHEN r.fate LIKE 'refused%' THEN 'refused' ELSE r.fate END, r.answer, r.at
    FROM sim_request r ORDER BY r.at, r.code
    RETURNING id, department_id, created_at)
UPDATE sim_request r SET id = made.id
FROM made WHERE made.department_id = r.department_id AND made.created_at = r.at;

-- The gate's ledger lines (gate.py, _ledger and declare; tasks.py, _create and end_task).
INSERT INTO burden_event (kind, department_id, detail, at)
SELECT k.kind, r.department_id, k.detail, k.at
FROM sim_request r CROSS JOIN sim_param p CROSS JOIN LATERAL (VALUES
    ('request_answered_from_shared_data',
     jsonb_build_object('fields', jsonb_build_array(r.field), 'task_type', r.task_type),
     r.at, r.fate = 'answered'),
    ('form_avoided',
     jsonb_build_object('fields', jsonb_build_array(r.field), 'task_type', r.task_type),
     r.at, r.fate = 'answered'),
    ('task_refused_admission',
     jsonb_build_object('task_type', r.task_type, 'fields', jsonb_build_array(r.field)),
     r.at, r.fate = 'refused_admission'),
    ('collection_task_created',
     jsonb_build_object('collection_task', r.task_id, 'dataset', r.answer ->> 'dataset',
                        'fields', jsonb_build_array(r.field), 'areas', jsonb_build_array(r.street),
                        'deadline', r.deadline, 'task_type', r.task_type),
     r.at, r.task_id IS NOT NULL),
    ('collection_gate_answered',
     jsonb_build_object('request', r.id, 'status',
                        CASE WHEN r.fate LIKE 'refused%' THEN 'refused' ELSE r.fate END,
                        'answered', CASE WHEN r.fate = 'answered' THEN jsonb_build_array(r.field)
                                         ELSE '[]'::jsonb END,
                        'missing', r.answer -> 'missing',
                        'collection_tasks', r.answer -> 'collection_tasks'),
     r.at, true),
    ('collection_task_ended',
     jsonb_build_object('collection_task', r.task_id, 'reason', 'deadline',
                        'dataset', r.answer ->> 'dataset', 'answered', '[]'::jsonb,
                        'unanswered', jsonb_build_array(r.street)),
     (r.deadline + 1 + time '09:00') AT TIME ZONE p.zone, r.task_id IS NOT NULL)
) k(kind, detail, at, happened)
WHERE k.happened;

INSERT INTO sim_batch (register, month, rows, first_id, last_id, detail)
SELECT 'collection', date_trunc('month', r.at AT TIME ZONE p.zone)::date, count(*), min(r.id),
       max(r.id), jsonb_build_object(
           'answered_from_shared_data', count(*) FILTER (WHERE r.fate = 'answered'),
           'collection_tasks', count(r.task_id),
           'refused_admission', count(*) FILTER (WHERE r.fate = 'refused_admission'),
           'refused_notice', count(*) FILTER (WHERE r.fate = 'refused_notice'))
FROM sim_request r CROSS JOIN sim_param p GROUP BY 2;

-- Tasks pushed down, one a fortnight per department (push_task).
CREATE TEMP TABLE sim_push ON COMMIT DROP AS
SELECT x.*, CASE WHEN x.u < (CASE WHEN x.at >= date_trunc('year', p.now AT TIME ZONE p.zone)
                                               AT TIME ZONE p.zone THEN 0.12 ELSE 0.25 END)
                 THEN (ARRAY['FORM_STATS', 'SELFIE_CHECKIN', 'ELDERLY_VISIT'])[1 + floor(3 * x.v)::int]
                 ELSE (ARRAY['RENTAL_CHECK', 'SAFETY_PATROL', 'FIRE_CHECK', 'FLOOD_PATROL',
                             'POP_VISIT'])[1 + floor(5 * x.v)::int] END AS task_type,
       (SELECT v.id FROM list_version v WHERE v.kind = 'admission' AND v.effective_at <= x.at
        ORDER BY v.effective_at DESC, v.id DESC LIMIT 1) AS version_id
FROM (
    SELECT k.department_id, k.code, k.week AS fortnight,
           (k.week + floor(10 * pg_temp.sim_u(k.key || '/pu'))::int + time '08:00'
            + make_interval(secs => 36000 * pg_temp.sim_u(k.key || '/put'))) AT TIME ZONE p.zone
               AS at,
           pg_temp.sim_u(k.key || '/puf') AS u, pg_temp.sim_u(k.key || '/puk') AS v,
           floor(pg_temp.sim_u(k.key || '/pug') * n.grids)::int AS grid_ord,
           (SELECT u.id FROM app_user u WHERE u.username = lower(k.code) || '1') AS user_id
    FROM sim_param p CROSS JOIN sim_week k CROSS JOIN (SELECT count(*) AS grids FROM sim_grid) n
    WHERE k.n % 2 = 0
) x CROSS JOIN sim_param p
WHERE x.at < p.now AND x.at >= p.start;

ALTER TABLE sim_push ADD COLUMN item jsonb, ADD COLUMN w float8, ADD COLUMN grid_id int;

UPDATE sim_push s SET grid_id = g.id FROM sim_grid g WHERE g.ord = s.grid_ord;

UPDATE sim_push s
SET w = pg_temp.sim_w(s.at, p.workdays, p.starts, p.cums, p.lens, p.day_len, p.zone)
FROM sim_param p;

UPDATE sim_push s SET item = e.data FROM list_entry e
WHERE e.version_id = s.version_id AND e.key = s.task_type AND e.data ->> 'kind' <> 'removed';

-- Admitted and reaching the target (a grid-level item reaches a grid; a community-level item
-- goes to the grid's community): queued for the next working period.
INSERT INTO grid_task (task_type, admission_version_id, department_id, area_id, title, detail,
                       status, created_by, release_at, created_at)
SELECT s.task_type, s.version_id, s.department_id,
       CASE WHEN s.item ->> 'level' = 'grid' THEN s.grid_id ELSE (
           SELECT a.parent_id FROM area a WHERE a.id = s.grid_id) END,
       (s.item ->> 'name') || '（' || to_char(s.at AT TIME ZONE p.zone, 'YYYY-MM-DD') || '）', '',
       CASE WHEN s.at < p.now - interval '7 days' THEN 'done' ELSE 'open' END, s.user_id,
       pg_temp.sim_start_at(s.w, p.workdays, p.starts, p.cums, p.day_len, p.zone), s.at
FROM sim_push s CROSS JOIN sim_param p
WHERE s.item IS NOT NULL AND NOT (s.task_type = 'ELDERLY_VISIT' AND s.u < 0.25)
ORDER BY s.at, s.code;

-- Refused: not admitted now, or below the item's level (push_task's ledger line).
INSERT INTO burden_event (kind, department_id, detail, at)
SELECT 'task_refused_admission', s.department_id,
       jsonb_build_object('task_type', s.task_type, 'area', g.code, 'title',
                          coalesce(s.item ->> 'name', s.task_type), 'by', lower(s.code) || '1'),
       s.at
FROM sim_push s JOIN sim_grid g ON g.id = s.grid_id
WHERE s.item IS NULL OR (s.task_type = 'ELDERLY_VISIT' AND s.u < 0.25);

-- Grid workers' flags (platform/governance/ledger.py, raise_flag): one pushed task in ten
-- asks for what the platform already has; one push in twenty is work not on the admission
-- list that reached a worker another way.
WITH made AS (
    INSERT INTO burden_event (kind, department_id, detail, at)
    SELECT 'flag_already_have', t.department_id,
           jsonb_build_object('target', 'task:' || t.id, 'task_id', t.id, 'by', u.username),
           t.release_at + interval '2 hours'
    FROM grid_task t JOIN sim_grid g ON g.id = t.area_id JOIN app_user u ON u.id = g.worker_id
    CROSS JOIN sim_param p
    WHERE t.created_at >= p.start AND pg_temp.sim_u(p.seed || '/fa/' || t.id) < 0.1
      AND t.release_at + interval '2 hours' < p.now
    UNION ALL
    SELECT 'flag_not_admitted', s.department_id,
           jsonb_build_object('target', 'area:' || g.code, 'task_id', NULL, 'by', u.username),
           s.at + interval '1 day'
    FROM sim_push s JOIN sim_grid g ON g.id = s.grid_id JOIN app_user u ON u.id = g.worker_id
    CROSS JOIN sim_param p
    WHERE pg_temp.sim_u(p.seed || '/fn/' || s.code || s.fortnight) < 0.05
      AND s.at + interval '1 day' < p.now
    RETURNING id, kind, at)
INSERT INTO sim_batch (register, month, rows, first_id, last_id, detail)
SELECT 'flags', date_trunc('month', m.at AT TIME ZONE p.zone)::date, count(*), min(m.id),
       max(m.id), jsonb_build_object(
           'already_have', count(*) FILTER (WHERE m.kind = 'flag_already_have'),
           'not_admitted', count(*) FILTER (WHERE m.kind = 'flag_not_admitted'))
FROM made m CROSS JOIN sim_param p GROUP BY 2;

INSERT INTO sim_batch (register, month, rows, detail)
SELECT 'admission', date_trunc('month', s.at AT TIME ZONE p.zone)::date, count(*),
       jsonb_build_object('pushed', count(*) FILTER (
                              WHERE s.item IS NOT NULL AND NOT (s.task_type = 'ELDERLY_VISIT'
                                                                AND s.u < 0.25)),
                          'refused', count(*) FILTER (
                              WHERE s.item IS NULL OR (s.task_type = 'ELDERLY_VISIT'
                                                       AND s.u < 0.25)))
FROM sim_push s CROSS JOIN sim_param p GROUP BY 2;
