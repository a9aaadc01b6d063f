"""Headless Debian chromium driven by Playwright at a phone's or a wall's size, refusing to go
off-host."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import BrowserContext, Route, ViewportSize, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE: ViewportSize = {"width": 360, "height": 740}


WALL: ViewportSize = {"width": 1920, "height": 1080}


@contextmanager
def guarded_browser(viewport: ViewportSize,
                    **options: Any) -> Iterator[tuple[BrowserContext, list[str]]]:
    """A fresh browser profile at ``viewport`` and the list of requests that tried to leave
    127.0.0.1 (each one aborted) or scripts that failed on a page."""
    escaped: list[str] = []

    def guard(route: Route) -> None:
        host = urlparse(route.request.url).hostname
        if host not in ("127.0.0.1", None) and not route.request.url.startswith("data:"):
            escaped.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=FLAGS, headless=True, viewport=viewport,
            locale="zh-CN", **options)
        context.route("**/*", guard)
        context.on("weberror", lambda err: escaped.append(f"page error: {err.error}"))
        try:
            yield context, escaped
        finally:
            context.close()


@pytest.fixture
def phone() -> Iterator[tuple[BrowserContext, list[str]]]:
    """A phone at 360×740 (touch), guarded as guarded_browser says."""
    with guarded_browser(PHONE, is_mobile=True, has_touch=True) as guarded:
        yield guarded


@pytest.fixture
def wall() -> Iterator[tuple[BrowserContext, list[str]]]:
    """The command centre's 1920×1080 wall, guarded as guarded_browser says."""
    with guarded_browser(WALL) as guarded:
        yield guarded
