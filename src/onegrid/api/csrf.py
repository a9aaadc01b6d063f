"""Cross-site request forgery: every cookie-authenticated POST carries the session's token.

Open311 is exempt: its POST authenticates with an api_key, never with the cookie; so is any
request with a bearer token (the data API), which the API then authenticates by that token alone."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import cast

from flask import Flask, request, session

from onegrid.platform.errors import OneGridError

FIELD, HEADER = "csrf_token", "X-CSRF-Token"
EXEMPT_BLUEPRINTS = {"open311"}


class CsrfRejectedError(OneGridError, status=403, code="csrf", title="The form has expired"):
    """A cookie-authenticated POST without this session's token."""


def token() -> str:
    """This session's token (created on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return cast(str, session["csrf"])


def init_app(app: Flask) -> None:
    @app.before_request
    def _check() -> None:
        if request.method != "POST" or request.blueprint in EXEMPT_BLUEPRINTS:
            return
        # A bearer token is never sent by a browser on its own: no forgery to defend against.
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return
        sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
        # as bytes: compare_digest refuses str with characters beyond ASCII (a 500, not a 403)
        expected = str(session.get("csrf", ""))
        if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise CsrfRejectedError(
                "reload the page and try again (the form's token did not match)")

    @app.context_processor
    def _token() -> dict[str, Callable[[], str]]:
        return {"csrf_token": token}
