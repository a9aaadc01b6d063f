"""The store as the web app sees it: settings, the engine, and one session per request on ``g``
with its unit of work (the rule: platform/store/db.py)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import cast

from flask import Flask, current_app, g
from psycopg.errors import QueryCanceled
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from onegrid.platform.errors import StoreUnavailableError
from onegrid.platform.settings import Settings
from onegrid.platform.store import db, replica

_KEY = "onegrid"


class StatementTimeoutError(StoreUnavailableError, code="statement-timeout",
                            title="The database took too long"):
    """A query ran past ONEGRID_STATEMENT_TIMEOUT_MS and PostgreSQL cancelled it."""


# How long a read waits for the replica to replay what the primary had written when the read
# began (store/replica.py) before it reads from the primary instead.
REPLICA_WAIT_S = 0.5


def init_app(app: Flask, settings: Settings) -> None:
    # Every statement of the web's connections runs under the web's statement timeout.
    limit = settings.web.statement_timeout_ms
    engine = db.engine_for(settings.database_url, limit)
    reader = db.engine_for(settings.database_read_url, limit) if settings.database_read_url \
        else None
    app.extensions[_KEY] = {"settings": settings, "engine": engine,
                            "sessions": db.session_factory(engine),
                            "readers": db.session_factory(reader) if reader else None}
    app.teardown_appcontext(_close_session)


def settings() -> Settings:
    return cast(Settings, current_app.extensions[_KEY]["settings"])


def engine() -> Engine:
    return cast(Engine, current_app.extensions[_KEY]["engine"])


def session() -> Session:
    """This request's session; what no unit of work committed is rolled back when it ends."""
    if "db_session" not in g:
        g.db_session = new_session()
    return cast(Session, g.db_session)


def unit_of_work() -> AbstractContextManager[Session]:
    """This request's session as its one unit of work: a view that changes something calls
    its services inside ``with store.unit_of_work() as db:``, which commits when the block ends
    normally and rolls back when it raises."""
    return db.unit_of_work(session())


def read_session() -> Session:
    """This request's session for a read path's query: on the replica (DATABASE_READ_URL) once
    it has replayed all the primary had written when asked, so the caller reads its own writes;
    else, or without a replica, the request's session."""
    if "db_read_session" not in g:
        g.db_read_session = _replica_session() or session()
    return cast(Session, g.db_read_session)


def _replica_session() -> Session | None:
    readers = current_app.extensions[_KEY]["readers"]
    if readers is None:
        return None
    lsn = replica.written(session())
    made = cast(Session, readers())
    if replica.replayed(made, lsn, REPLICA_WAIT_S):
        return made
    made.close()
    return None


def new_session() -> Session:
    """A session of its own, outside the request's (a long response such as a live feed takes
    one per look, so it holds no connection in between); the caller closes it. Its statements
    run under the web's statement timeout (set on each of the engine's connections)."""
    return cast(Session, current_app.extensions[_KEY]["sessions"]())


def unavailable(err: DBAPIError | PoolTimeoutError) -> StoreUnavailableError | None:
    """What a caller may be told of a query PostgreSQL cancelled (the statement timeout) or a
    store that does not answer (down, restarting, no free connection): both are 503, try
    again; None for any other database error (a bug)."""
    if isinstance(err, DBAPIError) and isinstance(err.orig, QueryCanceled):
        return StatementTimeoutError(f"the query was stopped after "
                                     f"{settings().web.statement_timeout_ms} ms; narrow it "
                                     "(a smaller bbox or limit) or try again later")
    return db.unavailable(err)


def _close_session(_exc: BaseException | None) -> None:
    for name in ("db_read_session", "db_session"):
        db_session = g.pop(name, None)
        if db_session is not None:
            db_session.rollback()
            db_session.close()
