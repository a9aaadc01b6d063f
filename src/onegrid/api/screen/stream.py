"""The live feed as Server-Sent Events, served by a process of its own: a small ASGI app
(Starlette under uvicorn) for GET /screen/feed alone, beside the Flask site (gunicorn).

A stream is an asyncio task between two looks at the store, not a request thread: a thousand
open screens cost no more of the site's threads than none. Each look (and the sign-in check)
runs synchronous psycopg on a worker thread of anyio's pool, a session per look, so no
connection or transaction is held between looks. Streams that stand at the same cursor share
one look each poll (Looks): 50 walls otherwise made 100 looks a second, some 300 queries, and
the site's API answered 17 times slower beside them on a busy 2-core machine. The sign-in is
the site's own: the Flask app is built in this process too, and the session cookie is read and
checked by its code.

Browsers reach it on the site's host at ONEGRID_STREAM_PORT (or at /screen/feed through a
proxy); it answers cross-origin requests from the same host with credentials (CORS), the site's
pages being on another port of it."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import anyio
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from werkzeug.test import EnvironBuilder

from onegrid.api import create_app, store
from onegrid.api.auth import current_user
from onegrid.api.screen.blueprint import FEED_PATH
from onegrid.platform.screen.feed import Cursor, FeedEvent, poll, start
from onegrid.platform.screen.rules import ScreenRules

log = logging.getLogger(__name__)
LOOKS_AT_ONCE = 4  # fewer than the engine's pooled connections (platform/store/db.py)
RETRY_MS = 1000  # how soon the browser reconnects after a stream ends
KEEPALIVE_S = 15.0  # a comment line now and then keeps proxies from closing a quiet stream
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # looks fall in poll intervals counted from here


def create_stream_app(site: Flask | None = None) -> Starlette:
    """The stream service; ``site``: the Flask app whose settings, store and sign-in it uses
    (default: one built from the environment, as the site's processes build theirs). For
    ``uvicorn --factory onegrid.api.screen.stream:create_stream_app``."""
    flask_app = site or create_app()
    # Looks at the store wait for one of a few threads (and so of the engine's pooled
    # connections) rather than each stream taking one: many walls, a handful of connections.
    looks = anyio.CapacityLimiter(LOOKS_AT_ONCE)
    shared = Looks(flask_app)

    async def feed(request: Request) -> Response:
        try:
            opened = await anyio.to_thread.run_sync(_open, flask_app, request, limiter=looks)
        except SQLAlchemyError:
            log.warning("a live feed was refused: the store did not answer", exc_info=True)
            opened = _problem(503, "The database does not answer",
                              "the live feed opens again once it does")
            opened.headers["Retry-After"] = "5"
        if isinstance(opened, Response):
            return _cors(request, opened)
        cursor, rules = opened
        return _cors(request, StreamingResponse(
            _events(shared, cursor, rules, looks), media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}))

    return Starlette(routes=[Route(FEED_PATH, feed, methods=["GET"])])


def _open(site: Flask, request: Request) -> tuple[Cursor, ScreenRules] | Response:
    """Who asks, checked as the site checks a page behind @require("operator"), and where the
    stream starts (Last-Event-ID on a reconnect); or the problem to answer."""
    last_id = request.headers.get("last-event-id", "") or \
        request.query_params.get("last_event_id", "")
    cookie = request.headers.get("cookie", "")
    environ = EnvironBuilder(path=FEED_PATH, headers=[("Cookie", cookie)],
                             base_url=f"{request.url.scheme}://{request.url.netloc}"
                             ).get_environ()
    with site.request_context(environ):
        user = current_user()
        if user is None:
            return _problem(401, "Sign in first", "the live feed is for signed-in operators")
        if user.role != "operator":
            return _problem(403, "Forbidden", "the live feed is for operators")
        with store.new_session() as db:
            return start(db, _now(), last_id), store.settings().screen


async def _events(shared: Looks, cursor: Cursor, rules: ScreenRules,
                  looks: anyio.CapacityLimiter) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    deadline = time.monotonic() + rules.feed_seconds
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        try:
            events, cursor = await anyio.to_thread.run_sync(shared.look, cursor, rules,
                                                            limiter=looks)
        except SQLAlchemyError:  # the store is away: end here, the browser comes back later
            log.warning("a live feed ended early: the store did not answer", exc_info=True)
            break
        for event in events:
            yield _format(event)
        if events:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > KEEPALIVE_S:
            yield f": keep-alive\nid: {cursor}\n\n"
            quiet_since = time.monotonic()
        await anyio.sleep(rules.feed_poll)
    yield f"event: bye\nid: {cursor}\ndata: {{}}\n\n"


class Looks:
    """The streams' looks at the store: one a poll for all that stand at the same cursor.
    A look's time is the poll interval it falls in, so streams at the head of the feed keep
    the same cursor from one look to the next and take what the first of them found."""

    def __init__(self, site: Flask) -> None:
        self.site = site
        self._lock = threading.Lock()
        self._found: dict[str, tuple[list[FeedEvent], Cursor]] = {}  # cursor → this poll's
        self._poll_at: datetime | None = None

    def look(self, cursor: Cursor, rules: ScreenRules) -> tuple[list[FeedEvent], Cursor]:
        now = _now()
        if rules.feed_poll > 0:
            now -= (now - EPOCH) % timedelta(seconds=rules.feed_poll)
        with self._lock:
            if now != self._poll_at:
                self._found, self._poll_at = {}, now
            if str(cursor) in self._found:
                return self._found[str(cursor)]
            with self.site.app_context(), store.new_session() as db:  # one look at a time
                found = self._found[str(cursor)] = poll(db, cursor, now, rules)
            return found


def _format(event: FeedEvent) -> str:
    data = json.dumps(event.data, ensure_ascii=False, default=str)
    return f"event: {event.kind}\nid: {event.cursor}\ndata: {data}\n\n"


def _now() -> datetime:
    return datetime.now(UTC)


def _problem(status: int, title: str, detail: str) -> Response:
    return JSONResponse({"type": "about:blank", "title": title, "status": status,
                         "detail": detail}, status, media_type="application/problem+json")


def _cors(request: Request, response: Response) -> Response:
    """The site's pages, on another port of the same host, may read the stream with their
    cookie; no other origin may."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).hostname == request.url.hostname:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
    response.headers["Vary"] = "Origin"
    return response
