"""record.subject_id: a delete guard on subject instead of a foreign key

Revision ID: 0007
Revises: 0006

The foreign key from record to subject looked up and locked the subject row for every record
ingest inserts: 8–10 µs of a new record's ≈ 35 µs (50,000-row INSERTs into copies of record
with and without it, three runs each). Subjects are only ever added (ingest resolves every
record's subject in the same transaction that writes the record), so what the key guarded
against is a subject deleted while records use it; as for dataset and area (0005), a statement
trigger on subject now refuses that delete.
"""
from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

GUARD = """
CREATE FUNCTION onegrid_keep_subject_in_use() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM gone JOIN record r ON r.subject_id = gone.id) THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'records still use a deleted subject',
            DETAIL = 'record.subject_id refers to it; remove those records first';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER keep_subject_in_use AFTER DELETE ON subject
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_keep_subject_in_use();
"""


def upgrade() -> None:
    op.drop_constraint('record_subject_id_fkey', 'record', type_='foreignkey')
    op.execute(GUARD)


def downgrade() -> None:
    op.execute("DROP TRIGGER keep_subject_in_use ON subject; "
               "DROP FUNCTION onegrid_keep_subject_in_use()")
    op.create_foreign_key('record_subject_id_fkey', 'record', 'subject', ['subject_id'], ['id'])
