"""A real WSGI server on 127.0.0.1 in a thread, for tests that speak HTTP (browsers, clients),
with the screen's stream service beside it.

Its sessions commit into the test session's database (the `settings` fixture's), so tests
that use it report at places other tests do not use (tests/places.py ranks)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
import uvicorn
from flask import Flask
from werkzeug.serving import make_server

from onegrid.api import create_app
from onegrid.api.screen.stream import create_stream_app
from onegrid.platform.settings import Settings


@pytest.fixture(scope="module")
def live_url(live_servers: tuple[str, str]) -> str:
    """The site's URL."""
    return live_servers[0]


@pytest.fixture(scope="module")
def live_servers(settings: Settings, city: None) -> Iterator[tuple[str, str]]:
    """The site's URL and the stream service's, on the same host (as `make run` serves them)."""
    stream_port = free_port()
    app = create_app({"SETTINGS": replace(settings, web=replace(settings.web,
                                                                 stream_port=stream_port))})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with stream_server(app, stream_port) as stream_url:
        yield f"http://127.0.0.1:{server.server_port}", stream_url
    server.shutdown()
    thread.join(timeout=5)


@contextmanager
def stream_server(site: Flask, port: int = 0) -> Iterator[str]:
    """The screen's stream service (an ASGI app under uvicorn, as `make run` serves it) in a
    thread, on ``site``'s settings and store; its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(create_stream_app(site), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
