-- The trace is append-only. Its hash chain already makes any edit evident (trace/chain.py);
-- this trigger also makes a casual UPDATE, DELETE or TRUNCATE fail loudly.
-- (Functions here read as pg_get_functiondef prints them: tests/platform/store/test_functions.py
-- compares them with the database's.)

CREATE OR REPLACE FUNCTION public.trace_entry_append_only()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    RAISE EXCEPTION 'the trace is append-only: % is not allowed', TG_OP;
END $function$;

CREATE OR REPLACE TRIGGER trace_entry_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
    ON trace_entry FOR EACH STATEMENT EXECUTE FUNCTION trace_entry_append_only();
