-- What the web app's role and the ingest workers' role may do in the store (store/roles.py
-- names them); the owner, who runs this after the migrations, owns every table. Neither
-- role owns anything, so neither can ALTER, DROP or disable a trigger (the trace's append-only
-- one above all); on trace_entry both may only INSERT and SELECT. Run whole in one transaction:
-- everything is revoked first, so this file is the whole truth after every `onegrid db upgrade`.

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {web}, {ingest};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {web}, {ingest};
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {web}, {ingest};
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {web}, {ingest};

-- The web reads the whole store: the shared API and the OGC layers (records, versions, areas),
-- the screen (issues, dead letters, ingest counters and offsets), sign-in (users, token hashes),
-- the burden ledger and the trace. A table a later migration adds is readable too (default
-- privileges); writing it takes a line below.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO {web};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {web};
-- ...but not the departments' sealed ingest keys: only ingest verifies signatures.
REVOKE SELECT ON ingest_key FROM {web};

-- What the web writes: the issue loop (reports, photos, steps), grid tasks by admission,
-- grant and collection requests and their decisions, tokens, the burden ledger, the trace.
GRANT INSERT, UPDATE ON issue, grid_task, grant_request, collection_request, collection_task,
    api_token TO {web};
-- The collection loop: a task's areas and the grid workers' answers, which become records (and
-- versions) of the requesting department's dataset; the office's forms inventory, synonyms and
-- targets.
GRANT INSERT, UPDATE ON collection_task_area, record, burden_form, field_synonym, burden_target
    TO {web};
GRANT INSERT ON collection_submission, record_version TO {web};
GRANT INSERT ON issue_report, issue_photo, burden_event, trace_entry TO {web};
-- Admission review: applications and decisions; an approval adds an admission list version.
GRANT INSERT, UPDATE ON admission_application TO {web};
GRANT INSERT ON list_version, list_entry TO {web};
-- The burden-reduction office's registers (platform/offices/): apps and groups and their
-- message logs, inspection plans and indicators, complaints, documents and meetings, caps.
GRANT INSERT, UPDATE ON work_channel, inspection_plan, burden_complaint, output_cap
    TO {web};
GRANT INSERT ON group_message, indicator_version, assessment_item, office_output TO {web};
GRANT USAGE ON SEQUENCE work_channel_id_seq, group_message_id_seq, inspection_plan_id_seq,
    indicator_version_id_seq, assessment_item_id_seq, burden_complaint_id_seq,
    office_output_id_seq TO {web};
-- Signing out ends every copy of the session cookie by moving the user's generation on;
-- replacing a one-time password at first sign-in sets the new hash and clears the demand. The
-- web changes nothing else of a user.
GRANT UPDATE (session_generation, password_hash, must_change_password) ON app_user TO {web};
GRANT USAGE ON SEQUENCE issue_id_seq, issue_report_id_seq, issue_photo_id_seq, grid_task_id_seq,
    grant_request_id_seq, collection_request_id_seq, collection_task_id_seq, api_token_id_seq,
    burden_event_id_seq, admission_application_id_seq, list_version_id_seq TO {web};
GRANT USAGE ON SEQUENCE record_id_seq, record_change_seq, burden_form_id_seq TO {web};

-- Ingest reads the catalog, the hierarchy and placement cache, the records it merges into,
-- the issues a hotline ticket may join and the lists and offices that route it
-- (platform/loop/intake.py), and the trace's last entry.
GRANT SELECT ON dataset, department, area, grid_cell, app_user, record,
    record_version, ingest_offset, ingest_counter, dead_letter, issue, issue_report,
    issue_category, list_version, list_entry, area_office, trace_entry TO {ingest};

-- What ingest writes: records and their versions, its offsets and counters, dead letters (and
-- their replay), issues opened by hotline tickets, the trace. Nothing by default.
GRANT INSERT, UPDATE ON record, ingest_offset, ingest_counter, dead_letter, issue TO {ingest};
GRANT INSERT ON record_version, issue_report, burden_event, trace_entry TO {ingest};
-- The departments' ingest keys, to verify what they sign; the platform's own producers (`onegrid
-- feed`, the demo's feeds, which run as ingest) add the key they sign with. Revoking a key is
-- the owner's (`onegrid department key revoke`).
GRANT SELECT, INSERT ON ingest_key TO {ingest};
GRANT USAGE ON SEQUENCE record_id_seq, record_change_seq, dead_letter_id_seq, issue_id_seq,
    issue_report_id_seq, burden_event_id_seq TO {ingest};
-- A hotline ticket in the burden category files a burden complaint instead of an issue, and
-- its ledger line (whose id and time the insert reads back).
GRANT SELECT, INSERT ON burden_complaint TO {ingest};
GRANT SELECT ON burden_event TO {ingest};
GRANT USAGE ON SEQUENCE burden_complaint_id_seq TO {ingest};
