"""Drop onegrid_changes and onegrid_provenance: ingest writes them out in its merge statement

Revision ID: 0010
Revises: 0009

A SQL function whose body has a FROM clause is not inlined: PostgreSQL runs it as a query of
its own for every call. In the merge of known subjects the two calls cost ≈ 14 µs a changed
re-report, about a tenth of PostgreSQL's work per message in the half-re-report benchmark
(alternated batches, 60,000 messages). ingest/sql/merge_known.sql now holds the expressions;
nothing else called the functions.
"""
from __future__ import annotations

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

FUNCTIONS = """
CREATE FUNCTION onegrid_changes(reported jsonb, current jsonb, provenance jsonb,
                                sources jsonb, at timestamptz) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_object_agg(r.key, r.value), '{}'::jsonb)
    FROM jsonb_each(reported) AS r
    WHERE current -> r.key IS DISTINCT FROM r.value
      AND coalesce((sources -> (provenance ->> r.key) ->> 'at')::timestamptz <= at, true)
$$;

CREATE FUNCTION onegrid_provenance(changes jsonb, version int) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_object_agg(k, version), '{}'::jsonb) FROM jsonb_object_keys(changes) k
$$;
"""


def upgrade() -> None:
    op.execute("DROP FUNCTION onegrid_changes(jsonb, jsonb, jsonb, jsonb, timestamptz)")
    op.execute("DROP FUNCTION onegrid_provenance(jsonb, int)")


def downgrade() -> None:
    op.execute(FUNCTIONS)
