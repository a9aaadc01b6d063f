"""The store's schema: every table, sequence and index, then the functions and triggers of the
SQL files that own them

Revision ID: 0001
Revises:
Create Date: 2026-12-06

The baseline of a store that had never been released: the migrations that led here (0001–0019)
were folded into it, less 0018's grid_edge_cell (gis/sql/grid_cells.sql says why), and git
history keeps them with the measurements behind each choice (bench/README.md keeps the
figures). Columns keep the order those migrations left them in.

Functions and triggers live in SQL files beside the code that owns them (sqlfiles.SCHEMA) and
load last, when the tables they read exist. A file can load again (CREATE OR REPLACE), and every
upgrade to the head loads them all again (migrate.upgrade), so a function changes with its file
alone. This migration loads the files as they are when it runs, so their SQL may only name what
this migration creates (a function that needs a later migration's table fails here, loudly,
when a new store is built: its file must then wait for that migration).

downgrade() raises: there is nothing before the baseline to go back to.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from onegrid.platform.store import sqlfiles

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    # one function per module of models/, each table after those it refers to
    _core()
    _data()
    _ingest()
    _issues()
    _governance()
    _sharing()
    _offices()
    _burden()
    for package, name in sqlfiles.SCHEMA:
        sqlfiles.run_script(op.get_bind(), package, name)


def downgrade() -> None:
    raise NotImplementedError("the baseline has nothing before it: drop the database instead")


def _core() -> None:
    op.create_geospatial_table('area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("level IN ('city', 'district', 'street', 'community', 'grid')", name='level_allowed'),
    sa.ForeignKeyConstraint(['parent_id'], ['area.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    # "everything under X" is a prefix match of path at any level
    op.create_index('area_path_idx', 'area', ['path'], unique=False, postgresql_ops={'path': 'text_pattern_ops'})
    op.create_geospatial_index('idx_area_geom', 'area', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    # placement searches grids only
    op.create_geospatial_index('area_grid_geom_idx', 'area', ['geom'], unique=False, postgresql_using='gist', postgresql_where=sa.text("level = 'grid'"), postgresql_ops={})
    op.create_index(op.f('ix_area_parent_id'), 'area', ['parent_id'], unique=False)
    # gis/sql/grid_cells.sql keeps these two: a cache of area that places points by key
    op.create_table('grid_cell',
    sa.Column('cell', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    # the key's index carries grid_id: a placement probe reads the index alone
    sa.PrimaryKeyConstraint('cell', name='grid_cell_pkey', postgresql_include=['grid_id'])
    )
    op.create_table('grid_cell_dirty',
    sa.Column('x0', sa.BigInteger(), nullable=False),
    sa.Column('x1', sa.BigInteger(), nullable=False),
    sa.Column('y0', sa.BigInteger(), nullable=False),
    sa.Column('y1', sa.BigInteger(), nullable=False)
    )

    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('session_generation', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_masked', sa.String(length=24), nullable=True),
    sa.CheckConstraint("role IN ('grid_worker', 'department_staff', 'operator', 'admin')", name='role_allowed'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('user_grid',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'area_id')
    )
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('scope', sa.String(length=16), server_default='data', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("scope IN ('data', 'open311')", name='scope_allowed'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_api_token_department_id'), 'api_token', ['department_id'], unique=False)
    op.create_table('trace_entry',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('hash')
    )
    op.create_index('trace_entry_target_idx', 'trace_entry', ['target'], unique=False)


def _data() -> None:
    op.create_table('dataset',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('owner_department_id', sa.Integer(), nullable=False),
    sa.Column('contributors', postgresql.ARRAY(sa.String(length=32)), nullable=False),
    sa.Column('contributor_fields', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('attribute_schema', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('subject_key_kind', sa.String(length=32), nullable=False),
    sa.Column('geometry_type', sa.String(length=32), nullable=True),
    sa.Column('sharing_class', sa.String(length=16), nullable=False),
    sa.Column('pii_fields', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("sharing_class IN ('unconditional', 'conditional', 'not_shared')", name='sharing_class_allowed'),
    sa.CheckConstraint("subject_key_kind IN ('credit_code', 'resident_id', 'address_code', 'building_code', 'facility_code', 'event_id')", name='subject_key_kind_allowed'),
    sa.ForeignKeyConstraint(['owner_department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    # the change feed's cursor: a record's creation and each later version take the next value
    op.execute("CREATE SEQUENCE record_change_seq")
    # No foreign keys on the columns ingest writes for every row: record.dataset_id and
    # .grid_id, record_version.record_id and .department_id. Statement triggers refuse the
    # deletes that would orphan them (store/sql/reference_guards.sql) and take a record's
    # versions with it (sharing/sql/record_versions.sql). Measured on 2026-12-06 with
    # `bench.writer_ab --b-schema` adding the keys (60,000 messages a side, B/A of the
    # PostgreSQL CPU a message): record's two keys 1.39 with new subjects (+11.1 µs) and 1.19
    # with half re-reports (+8.3 µs); record_version's two 1.23 with half re-reports (+9.2 µs);
    # all four 1.35 (+12.5 µs); a no-op schema change 0.98. Against the ≈ 45 µs of CPU an event
    # costs in bench.ingest, that is 15–22 % less throughput, so as much off its ratio to the
    # COPY ceiling as it stands; the keys were allowed 5 %. (bench.ingest builds its ceiling as a
    # twin of record, keys and all: with record's keys the COPY took 1.67 times as long, so the
    # ratio it prints would not show what the keys cost ingest.)
    op.create_geospatial_table('record',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('dataset_id', sa.String(length=64), nullable=False),
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
    sa.Column('sources', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('subject_key', sa.Text(), nullable=False),
    sa.Column('subject_key_masked', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    # the key first: nearly every record of a batch has the same dataset
    sa.UniqueConstraint('subject_key', 'dataset_id'),
    # A re-report's update is heap-only (touches no index) only if the row's page has room for
    # the new row version: at 70 % full, 94 % of the bench's updates were (86 % at 85 %).
    postgresql_with={'fillfactor': 70}
    )
    # No plan reads statistics of these columns (the API filters on expressions), and sampling
    # them took half of every autoanalyze of the busiest table.
    op.execute("ALTER TABLE record " + ", ".join(
        f"ALTER COLUMN {column} SET STATISTICS 0"
        for column in ('attributes', 'provenance', 'pii_hashes', 'sources')))
    # an SP-GiST: as fast as a GiST for bounding boxes, and cheaper to insert into
    op.create_geospatial_index('idx_record_geom', 'record', ['geom'], unique=False, postgresql_using='spgist', postgresql_ops={})
    op.create_index('record_dataset_change_idx', 'record', ['dataset_id', 'change_seq'], unique=False)
    op.create_index('record_grid_page_idx', 'record', ['grid_id', 'id'], unique=False)
    op.create_geospatial_table('record_version',
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('source_record_id', sa.Text(), nullable=False),
    sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('geom', Geometry(srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('dataset_id', sa.String(length=64), nullable=False),
    sa.Column('change_seq', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('record_id', 'version')
    )
    op.create_index('record_version_change_idx', 'record_version', ['dataset_id', 'change_seq'], unique=False, postgresql_where=sa.text('change_seq IS NOT NULL'))


def _ingest() -> None:
    op.create_table('ingest_offset',
    sa.Column('consumer_group', sa.String(length=128), nullable=False),
    sa.Column('topic', sa.String(length=255), nullable=False),
    sa.Column('partition', sa.Integer(), nullable=False),
    sa.Column('next_offset', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('held_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('consumer_group', 'topic', 'partition')
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
    sa.Column('signature', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('topic', 'partition', 'offset')
    )
    # a department's keys for signing what it publishes (platform/accounts/ingest_keys.py)
    op.create_table('ingest_key',
    sa.Column('kid', sa.String(length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('secret', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('kid')
    )
    op.create_index(op.f('ix_ingest_key_department_id'), 'ingest_key', ['department_id'], unique=False)


def _issues() -> None:
    op.create_table('issue_category',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('class_name', sa.Text(), nullable=False),
    sa.Column('class_name_en', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('response_hours', sa.Integer(), nullable=False),
    sa.Column('resolve_hours', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('component', 'event')", name='kind_allowed'),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_geospatial_table('issue',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('client_id', sa.UUID(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('report_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('source', sa.String(length=16), server_default='grid', nullable=False),
    sa.Column('address', sa.Text(), server_default='', nullable=False),
    sa.Column('level', sa.String(length=16), nullable=True),
    sa.Column('rejections', sa.Integer(), server_default='0', nullable=False),
    sa.Column('result_note', sa.Text(), server_default='', nullable=False),
    sa.Column('satisfaction', sa.SmallInteger(), nullable=True),
    sa.Column('media_url', sa.Text(), server_default='', nullable=False),
    sa.Column('response_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolve_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handling_area_id', sa.Integer(), nullable=True),
    sa.Column('awaiting_owner', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.CheckConstraint("source IN ('grid', 'open311', 'hotline')", name='source_allowed'),
    sa.CheckConstraint("status IN ('reported', 'routed', 'dispatched', 'in_progress', 'resolved', 'verified', 'evaluated', 'closed')", name='status_allowed'),
    sa.ForeignKeyConstraint(['category'], ['issue_category.code'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['area.id'], ),
    sa.ForeignKeyConstraint(['handling_area_id'], ['area.id'], ),
    sa.ForeignKeyConstraint(['reporter_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    op.create_geospatial_index('idx_issue_geom', 'issue', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_issue_grid_id'), 'issue', ['grid_id'], unique=False)
    op.create_index('issue_department_status_idx', 'issue', ['department_id', 'status'], unique=False)
    op.create_index('issue_open_category_idx', 'issue', ['category', 'created_at'], unique=False)
    op.create_table('issue_photo',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('issue_id', sa.BigInteger(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("stage IN ('report', 'resolve')", name='stage_allowed'),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_issue_photo_issue_id'), 'issue_photo', ['issue_id'], unique=False)
    op.create_table('issue_report',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('client_id', sa.UUID(), nullable=False),
    sa.Column('issue_id', sa.BigInteger(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("source IN ('grid', 'open311', 'hotline')", name='source_allowed'),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    op.create_index(op.f('ix_issue_report_issue_id'), 'issue_report', ['issue_id'], unique=False)


def _governance() -> None:
    op.create_table('list_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('effective_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_by', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('categories', 'responsibility', 'admission')", name='kind_allowed'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('list_version_in_force_idx', 'list_version', ['kind', 'effective_at'], unique=False)
    op.create_table('list_entry',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['list_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'key')
    )
    op.create_table('area_office',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("role IN ('command_centre', 'admission_reviewer', 'burden_office')", name='role_allowed'),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('area_id', 'role')
    )
    op.create_table('admission_application',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('task_type', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('workload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('applied_by', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('duty', 'assistance')", name='kind_allowed'),
    sa.CheckConstraint("level IN ('street', 'community', 'grid')", name='level_allowed'),
    sa.CheckConstraint("status IN ('pending', 'approved', 'refused')", name='status_allowed'),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['list_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_admission_application_department_id'), 'admission_application', ['department_id'], unique=False)
    op.create_table('grid_task',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('task_type', sa.String(length=32), nullable=False),
    sa.Column('admission_version_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('release_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('open', 'done')", name='status_allowed'),
    sa.ForeignKeyConstraint(['admission_version_id'], ['list_version.id'], ),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('grid_task_area_release_idx', 'grid_task', ['area_id', 'release_at'], unique=False)
    op.create_table('burden_event',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('burden_event_kind_at_idx', 'burden_event', ['kind', 'at'], unique=False)
    op.create_index(op.f('ix_burden_event_department_id'), 'burden_event', ['department_id'], unique=False)


def _sharing() -> None:
    op.create_table('collection_request',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('task_type', sa.String(length=32), nullable=False),
    sa.Column('fields', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('grid_codes', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('answer', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('accepted', 'refused', 'answered')", name='status_allowed'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_collection_request_department_id'), 'collection_request', ['department_id'], unique=False)
    op.create_table('collection_task',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('dataset_id', sa.String(length=64), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('fields', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('task_type', sa.String(length=32), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('departments', postgresql.ARRAY(sa.String(length=32)), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('end_reason', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("end_reason IN ('', 'answered', 'deadline')", name='end_reason_allowed'),
    sa.CheckConstraint("status IN ('open', 'ended')", name='status_allowed'),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('collection_task_area',
    sa.Column('task_id', sa.BigInteger(), nullable=False),
    sa.Column('area_code', sa.String(length=24), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['collection_task.id'], ),
    sa.PrimaryKeyConstraint('task_id', 'area_code')
    )
    op.create_index('collection_task_area_code_idx', 'collection_task_area', ['area_code'], unique=False)
    op.create_table('collection_submission',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('task_id', sa.BigInteger(), nullable=False),
    sa.Column('area_code', sa.String(length=24), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['collection_task.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('client_id')
    )
    op.create_index(op.f('ix_collection_submission_task_id'), 'collection_submission', ['task_id'], unique=False)
    op.create_table('grant_request',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('dataset_id', sa.String(length=64), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('fields', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('personal_information', sa.Boolean(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'denied')", name='status_allowed'),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('grant_request_lookup_idx', 'grant_request', ['department_id', 'dataset_id', 'status'], unique=False)


def _offices() -> None:
    op.create_table('work_channel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('levels', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('last_active_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('zombie_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('app', 'group')", name='kind_allowed'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'name')
    )
    op.create_index(op.f('ix_work_channel_department_id'), 'work_channel', ['department_id'], unique=False)
    op.create_table('group_message',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('is_assignment', sa.Boolean(), nullable=False),
    sa.Column('out_of_hours', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['work_channel.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_group_message_channel_id'), 'group_message', ['channel_id'], unique=False)
    op.create_table('inspection_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('inspections', sa.Integer(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.Text(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'refused')", name='status_allowed'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('department_id', 'year')
    )
    op.create_table('indicator_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('indicators', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('increase_reason', sa.Text(), nullable=False),
    sa.Column('approved_by', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('department_id', 'year')
    )
    op.create_table('assessment_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('veto', 'pledge')", name='kind_allowed'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'department_id', 'year', 'name')
    )
    op.create_table('burden_complaint',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('ticket', sa.Text(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('finding', sa.Text(), nullable=False),
    sa.Column('rectification', sa.Text(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('typical', sa.String(length=7), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("channel IN ('letter', 'visit', 'web', 'phone', 'hotline')", name='channel_allowed'),
    sa.CheckConstraint("status IN ('received', 'verifying', 'rectifying', 'rectified', 'published', 'dismissed')", name='status_allowed'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket')
    )
    op.create_index(op.f('ix_burden_complaint_department_id'), 'burden_complaint', ['department_id'], unique=False)
    op.create_table('output_cap',
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('measure', sa.String(length=16), nullable=False),
    sa.Column('cap', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('document', 'meeting')", name='kind_allowed'),
    sa.CheckConstraint("measure IN ('pages', 'characters', 'minutes', 'speakers')", name='measure_allowed'),
    sa.PrimaryKeyConstraint('kind', 'measure')
    )
    op.create_table('office_output',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.Text(), nullable=False),
    sa.Column('held_on', sa.DateTime(timezone=True), nullable=False),
    sa.Column('measures', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('over', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.CheckConstraint("kind IN ('document', 'meeting')", name='kind_allowed'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'department_id', 'reference')
    )
    op.create_index(op.f('ix_office_output_department_id'), 'office_output', ['department_id'], unique=False)


def _burden() -> None:
    op.create_table('field_synonym',
    sa.Column('term', sa.Text(), nullable=False),
    sa.Column('concept', sa.Text(), nullable=False),
    sa.Column('value_type', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('term')
    )
    op.create_index(op.f('ix_field_synonym_concept'), 'field_synonym', ['concept'], unique=False)
    op.create_table('burden_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('fields', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('levels', postgresql.ARRAY(sa.String(length=16)), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("frequency IN ('once', 'yearly', 'half_yearly', 'quarterly', 'monthly', 'weekly', 'daily')", name='frequency_allowed'),
    sa.CheckConstraint("status IN ('active', 'retired')", name='status_allowed'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('department_id', 'name')
    )
    op.create_table('burden_target',
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('reduction_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('baseline', sa.Integer(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('department_id', 'year')
    )
