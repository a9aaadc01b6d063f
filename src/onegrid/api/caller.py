"""Who is calling the data API: a department by bearer token, or a signed-in user's department."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, cast

from flask import g, request

from onegrid.api import store
from onegrid.api.auth import current_user
from onegrid.api.scopes import token_department
from onegrid.platform.errors import UnauthorizedError
from onegrid.platform.sharing.pull import Asker, Query, pull
from onegrid.platform.sharing.views import DatasetView, readable
from onegrid.platform.store.models import Department

T = TypeVar("T")

# Signed-in users who pull shared data for their department (the command centre's screen).
SESSION_ROLES = ("operator", "department_staff")


@dataclass(frozen=True)
class Caller:
    department: Department
    actor: str  # who the trace names: "dept:SCJG" for a token, "user:op1" for a session


def caller() -> Caller:
    """This request's caller, or UnauthorizedError with what to send."""
    if "caller" not in g:
        # A request that sends a token is judged by the token alone, never by a cookie too.
        bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
        g.caller = _from_token() if bearer else _from_session()
    if g.caller is None:
        raise UnauthorizedError("send 'Authorization: Bearer <token>' with your department's API "
                                "token (onegrid token create --department CODE), or sign in")
    return cast(Caller, g.caller)


def _from_token() -> Caller | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    department = token_department(token.strip())
    return Caller(department, f"dept:{department.code}") if department else None


def _from_session() -> Caller | None:
    user = current_user()
    if user is None or user.role not in SESSION_ROLES or user.department_id is None:
        return None
    department = store.session().get(Department, user.department_id)
    return Caller(department, f"user:{user.username}") if department else None


def views() -> dict[str, DatasetView]:
    """What the caller may read now."""
    return readable(store.session(), caller().department)


def asker(via: str | None = None) -> Asker:
    """The caller as a pull names it: department, actor, the purpose as stated (X-Purpose or
    ?purpose=; the pull decides whether it will do), this request's route and query string."""
    who = caller()
    stated = request.headers.get("X-Purpose") or request.args.get("purpose") or ""
    return Asker(who.department, who.actor, stated, str(request.url_rule),
                 request.query_string.decode(errors="replace"), via)


def pulled(query: Query[T], via: str | None = None) -> T:
    """``query`` pulled as this request's caller, in the request's unit of work (which commits
    the pull's trace entry), the query itself on the read path's session (a replica's)."""
    with store.unit_of_work() as db:
        return pull(db, asker(via), query, store.read_session())
