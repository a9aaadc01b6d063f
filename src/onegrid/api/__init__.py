"""The web side: create_app() and one blueprint per audience."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from onegrid.api import (
    admin,
    auth,
    csrf,
    grid,
    health,
    hygiene,
    i18n,
    issues,
    ogc,
    open311,
    openapi,
    params,
    problems,
    screen,
    shared,
    store,
    throttle,
    tiles,
    workbench,
)
from onegrid.platform.settings import Settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; settings come from the environment unless ``test_config`` gives SETTINGS."""
    app = Flask(__name__)
    config = dict(test_config or {})
    settings: Settings = config.pop("SETTINGS", None) or Settings.from_env()
    app.config.update(SECRET_KEY=settings.secret_key, JSON_AS_ASCII=False, **config)
    assert isinstance(app.json, DefaultJSONProvider)  # Flask's own, which has ensure_ascii
    app.json.ensure_ascii = False
    params.init_app(app)  # before the routes: it sets how their ids read
    store.init_app(app, settings)
    problems.init_app(app)
    hygiene.init_app(app, settings.web, settings.tile_url)  # before anything reads a body
    throttle.init_app(app, settings.lookups_per_minute)
    app.register_blueprint(health.bp)
    auth.init_app(app, settings.web)
    csrf.init_app(app)
    i18n.init_app(app)
    for blueprint in (auth.bp, grid.bp, issues.bp, open311.bp, tiles.bp, openapi.bp, screen.bp,
                      admin.bp, workbench.bp, *shared.BLUEPRINTS, *ogc.BLUEPRINTS):
        app.register_blueprint(blueprint)
    return app
