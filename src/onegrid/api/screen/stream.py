"""The live feed as Server-Sent Events: each stream lives a bounded time (a sync worker's
thread is held while it runs), then ends; the browser reconnects with Last-Event-ID."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from flask import Response, request, stream_with_context

from onegrid.api import store
from onegrid.api.auth import require
from onegrid.api.screen.blueprint import bp, now, rules
from onegrid.platform.screen.feed import Cursor, FeedEvent, poll, start
from onegrid.platform.screen.rules import ScreenRules

RETRY_MS = 1000  # how soon the browser reconnects after a stream ends
KEEPALIVE_S = 15.0  # a comment line now and then keeps proxies from closing a quiet stream


@bp.get("/screen/feed")
@require("operator")
def feed() -> Response:
    """The live feed.
    ---
    get:
      tags: [screen]
      summary: The live feed as Server-Sent Events, from Last-Event-ID (or last_event_id)
      security: [{session: []}]
      parameters:
        - {in: header, name: Last-Event-ID, schema: {type: string}}
        - {in: query, name: last_event_id, schema: {type: string}}
      responses:
        '200':
          description: an event stream that ends after a while; the browser reconnects
          content:
            text/event-stream:
              schema:
                type: object
                properties: {event: {type: string}, id: {type: string}, data: {type: string},
                             retry: {type: integer}}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [400, 403]
    """
    screen_rules = rules()
    last_id = request.headers.get("Last-Event-ID", "") or request.args.get("last_event_id", "")
    with store.new_session() as db:
        cursor = start(db, now(), last_id)
    # The sign-in check used the request's session: give its connection back now, not when
    # the stream ends a minute later.
    store.session().close()
    body = stream_with_context(_events(cursor, screen_rules))
    return Response(body, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _events(cursor: Cursor, screen_rules: ScreenRules) -> Iterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    deadline = time.monotonic() + screen_rules.feed_seconds
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        # A session per look: no connection or transaction is held between polls.
        with store.new_session() as db:
            events, cursor = poll(db, cursor, now(), screen_rules)
        for event in events:
            yield _format(event)
        if events:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > KEEPALIVE_S:
            yield f": keep-alive\nid: {cursor}\n\n"
            quiet_since = time.monotonic()
        time.sleep(screen_rules.feed_poll)
    yield f"event: bye\nid: {cursor}\ndata: {{}}\n\n"


def _format(event: FeedEvent) -> str:
    data = json.dumps(event.data, ensure_ascii=False, default=str)
    return f"event: {event.kind}\nid: {event.cursor}\ndata: {data}\n\n"
