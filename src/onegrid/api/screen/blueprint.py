"""The screen's blueprint and what its views share: the rules and the present moment."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint

from onegrid.api import store
from onegrid.platform.screen.rules import ScreenRules

bp = Blueprint("screen", __name__)
FEED_PATH = "/screen/feed"
"""The live feed's path, served by a process of its own (stream.py)."""


def rules() -> ScreenRules:
    """The app's screen rules (Settings.screen)."""
    return store.settings().screen


def now() -> datetime:
    return datetime.now(UTC)
