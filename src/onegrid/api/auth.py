"""Signing in with Flask's signed session cookie, and role checks for the pages.

The cookie carries the user's session generation: signing out raises it in the store, so a
copied cookie stops working at once. Failed sign-ins are limited per user name and per client
address (ONEGRID_LOGIN_LIMIT_USER, ONEGRID_LOGIN_LIMIT_ADDRESS), counted in memory by each web
process (the `limits` library): with N gunicorn workers an attacker gets up to N times the limit,
still far too few guesses against a scrypt-hashed password."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, cast

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from onegrid.api import store
from onegrid.api.i18n import translate
from onegrid.platform.accounts.passwords import (
    WrongPasswordError,
    authenticate,
    change_own_password,
    sign_out_everywhere,
)
from onegrid.platform.errors import ForbiddenError, InvalidInputError, UnauthorizedError
from onegrid.platform.settings import WebRules
from onegrid.platform.store.models import User

bp = Blueprint("auth", __name__)
HOME = {"grid_worker": "grid.home", "department_staff": "workbench.page",
        "operator": "issues.queue_page", "admin": "admin.home"}
P = ParamSpec("P")
View = Callable[P, ResponseReturnValue]


class LoginLimits:
    """Failed sign-ins counted per user name and per client address, in this process."""

    def __init__(self, rules: WebRules) -> None:
        self._window = MovingWindowRateLimiter(MemoryStorage())
        per_user, per_address = rules.login_limits
        self._per_user, self._per_address = parse_many(per_user), parse_many(per_address)

    def _counters(self, username: str) -> list[tuple[RateLimitItem, str]]:
        address = request.remote_addr or "unknown"
        return ([(item, f"user:{username.casefold()}") for item in self._per_user]
                + [(item, f"address:{address}") for item in self._per_address])

    def exhausted(self, username: str) -> bool:
        return not all(self._window.test(item, key) for item, key in self._counters(username))

    def failed(self, username: str) -> None:
        for item, key in self._counters(username):
            self._window.hit(item, key)


def init_app(app: Flask, rules: WebRules) -> None:
    app.extensions["onegrid_login_limits"] = LoginLimits(rules)


def current_user() -> User | None:
    """The signed-in user, if the cookie's session has not been ended by signing out."""
    if "user" not in g:
        user_id = session.get("user_id")
        user = store.session().get(User, user_id) if user_id else None
        current = (user is not None and user.disabled_at is None
                   and session.get("generation") == user.session_generation)
        g.user = user if current else None
    return cast(User | None, g.user)


def signed_in() -> User:
    """The user of a view behind @require, which has sent anyone not signed in to sign in."""
    user = current_user()
    if user is None:
        raise UnauthorizedError("sign in first")
    return user


def require(*roles: str) -> Callable[[View[P]], View[P]]:
    """Send anonymous visitors to the sign-in page, and a user still on a one-time password to
    the page that changes it; 403 for a signed-in user of another role."""
    def decorate(view: View[P]) -> View[P]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.path))
            if user.must_change_password:
                return redirect(url_for("auth.change_password", next=request.path))
            if roles and user.role not in roles:
                raise ForbiddenError(f"this page is for {' or '.join(roles)}")
            return view(*args, **kwargs)
        return wrapped
    return decorate


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The sign-in page and form.
    ---
    get:
      tags: [pages]
      summary: The sign-in page
      security: []
      parameters: [next]
      responses: {'200': {$ref: '#/components/responses/page'}}
    post:
      tags: [pages]
      summary: Sign in; 302 to the user's home (or next), 401 for a wrong name or password
      security: []
      parameters: [next]
      requestBody: {form: SignIn}
      responses:
        '302': {$ref: '#/components/responses/sign_in'}
        '401': {$ref: '#/components/responses/page'}
        '429': {$ref: '#/components/responses/page'}
      problems: [403, 413]
    """
    error = ""
    if request.method == "POST":
        username = request.form.get("username", "")
        limits = cast(LoginLimits, current_app.extensions["onegrid_login_limits"])
        if limits.exhausted(username):  # before the password is even looked at
            return render_template("login.html", error=translate("too_many_logins")), 429
        user = authenticate(store.session(), username, request.form.get("password", ""))
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session (and CSRF token) for the signed-in user
            session.update(user_id=user.id, generation=user.session_generation,
                           **({"lang": lang} if lang else {}))
            if user.must_change_password:
                return redirect(url_for("auth.change_password", next=request.args.get("next")))
            return redirect(_next(user))
        limits.failed(username)
        error = translate("bad_login")
    return render_template("login.html", error=error), 401 if error else 200


def _next(user: User) -> str:
    """Where ?next= points, if it is a path of this site (never bounce a fresh session to
    another one); else the user's home page."""
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        return url_for(HOME[user.role])
    return target


@bp.route("/password", methods=["GET", "POST"])
def change_password() -> ResponseReturnValue:
    """Replace the password (a one-time one must be, before any other page opens): the current
    one, then the new one twice. Every other session of the user ends.
    ---
    get:
      tags: [pages]
      summary: The page that replaces the password (302 to sign in when signed out)
      parameters: [next]
      page: signed_in
    post:
      tags: [pages]
      summary: Replace the password; 302 to next (or home), 400 with the page when refused
      security: [{session: []}]
      parameters: [next]
      problems: [403, 413]
      requestBody: {form: PasswordForm}
      responses:
        '302': {$ref: '#/components/responses/sign_in'}
        '400': {$ref: '#/components/responses/page_or_problem'}
        '429': {$ref: '#/components/responses/page'}
    """
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login", next=request.path))
    error = ""
    if request.method == "POST":
        limits = cast(LoginLimits, current_app.extensions["onegrid_login_limits"])
        if limits.exhausted(user.username):  # the current password is a guess like a sign-in
            return render_template("password.html", user=user,
                                   error=translate("too_many_logins")), 429
        form = request.form
        try:
            with store.unit_of_work() as db:
                change_own_password(db, user, form.get("current", ""), form.get("new", ""),
                                    form.get("repeat", ""))
        except WrongPasswordError:
            limits.failed(user.username)
            error = translate("bad_password")
        except InvalidInputError as exc:
            error = translate(exc.detail)
        else:
            session["generation"] = user.session_generation
            return redirect(_next(user))
    return render_template("password.html", user=user, error=error), 400 if error else 200


@bp.get("/")
def index() -> ResponseReturnValue:
    """The front door.
    ---
    get:
      tags: [pages]
      summary: 302 to the signed-in user's home page, or to the sign-in page
      security: []
      responses: {'302': {$ref: '#/components/responses/sign_in'}}
    """
    user = current_user()
    return redirect(url_for(HOME[user.role]) if user else url_for("auth.login"))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the user's sessions in the store (every copy of the cookie), clear this one, and ask
    the browser to drop its caches (the grid page's offline copy; static/logout.js does it too,
    where the browser ignores the header).
    ---
    post:
      tags: [pages]
      summary: Sign out everywhere; 302 to the sign-in page
      security: [{session: []}]
      responses: {'302': {$ref: '#/components/responses/sign_in'}}
      problems: [403, 413]
    """
    user = current_user()
    if user is not None:
        with store.unit_of_work() as db:
            sign_out_everywhere(db, user)
    session.clear()
    response = redirect(url_for("auth.login"))
    response.headers["Clear-Site-Data"] = '"cache"'
    return response
