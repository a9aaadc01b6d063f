"""The store as the web app sees it: settings, the engine, and one session per request on ``g``
with its unit of work (the rule: platform/store/db.py)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import cast

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from onegrid.platform.settings import Settings
from onegrid.platform.store import db

_KEY = "onegrid"


def init_app(app: Flask, settings: Settings) -> None:
    engine = db.engine_for(settings.database_url)
    app.extensions[_KEY] = {"settings": settings, "engine": engine,
                            "sessions": db.session_factory(engine)}
    app.teardown_appcontext(_close_session)


def settings() -> Settings:
    return cast(Settings, current_app.extensions[_KEY]["settings"])


def engine() -> Engine:
    return cast(Engine, current_app.extensions[_KEY]["engine"])


def session() -> Session:
    """This request's session; what no unit of work committed is rolled back when it ends."""
    if "db_session" not in g:
        g.db_session = current_app.extensions[_KEY]["sessions"]()
    return cast(Session, g.db_session)


def unit_of_work() -> AbstractContextManager[Session]:
    """This request's session as its one unit of work: a view that changes something calls
    its services inside ``with store.unit_of_work() as db:``, which commits when the block ends
    normally and rolls back when it raises."""
    return db.unit_of_work(session())


def new_session() -> Session:
    """A session of its own, outside the request's (a long response such as a live feed takes
    one per look, so it holds no connection in between); the caller closes it."""
    return cast(Session, current_app.extensions[_KEY]["sessions"]())


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.rollback()
        db_session.close()
