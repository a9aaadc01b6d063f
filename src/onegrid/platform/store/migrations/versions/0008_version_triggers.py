"""record_version: triggers instead of foreign keys

Revision ID: 0008
Revises: 0007

Each version row ingest writes ran two foreign-key checks, each a lookup and a row lock: 23 and
33 µs a row in a batch of re-reports (auto_explain's trigger times, 1,516 rows), about an eighth
of PostgreSQL's work per message in the half-re-report benchmark. Only ingest writes version
rows, for the records it updates in the same statement. What the keys did otherwise is kept by
statement triggers: deleting (or truncating) records deletes their versions, as ON DELETE
CASCADE did, and a department that versions name cannot be deleted.
"""
from __future__ import annotations

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TRIGGERS = """
CREATE FUNCTION onegrid_delete_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM record_version v USING gone WHERE v.record_id = gone.id;
    RETURN NULL;
END $$;
CREATE TRIGGER versions_go_with_record AFTER DELETE ON record
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_delete_versions();

CREATE FUNCTION onegrid_truncate_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE record_version;
    RETURN NULL;
END $$;
CREATE TRIGGER versions_go_with_records AFTER TRUNCATE ON record
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_truncate_versions();

CREATE FUNCTION onegrid_keep_department_in_use() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM gone JOIN record_version v ON v.department_id = gone.id) THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'record versions still name a deleted department',
            DETAIL = 'record_version.department_id refers to it';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER keep_department_in_use AFTER DELETE ON department
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_keep_department_in_use();
"""

DROP_TRIGGERS = """
DROP TRIGGER keep_department_in_use ON department;
DROP FUNCTION onegrid_keep_department_in_use();
DROP TRIGGER versions_go_with_records ON record;
DROP FUNCTION onegrid_truncate_versions();
DROP TRIGGER versions_go_with_record ON record;
DROP FUNCTION onegrid_delete_versions();
"""


def upgrade() -> None:
    op.drop_constraint('record_version_record_id_fkey', 'record_version', type_='foreignkey')
    op.drop_constraint('record_version_department_id_fkey', 'record_version',
                       type_='foreignkey')
    op.execute(TRIGGERS)


def downgrade() -> None:
    op.execute(DROP_TRIGGERS)
    op.create_foreign_key('record_version_department_id_fkey', 'record_version', 'department',
                          ['department_id'], ['id'])
    op.create_foreign_key('record_version_record_id_fkey', 'record_version', 'record',
                          ['record_id'], ['id'], ondelete='CASCADE')
