"""Schema migrations: Alembic driven from code, so `onegrid db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the store's schema to ``revision``."""
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)


def check(engine: Engine) -> None:
    """Raise if the models and the migrations disagree (alembic's autogenerate finds a diff)."""
    with engine.begin() as conn:
        command.check(_config(conn))


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration from the models (a developer's tool: review the result)."""
    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)


def current_head() -> str:
    return str(ScriptDirectory(str(MIGRATIONS)).get_current_head())


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
