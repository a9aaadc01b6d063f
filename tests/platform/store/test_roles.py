"""Least privilege: the web app and ingest connect as roles that can neither rewrite the trace
nor switch its guard off, and hold only the privileges platform/store/sql/roles.sql grants."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from onegrid.cli import main
from onegrid.platform.settings import Settings
from onegrid.platform.store.roles import app_roles
from onegrid.platform.trace.chain import append, verify
from tests.conftest import environment, role_of

ATTACKS = {
    "update": "UPDATE trace_entry SET actor = 'nobody'",
    "delete": "DELETE FROM trace_entry",
    "truncate": "TRUNCATE trace_entry",
    "disable the trigger": "ALTER TABLE trace_entry DISABLE TRIGGER ALL",
    "drop the trigger": "DROP TRIGGER trace_entry_append_only ON trace_entry",
    "replace the guard": "CREATE OR REPLACE FUNCTION trace_entry_append_only() RETURNS trigger "
                         "LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$",
    "take the table": "ALTER TABLE trace_entry OWNER TO CURRENT_USER",
    "become superuser": "ALTER ROLE CURRENT_USER SUPERUSER",
}


@pytest.fixture(params=["web", "ingest"])
def attacker(request: pytest.FixtureRequest, settings: Settings, city: None
             ) -> Iterator[Connection]:
    """A connection as the web's or ingest's role, as an SQL injection would have it."""
    url = settings.database_url if request.param == "web" else settings.ingest_database_url
    engine = create_engine(url)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_an_app_role_cannot_rewrite_the_trace_or_switch_its_guard_off(attacker: Connection,
                                                                       attack: str) -> None:
    with pytest.raises(ProgrammingError, match="permission denied|must be (owner|superuser)"):
        attacker.execute(text(attack))
    attacker.rollback()


def test_the_app_roles_are_neither_superusers_nor_owners(attacker: Connection) -> None:
    me = attacker.execute(text(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
        "WHERE rolname = current_user")).one()
    owns = attacker.scalar(text(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND pg_has_role(c.relowner, 'USAGE')"))
    assert tuple(me) == (False, False, False, False) and owns == 0


def test_an_app_role_appends_to_the_trace_and_verifies_it(attacker: Connection) -> None:
    with Session(bind=attacker) as session:
        append(session, "test", "roles.append", "trace:roles")
        assert verify(session).ok
        session.rollback()


def test_a_table_the_owner_adds_later_is_readable_by_the_web_only(
        connection: Connection, settings: Settings) -> None:
    connection.execute(text("CREATE TABLE later_table (id int)"))
    web, ingest = role_of(settings.database_url), role_of(settings.ingest_database_url)
    may = connection.execute(text(
        "SELECT has_table_privilege(:web, 'later_table', 'SELECT'),"
        " has_table_privilege(:web, 'later_table', 'INSERT'),"
        " has_table_privilege(:ingest, 'later_table', 'SELECT')"),
        {"web": web, "ingest": ingest}).one()
    assert tuple(may) == (True, False, False)


def test_db_upgrade_gives_an_existing_store_its_grants_again(engine: Engine,
                                                            settings: Settings) -> None:
    web = role_of(settings.database_url)
    with engine.begin() as conn:  # a store migrated before the roles existed has no grants
        conn.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{web}"'))
    result = CliRunner().invoke(main, ["db", "upgrade"], env=environment(settings))
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT has_table_privilege(:r, 'trace_entry', 'INSERT')"),
                           {"r": web})


def test_one_url_for_everything_grants_nothing() -> None:
    required = {"KAFKA_BOOTSTRAP_SERVERS": "b", "ONEGRID_SECRET_KEY": "s",
                "ONEGRID_PII_KEY": "p"}
    one = "postgresql+psycopg://onegrid@h/db"
    assert app_roles(Settings.from_env({"DATABASE_URL": one, **required})) is None
    assert app_roles(Settings.from_env({
        "DATABASE_URL": "postgresql://web@h/db", "ONEGRID_OWNER_DATABASE_URL": one,
        "ONEGRID_INGEST_DATABASE_URL": "postgresql://ingest@h/db", **required})
    ) == ("web", "ingest")
