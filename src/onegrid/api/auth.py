"""Signing in with Flask's signed session cookie, and role checks for the pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, cast

from flask import Blueprint, Flask, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from onegrid.api import store
from onegrid.api.i18n import translate
from onegrid.platform.accounts.passwords import authenticate
from onegrid.platform.errors import ForbiddenError, UnauthorizedError
from onegrid.platform.store.models import User

bp = Blueprint("auth", __name__)
HOME = {"grid_worker": "grid.home", "department_staff": "issues.queue_page",
        "operator": "issues.queue_page"}
P = ParamSpec("P")
View = Callable[P, ResponseReturnValue]


def init_app(app: Flask) -> None:
    # Lax keeps the cookie off cross-site form posts: the pages' only CSRF defence for now.
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)


def current_user() -> User | None:
    if "user" not in g:
        user_id = session.get("user_id")
        g.user = store.session().get(User, user_id) if user_id else None
    return cast(User | None, g.user)


def signed_in() -> User:
    """The user of a view behind @require, which has sent anyone not signed in to sign in."""
    user = current_user()
    if user is None:
        raise UnauthorizedError("sign in first")
    return user


def require(*roles: str) -> Callable[[View[P]], View[P]]:
    """Send anonymous visitors to the sign-in page; 403 for a signed-in user of another role."""
    def decorate(view: View[P]) -> View[P]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.path))
            if roles and user.role not in roles:
                raise ForbiddenError(f"this page is for {' or '.join(roles)}")
            return view(*args, **kwargs)
        return wrapped
    return decorate


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    error = ""
    if request.method == "POST":
        user = authenticate(store.session(), request.form.get("username", ""),
                            request.form.get("password", ""))
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session (and CSRF token) for the signed-in user
            session.update(user_id=user.id, **({"lang": lang} if lang else {}))
            target = request.args.get("next", "")
            # Only local paths: never bounce a fresh session to another site.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for(HOME[user.role])
            return redirect(target)
        error = translate("bad_login")
    return render_template("login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    session.pop("user_id", None)
    return redirect(url_for("auth.login"))


@bp.get("/")
def index() -> ResponseReturnValue:
    user = current_user()
    return redirect(url_for(HOME[user.role]) if user else url_for("auth.login"))
