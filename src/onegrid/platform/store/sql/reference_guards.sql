-- Statement triggers that refuse to delete reference rows that records still name, in place of
-- foreign keys on the columns ingest writes for every row: each key's check looks the row up
-- and locks it, per written row, which cost ingest 15–20 % of its throughput (the baseline
-- migration has the figures). Ingest takes dataset ids from the catalog, grid ids from area and
-- department ids from department, so what a key would catch is a delete.
-- (Functions here read as pg_get_functiondef prints them: tests/platform/store/test_functions.py
-- compares them with the database's.)

CREATE OR REPLACE FUNCTION public.onegrid_keep_dataset_in_use()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF EXISTS (SELECT 1 FROM gone JOIN record r ON r.dataset_id = gone.id) THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'records still use a deleted dataset',
            DETAIL = 'record.dataset_id refers to it; remove or move those records first';
    END IF;
    RETURN NULL;
END $function$;

CREATE OR REPLACE TRIGGER keep_dataset_in_use AFTER DELETE ON dataset
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_keep_dataset_in_use();

CREATE OR REPLACE FUNCTION public.onegrid_keep_area_in_use()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF EXISTS (SELECT 1 FROM gone JOIN record r ON r.grid_id = gone.id) THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'records still use a deleted area',
            DETAIL = 'record.grid_id refers to it; remove or move those records first';
    END IF;
    RETURN NULL;
END $function$;

CREATE OR REPLACE TRIGGER keep_area_in_use AFTER DELETE ON area
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_keep_area_in_use();

CREATE OR REPLACE FUNCTION public.onegrid_keep_department_in_use()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF EXISTS (SELECT 1 FROM gone JOIN record_version v ON v.department_id = gone.id) THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'record versions still name a deleted department',
            DETAIL = 'record_version.department_id refers to it';
    END IF;
    RETURN NULL;
END $function$;

CREATE OR REPLACE TRIGGER keep_department_in_use AFTER DELETE ON department
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_keep_department_in_use();
