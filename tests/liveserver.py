"""A real WSGI server on 127.0.0.1 in a thread, for tests that speak HTTP (browsers, clients).

Its sessions commit into the test session's database (the `settings` fixture's), so tests
that use it report at places other tests do not use (tests/places.py ranks)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from onegrid.api import create_app
from onegrid.platform.settings import Settings


@pytest.fixture(scope="module")
def live_url(settings: Settings, city: None) -> Iterator[str]:
    app = create_app({"SETTINGS": settings})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
