"""Fixtures: a fresh database per test session (cloned from a migrated template), each test in a
transaction that is rolled back, the demo city built once, and unique Kafka topics per test."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from onegrid.api import create_app
from onegrid.demo.city import build
from onegrid.platform.settings import Settings
from onegrid.platform.store import migrate, sqlfiles
from onegrid.platform.store.db import create_database

MIGRATIONS = Path(migrate.__file__).with_name("migrations")


def _migrations_digest() -> str:
    """Of the migrations and the SQL files they load: a changed function rebuilds the template."""
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.rglob("*.py")):
        digest.update(path.read_bytes())
    for package, name in sqlfiles.SCHEMA:
        digest.update(sqlfiles.source(package, name).encode())
    return digest.hexdigest()[:12]


def _admin_engine(url: str) -> Engine:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _exists(admin: Engine, name: str) -> bool:
    with admin.connect() as conn:
        return bool(conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}))


def _template(admin: Engine, base_url: str) -> str:
    """A database with every migration applied, named after the migrations' content."""
    name = f"onegrid_tpl_{_migrations_digest()}"
    if not _exists(admin, name):
        with admin.connect() as conn:
            create_database(conn, f"{name}_build")
        engine = create_engine(make_url(base_url).set(database=f"{name}_build"))
        migrate.upgrade(engine)
        engine.dispose()
        with admin.connect() as conn:  # rename last, so a half-built template is never used
            conn.execute(text(f'ALTER DATABASE "{name}_build" RENAME TO "{name}"'))
    return name


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    base = Settings.from_env()
    admin = _admin_engine(base.database_url)
    template = _template(admin, base.database_url)
    name = f"onegrid_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = make_url(base.database_url).set(database=name).render_as_string(hide_password=False)
    yield replace(base, database_url=url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = create_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def city(engine: Engine, settings: Settings) -> None:
    """The demo city (Lucheng), committed once for the whole session."""
    with Session(engine) as session:
        build(session, settings.grid_size_m, lambda _: None)
        session.commit()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    """Sessions whose commits become savepoints of the test's transaction."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                        expire_on_commit=False)


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


@pytest.fixture
def app(settings: Settings, sessions: sessionmaker[Session]) -> Flask:
    app = create_app({"SETTINGS": settings, "TESTING": True})
    app.extensions["onegrid"]["sessions"] = sessions
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
