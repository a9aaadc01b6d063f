"""One engine per process, and the unit of work: the one place a transaction commits.

The rule, for every entry point: a view that changes something, or a command, opens ONE unit
of work and calls the domain's functions inside it (``with store.unit_of_work() as db:`` in
the web app, ``with rt.unit_of_work() as session:`` in the `onegrid` command). The domain's
functions add to the session and flush, never commit, so they compose: an issue and its
photo, or a hotline ticket inside an ingest batch, are one transaction. The block commits when
it ends normally and rolls back when it raises, so the ``with`` line is the transaction
boundary. Reads need no unit of work; their session is rolled back when it closes.

Outside the domain's sessions, three things hold connections of their own: the ingest batch
writer (ingest/writer.py; each batch commits its rows with the offsets that led to them), the
migrations (store/migrate.py) and the VACUUM after a city load (gis/hierarchy.settle)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import msgspec
import psycopg
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from onegrid.platform.errors import StoreUnavailableError


@lru_cache(maxsize=4)
def engine_for(url: str, statement_timeout_ms: int | None = None) -> Engine:
    """The process-wide engine for ``url`` (created on first use, never at import time).

    Built for a store that goes away and comes back (docs/reliability.md): each connection is
    tested before use (pool_pre_ping), so the first request after a restart gets a new one
    rather than the dead one; connecting gives up after 2 s (libpq's shortest) and waiting for
    a pooled connection after 3 s, so a caller hears "unavailable" (StoreUnavailableError,
    503) rather than hangs; TCP keepalives find a server that vanished without a word within
    about 20 s.

    Each connection speaks UTC. With ``statement_timeout_ms`` (the web's), it also runs every
    statement under that limit, set once when it connects rather than in every transaction
    (an engine with a limit is another engine than one without, for the same URL)."""
    engine = create_engine(
        url,
        pool_size=5,
        max_overflow=5,
        pool_timeout=3,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 2, "application_name": "onegrid",
                      "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
                      "keepalives_count": 2},
    )
    event.listen(engine, "connect", _read_json_fast)
    event.listen(engine, "connect", _session_settings(statement_timeout_ms))
    return engine


_decode_json = msgspec.json.Decoder().decode


class _JsonLoader(Loader):
    """json and jsonb values as Python values: msgspec, in C, straight from the driver's buffer
    (a page of 100 records holds 400 of them: half the time of psycopg's own loader calling
    orjson). It keeps an integer beyond 64 bits exact, where orjson rounds it to a float."""

    def load(self, data: Buffer) -> Any:
        try:
            return _decode_json(data)
        except msgspec.DecodeError:  # a number beyond a double's range, which jsonb can hold
            return json.loads(bytes(data))


def _read_json_fast(dbapi_connection: Any, _record: Any) -> None:
    for name in ("json", "jsonb"):  # the columns of this connection
        dbapi_connection.adapters.register_loader(name, _JsonLoader)


def _session_settings(statement_timeout_ms: int | None) -> Callable[[Any, Any], None]:
    """What each of an engine's connections sets once, when it connects: times in UTC whatever
    the server's TimeZone (the API writes an instant the same way in every deployment, and
    psycopg reads a UTC timestamp without asking a time zone database: a page of 100 records has
    300 of them), and the statement timeout if the engine has one."""
    settings = "SET TimeZone = 'UTC'" + (f"; SET statement_timeout = {int(statement_timeout_ms)}"
                                         if statement_timeout_ms is not None else "")

    def connected(dbapi_connection: Any, _record: Any) -> None:
        # Session-level SETs, committed: a SET inside a transaction that is rolled back
        # (every read request's) would be undone with it. Through PgBouncer in session mode,
        # as deploy/ configures it, the server's reset query clears them when the client leaves.
        with dbapi_connection.cursor() as cursor:
            cursor.execute(settings)
        dbapi_connection.commit()
    return connected


# SQLSTATE classes and codes that mean the store cannot serve now, whatever was asked: the
# connection (08), resources such as connections (53), and the server shutting down, crashing
# or starting up (57P01-57P04).
_UNAVAILABLE_STATES = ("08", "53", "57P")


def unavailable(exc: BaseException) -> StoreUnavailableError | None:
    """``exc`` as a StoreUnavailableError when it says the store is down, restarting or out of
    connections (a request may succeed again later); None for any other error."""
    if isinstance(exc, PoolTimeoutError):
        return StoreUnavailableError("the database has no free connection now; try again")
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    state = orig.sqlstate if isinstance(orig, psycopg.Error) else None
    lost = exc.connection_invalidated or (isinstance(orig, psycopg.OperationalError)
                                          and state is None)  # raised by the client itself
    if lost or (state is not None and state.startswith(_UNAVAILABLE_STATES)):
        return StoreUnavailableError("the database does not answer; try again shortly")
    return None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """``session``'s work as one transaction: committed when the block ends normally, rolled
    back when it raises (the exception goes on). The session stays open: whoever made it
    closes it."""
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()


# Subject keys, dataset ids and codes are ASCII identifiers, compared in every index probe and
# sorted in every batch. Under any collation but "C" PostgreSQL compares text through strcoll
# (copying both strings to terminate them) and sorts without abbreviated keys; "C" compares
# bytes, which for UTF-8 is the code-point order that C.UTF-8 gives Chinese text too. Ingest
# spent 7–8 % less PostgreSQL CPU an event in a database created this way (bench/README.md).
COLLATION = "C"


def create_database(admin: Connection, name: str) -> None:
    """CREATE DATABASE ``name`` (on an autocommit connection to another database) in the
    collation OneGrid expects, whatever the server's default."""
    admin.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 '
                       f"LC_COLLATE '{COLLATION}'"))


def collation(engine: Engine) -> str:
    """The collation the store's database was created with."""
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT datcollate FROM pg_database "
                                     "WHERE datname = current_database()")).scalar_one())


def ping(engine: Engine) -> str:
    """Server version of the store; raises StoreUnavailableError when it does not answer."""
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT current_setting('server_version')")).scalar_one())
    except OperationalError as exc:
        raise StoreUnavailableError(f"the database does not answer: {exc.orig}") from exc
