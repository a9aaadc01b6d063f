-- Statement triggers that refuse to delete reference rows that records still name, in place of
-- foreign keys on the columns ingest writes for every row: each key's check looks the row up
-- and locks it, per written row, which cost ingest 15–20 % of its throughput (the baseline
-- migration has the figures). Ingest takes dataset ids from the catalog, grid ids from area and
-- department ids from department, so what a key would catch is a delete.
-- (Functions here read as pg_get_functiondef prints them: tests/platform/store/test_functions.py
-- compares them with the database's.)

CREATE OR REPLACE FUNCTION public.onegrid_keep_in_use()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
-- TG_ARGV: the table that refers to the deleted rows and its column holding their id.
DECLARE
    used boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM gone JOIN %I r ON r.%I = gone.id)',
                   TG_ARGV[0], TG_ARGV[1]) INTO used;
    IF used THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('%s.%s still refers to a deleted %s', TG_ARGV[0], TG_ARGV[1],
                             TG_TABLE_NAME),
            DETAIL = format('remove or move the %s rows that refer to it first', TG_ARGV[0]);
    END IF;
    RETURN NULL;
END $function$;

CREATE OR REPLACE TRIGGER keep_dataset_in_use AFTER DELETE ON dataset
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_keep_in_use('record', 'dataset_id');

CREATE OR REPLACE TRIGGER keep_area_in_use AFTER DELETE ON area
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_keep_in_use('record', 'grid_id');

CREATE OR REPLACE TRIGGER keep_department_in_use AFTER DELETE ON department
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_keep_in_use('record_version', 'department_id');
