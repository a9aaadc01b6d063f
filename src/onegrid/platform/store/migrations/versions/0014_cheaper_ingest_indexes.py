"""Cheaper indexes for what ingest adds most: a record's location, a subject's key

Revision ID: 0014
Revises: 0013

- record's location index is an SP-GiST (a space-partitioning tree) instead of a GiST. Both
  answer the bounding-box searches that tiles and `bbox=` ask (``&&``) equally fast, but a GiST
  insert weighs the penalty of each subtree at each level, and an SP-GiST insert follows one
  quadrant: in psql, 500,000 points of the demo district cost 7.0 µs a point to index with the
  GiST (9.2 once a million are in) and 5.2 (5.6) with the SP-GiST; 14,708 points in a 2 km
  box were found in 18.6 and 18.7 ms.
- subject's unique key compares the key before its kind. Nearly every subject of a batch has
  the same kind, so with the kind first every comparison in the B-tree compared two equal
  strings before the one that decides: 120,000 new subjects were inserted in 520 against
  620 ms, and looked up in 327 against 430 ms.
"""
from __future__ import annotations

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    _record_geom_index("spgist")
    op.execute("ALTER TABLE subject DROP CONSTRAINT subject_kind_key_key, "
               "ADD CONSTRAINT subject_key_kind_key UNIQUE (key, kind)")


def downgrade() -> None:
    op.execute("ALTER TABLE subject DROP CONSTRAINT subject_key_kind_key, "
               "ADD CONSTRAINT subject_kind_key_key UNIQUE (kind, key)")
    _record_geom_index("gist")


def _record_geom_index(method: str) -> None:
    op.execute("DROP INDEX idx_record_geom")
    op.execute(f"CREATE INDEX idx_record_geom ON record USING {method} (geom)")
