-- The burden-reduction office's registers (platform/offices, platform/burden), for last year
-- and this year to date: every department's apps and work groups (fewer made this year; those
-- idle for 90 days flagged as zombies; work assigned in a group outside working hours
-- flagged), its inspection plan and indicators for each year (fewer this year, one increase
-- refused), its one-vote-veto items and pledges, the burden complaints about it from receipt
-- to a published result, its documents and meetings against the office's caps, and its forms
-- in the inventory (some retired this year). Each with the ledger lines the services write.
CREATE TEMP TABLE sim_year ON COMMIT DROP AS
SELECT y AS year, (make_date(y, 1, 1)::timestamp AT TIME ZONE p.zone) AS first,
       least(make_date(y + 1, 1, 1)::timestamp AT TIME ZONE p.zone, p.now) AS last,
       y = extract(year FROM p.now AT TIME ZONE p.zone)::int AS current
FROM sim_param p, generate_series(extract(year FROM p.now AT TIME ZONE p.zone)::int - 1,
                                  extract(year FROM p.now AT TIME ZONE p.zone)::int) y;

-- Apps and groups: made during the year; a zombie's last activity soon after it was made.
CREATE TEMP TABLE sim_channel ON COMMIT DROP AS
SELECT x.*, CASE WHEN x.zombie THEN x.created_at + interval '12 days'
                 ELSE p.now - make_interval(days => floor(40 * x.u)::int) END AS last_active_at
FROM (
    SELECT k.kind, d.id AS department_id, d.code, y.year, n,
           d.name || CASE k.kind WHEN 'app' THEN '政务APP' ELSE '工作群' END || y.year || '-' || n
               AS name,
           y.first + (y.last - y.first) * pg_temp.sim_u(p.seed || '/ch/' || k.kind || d.code
                                                        || y.year || n) * 0.8 AS created_at,
           pg_temp.sim_u(p.seed || '/chu/' || k.kind || d.code || y.year || n) AS u,
           pg_temp.sim_u(p.seed || '/chz/' || k.kind || d.code || y.year || n) < 0.35 AS zombie
    FROM sim_param p CROSS JOIN sim_department d CROSS JOIN sim_year y
    CROSS JOIN (VALUES ('app', 3, 1), ('group', 7, 3)) k(kind, last_year, this_year)
    CROSS JOIN LATERAL generate_series(1, CASE WHEN y.current THEN k.this_year
                                               ELSE k.last_year END) n
) x CROSS JOIN sim_param p;

WITH made AS (
    INSERT INTO work_channel (kind, name, department_id, levels, members, last_active_at,
                              zombie_since, created_at)
    SELECT c.kind, c.name, c.department_id,
           string_to_array((ARRAY['street,community,grid', 'community,grid', 'grid'])[
               1 + floor(3 * c.u)::int], ','),
           20 + floor(300 * c.u)::int, c.last_active_at,
           CASE WHEN c.last_active_at + interval '90 days' <= p.now
                THEN c.last_active_at + interval '90 days' END, c.created_at
    FROM sim_channel c CROSS JOIN sim_param p ORDER BY c.created_at, c.name
    RETURNING id, kind, name, department_id, last_active_at, zombie_since, created_at)
INSERT INTO burden_event (kind, department_id, detail, at)
SELECT 'zombie_channel', m.department_id,
       jsonb_build_object('channel', m.id, 'kind', m.kind, 'name', m.name, 'idle_days', 90,
                          'last_active_at', m.last_active_at), m.zombie_since
FROM made m WHERE m.zombie_since IS NOT NULL;

-- Each group's log: eight messages from its making to its last activity, assignments among
-- them, some sent outside working hours.
CREATE TEMP TABLE sim_message ON COMMIT DROP AS
SELECT w.id AS channel_id, w.department_id, k,
       w.created_at + (w.last_active_at - w.created_at) * k / 8.0
           - make_interval(hours => CASE WHEN k = 8 THEN 0 ELSE floor(10 * pg_temp.sim_u(
               p.seed || '/mh/' || w.id || '/' || k))::int END) AS sent_at,
       pg_temp.sim_u(p.seed || '/ma/' || w.name || '/' || k) < 0.6 AS is_assignment
FROM work_channel w CROSS JOIN sim_param p CROSS JOIN generate_series(1, 8) k
WHERE w.kind = 'group' AND w.name IN (SELECT c.name FROM sim_channel c);

WITH made AS (
    INSERT INTO group_message (channel_id, sender, sent_at, text, is_assignment, out_of_hours)
    SELECT m.channel_id, '群主' || (m.k % 3 + 1),
           m.sent_at, CASE WHEN m.is_assignment THEN '请各网格今日内报送相关情况' ELSE '收到' END,
           m.is_assignment,
           m.is_assignment AND NOT pg_temp.sim_working(m.sent_at, p.workdays, p.starts, p.lens,
                                                       p.zone)
    FROM sim_message m CROSS JOIN sim_param p ORDER BY m.sent_at, m.channel_id
    RETURNING id, channel_id, sent_at, out_of_hours)
INSERT INTO burden_event (kind, department_id, detail, at)
SELECT 'assignment_out_of_hours', w.department_id,
       jsonb_build_object('channel', m.channel_id, 'message', m.id, 'sent_at', m.sent_at),
       m.sent_at
FROM made m JOIN work_channel w ON w.id = m.channel_id WHERE m.out_of_hours;

UPDATE work_channel w SET last_active_at = m.latest
FROM (SELECT channel_id, max(sent_at) AS latest FROM sim_message GROUP BY 1) m
WHERE w.id = m.channel_id AND m.latest > w.last_active_at;

INSERT INTO sim_batch (register, month, rows, detail)
SELECT 'channels', date_trunc('month', c.created_at AT TIME ZONE p.zone)::date, count(*),
       jsonb_build_object('apps', count(*) FILTER (WHERE c.kind = 'app'),
                          'groups', count(*) FILTER (WHERE c.kind = 'group'),
                          'zombies', count(*) FILTER (
                              WHERE c.last_active_at + interval '90 days' <= p.now))
FROM sim_channel c CROSS JOIN sim_param p GROUP BY 2;

-- Inspection plans and indicators, filed in January and approved by the office; this year's
-- are fewer. One department first asks for more indicators than last year: refused.
CREATE TEMP TABLE sim_plan ON COMMIT DROP AS
SELECT d.id AS department_id, d.code, d.ord, y.year, y.current,
       y.first + make_interval(days => 5 + floor(20 * pg_temp.sim_u(
           p.seed || '/pl/' || d.code || y.year))::int, hours => 10) AS at,
       6 + floor(14 * pg_temp.sim_u(p.seed || '/pli/' || d.code))::int AS inspections_before,
       8 + floor(10 * pg_temp.sim_u(p.seed || '/pln/' || d.code))::int AS indicators_before
FROM sim_param p CROSS JOIN sim_department d CROSS JOIN sim_year y;

INSERT INTO inspection_plan (department_id, year, inspections, detail, status, decided_by,
                             decision_reason, created_at)
SELECT s.department_id, s.year,
       CASE WHEN s.current THEN round(s.inspections_before * 0.6)::int
            ELSE s.inspections_before END,
       s.year || '年度督查检查考核计划（' || s.code || '）', 'approved', 'sgb1',
       '同意：已压减频次、合并同类事项', s.at
FROM sim_plan s ORDER BY s.at;

INSERT INTO burden_event (kind, department_id, detail, at)
SELECT 'indicator_increase_refused', s.department_id,
       jsonb_build_object('year', s.year, 'indicators', s.indicators_before + 2,
                          'before', s.indicators_before), s.at - interval '2 days'
FROM sim_plan s WHERE s.current AND s.ord = 0;

INSERT INTO indicator_version (department_id, year, indicators, increase_reason, approved_by,
                               created_at)
SELECT s.department_id, s.year,
       ARRAY(SELECT s.code || '考核指标' || lpad(n::text, 2, '0') FROM generate_series(
           1, CASE WHEN s.current THEN round(s.indicators_before * 0.7)::int
                   ELSE s.indicators_before END) n),
       '', NULL, s.at
FROM sim_plan s ORDER BY s.at;

INSERT INTO assessment_item (kind, department_id, year, name, created_at)
SELECT k.kind, s.department_id, s.year,
       s.code || CASE k.kind WHEN 'veto' THEN '一票否决事项' ELSE '责任状' END || n, s.at
FROM sim_plan s CROSS JOIN (VALUES ('veto', 2, 1), ('pledge', 3, 1)) k(kind, before, now_)
CROSS JOIN LATERAL generate_series(1, CASE WHEN s.current THEN k.now_ ELSE k.before END) n;

INSERT INTO sim_batch (register, month, rows, detail)
SELECT 'inspections', date_trunc('month', s.at AT TIME ZONE p.zone)::date, count(*),
       jsonb_build_object('plans', count(*), 'years', array_agg(DISTINCT s.year))
FROM sim_plan s CROSS JOIN sim_param p GROUP BY 2;

-- Burden complaints: about five a month last year, three this year, each moving on as the
-- office works it (verified in 3 days, found in 10, rectified in 25, published in 35); one
-- in seven unfounded; a published one in five chosen as its quarter's typical case.
CREATE TEMP TABLE sim_complaint ON COMMIT DROP AS
SELECT x.*, p.now - x.received_at AS age
FROM (
    SELECT m::date AS month, n,
           (ARRAY['letter', 'visit', 'web', 'phone', 'hotline'])[1 + (n + extract(month FROM m)::int) % 5]
               AS channel,
           (m + make_interval(days => floor(27 * pg_temp.sim_u(p.seed || '/cp/' || m::date || n))::int,
                              hours => 9 + floor(8 * pg_temp.sim_u(p.seed || '/cph/' || m::date || n))::int))
               AT TIME ZONE p.zone AS received_at,
           (SELECT d.id FROM sim_department d WHERE d.ord = floor(pg_temp.sim_u(
               p.seed || '/cpd/' || m::date || n) * (SELECT count(*) FROM sim_department))::int)
               AS department_id,
           pg_temp.sim_u(p.seed || '/cpu/' || m::date || n) AS u
    FROM sim_param p
    CROSS JOIN generate_series(date_trunc('month', p.first_day::timestamp), p.today,
                               interval '1 month') m
    CROSS JOIN LATERAL generate_series(1, CASE WHEN extract(year FROM m) = extract(
        year FROM p.now AT TIME ZONE p.zone) THEN 3 ELSE 5 END) n
) x CROSS JOIN sim_param p
WHERE x.received_at < p.now AND x.received_at >= p.start;

WITH made AS (
    INSERT INTO burden_complaint (channel, ticket, department_id, summary, status, finding,
                                  rectification, result, typical, received_at)
    SELECT c.channel, CASE WHEN c.channel = 'hotline'
                           THEN 'SIM' || to_char(c.received_at AT TIME ZONE p.zone,
                                                 'YYYYMMDDHH24MISS') || c.n END,
           CASE WHEN c.age >= interval '3 days' OR c.channel <> 'hotline' THEN c.department_id END,
           '基层反映：重复填报、多头督查、工作群留痕要求过多',
           CASE WHEN c.age < interval '3 days' THEN 'received'
                WHEN c.age < interval '10 days' THEN 'verifying'
                WHEN c.u < 0.15 THEN 'dismissed'
                WHEN c.age < interval '25 days' THEN 'rectifying'
                WHEN c.age < interval '35 days' THEN 'rectified' ELSE 'published' END,
           CASE WHEN c.age >= interval '10 days' THEN CASE WHEN c.u < 0.15
               THEN '经核查，反映情况不属实' ELSE '经核查，反映情况基本属实' END ELSE '' END,
           CASE WHEN c.age >= interval '25 days' AND c.u >= 0.15
                THEN '已取消重复报表，合并督查事项' ELSE '' END,
           CASE WHEN c.age >= interval '35 days' AND c.u >= 0.15
                THEN '整改结果已在区减负办公开' ELSE '' END,
           CASE WHEN c.age >= interval '35 days' AND c.u >= 0.8
                THEN to_char(c.received_at AT TIME ZONE p.zone, 'YYYY"Q"Q') END,
           c.received_at
    FROM sim_complaint c CROSS JOIN sim_param p ORDER BY c.received_at
    RETURNING id, channel, department_id, received_at)
INSERT INTO burden_event (kind, department_id, detail, at)
SELECT 'burden_complaint', CASE WHEN m.channel <> 'hotline' THEN m.department_id END,
       jsonb_build_object('complaint', m.id, 'channel', m.channel), m.received_at
FROM made m;

INSERT INTO sim_batch (register, month, rows, detail)
SELECT 'complaints', date_trunc('month', c.received_at AT TIME ZONE p.zone)::date, count(*),
       jsonb_build_object('dismissed', count(*) FILTER (WHERE c.u < 0.15
                                                        AND c.age >= interval '10 days'))
FROM sim_complaint c CROSS JOIN sim_param p GROUP BY 2;

-- Documents and meetings, month by month, against the caps in force (output_cap).
CREATE TEMP TABLE sim_output ON COMMIT DROP AS
SELECT k.kind, d.id AS department_id, d.code, m::date AS month, n,
       (m + make_interval(days => floor(27 * pg_temp.sim_u(
           p.seed || '/op/' || k.kind || d.code || m::date || n))::int, hours => 10))
           AT TIME ZONE p.zone AS held_on,
       pg_temp.sim_u(p.seed || '/opa/' || k.kind || d.code || m::date || n) AS a,
       pg_temp.sim_u(p.seed || '/opb/' || k.kind || d.code || m::date || n) AS b
FROM sim_param p CROSS JOIN sim_department d
CROSS JOIN (VALUES ('document', 4, 2), ('meeting', 3, 2)) k(kind, before, now_)
CROSS JOIN generate_series(date_trunc('month', p.first_day::timestamp), p.today,
                           interval '1 month') m
CROSS JOIN LATERAL generate_series(1, CASE WHEN extract(year FROM m) = extract(
    year FROM p.now AT TIME ZONE p.zone) THEN k.now_ ELSE k.before END) n;

DELETE FROM sim_output o USING sim_param p WHERE o.held_on >= p.now OR o.held_on < p.start;

ALTER TABLE sim_output ADD COLUMN measures jsonb, ADD COLUMN over text[];

UPDATE sim_output o SET measures = CASE o.kind
    WHEN 'document' THEN jsonb_build_object('pages', 2 + floor(14 * o.a)::int,
                                            'characters', 1500 + floor(8000 * o.b)::int)
    ELSE jsonb_build_object('minutes', 30 + floor(90 * o.a)::int,
                            'speakers', 2 + floor(7 * o.b)::int) END;

UPDATE sim_output o SET over = ARRAY(
    SELECT c.measure::text FROM output_cap c
    WHERE c.kind = o.kind AND (o.measures ->> c.measure)::int > c.cap ORDER BY c.measure);

WITH made AS (
    INSERT INTO office_output (kind, department_id, reference, held_on, measures, over)
    SELECT o.kind, o.department_id, CASE o.kind
               WHEN 'document' THEN '鹿' || o.code || '〔' || to_char(o.month, 'YYYY') || '〕'
                                    || to_char(o.month, 'MM') || lpad(o.n::text, 2, '0') || '号'
               ELSE o.code || '工作会议' || to_char(o.held_on AT TIME ZONE p.zone, 'YYYY-MM-DD')
                    || '-' || o.n END,
           o.held_on, o.measures, o.over
    FROM sim_output o CROSS JOIN sim_param p ORDER BY o.held_on, o.code, o.kind, o.n
    RETURNING id, kind, department_id, held_on, measures, over)
INSERT INTO burden_event (kind, department_id, detail, at)
SELECT 'output_over_cap', m.department_id,
       jsonb_build_object('output', m.id, 'kind', m.kind, 'over', m.over, 'measures', m.measures),
       m.held_on
FROM made m WHERE cardinality(m.over) > 0;

INSERT INTO sim_batch (register, month, rows, detail)
SELECT 'outputs', o.month, count(*),
       jsonb_build_object('documents', count(*) FILTER (WHERE o.kind = 'document'),
                          'meetings', count(*) FILTER (WHERE o.kind = 'meeting'),
                          'over_cap', count(*) FILTER (WHERE cardinality(o.over) > 0))
FROM sim_output o GROUP BY 2;

-- Forms in the inventory: registered last year, two in five retired this year, one new.
CREATE TEMP TABLE sim_form ON COMMIT DROP AS
SELECT d.id AS department_id, d.code, y.year, y.current, n,
       d.name || CASE WHEN y.current THEN '新增' ELSE '' END
           || (ARRAY['基础信息统计表', '月度工作报表', '隐患排查台账', '走访情况登记表',
                     '季度考核自评表', '专项整治进度表', '人员信息核对表'])[n] AS name,
       y.first + make_interval(days => floor(60 * pg_temp.sim_u(
           p.seed || '/fm/' || d.code || y.year || n))::int, hours => 9) AS created_at,
       pg_temp.sim_u(p.seed || '/fmu/' || d.code || y.year || n) AS u
FROM sim_param p CROSS JOIN sim_department d CROSS JOIN sim_year y
CROSS JOIN LATERAL generate_series(1, CASE WHEN y.current THEN 1 ELSE 4 + (d.ord % 4) END) n;

WITH made AS (
    INSERT INTO burden_form (department_id, name, fields, frequency, levels, status, created_at)
    SELECT f.department_id, f.name,
           string_to_array((ARRAY['姓名,联系电话,住址', '名称,经营状态,联系电话,地址',
                                  '隐患类型,风险等级,整改情况,照片', '姓名,年龄,走访日期,签字',
                                  '完成情况,存在问题,下步打算'])[1 + floor(5 * f.u)::int], ','),
           (ARRAY['monthly', 'quarterly', 'weekly', 'yearly', 'half_yearly'])[1 + f.n % 5],
           string_to_array((ARRAY['street,community,grid', 'community,grid', 'grid'])[
               1 + f.n % 3], ','),
           CASE WHEN NOT f.current AND f.u < 0.4 THEN 'retired' ELSE 'active' END, f.created_at
    FROM sim_form f ORDER BY f.created_at, f.code, f.n
    RETURNING id, department_id, name, fields, frequency, status, created_at)
INSERT INTO burden_event (kind, department_id, detail, at)
SELECT 'form_retired', m.department_id,
       jsonb_build_object('form', m.id, 'name', m.name, 'fields', m.fields,
                          'frequency', m.frequency),
       y.first + (y.last - y.first) * 0.5 * pg_temp.sim_u(p.seed || '/fr/' || m.id)
FROM made m CROSS JOIN sim_param p JOIN sim_year y ON y.current WHERE m.status = 'retired';

INSERT INTO sim_batch (register, month, rows, detail)
SELECT 'forms', date_trunc('month', f.created_at AT TIME ZONE p.zone)::date, count(*),
       jsonb_build_object('retired_this_year', count(*) FILTER (
           WHERE NOT f.current AND f.u < 0.4))
FROM sim_form f CROSS JOIN sim_param p GROUP BY 2;
