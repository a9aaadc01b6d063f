"""/admin/users: the people who sign in, a page at a time; add one, disable or enable, a new
one-time password, their areas. Each through the services `onegrid user …` calls, so each is
traced as the command's is. A phone number is sent in a form's body only, never in a URL, and
shown masked."""

from __future__ import annotations

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from onegrid.api import params, store
from onegrid.api.admin.blueprint import actor, attempt, owner_session, page, route, saved
from onegrid.platform.accounts.departments import list_departments
from onegrid.platform.accounts.users import (
    add_user,
    assign,
    person_from,
    reset_password,
    set_disabled,
    user_by_id,
    users_page,
)
from onegrid.platform.store.models import USER_ROLES

PAGE_SIZE = 50
_FIELDS = ("username", "name", "role", "department", "areas", "phone")


@route("/users", "The users and their areas, a page at a time, with the forms that change them",
       parameters=("page",), problems=(400,))
def users() -> ResponseReturnValue:
    """The users."""
    return _page()


@route("/users", "Add a user; 200 with the one-time password, 400 or 409 with the page saying why",
       method="post", form="AdminUser", answers=(200, 400, 409))
def add() -> ResponseReturnValue:
    """Add a user, checked as a row of `onegrid import users` is; the page shows the one-time
    password this once."""
    cells = {name: request.form.get(name, "") for name in _FIELDS}

    def change(db: Session) -> str:
        person = person_from(db, cells)
        return add_user(db, person, store.settings().pii_key, actor())

    return attempt(change, lambda password: _page(shown=(cells["username"], password)),
                   _page)


@route("/users/<int:user_id>/disable", "Disable or enable a user; 302 back to the users",
       method="post", form="AdminEnable", parameters=("user_id",), answers=(404,))
def disable(user_id: int) -> ResponseReturnValue:
    """Disable a user (every session of theirs ends), or with enable=1 let them in again."""
    enable = request.form.get("enable") == "1"
    return attempt(lambda db: set_disabled(db, user_by_id(db, user_id).username, not enable,
                                           actor()),
                   lambda _: saved(_back()), _page)


@route("/users/<int:user_id>/password", "Reset a user's password; 200 with the one-time password",
       method="post", form="Form", parameters=("user_id",), answers=(200, 404))
def reset(user_id: int) -> ResponseReturnValue:
    """A new one-time password for the user, shown this once; their sessions end."""
    def change(db: Session) -> tuple[str, str]:
        username = user_by_id(db, user_id).username
        return username, reset_password(db, username, actor())

    return attempt(change, lambda shown: _page(shown=shown), _page)


@route("/users/<int:user_id>/areas", "Assign areas to a user; 302 back, 400 or 404 with the page",
       method="post", form="AdminAreas", parameters=("user_id",), answers=(400, 404))
def areas(user_id: int) -> ResponseReturnValue:
    """Give the user areas to work in (as well, or with replace=1 only these)."""
    codes = request.form.get("areas", "").replace("，", " ").replace(",", " ").split()
    replace = request.form.get("replace") == "1"
    return attempt(lambda db: assign(db, user_by_id(db, user_id).username, codes, actor(),
                                     replace),
                   lambda _: saved(_back()), _page)


def _back() -> str:
    return url_for(".users", page=request.args.get("page") or None)


def _page(error: str = "", status: int = 200, shown: tuple[str, str] | None = None
          ) -> ResponseReturnValue:
    number = params.number("page", 1, 1, 10**6)
    db = owner_session()
    people, pages = users_page(db, number, PAGE_SIZE)
    codes = {d.id: d.code for d in list_departments(db)}
    return page("users.html", status, error=error, shown=shown, people=people, number=number,
                pages=pages, departments=codes, roles=USER_ROLES)
