"""Alembic environment: runs against the engine handed over by onegrid.platform.store.migrate."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers

from onegrid.platform.store.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=alembic_helpers.include_object,
    process_revision_directives=alembic_helpers.writer,
    render_item=alembic_helpers.render_item,
    compare_type=True,
    transaction_per_migration=True,
)
with context.begin_transaction():
    # Fail fast rather than queue behind a long lock on a live database.
    connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
    context.run_migrations()
