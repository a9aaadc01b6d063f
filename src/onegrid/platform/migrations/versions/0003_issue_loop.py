"""the issue loop: categories, responsibility and admission lists, issue history

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
