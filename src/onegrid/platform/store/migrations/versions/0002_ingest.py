"""ingest: subjects, records, versions, offsets, dead letters, counters

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The merge rules, in the store so one INSERT … ON CONFLICT can apply a whole batch.
MERGE_FUNCTIONS = """
-- The attributes of a report that change the record: values that differ from the current ones,
-- unless the current value was reported later than this report (a late report never wins).
CREATE FUNCTION onegrid_changes(reported jsonb, current jsonb, provenance jsonb,
                                at timestamptz) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_object_agg(r.key, r.value), '{}'::jsonb)
    FROM jsonb_each(reported) AS r
    WHERE current -> r.key IS DISTINCT FROM r.value
      AND (provenance -> r.key ->> 'at' IS NULL
           OR (provenance -> r.key ->> 'at')::timestamptz <= at)
$$;

-- Provenance entries for the attributes a report set: who said it, in which record, when.
CREATE FUNCTION onegrid_provenance(changes jsonb, department text, record_id text,
                                   at timestamptz, version int) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_object_agg(k, jsonb_build_object(
        'department', department, 'record_id', record_id, 'at', at, 'version', version)),
        '{}'::jsonb)
    FROM jsonb_object_keys(changes) AS k
$$;

-- The grid a geometry belongs to: the grid containing the point (or a polygon's point on
-- surface). A point on an edge shared by grids belongs to the one with the smallest code.
CREATE FUNCTION onegrid_grid_of(g geometry) RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT a.id FROM area a
    WHERE a.level = 'grid'
      AND ST_Intersects(a.geom, CASE WHEN GeometryType(g) = 'POINT' THEN g
                                     ELSE ST_PointOnSurface(g) END)
    ORDER BY a.code LIMIT 1
$$;
"""


def upgrade() -> None:
    op.execute("CREATE SEQUENCE record_change_seq")
    op.execute(MERGE_FUNCTIONS)
    op.create_index('area_grid_geom_idx', 'area', ['geom'], unique=False,
                    postgresql_using='gist', postgresql_where=sa.text("level = 'grid'"))
    op.create_table('dead_letter',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('topic', sa.String(length=255), nullable=False),
    sa.Column('partition', sa.Integer(), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.LargeBinary(), nullable=True),
    sa.Column('value', sa.LargeBinary(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('dataset', sa.String(length=64), nullable=False),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('replayed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('topic', 'partition', 'offset')
    )
    op.create_table('ingest_counter',
    sa.Column('dataset', sa.String(length=64), nullable=False),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('new', sa.BigInteger(), nullable=False),
    sa.Column('merged', sa.BigInteger(), nullable=False),
    sa.Column('versions', sa.BigInteger(), nullable=False),
    sa.Column('dead_letters', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('dataset', 'department')
    )
    op.create_table('ingest_offset',
    sa.Column('consumer_group', sa.String(length=128), nullable=False),
    sa.Column('topic', sa.String(length=255), nullable=False),
    sa.Column('partition', sa.Integer(), nullable=False),
    sa.Column('next_offset', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('consumer_group', 'topic', 'partition')
    )
    op.create_table('subject',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('key_masked', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('credit_code', 'resident_id', 'address_code', 'building_code', 'facility_code', 'event_id')", name='kind_allowed'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'key')
    )
    op.create_geospatial_table('record',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('dataset_id', sa.String(length=64), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('provenance', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('pii_hashes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('geom', Geometry(srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('change_seq', sa.BigInteger(), server_default=sa.text("nextval('record_change_seq')"), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['area.id'], ),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dataset_id', 'subject_id')
    )
    op.create_geospatial_index('idx_record_geom', 'record', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_record_grid_id'), 'record', ['grid_id'], unique=False)
    op.create_index(op.f('ix_record_subject_id'), 'record', ['subject_id'], unique=False)
    op.create_index('record_dataset_change_idx', 'record', ['dataset_id', 'change_seq'], unique=False)
    op.create_table('record_version',
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('source_record_id', sa.Text(), nullable=False),
    sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', 'version')
    )


def downgrade() -> None:
    op.drop_table('record_version')
    op.drop_index('record_dataset_change_idx', table_name='record')
    op.drop_index(op.f('ix_record_subject_id'), table_name='record')
    op.drop_index(op.f('ix_record_grid_id'), table_name='record')
    op.drop_geospatial_index('idx_record_geom', table_name='record', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('record')
    op.drop_table('subject')
    op.drop_table('ingest_offset')
    op.drop_table('ingest_counter')
    op.drop_table('dead_letter')
    op.drop_index('area_grid_geom_idx', table_name='area')
    op.execute("DROP FUNCTION onegrid_provenance(jsonb, text, text, timestamptz, int)")
    op.execute("DROP FUNCTION onegrid_changes(jsonb, jsonb, jsonb, timestamptz)")
    op.execute("DROP FUNCTION onegrid_grid_of(geometry)")
    op.execute("DROP SEQUENCE record_change_seq")
