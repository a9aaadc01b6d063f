"""The screen's blueprint and what its views share: the rules and the present moment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from flask import Blueprint, current_app

from onegrid.platform.screen.rules import ScreenRules

bp = Blueprint("screen", __name__)


def rules() -> ScreenRules:
    """Read once per app (tests put their own under app.config["SCREEN_RULES"])."""
    return cast(ScreenRules, current_app.config.setdefault("SCREEN_RULES", ScreenRules.from_env()))


def now() -> datetime:
    return datetime.now(UTC)
