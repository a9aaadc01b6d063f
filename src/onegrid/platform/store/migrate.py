"""Schema migrations: Alembic driven from code, so `onegrid db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from onegrid.platform.store import sqlfiles

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the store's schema to ``revision``; at the head, load the store's functions and
    triggers from their SQL files again (sqlfiles.SCHEMA), in the same transaction.

    They are code, and each file CREATE OR REPLACEs what it defines, so they are loaded the way
    Flyway loads its repeatable migrations: a store already at the head gets a function added or
    changed since it was made (one without it failed on its first trace entry), with no
    migration written for it."""
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)
        if revision == "head":
            for package, name in sqlfiles.SCHEMA:
                sqlfiles.run_script(conn, package, name)


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
