"""A record carries its subject's key; the subject table goes

Revision ID: 0016
Revises: 0015

A subject is its natural key (a resident ID's keyed hash), and a dataset has one kind of key,
so (key, dataset) already names a record: the subject table only translated each key into a
number. That translation was a fifth of what a new record cost the server: a probe of
subject's key, a row, two index entries and a sequence value, then a join of the batch to its
new subjects. Loading 100,000 new records at a time into copies of the tables with 500,000
already in, four times alternately, the server took 31–37 µs a record with subject and 24–27
with the key on the record (bench/README.md, eleventh session). A re-report now finds its
record in one probe instead of two.

The same subject in several datasets is the same key in each: ``GET /subjects/{key}`` finds
them through the new unique key, which starts with the subject's key. ``subject_key_masked``
is set only where the key is personal information (the masked form is all that may be shown);
elsewhere the key itself is shown.
"""
from __future__ import annotations

from importlib import import_module

from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        ALTER TABLE record ADD COLUMN subject_key text, ADD COLUMN subject_key_masked text;
        UPDATE record r SET subject_key = s.key, subject_key_masked = nullif(s.key_masked, s.key)
        FROM subject s WHERE s.id = r.subject_id;
        ALTER TABLE record ALTER COLUMN subject_key SET NOT NULL,
            DROP CONSTRAINT record_subject_id_dataset_id_key,
            ADD CONSTRAINT record_subject_key_dataset_id_key UNIQUE (subject_key, dataset_id),
            DROP COLUMN subject_id;
        DROP TABLE subject;
        DROP FUNCTION onegrid_keep_subject_in_use();
    """)


def downgrade() -> None:
    op.execute("""
        CREATE TABLE subject (
            id bigserial PRIMARY KEY,
            kind varchar(32) NOT NULL CONSTRAINT kind_allowed CHECK (kind IN (
                'credit_code', 'resident_id', 'address_code', 'building_code', 'facility_code',
                'event_id')),
            key text NOT NULL,
            key_masked text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT subject_key_kind_key UNIQUE (key, kind));
        INSERT INTO subject (kind, key, key_masked, created_at)
        SELECT d.subject_key_kind, r.subject_key,
               min(coalesce(r.subject_key_masked, r.subject_key)), min(r.created_at)
        FROM record r JOIN dataset d ON d.id = r.dataset_id
        GROUP BY r.subject_key, d.subject_key_kind ORDER BY min(r.id);
        ALTER TABLE record ADD COLUMN subject_id bigint;
        UPDATE record r SET subject_id = s.id FROM dataset d, subject s
        WHERE d.id = r.dataset_id AND s.key = r.subject_key AND s.kind = d.subject_key_kind;
        ALTER TABLE record ALTER COLUMN subject_id SET NOT NULL,
            DROP CONSTRAINT record_subject_key_dataset_id_key,
            ADD CONSTRAINT record_subject_id_dataset_id_key UNIQUE (subject_id, dataset_id),
            DROP COLUMN subject_key, DROP COLUMN subject_key_masked;
    """)
    op.execute(import_module("onegrid.platform.store.migrations.versions.0007_subject_guard").GUARD)
