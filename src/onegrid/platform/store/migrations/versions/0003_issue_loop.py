"""the issue loop: categories, responsibility and admission lists, issue history

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

UNKNOWN_CATEGORY = """
INSERT INTO issue_category (code, kind, class_name, class_name_en, name, name_en,
                            response_hours, resolve_hours)
SELECT DISTINCT category, 'event', '其他', 'Other', category, category, 24, 120 FROM issue
ON CONFLICT DO NOTHING
"""


def upgrade() -> None:
    op.create_table('admission_item',
    sa.Column('task_type', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.CheckConstraint("level IN ('street', 'community', 'grid')", name='level_allowed'),
    sa.PrimaryKeyConstraint('task_type')
    )
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
    op.create_table('responsibility',
    sa.Column('category_code', sa.String(length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.CheckConstraint("level IN ('city', 'district', 'street', 'community')", name='level_allowed'),
    sa.ForeignKeyConstraint(['category_code'], ['issue_category.code'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('category_code')
    )
    op.create_table('grid_task',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('task_type', sa.String(length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('release_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('open', 'done')", name='status_allowed'),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['area.id'], ),
    sa.ForeignKeyConstraint(['task_type'], ['admission_item.task_type'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('grid_task_grid_release_idx', 'grid_task', ['grid_id', 'release_at'], unique=False)
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
    op.add_column('issue', sa.Column('source', sa.String(length=16), server_default='grid', nullable=False))
    op.add_column('issue', sa.Column('address', sa.Text(), server_default='', nullable=False))
    op.add_column('issue', sa.Column('level', sa.String(length=16), nullable=True))
    op.add_column('issue', sa.Column('rejections', sa.Integer(), server_default='0', nullable=False))
    op.add_column('issue', sa.Column('result_note', sa.Text(), server_default='', nullable=False))
    op.add_column('issue', sa.Column('satisfaction', sa.SmallInteger(), nullable=True))
    op.add_column('issue', sa.Column('media_url', sa.Text(), server_default='', nullable=False))
    op.add_column('issue', sa.Column('response_due', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False))
    op.add_column('issue', sa.Column('resolve_due', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False))
    op.add_column('issue', sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('issue', sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('issue', sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('issue_department_status_idx', 'issue', ['department_id', 'status'], unique=False)
    op.create_index('issue_open_category_idx', 'issue', ['category', 'created_at'], unique=False)
    # Rows from before the category list get a catch-all category so the key can be enforced.
    op.execute(UNKNOWN_CATEGORY)
    op.create_foreign_key('issue_category_fkey', 'issue', 'issue_category', ['category'], ['code'])
    op.alter_column('issue', 'response_due', server_default=None)
    op.alter_column('issue', 'resolve_due', server_default=None)
    op.create_check_constraint('status_allowed', 'issue', "status IN ('reported', 'routed', 'dispatched', 'in_progress', 'resolved', 'verified', 'evaluated', 'closed')")
    op.create_check_constraint('source_allowed', 'issue', "source IN ('grid', 'open311', 'hotline')")
    op.create_index('trace_entry_target_idx', 'trace_entry', ['target'], unique=False)


def downgrade() -> None:
    op.drop_index('trace_entry_target_idx', table_name='trace_entry')
    op.drop_constraint('source_allowed', 'issue', type_='check')
    op.drop_constraint('status_allowed', 'issue', type_='check')
    op.drop_constraint('issue_category_fkey', 'issue', type_='foreignkey')
    op.drop_index('issue_open_category_idx', table_name='issue')
    op.drop_index('issue_department_status_idx', table_name='issue')
    for column in ('closed_at', 'resolved_at', 'accepted_at', 'resolve_due', 'response_due',
                   'media_url', 'satisfaction', 'result_note', 'rejections', 'level', 'address',
                   'source'):
        op.drop_column('issue', column)
    op.drop_index(op.f('ix_issue_report_issue_id'), table_name='issue_report')
    op.drop_table('issue_report')
    op.drop_index(op.f('ix_issue_photo_issue_id'), table_name='issue_photo')
    op.drop_table('issue_photo')
    op.drop_index('grid_task_grid_release_idx', table_name='grid_task')
    op.drop_table('grid_task')
    op.drop_table('responsibility')
    op.drop_index(op.f('ix_burden_event_department_id'), table_name='burden_event')
    op.drop_index('burden_event_kind_at_idx', table_name='burden_event')
    op.drop_table('burden_event')
    op.drop_table('issue_category')
    op.drop_table('admission_item')
