"""The administrator's blueprint and what its sections share: the owner's session, the actor
the trace names, the page, an action's outcome and uploaded files.

/admin does what the set-up commands do (`onegrid department add`, `user …`, `list import`,
`import boundaries`, keys and tokens), so it connects as they do: as the store's owner
(ONEGRID_OWNER_DATABASE_URL), never as the web's role, which may not write people, departments
or areas (docs/architecture.md, The store: roles). Only a signed-in admin reaches it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from onegrid.api import store
from onegrid.api.auth import P, View, require, signed_in
from onegrid.api.i18n import translate
from onegrid.platform.errors import InvalidInputError, OneGridError
from onegrid.platform.store import db

bp = Blueprint("admin", __name__, url_prefix="/admin")
SECTIONS = ("departments", "users", "lists", "boundaries", "admission", "credentials")
_KEY = "onegrid_admin"
_UNSAFE_NAME = re.compile(r"[\x00-\x1f/\\:*?\"<>|]+")
T = TypeVar("T")


def route(rule: str, summary: str, *, method: str = "get", form: str = "",
          parameters: tuple[str, ...] = (), answers: tuple[int, ...] = (200,),
          problems: tuple[int, ...] = ()) -> Callable[[View[P]], View[P]]:
    """A view of the blueprint for signed-in admins only (anyone else: to sign in, or 403),
    its OpenAPI operation written under its docstring: ``form`` the request body's schema
    (multipart when its name ends in Upload), ``answers`` the statuses answered with a page
    (a 4xx one may be a problem too), ``problems`` those answered as problem+json only."""
    def decorate(view: View[P]) -> View[P]:
        operation: dict[str, Any] = {
            "tags": ["pages"], "summary": summary, "security": [{"session": []}],
            "responses": {"302": _ref("sign_in")} | {str(code): _ref(
                "page" if code in (200, 422) else "page_or_problem") for code in answers},
            "problems": sorted({403, *problems} | ({413} if method == "post" else set()))}
        if parameters:
            operation["parameters"] = list(parameters)
        if form:
            media = "multipart/form-data" if form.endswith("Upload") else \
                "application/x-www-form-urlencoded"
            operation["requestBody"] = {"content": {media: {"schema": {
                "$ref": f"#/components/schemas/{form}"}}}}
        # JSON is YAML: apispec reads the operation from after the docstring's ---
        view.__doc__ = f"{(view.__doc__ or '').rstrip()}\n---\n{json.dumps({method: operation})}"
        return bp.route(rule, methods=[method.upper()])(require("admin")(view))
    return decorate


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


@bp.record_once
def _sessions(state: Any) -> None:
    """The owner's sessions (the engine connects on first use, never at start-up)."""
    settings = state.app.extensions["onegrid"]["settings"]
    state.app.extensions[_KEY] = {"sessions": db.session_factory(
        db.engine_for(settings.owner_database_url))}


@bp.teardown_app_request
def _close(_exc: BaseException | None) -> None:
    session = g.pop("admin_session", None)
    if session is not None:
        session.rollback()
        session.close()


def owner_session() -> Session:
    """This request's session as the store's owner; what no unit of work committed is rolled
    back when the request ends."""
    if "admin_session" not in g:
        factory = cast(sessionmaker[Session], current_app.extensions[_KEY]["sessions"])
        g.admin_session = factory()
    return cast(Session, g.admin_session)


def owner_engine() -> Engine:
    """The owner's engine, for what runs outside a transaction (the VACUUM after an import)."""
    return db.engine_for(store.settings().owner_database_url)


def unit_of_work() -> AbstractContextManager[Session]:
    return db.unit_of_work(owner_session())


def actor() -> str:
    """Who the trace names: the signed-in admin, as the web names a session's user."""
    return f"user:{signed_in().username}"


def page(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    """An admin page; a page that shows a secret once is never cached."""
    body = render_template(f"admin/{template}", user=signed_in(), sections=SECTIONS, **context)
    headers = {"Cache-Control": "no-store"}
    return body, status, headers


def attempt(change: Callable[[Session], T], done: Callable[[T], ResponseReturnValue],
            again: Callable[[str, int], ResponseReturnValue]) -> ResponseReturnValue:
    """Run ``change`` in one unit of work as the owner, then ``done`` with its result; when it
    is refused, ``again``: the section's page with the error's message and status."""
    try:
        with unit_of_work() as session:
            result = change(session)
    except OneGridError as err:
        return again(translate(err.detail), err.status)
    return done(result)


def saved(target: str, message: str = "admin.saved") -> ResponseReturnValue:
    """Back to a section's page (Post/Redirect/Get), saying it is done."""
    flash(translate(message))
    return redirect(target)


def keep_upload(field: str, suffixes: tuple[str, ...], folder: Path) -> Path:
    """The file uploaded as ``field`` saved in ``folder`` under its own name (a name the store
    and the trace may show: no path, no control characters); InvalidInputError when there is
    none, it is empty, or it is not of one of ``suffixes``."""
    item = request.files.get(field)
    if item is None or not item.filename:
        raise InvalidInputError(f"choose a file ({', '.join(suffixes)})")
    name = _UNSAFE_NAME.sub("_", Path(item.filename.replace("\\", "/")).name)[-100:]
    if not name.lower().endswith(suffixes) or name.startswith("."):
        raise InvalidInputError(f"{name}: upload a file ending in {', '.join(suffixes)}")
    path = folder / name
    item.save(path)
    if path.stat().st_size == 0:
        raise InvalidInputError(f"{name} is empty")
    return path
