-- A record's versions go with it, as ON DELETE CASCADE would take them: record_version has no
-- foreign key to record, whose check costs each version row ingest writes a lookup and a row
-- lock (with the key to department, a sixth of ingest's throughput with half re-reports; the
-- baseline migration has the figures).
-- (Functions here read as pg_get_functiondef prints them: tests/platform/store/test_functions.py
-- compares them with the database's.)

CREATE OR REPLACE FUNCTION public.onegrid_delete_versions()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    DELETE FROM record_version v USING gone WHERE v.record_id = gone.id;
    RETURN NULL;
END $function$;

CREATE OR REPLACE TRIGGER versions_go_with_record AFTER DELETE ON record
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_delete_versions();

CREATE OR REPLACE FUNCTION public.onegrid_truncate_versions()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    TRUNCATE record_version;
    RETURN NULL;
END $function$;

CREATE OR REPLACE TRIGGER versions_go_with_records AFTER TRUNCATE ON record
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_truncate_versions();
