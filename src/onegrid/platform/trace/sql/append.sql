-- One trace entry appended in one statement (trace/chain.py computes the entry's canonical JSON,
-- which verify recomputes; the hash is taken here, over the chain's head read under the lock).
-- The advisory lock keeps the chain linear: one appender at a time, each reading the head its
-- predecessor committed (a plpgsql statement takes a new snapshot, so the head is read after the
-- lock is held). ``durable`` false lets the commit skip waiting for the disk (a pull changes no
-- data: a crash may lose the last fraction of a second of entries, never break the chain).
-- (Functions here read as pg_get_functiondef prints them: tests/platform/store/test_functions.py
-- compares them with the database's.)

CREATE OR REPLACE FUNCTION public.onegrid_trace_append(entry_at timestamp with time zone, entry_actor text, entry_action text, entry_target text, entry_detail jsonb, body_tail text, durable boolean)
 RETURNS bigint
 LANGUAGE plpgsql
AS $function$
DECLARE
    head_seq bigint;
    head_hash varchar(64);
BEGIN
    IF NOT durable THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
    PERFORM pg_advisory_xact_lock(15077917);
    SELECT t.seq, t.hash INTO head_seq, head_hash FROM trace_entry t ORDER BY t.seq DESC LIMIT 1;
    head_seq := coalesce(head_seq, 0) + 1;
    head_hash := coalesce(head_hash, repeat('0', 64));
    INSERT INTO trace_entry (seq, at, actor, action, target, detail, prev_hash, hash)
    VALUES (head_seq, entry_at, entry_actor, entry_action, entry_target, entry_detail, head_hash,
            encode(sha256(convert_to(head_hash || '[' || head_seq || ',' || body_tail, 'UTF8')),
                   'hex'));
    RETURN head_seq;
END $function$;
