"""Fixtures: a fresh database per test session (cloned from a migrated template) with web and
ingest roles of its own, each test in a transaction that is rolled back, the demo city built
once, and unique Kafka topics per test.

The session's database is owned by the store's owner (ONEGRID_OWNER_DATABASE_URL), which the
fixtures that set data up use; the web app and ingest connect as roles made for the session
and granted what platform/store/sql/roles.sql says, so a missing grant fails a test. The
cluster's administrator (ONEGRID_ADMIN_DATABASE_URL) creates the databases and the roles."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from onegrid.api import create_app
from onegrid.demo.city import build
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.views import forget_views
from onegrid.platform.store import migrate, roles, sqlfiles
from onegrid.platform.store.db import create_database, engine_for

MIGRATIONS = Path(migrate.__file__).with_name("migrations")


def _migrations_digest(owner: str) -> str:
    """Of the migrations and the SQL files they load (a changed function rebuilds the template)
    and of the role that owns what they create (the one that grants the app roles)."""
    digest = hashlib.sha256(owner.encode())
    for path in sorted(MIGRATIONS.rglob("*.py")):
        digest.update(path.read_bytes())
    for package, name in sqlfiles.SCHEMA:
        digest.update(sqlfiles.source(package, name).encode())
    return digest.hexdigest()[:12]


def _admin_engine(url: str) -> Engine:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _url(url: str, database: str, username: str | None = None, password: str | None = None
         ) -> str:
    """``url`` on ``database`` (and as ``username``, when given)."""
    parsed = make_url(url).set(database=database)
    if username:
        parsed = parsed.set(username=username, password=password)
    return parsed.render_as_string(hide_password=False)


def _exists(admin: Engine, name: str) -> bool:
    with admin.connect() as conn:
        return bool(conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}))


def _template(admin: Engine, base: Settings) -> str:
    """A database with every migration applied by the owner, named after the migrations'
    content. The administrator installs PostGIS first (only a superuser may)."""
    owner = str(make_url(base.owner_database_url).username)
    name = f"onegrid_tpl_{_migrations_digest(owner)}"
    if not _exists(admin, name):
        build = f"{name}_build"
        with admin.connect() as conn:
            create_database(conn, build)
            conn.execute(text(f'ALTER DATABASE "{build}" OWNER TO "{owner}"'))
        engine = create_engine(_url(base.admin_database_url, database=build))
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        engine.dispose()
        engine = create_engine(_url(base.owner_database_url, database=build))
        migrate.upgrade(engine)
        engine.dispose()
        with admin.connect() as conn:  # rename last, so a half-built template is never used
            conn.execute(text(f'ALTER DATABASE "{build}" RENAME TO "{name}"'))
    return name


def _app_roles(admin: Engine, base: Settings, web: str, ingest: str) -> str:
    """Create the session's web and ingest roles (LOGIN, neither superuser nor owner); their
    password. The owner becomes a member of both, so that a test's transaction may act as
    either (SET ROLE) and roll back what they did."""
    password = secrets.token_hex(16)
    owner = make_url(base.owner_database_url).username
    with admin.connect() as conn:
        for role in (web, ingest):
            conn.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"))
        conn.execute(text(f'GRANT "{web}", "{ingest}" TO "{owner}"'))
    return password


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fuzz-examples", type=int, default=20,
                     help="schemathesis examples per operation (make fuzz: 200)")


@pytest.fixture(scope="session")
def fuzz_examples(request: pytest.FixtureRequest) -> int:
    return int(request.config.getoption("--fuzz-examples"))


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    base = Settings.from_env()
    admin = _admin_engine(base.admin_database_url)
    template = _template(admin, base)
    name = f"onegrid_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    web, ingest = f"{name}_web", f"{name}_ingest"
    owner = make_url(base.owner_database_url).username
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" OWNER "{owner}"'))
        password = _app_roles(admin, base, web, ingest)
        owner_url = _url(base.owner_database_url, database=name)
        engine = create_engine(owner_url)
        with engine.begin() as conn:
            roles.grant(conn, web, ingest)
        engine.dispose()
        yield replace(base, owner_database_url=owner_url,
                      database_url=_url(owner_url, name, web, password),
                      ingest_database_url=_url(owner_url, name, ingest, password))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{web}", "{ingest}"'))
        admin.dispose()


def environment(settings: Settings) -> dict[str, str]:
    """The variables that point a `onegrid` command (or process) at the session's store."""
    return {"DATABASE_URL": settings.database_url,
            "ONEGRID_OWNER_DATABASE_URL": settings.owner_database_url,
            "ONEGRID_INGEST_DATABASE_URL": settings.ingest_database_url,
            "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "ONEGRID_SECRET_KEY": settings.secret_key, "ONEGRID_PII_KEY": settings.pii_key}


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    """The owner's: for fixtures and checks that set up or look at anything. Its connections
    are the processes' (engine_for: JSON read exactly, times in UTC), so the web app the tests
    run on this connection reads the store as it does in production."""
    engine = engine_for(settings.owner_database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def ingest_engine(settings: Settings) -> Iterator[Engine]:
    """Ingest's role, as `onegrid ingest run` connects."""
    engine = create_engine(settings.ingest_database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def city(engine: Engine, settings: Settings) -> None:
    """The demo city (Lucheng), committed once for the whole session."""
    with Session(engine) as session:
        build(session, settings, lambda _: None)
        session.commit()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        # a pooled connection may keep a temporary table (ingest's staging) that another test
        # made as another role: each test starts without
        conn.exec_driver_sql("DISCARD TEMP")
        yield conn
        outer.rollback()
    forget_views()  # views believed from rows the rollback took away


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    """Sessions whose commits become savepoints of the test's transaction."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                        expire_on_commit=False)


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


def acting_as(role: str, connection: Connection) -> sessionmaker[Session]:
    """Sessions of the test's transaction whose statements run as ``role`` (a savepoint that
    commits keeps the role: closing the session gives the connection back to the owner)."""
    class RoleSession(Session):
        def close(self) -> None:
            super().close()
            connection.exec_driver_sql("RESET ROLE")

    sessions: sessionmaker[Session] = sessionmaker(
        bind=connection, class_=RoleSession, join_transaction_mode="create_savepoint",
        expire_on_commit=False)
    event.listen(sessions, "after_begin",
                 lambda _s, _t, conn: conn.exec_driver_sql(f'SET ROLE "{role}"'))
    return sessions


def role_of(url: str) -> str:
    return str(make_url(url).username)


@contextmanager
def acting(connection: Connection, role: str) -> Iterator[None]:
    """The block's statements on ``connection`` run as ``role``."""
    connection.exec_driver_sql(f'SET ROLE "{role}"')
    try:
        yield
    finally:
        connection.exec_driver_sql("RESET ROLE")


@pytest.fixture
def app(settings: Settings, connection: Connection) -> Flask:
    """The web app on the test's transaction, acting as the web's role."""
    app = create_app({"SETTINGS": settings, "TESTING": True})
    app.extensions["onegrid"]["sessions"] = acting_as(role_of(settings.database_url), connection)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def kafka_admin(settings: Settings) -> AdminClient:
    return AdminClient({"bootstrap.servers": settings.kafka_bootstrap_servers})


@pytest.fixture
def topic(kafka_admin: AdminClient, request: pytest.FixtureRequest) -> Iterator[str]:
    """A topic no other test uses (3 partitions), deleted afterwards."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"test.{request.node.name[:40]}.{uuid.uuid4().hex[:8]}")
    kafka_admin.create_topics([NewTopic(name, num_partitions=3)])[name].result(timeout=10)
    yield name
    kafka_admin.delete_topics([name])[name].result(timeout=10)
