-- Per measure and department (NULL: a ledger line of no department), the count in the period
-- from :start (its first day's midnight in the city's zone) until :end (the midnight after its
-- last day). What "in the period" means for each measure, and why, is in
-- docs/burden-office.md ("The year-on-year report").
WITH ledger AS (
    SELECT e.kind, e.department_id
    FROM burden_event e
    WHERE e.at >= :start AND e.at < :end
),
-- A form is asked in the period while it is in force: registered (created_at) before the
-- period ends and not retired (its form_retired ledger line) before the period begins.
forms AS (
    SELECT f.department_id, cardinality(f.fields) AS fields
    FROM burden_form f
    WHERE f.created_at < :end
      AND NOT EXISTS (SELECT 1 FROM burden_event r
                      WHERE r.kind = 'form_retired' AND r.detail ->> 'form' = f.id::text
                        AND r.at < :start)
),
-- An app or group is in use in the period when it was registered before the period ends and
-- last active on or after the period begins: one cut (never active again) drops out.
channels AS (
    SELECT c.kind, c.department_id
    FROM work_channel c
    WHERE c.created_at < :end AND c.last_active_at >= :start
),
counted AS (
    SELECT 'forms' AS measure, department_id, count(*) AS n FROM forms GROUP BY department_id
    UNION ALL
    SELECT 'fields', department_id, sum(fields) FROM forms GROUP BY department_id
    UNION ALL
    SELECT CASE kind WHEN 'collection_gate_answered' THEN 'requests_made'
                     WHEN 'request_answered_from_shared_data' THEN 'requests_answered'
                     WHEN 'form_avoided' THEN 'forms_avoided'
                     WHEN 'task_refused_admission' THEN 'tasks_refused'
                     WHEN 'zombie_channel' THEN 'zombies'
                     WHEN 'duplicate_merged' THEN 'duplicates_merged'
                     ELSE 'flags_raised' END,
           department_id, count(*)
    FROM ledger
    WHERE kind IN ('collection_gate_answered', 'request_answered_from_shared_data',
                   'form_avoided', 'task_refused_admission', 'zombie_channel',
                   'duplicate_merged', 'flag_already_have', 'flag_not_admitted')
    GROUP BY 1, department_id
    UNION ALL
    SELECT kind || 's', department_id, count(*) FROM channels GROUP BY kind, department_id
    UNION ALL
    -- a plan is for a year: the approved plans of the years the period touches
    SELECT 'inspections', department_id, sum(inspections)
    FROM inspection_plan
    WHERE status = 'approved' AND year BETWEEN :first_year AND :last_year
    GROUP BY department_id
    UNION ALL
    -- indicators are a stock: those set for the year of the period's last day
    SELECT 'indicators', department_id, sum(cardinality(indicators))
    FROM indicator_version
    WHERE year = :last_year
    GROUP BY department_id
    UNION ALL
    SELECT kind || 's', department_id, count(*)
    FROM office_output
    WHERE held_on >= :start AND held_on < :end
    GROUP BY kind, department_id
    UNION ALL
    SELECT 'complaints', department_id, count(*)
    FROM burden_complaint
    WHERE received_at >= :start AND received_at < :end
    GROUP BY department_id
)
SELECT c.measure, d.code, c.n::bigint AS n
FROM counted c LEFT JOIN department d ON d.id = c.department_id;

-- Since when each source has been recorded: the first day of the month (in the city's zone) of
-- its earliest dated row, or 1 January of its earliest year. Registers and counts are kept by
-- the month (a month's documents are imported together; nothing is held on 1 January), so a
-- row in a month says that month was recorded. A period that begins earlier has no data.
SELECT 'ledger' AS source, date_trunc('month', min(at) AT TIME ZONE :zone)::date AS since
FROM burden_event
UNION ALL
SELECT 'forms', date_trunc('month', min(created_at) AT TIME ZONE :zone)::date FROM burden_form
UNION ALL
SELECT 'channels', date_trunc('month', min(created_at) AT TIME ZONE :zone)::date
FROM work_channel
UNION ALL
SELECT 'plans', make_date(min(year), 1, 1) FROM inspection_plan
UNION ALL
SELECT 'indicators', make_date(min(year), 1, 1) FROM indicator_version
UNION ALL
SELECT 'outputs', date_trunc('month', min(held_on) AT TIME ZONE :zone)::date FROM office_output
UNION ALL
SELECT 'complaints', date_trunc('month', min(received_at) AT TIME ZONE :zone)::date
FROM burden_complaint;
