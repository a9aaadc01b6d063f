-- The history's working tables, gone at commit. sim_param holds the run's parameters (the only
-- statement with bound values; every other reads them from here) and the working calendar as
-- platform/governance/working_time.py has it (demo/history.py fills it): the working days in
-- order, and the working periods of a day (start in seconds after midnight, the working
-- seconds before it in the day, its length). sim_batch is what each register wrote per month,
-- for the trace.
-- The planner cannot know these tables' sizes; its guesses would JIT-compile every statement,
-- which costs more than the statements themselves.
SET LOCAL jit = off;

CREATE TEMP TABLE sim_param (
    now timestamptz NOT NULL, start timestamptz NOT NULL, first_day date NOT NULL,
    today date NOT NULL, zone text NOT NULL, seed text NOT NULL, workdays date[] NOT NULL,
    starts float8[] NOT NULL, cums float8[] NOT NULL, lens float8[] NOT NULL,
    day_len float8 NOT NULL) ON COMMIT DROP;

-- Stored as it is, neither compressed nor out of line: read for every row.
ALTER TABLE sim_param ALTER workdays SET STORAGE PLAIN;

CREATE TEMP TABLE sim_batch (
    register text NOT NULL, month date NOT NULL, rows int NOT NULL, first_id bigint,
    last_id bigint, detail jsonb NOT NULL DEFAULT '{}') ON COMMIT DROP;

-- A uniform number in [0, 1) from a key: the same key, the same number, in any run.
CREATE FUNCTION pg_temp.sim_u(key text) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT ('x' || substr(md5(key), 1, 12))::bit(48)::bigint / 281474976710656.0 $$;

-- Working time as a number: the working seconds from the first working day's start to t, so
-- that "a span of working time after t" is an addition. Each function is one expression that
-- the planner inlines, its calendar (C) passed as sim_param's columns
-- (p.workdays, p.starts, p.cums, p.lens, p.day_len, p.zone): a whole row would be copied for
-- every row read.
CREATE FUNCTION pg_temp.sim_in_day(s float8, working boolean, st float8[], cu float8[],
                                   le float8[]) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN working AND width_bucket(s, st) > 0
               THEN cu[width_bucket(s, st)] + least(s - st[width_bucket(s, st)],
                                                    le[width_bucket(s, st)])
               ELSE 0 END $$;

CREATE FUNCTION pg_temp.sim_w_local(l timestamp, wd date[], st float8[], cu float8[],
                                    le float8[], dl float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS
$$ SELECT width_bucket(l::date - 1, wd) * dl
          + pg_temp.sim_in_day(extract(epoch FROM l - l::date)::float8,
                               wd[width_bucket(l::date, wd)] = l::date, st, cu, le) $$;

CREATE FUNCTION pg_temp.sim_w(t timestamptz, wd date[], st float8[], cu float8[], le float8[],
                              dl float8, z text) RETURNS float8 LANGUAGE sql STABLE AS
$$ SELECT pg_temp.sim_w_local(t AT TIME ZONE z, wd, st, cu, le, dl) $$;

-- The moment at working seconds x > 0 (WorkingHours.after_working: a span that ends with a
-- period ends at that period's end): r = x - (ceil(x / dl) - 1) * dl seconds into the working
-- time of working day ceil(x / dl). One flat expression: a nested call with a computed
-- argument used more than once would not be inlined.
CREATE FUNCTION pg_temp.sim_at(x float8, wd date[], st float8[], cu float8[], dl float8,
                               z text) RETURNS timestamptz LANGUAGE sql STABLE AS
$$ SELECT (wd[ceil(x / dl)::int] + make_interval(secs =>
              st[greatest(1, width_bucket(x - (ceil(x / dl) - 1) * dl - 1e-6, cu))]
              + x - (ceil(x / dl) - 1) * dl
              - cu[greatest(1, width_bucket(x - (ceil(x / dl) - 1) * dl - 1e-6, cu))]))
          AT TIME ZONE z $$;

-- WorkingHours.after_working(t, span) for a span of seconds > 0: an SLA's deadline.
CREATE FUNCTION pg_temp.sim_after(t timestamptz, span float8, wd date[], st float8[],
                                  cu float8[], le float8[], dl float8, z text)
RETURNS timestamptz LANGUAGE sql STABLE AS
$$ SELECT pg_temp.sim_at(pg_temp.sim_w(t, wd, st, cu, le, dl, z) + span, wd, st, cu, dl, z) $$;

-- WorkingHours.next_start at working seconds x (from sim_w): that moment inside working
-- hours, else the next period's start.
CREATE FUNCTION pg_temp.sim_start_at(x float8, wd date[], st float8[], cu float8[], dl float8,
                                     z text) RETURNS timestamptz LANGUAGE sql STABLE AS
$$ SELECT (wd[floor(x / dl)::int + 1] + make_interval(secs =>
              st[width_bucket(x - floor(x / dl) * dl, cu)] + x - floor(x / dl) * dl
              - cu[width_bucket(x - floor(x / dl) * dl, cu)])) AT TIME ZONE z $$;

-- WorkingHours.is_working(t): inside a working period of a working day.
CREATE FUNCTION pg_temp.sim_working(t timestamptz, wd date[], st float8[], le float8[], z text)
RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT wd[width_bucket((t AT TIME ZONE z)::date, wd)] = (t AT TIME ZONE z)::date
          AND width_bucket(extract(epoch FROM (t AT TIME ZONE z)::time)::float8, st) > 0
          AND extract(epoch FROM (t AT TIME ZONE z)::time)::float8
              < st[width_bucket(extract(epoch FROM (t AT TIME ZONE z)::time)::float8, st)]
                + le[width_bucket(extract(epoch FROM (t AT TIME ZONE z)::time)::float8, st)] $$;

-- add_working_days (platform/collection/gate.py): the n-th working day after day d.
CREATE FUNCTION pg_temp.sim_working_day(d date, n int, wd date[]) RETURNS date
LANGUAGE sql IMMUTABLE AS $$ SELECT wd[width_bucket(d, wd) + n] $$;

-- Every grid, numbered for picking, with its grid worker; and the departments by code.
CREATE TEMP TABLE sim_grid ON COMMIT DROP AS
SELECT a.id, a.code, a.path, a.geom, (row_number() OVER (ORDER BY a.code) - 1)::int AS ord,
       (SELECT min(ug.user_id) FROM user_grid ug WHERE ug.area_id = a.id) AS worker_id
FROM area a WHERE a.level = 'grid';

CREATE UNIQUE INDEX ON sim_grid (ord);

CREATE TEMP TABLE sim_department ON COMMIT DROP AS
SELECT d.id, d.code, d.name, (row_number() OVER (ORDER BY d.code) - 1)::int AS ord
FROM department d;
