"""shared API: grants, grant requests, collection requests, burden ledger

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
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
    sa.Column('field', sa.Text(), nullable=False),
    sa.Column('task_type', sa.String(length=32), nullable=False),
    sa.Column('grid_codes', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('departments', postgresql.ARRAY(sa.String(length=32)), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['task_type'], ['admission_item.task_type'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('field')
    )
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

    op.create_index('record_grid_page_idx', 'record', ['grid_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('record_grid_page_idx', table_name='record')
    op.drop_index('grant_request_lookup_idx', table_name='grant_request')
    op.drop_table('grant_request')
    op.drop_table('collection_task')
    op.drop_index(op.f('ix_collection_request_department_id'), table_name='collection_request')
    op.drop_table('collection_request')
